"""Reports from a run's log: numbers, the Table-5-shaped markdown, the chart and the HTML page."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from eval_vqa.log import SampleLog, shard_path
from eval_vqa.records import SampleRecord
from eval_vqa.report import build_report
from eval_vqa.report.stats import mean_ci, paired_delta, paired_permutation_p


def _record(
    key: str, bench: str, scores: dict[str, float], image: str | None = None, status: str = "ok"
) -> SampleRecord:
    return SampleRecord.model_validate(_line(key, bench, scores, image, status))


def _line(
    key: str, bench: str, scores: dict[str, float], image: str | None = None, status: str = "ok"
) -> dict[str, Any]:
    """A log line as the runner has always written it (the fields a record needs, few defaults)."""
    rec: dict[str, Any] = {
        "key": f"{bench}/{key}",
        "index": int(key),
        "benchmark": bench,
        "question_id": key,
        "question": f"what is {key}?",
        "answers": ["a"],
        "status": status,
        "error": None,
        "rank": 0,
        "ocr": None,
        "timings": {},
        "variants": {},
    }
    if image:
        rec["image"] = image
    if status == "error":
        rec["error"] = {"stage": "image", "reason": "cannot read image"}
        return rec
    for variant, score in scores.items():
        rec["variants"][variant] = {
            "prompt": f"<img>x</img>what is {key}?",
            "prediction": "a" if score else "b",
            "scores": {"anls": score},
            "context_tokens": 0 if variant == "none" else 5,
            "answer_in_context": None if variant == "none" else bool(int(key) % 2),
        }
    return rec


def _run_dir(tmp_path: Path, records: list[SampleRecord], variants=("none", "tokens")) -> Path:
    run_dir = tmp_path / "run"
    config = {
        "name": "t",
        "model": "m",
        "benchmarks": [{"name": "mini_scene"}, {"name": "mini_doc"}],
        "variants": list(variants),
        "ocr": {"engine": "ppocr"},
        "report": {
            "metric": "anls",
            "baseline": "none",
            "bootstrap_samples": 500,
            "permutation_samples": 2000,
            "seed": 0,
            "html_samples": 50,
            "chart": True,
            "html": True,
        },
    }
    run_dir.mkdir()
    (run_dir / "run.json").write_text(
        json.dumps({"config": config, "fingerprint": "x", "versions": {}})
    )
    with SampleLog(shard_path(run_dir, 0)) as log:
        for rec in records:
            log.write(rec)
    return run_dir


def test_report_numbers_are_paired_means_in_percent(tmp_path: Path):
    base = [0, 0, 1, 1, 0, 0, 1, 0]
    ocr = [1, 1, 1, 0, 1, 1, 1, 0]
    records = [
        _record(str(i), "mini_scene", {"none": b, "tokens": o})
        for i, (b, o) in enumerate(zip(base, ocr))
    ]
    records.append(_record("99", "mini_scene", {}, status="error"))
    records += [_record(str(i), "mini_doc", {"none": 0.5, "tokens": 0.75}) for i in range(4)]
    paths = build_report(_run_dir(tmp_path, records))
    results = json.loads(paths["results"].read_text())
    scene = results["benchmarks"]["mini_scene"]
    assert scene["counts"] == {
        "samples": 9,
        "scored": 8,
        "errors": {"image": 1},
        "retried": 0,
        "recovered": 0,
        "selected": 9,
    }
    assert scene["scores"]["none"]["anls"]["mean"] == pytest.approx(100 * 3 / 8)
    assert scene["scores"]["tokens"]["anls"]["mean"] == pytest.approx(100 * 6 / 8)
    delta = scene["deltas"]["tokens"]["anls"]
    assert delta["delta"] == pytest.approx(100 * 3 / 8)
    assert delta["ci95"][0] <= delta["delta"] <= delta["ci95"][1]
    assert (delta["helped"], delta["hurt"], delta["n"]) == (4, 1, 8)
    assert scene["answer_recall"]["none"] is None
    assert scene["answer_recall"]["tokens"] == pytest.approx(50.0)
    doc = results["benchmarks"]["mini_doc"]
    assert doc["deltas"]["tokens"]["anls"]["delta"] == pytest.approx(25.0)
    assert doc["deltas"]["tokens"]["anls"]["ci95"] == pytest.approx([25.0, 25.0])


def test_markdown_table_has_variants_as_rows_and_benchmarks_as_columns(tmp_path: Path):
    records = [
        _record(str(i), b, {"none": 0.0, "tokens": 1.0})
        for b in ("mini_scene", "mini_doc")
        for i in range(6)
    ]
    paths = build_report(_run_dir(tmp_path, records))
    table = paths["table"].read_text()
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith("| variant |"))
    assert header.index("Mini scene text") < header.index("Mini documents")  # config order
    assert "| none | 0.00 | 0.00 |" in table
    assert "| tokens | 100.00 | 100.00 |" in table
    delta_row = next(line for line in lines if line.startswith("| Δ tokens − none"))
    assert delta_row.count("+100.00 [+100.00, +100.00]") == 2
    assert "p=" in delta_row or "p<" in delta_row


def test_chart_is_a_png(tmp_path: Path):
    records = [_record(str(i), "mini_scene", {"none": 0.2, "tokens": 0.6}) for i in range(5)]
    paths = build_report(_run_dir(tmp_path, records))
    with Image.open(paths["chart"]) as im:
        assert im.format == "PNG" and im.width > 200


def test_html_page_filters_helped_and_hurt_and_shows_images(tmp_path: Path):
    img = tmp_path / "sign.png"
    canvas = Image.new("RGB", (200, 80), "white")
    ImageDraw.Draw(canvas).text((10, 30), "OPEN", fill="black")
    canvas.save(img)
    records = [
        _record("1", "mini_scene", {"none": 0.0, "tokens": 1.0}, image=str(img)),  # helped
        _record("2", "mini_scene", {"none": 1.0, "tokens": 0.0}, image=str(img)),  # hurt
        _record("3", "mini_scene", {"none": 1.0, "tokens": 1.0}, image=str(img)),  # same
        _record("4", "mini_scene", {}, image=str(tmp_path / "missing.png"), status="error"),
    ]
    paths = build_report(_run_dir(tmp_path, records))
    page = paths["html"].read_text()
    assert "OCR helped (1)" in page and "OCR hurt (1)" in page and "broken samples (1)" in page
    assert page.count('class="card"') == 4
    assert 'data-tags="helped"' in page and 'data-tags="hurt"' in page
    assert "what is 2?" in page and "cannot read image" in page
    shown = list((paths["html"].parent / "images").glob("*.jpg"))
    assert shown, "the sample image is copied next to the page"


def test_report_refuses_a_folder_that_is_not_a_run(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="run.json"):
        build_report(tmp_path)


def test_bootstrap_interval_covers_the_mean_and_shrinks_with_more_data():
    rng = np.random.default_rng(1)
    small, large = rng.normal(0.3, 1, 50), rng.normal(0.3, 1, 5000)
    lo_s, hi_s = mean_ci(small, 1000, seed=0)
    lo_l, hi_l = mean_ci(large, 1000, seed=0)
    assert lo_s < small.mean() < hi_s and lo_l < large.mean() < hi_l
    assert hi_l - lo_l < (hi_s - lo_s) / 4


def test_paired_test_separates_a_real_difference_from_noise():
    rng = np.random.default_rng(2)
    noise = rng.normal(0, 1, 200)
    assert paired_permutation_p(noise, 2000, seed=0) > 0.01
    assert paired_permutation_p(noise + 0.5, 2000, seed=0) < 0.001
    assert paired_permutation_p(np.zeros(10), 2000) == 1.0
    # with 5 pairs the exact two-sided p of all-positive flips is 2/32
    assert paired_permutation_p([1, 1, 1, 1, 1], 20000, seed=0) == pytest.approx(2 / 32, abs=0.01)


def _all_flips_p(d: np.ndarray) -> float:
    """Brute force: the two-sided p over every sign flip of every difference, zeros included."""
    flips = np.array(list(itertools.product([1, -1], repeat=d.size)))
    means = np.abs(flips @ d) / d.size
    return float(np.count_nonzero(means >= abs(d.mean()) - 1e-12) / len(means))


def test_paired_test_is_exact_against_brute_force_on_small_samples():
    rng = np.random.default_rng(11)
    for _ in range(40):
        n = int(rng.integers(2, 12))
        d = rng.choice([-1, -0.5, 0, 0, 0.3, 1], n)
        assert paired_permutation_p(d, 100, seed=3) == pytest.approx(_all_flips_p(d), abs=1e-12), d
    assert paired_permutation_p([0.5, 0, 0, 0]) == 1.0  # one non-zero difference: both signs tie
    assert np.isnan(paired_permutation_p([]))  # no samples: undefined


def test_paired_test_samples_flips_beyond_the_exact_limit():
    rng = np.random.default_rng(5)
    d = rng.choice([-1, 0.4, 1], 20, p=[0.3, 0.2, 0.5])
    d[:2] = 0  # 18 non-zero: random flips, not all 2**18
    p = paired_permutation_p(d, 20000, seed=0)
    assert p == pytest.approx(_all_flips_p(d), abs=0.01)
    assert p == paired_permutation_p(d, 20000, seed=0)  # seeded: the same every time
    assert 1 / 20001 <= p <= 1


def test_bootstrap_interval_is_the_percentile_interval_of_seeded_resamples():
    """Brute force: resample indices of shape (samples, n) from numpy's Generator seeded with
    ``seed``, take each resample's mean and the 2.5 / 97.5 percentiles, as the report always has."""
    rng = np.random.default_rng(7)
    for n, samples, seed in [(2, 300, 0), (7, 1000, 1), (60, 2000, 0), (33, 1234, 4)]:
        d = rng.choice([-1, 0, 0.5, 1], n, p=[0.2, 0.4, 0.1, 0.3])
        draws = np.random.default_rng(seed).integers(0, n, size=(samples, n))
        means = [sum(d[i] for i in row) / n for row in draws]
        expected = np.quantile(means, [0.025, 0.975])
        assert mean_ci(d, samples, seed) == pytest.approx(tuple(expected), abs=1e-12)
    assert mean_ci([0.25], 500) == (0.25, 0.25)  # one sample: every resample is that sample


