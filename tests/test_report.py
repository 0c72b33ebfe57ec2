"""Reports from a run's log: numbers, the Table-5-shaped markdown, the chart and the HTML page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from eval_vqa.log import SampleLog, shard_path
from eval_vqa.report import build_report
from eval_vqa.report.stats import mean_ci, paired_delta, paired_permutation_p


def _record(key: str, bench: str, scores: dict[str, float], image: str | None = None, status: str = "ok"):
    rec = {
        "key": f"{bench}/{key}", "index": int(key), "benchmark": bench, "question_id": key,
        "question": f"what is {key}?", "answers": ["a"], "status": status, "error": None, "rank": 0,
        "ocr": None, "timings": {}, "variants": {},
    }
    if image:
        rec["image"] = image
    if status == "error":
        rec["error"] = {"stage": "image", "reason": "cannot read image"}
        return rec
    for variant, score in scores.items():
        rec["variants"][variant] = {
            "prompt": f"<img>x</img>what is {key}?", "prediction": "a" if score else "b",
            "scores": {"anls": score}, "context_tokens": 0 if variant == "none" else 5,
            "answer_in_context": None if variant == "none" else bool(int(key) % 2),
        }
    return rec


def _run_dir(tmp_path: Path, records: list[dict], variants=("none", "tokens")) -> Path:
    run_dir = tmp_path / "run"
    config = {
        "name": "t", "model": "m", "benchmarks": [{"name": "mini_scene"}, {"name": "mini_doc"}],
        "variants": list(variants), "ocr": {"engine": "ppocr"},
        "report": {"metric": "anls", "baseline": "none", "bootstrap_samples": 500,
                   "permutation_samples": 2000, "seed": 0, "html_samples": 50, "chart": True, "html": True},
    }
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps({"config": config, "fingerprint": "x", "versions": {}}))
    with SampleLog(shard_path(run_dir, 0)) as log:
        for rec in records:
            log.write(rec)
    return run_dir


def test_report_numbers_are_paired_means_in_percent(tmp_path: Path):
    base = [0, 0, 1, 1, 0, 0, 1, 0]
    ocr = [1, 1, 1, 0, 1, 1, 1, 0]
    records = [_record(str(i), "mini_scene", {"none": b, "tokens": o}) for i, (b, o) in enumerate(zip(base, ocr))]
    records.append(_record("99", "mini_scene", {}, status="error"))
    records += [_record(str(i), "mini_doc", {"none": 0.5, "tokens": 0.75}) for i in range(4)]
    paths = build_report(_run_dir(tmp_path, records))
    results = json.loads(paths["results"].read_text())
    scene = results["benchmarks"]["mini_scene"]
    assert scene["counts"] == {"samples": 9, "scored": 8, "errors": {"image": 1}}
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
    records = [_record(str(i), b, {"none": 0.0, "tokens": 1.0}) for b in ("mini_scene", "mini_doc") for i in range(6)]
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


def test_paired_delta_refuses_unpaired_scores():
    with pytest.raises(ValueError, match="paired"):
        paired_delta([1, 0], [1, 0, 1])