def test_bootstrap_memory_is_bounded_on_large_benchmarks(monkeypatch):
    from scipy import stats as scipy_stats

    from eval_vqa.report import stats

    batches = []
    real = scipy_stats.bootstrap

    def spy(*args, **kwargs):
        batches.append(kwargs["batch"])
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy_stats, "bootstrap", spy)  # scipy is imported where it is used
    big = np.random.default_rng(0).choice([0.0, 1.0], 40_000)
    low, high = stats.mean_ci(big, 100, seed=0)
    assert low < big.mean() < high
    assert batches == [stats.BATCH_VALUES // big.size]


def test_paired_delta_refuses_unpaired_scores():
    with pytest.raises(ValueError, match="paired"):
        paired_delta([1, 0], [1, 0, 1])


def test_arabic_answers_keep_their_direction_on_the_page(tmp_path: Path):
    rec = _record("1", "mini_scene", {"none": 0.0, "tokens": 1.0})
    rec.answers = ["شارع النيل", "شارع النيل", "النيل"]
    rec.variants["tokens"].prediction = "شارع النيل"
    page = build_report(_run_dir(tmp_path, [rec]))["html"].read_text(encoding="utf-8")
    # each answer isolated, so the separator stays between them in right-to-left text
    assert "<b>GT:</b> <bdi>شارع النيل</bdi> | <bdi>النيل</bdi>" in page
    assert '<td dir="auto">شارع النيل</td>' in page
    assert "unicode-bidi:plaintext" in page  # prompt lines of Arabic OCR text read right to left


def test_filters_are_links_so_a_filtered_view_can_be_shared(tmp_path: Path):
    records = [
        _record("1", "mini_scene", {"none": 0.0, "tokens": 1.0}),
        _record("2", "mini_scene", {"none": 1.0, "tokens": 0.0}),
    ]
    page = build_report(_run_dir(tmp_path, records))["html"].read_text()
    assert "show(location.hash.slice(1) || 'all')" in page and "hashchange" in page
    assert re.findall(r'<button data-tag="(\w+)"', page) == ["all", "helped", "hurt", "broken"]
    assert re.findall(r'class="card" data-tags="(\w*)"', page) == ["helped", "hurt"]


def test_a_thumbnail_cut_short_by_a_kill_is_drawn_again(tmp_path: Path, monkeypatch):
    img = tmp_path / "sign.png"
    Image.new("RGB", (120, 60), "white").save(img)
    run_dir = _run_dir(
        tmp_path, [_record("1", "mini_scene", {"none": 0.0, "tokens": 1.0}, image=str(img))]
    )

    real_save = Image.Image.save

    def dying_save(self, fp, *args, **kwargs):  # half a file, then the process "dies"
        half = b"\xff\xd8\xff\xe0 half a jpeg"
        fp.write(half) if hasattr(fp, "write") else Path(fp).write_bytes(half)
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        build_report(run_dir)
    monkeypatch.setattr(Image.Image, "save", real_save)
    build_report(run_dir)
    (thumb,) = (run_dir / "report" / "images").glob("*.jpg")
    with Image.open(thumb) as im:
        im.load()  # a whole image, not the half one
        assert im.size == (120, 60)


def test_a_partial_run_says_how_far_it_got(tmp_path: Path):
    records = [_record(str(i), "mini_scene", {"none": 0.0, "tokens": 1.0}) for i in range(3)]
    run_dir = _run_dir(tmp_path, records)
    (run_dir / "selection.json").write_text(
        json.dumps({"mini_scene": [f"mini_scene/{i}" for i in range(10)]})
    )
    paths = build_report(run_dir)
    results = json.loads(paths["results"].read_text())
    assert results["benchmarks"]["mini_scene"]["counts"]["selected"] == 10
    assert (
        "Unfinished run, samples in the log so far: Mini scene text 3 of 10"
        in paths["table"].read_text()
    )


def test_a_run_without_a_baseline_says_so_instead_of_naming_none(tmp_path: Path):
    records = [_record(str(i), "mini_scene", {"tokens": 1.0, "lines": 0.0}) for i in range(3)]
    table = build_report(_run_dir(tmp_path, records, variants=("tokens", "lines")))[
        "table"
    ].read_text()
    assert "No Δ rows" in table and "| Δ" not in table


def test_a_benchmark_whose_samples_all_broke_is_counted_not_scored(tmp_path: Path):
    records = [_record(str(i), "mini_scene", {"none": 0.0, "tokens": 1.0}) for i in range(3)]
    records += [_record(str(i), "mini_doc", {}, status="error") for i in range(2)]
    paths = build_report(_run_dir(tmp_path, records))
    doc = json.loads(paths["results"].read_text())["benchmarks"]["mini_doc"]
    assert (
        doc["counts"]["scored"] == 0
        and doc["counts"]["errors"] == {"image": 2}
        and doc["scores"]["none"] == {}
    )
    table = paths["table"].read_text()
    assert "| Mini documents | 2 | 0 | 2 image |" in table
    assert "| none | 0.00 |" in table  # the ANLS table has only the benchmark that was scored


def test_an_empty_answer_is_marked_on_the_page(tmp_path: Path):
    rec = _record("1", "mini_scene", {"none": 0.0, "tokens": 1.0})
    rec.variants["none"].prediction = ""
    page = build_report(_run_dir(tmp_path, [rec]))["html"].read_text()
    assert '<td>none</td><td class="empty">(empty)</td>' in page


# a line as the runner wrote it before records were typed (from a smoke run's log), and an
# older broken-sample line without the error's kind
OLD_LINE = (
    '{"key": "mini_scene/scene-01", "index": 0, "benchmark": "mini_scene", "question_id": '
    '"scene-01", "question": "What kind of shop is this?", "answers": ["bakery", "the bakery"], '
    '"part": null, "status": "ok", "error": null, "rank": 0, "variants": {"none": {"prompt": '
    '"<image>\\nWhat kind of shop is this?", "prediction": "What", "scores": {"anls": 0.0, '
    '"vqa_accuracy": 0.0}, "context_tokens": 0, "context_kept": 0, "context_dropped": 0, '
    '"context_note": null, "answer_in_context": null, "generate_s": 0.036054}, "tokens": '
    '{"prompt": "<image>\\nWhat kind of shop is this?\\nOCR_token: [\\"bakery\\"]", "prediction": '
    '"bakery", "scores": {"anls": 1.0, "vqa_accuracy": 1.0}, "context_tokens": 18, '
    '"context_kept": 4, "context_dropped": 0, "context_note": null, "answer_in_context": true, '
    '"generate_s": 0.031942}}, "ocr": {"engine": "ppocr", "n_spans": 2, "n_lines": 2, "n_words": '
    '4, "mean_score": 0.9991, "language": "ch+en+ara", "elapsed_s": 0.728, "file": '
    '"ocr/1c9b.json", "answer_in_ocr": true}, "timings": {"ocr_s": 0.001014, "ocr_wait_s": '
    '0.001546}, "attempt": 2, "image": "/data/mini/images/scene_01.png"}'
)
OLD_BROKEN_LINE = (
    '{"key": "mini_scene/scene-02", "index": 1, "benchmark": "mini_scene", "question_id": '
    '"scene-02", "question": "Which street?", "answers": ["nile"], "status": "error", "error": '
    '{"stage": "image", "reason": "cannot read image"}, "rank": 0, "variants": {}, "ocr": null, '
    '"timings": {}}'
)


def test_a_log_written_before_records_were_typed_reads_and_writes_back_unchanged(tmp_path: Path):
    from eval_vqa.log import read_records

    run_dir = _run_dir(tmp_path, [])
    shard_path(run_dir, 0).write_text(OLD_LINE + "\n" + OLD_BROKEN_LINE + "\n", encoding="utf-8")
    ok, broken = sorted(read_records(run_dir), key=lambda r: r.index)
    assert ok.to_json() == OLD_LINE  # same fields, same values, same order
    assert (
        ok.attempt == 2
        and ok.variants["tokens"].scores["anls"] == 1.0
        and ok.ocr is not None
        and ok.ocr.answer_in_ocr is True
    )
    # the kind is derived from the stage, as before kinds
    assert broken.broken and broken.error is not None and broken.error.kind == "image"
    assert broken.part is None and not {"attempt", "image"} & set(json.loads(broken.to_json()))
    scene = json.loads(build_report(run_dir)["results"].read_text())["benchmarks"]["mini_scene"]
    assert scene["counts"]["errors"] == {"image": 1} and scene["counts"]["retried"] == 1
    assert scene["scores"]["tokens"]["anls"]["mean"] == 100.0


@pytest.mark.parametrize(
    "line, why",
    [
        (
            '{"key": "b/1", "benchmark": "b", "status": "error", "variants": {}}',
            "without its error",
        ),
        ('{"key": "b/1", "benchmark": "b", "status": "done", "variants": {}}', "status"),
        (
            '{"key": "b/1", "benchmark": "b", "status": "ok", '
            '"variants": {"none": {"prompt": "p"}}}',
            "variants.none",
        ),
        ('{"benchmark": "b", "status": "ok", "variants": {}}', "key"),
    ],
)
def test_a_line_that_is_not_a_record_is_damaged_and_says_why(line: str, why: str):
    from eval_vqa.log import parse_record

    rec, problem = parse_record(line.encode())
    assert rec is None and why in problem


def test_the_page_leaves_the_records_as_they_are(tmp_path: Path):
    records = [
        _record("1", "mini_scene", {"none": 0.0, "tokens": 1.0}),
        _record("2", "mini_scene", {}, status="error"),
    ]
    before = [r.model_copy(deep=True) for r in records]
    from eval_vqa.report.html_page import error_page

    results = {"run": {"name": "t", "baseline": "none", "table_metric": "anls"}, "benchmarks": {}}
    page = error_page(results, records, tmp_path, tmp_path / "report", limit=300).read_text()
    assert records == before
    assert re.findall(r'class="card" data-tags="(\w*)"', page) == ["helped", "broken"]


def test_the_page_opens_with_the_scores_and_the_chart_above_the_samples(tmp_path: Path):
    records = [_record(str(i), "mini_scene", {"none": 0.0, "tokens": 1.0}) for i in range(4)]
    paths = build_report(_run_dir(tmp_path, records))
    page = paths["html"].read_text()
    scores, chart, samples = (
        page.index("<h2>Scores</h2>"),
        page.index('src="../chart.png"'),
        page.index('class="card"'),
    )
    assert scores < chart < samples
    assert (paths["html"].parent / "../chart.png").resolve() == paths["chart"].resolve()
    table = page[scores:chart]
    # the same figures as table.md: the delta row with its interval
    assert "Δ tokens − none" in table and "+100.00 [+100.00, +100.00]" in table
