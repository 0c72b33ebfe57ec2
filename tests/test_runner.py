"""The runner: paired variants, the per-sample log, resume after a crash or a kill, broken samples.

The model is a registered test backend that answers with the first OCR token it was shown
(or "unknown" with no OCR context), so OCR variants score higher than no OCR in a way the
tests can predict. Other test files import this module as a plugin (``plugins: [test_runner]``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from eval_vqa.config import ConfigError, load_config
from eval_vqa.log import read_log_file, read_records, shard_path
from eval_vqa.runner import run
from eval_vqa.sharding import Shard
from lmm_bridge import Backend, register_backend
from ocr_expert.engines import register_engine
from ocr_expert.engines.base import OCREngine, OCREngineError
from ocr_expert.types import Span

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the runner catches it."""


@register_backend("test-echo")
class EchoBackend(Backend):
    """Answers with the first quoted OCR token of the prompt, else "unknown"."""

    calls = 0  # generate calls across instances
    crash_after: int | None = None  # "die" on the call after this many (a test sets it)

    def __init__(
        self,
        model: str | None,
        device: str | None = None,
        dtype: Any = None,
        fail_word: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model, **kwargs)
        # a slow model, for killing a run mid-way; from the environment so the config is unchanged
        self.delay_s = float(os.environ.get("TEST_ECHO_DELAY_S", "0"))
        self.fail_word = fail_word

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate(self, requests: list[Any]) -> list[str]:
        EchoBackend.calls += 1
        if self.crash_after is not None and EchoBackend.calls > self.crash_after:
            raise Crash()
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_word and any(self.fail_word in r.text for r in requests):
            raise RuntimeError("the model choked on this input")
        out = []
        for r in requests:
            found = re.search(r'OCR_token: \["([^"]*)"', r.text)
            out.append(found.group(1) if found else "unknown")
        return out


@register_engine("test-picky")
class PickyEngine(OCREngine):
    """Reads the word of a ``make_benchmark`` image from its width; fails on sample 5."""

    calls = 0

    def config(self) -> dict[str, Any]:
        return {"engine": "test-picky"}

    def read_page(self, image: Image.Image) -> list[Span]:
        PickyEngine.calls += 1
        time.sleep(0.05)  # long enough for questions on one image to be in flight together
        index = image.width - 160
        if index == 5:
            raise OCREngineError("the engine crashed on this image")
        return [Span(text=WORDS[index % len(WORDS)].upper(), box=(8, 16, 60, 30), score=0.9)]

    read_crop = read_page


WORDS = [
    "bakery",
    "stop",
    "exit",
    "pharmacy",
    "hotel",
    "taxi",
    "garage",
    "school",
    "museum",
    "bank",
]


def make_benchmark(
    folder: Path, n: int = 10, broken: tuple[int, ...] = (), first_token_wrong: tuple[int, ...] = ()
) -> Path:
    """A jsonl benchmark of rendered word images; the answer is the word on the image."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        word = WORDS[i % len(WORDS)]
        image = folder / f"img_{i}.png"
        if i in broken:
            image.write_bytes(b"this is not a png")
        else:
            # the width tells PickyEngine the word; a grey frame keeps the image whole where
            # it is read as a crop (the reader cuts a crop with wide margins to its ink)
            canvas = Image.new("RGB", (160 + i, 48), "white")
            ImageDraw.Draw(canvas).rectangle((0, 0, 159 + i, 47), outline=(150, 150, 150))
            ImageDraw.Draw(canvas).text((8, 16), word.upper(), fill="black")
            canvas.save(image)
        tokens = ["NOISE", word.upper()] if i in first_token_wrong else [word.upper(), "OPEN"]
        rows.append(
            {
                "question_id": f"q{i}",
                "image": image.name,
                "question": f"What does sign {i} say?",
                "answers": [word] * 10,
                "ocr_tokens": tokens,
            }
        )
    path = folder / "bench.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def config_dict(tmp_path: Path, source: Path, **changes: Any) -> dict[str, Any]:
    data = {
        "name": "t",
        "model": "echo",
        "backend": "test-echo",
        "plugins": ["test_runner"],
        "benchmarks": [{"name": "mini_scene", "source": str(source)}],
        "variants": ["none", "tokens", "lines"],
        "ocr": {"engine": "dataset", "use_cache": False},
        "batch_size": 3,
        "output_dir": str(tmp_path / "run"),
        "progress": False,
        "report": {"bootstrap_samples": 200, "permutation_samples": 500, "html_samples": 20},
    }
    data.update(changes)
    return data


ALONE = Shard(rank=0, world_size=1, device="cpu")


@pytest.fixture(autouse=True)
def _fresh_calls():
    EchoBackend.calls, EchoBackend.crash_after = 0, None
    yield
    EchoBackend.crash_after = None


def test_every_variant_is_scored_on_the_same_samples(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=7, first_token_wrong=(3,))
    config = load_config(config_dict(tmp_path, source))
    summary = run(config, shard=ALONE)
    assert (summary.written, summary.skipped, summary.errors) == (7, 0, 0)
    records = list(read_log_file(config.run_dir / "samples.jsonl"))
    assert [r.question_id for r in records] == [f"q{i}" for i in range(7)]  # source order
    for r in records:
        assert set(r.variants) == {"none", "tokens", "lines"}
        assert r.variants["none"].prediction == "unknown"
        assert r.variants["none"].answer_in_context is None
        assert "OCR_token" in r.variants["tokens"].prompt
        assert r.ocr is not None and r.ocr.engine == "dataset" and r.ocr.answer_in_ocr is True
        assert r.variants["tokens"].answer_in_context is True
    results = json.loads((config.run_dir / "results.json").read_text())
    scene = results["benchmarks"]["mini_scene"]
    assert scene["scores"]["none"]["anls"]["mean"] == 0.0
    assert scene["scores"]["tokens"]["anls"]["mean"] == pytest.approx(100 * 6 / 7)
    assert scene["deltas"]["tokens"]["anls"]["helped"] == 6
    assert scene["answer_recall"]["tokens"] == 100.0
    for name in ("table.md", "chart.png", "report/index.html"):
        assert (config.run_dir / name).is_file()


def test_broken_samples_are_recorded_with_reasons_and_excluded(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=8, broken=(2,))
    config = load_config(
        config_dict(
            tmp_path,
            source,
            model_kwargs={"fail_word": "sign 6 "},
            ocr={"engine": "test-picky", "use_cache": False},
        )
    )
    summary = run(config, shard=ALONE)
    assert summary.written == 8 and summary.errors == 3
    by_id = {r.question_id: r for r in read_records(config.run_dir)}
    q2, q5, q6 = (by_id[q].error for q in ("q2", "q5", "q6"))
    assert q2 is not None and q5 is not None and q6 is not None
    assert q2.stage == "image" and "img_2.png" in q2.reason
    assert q5.model_dump() == {
        "stage": "ocr",
        "reason": "OCREngineError: the engine crashed on this image",
        "kind": "ocr",
    }
    assert q6.stage == "generate" and "choked" in q6.reason
    assert all(by_id[q].variants == {} for q in ("q2", "q5", "q6"))
    # the samples batched with the failing one still got their answers
    assert by_id["q7"].status == "ok" and by_id["q7"].variants["tokens"].prediction == "school"
    results = json.loads((config.run_dir / "results.json").read_text())
    counts = results["benchmarks"]["mini_scene"]["counts"]
    assert counts == {
        "samples": 8,
        "scored": 5,
        "errors": {"image": 1, "ocr": 1, "generation": 1},
        "retried": 0,
        "recovered": 0,
        "selected": 8,
    }
    for v in ("none", "tokens", "lines"):
        assert results["benchmarks"]["mini_scene"]["scores"][v]["anls"]["n"] == 5
    table = (config.run_dir / "table.md").read_text()
    assert "| Mini scene text | 8 | 5 | 1 generation, 1 image, 1 ocr | 0 (0) |" in table


def test_resume_after_a_crash_loses_nothing_and_repeats_nothing(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=10, first_token_wrong=(1, 4))
    straight = load_config(config_dict(tmp_path / "a", source))
    run(straight, shard=ALONE)

    data = config_dict(tmp_path / "b", source)
    crashing = load_config(data)
    EchoBackend.calls, EchoBackend.crash_after = 0, 7  # 3 variants a batch: dies in the third batch
    with pytest.raises(Crash):
        run(crashing, shard=ALONE)
    partial = read_records(crashing.run_dir)
    assert len(partial) == 6
    EchoBackend.crash_after = None
    resumed = run(crashing, shard=ALONE)
    assert resumed.skipped == len(partial) and resumed.written == 10 - len(partial)
    lines = list(read_log_file(shard_path(crashing.run_dir, 0)))
    assert sorted(r.key for r in lines) == sorted({r.key for r in lines})  # nothing twice
    a = json.loads((straight.run_dir / "results.json").read_text())["benchmarks"]
    b = json.loads((crashing.run_dir / "results.json").read_text())["benchmarks"]
    assert a == b


def test_a_half_written_line_from_a_kill_is_dropped_and_redone(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=4)
    config = load_config(config_dict(tmp_path, source))
    run(config, shard=ALONE, report=False)
    log = shard_path(config.run_dir, 0)
    text = log.read_text()
    log.write_text(
        text[: text.rindex("{")] + text[text.rindex("{") :][:40]
    )  # the last record cut short
    assert len(read_records(config.run_dir)) == 3
    summary = run(config, shard=ALONE, report=False)
    assert (summary.skipped, summary.written) == (3, 1)
    assert [json.loads(line)["question_id"] for line in log.read_text().splitlines()] == [
        "q0",
        "q1",
        "q2",
        "q3",
    ]


def test_resuming_with_other_settings_is_refused(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=2)
    run(load_config(config_dict(tmp_path, source)), shard=ALONE, report=False)
    with pytest.raises(ConfigError, match="variants"):
        run(load_config(config_dict(tmp_path, source, variants=["none", "llava"])), shard=ALONE)
    # a larger limit or another batch size is the same run, extended
    more = make_benchmark(tmp_path / "data", n=4)
    summary = run(load_config(config_dict(tmp_path, more, batch_size=2)), shard=ALONE, report=False)
    assert (summary.skipped, summary.written) == (2, 2)


def test_a_run_of_a_rebuilt_tiny_model_is_not_resumed(tmp_path: Path, monkeypatch):
    # a bundled tiny model rebuilt by a newer recipe answers differently: its old answers
    # must not be mixed with new ones (the build stamp is recorded in run.json)
    import eval_vqa.run_folder as run_folder

    source = make_benchmark(tmp_path / "data", n=2)
    monkeypatch.setattr(run_folder, "model_build", lambda model: "2")
    run(load_config(config_dict(tmp_path, source)), shard=ALONE, report=False)
    config = load_config(config_dict(tmp_path, source))
    assert json.loads((config.run_dir / "run.json").read_text())["model_build"] == "2"
    monkeypatch.setattr(run_folder, "model_build", lambda model: "3")
    with pytest.raises(
        ConfigError, match=r"older recipe built it \(build 2, now 3\).*delete the folder"
    ):
        run(config, shard=ALONE)
    # a folder written before the stamp existed resumes as before
    data = json.loads((config.run_dir / "run.json").read_text())
    del data["model_build"]
    (config.run_dir / "run.json").write_text(json.dumps(data))
    assert run(config, shard=ALONE, report=False).skipped == 2


def test_sequential_and_overlapped_ocr_give_the_same_records(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=6, first_token_wrong=(2,))
    outs = []
    for overlap in (True, False):
        config = load_config(
            config_dict(
                tmp_path / str(overlap),
                source,
                ocr={
                    "engine": "dataset",
                    "use_cache": False,
                    "overlap": overlap,
                    "workers": 2,
                    "lookahead": 1,
                },
            )
        )
        run(config, shard=ALONE, report=False)
        outs.append(
            [
                (r.key, {v: e.prediction for v, e in r.variants.items()})
                for r in read_log_file(config.run_dir / "samples.jsonl")
            ]
        )
    assert outs[0] == outs[1]


def test_ocr_runs_once_per_image_for_all_variants_and_questions(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=4)
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    # three more questions on the first image
    rows += [dict(rows[0], question_id=f"extra{k}", question=f"Again {k}?") for k in range(3)]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    PickyEngine.calls = 0
    config = load_config(
        config_dict(
            tmp_path,
            source,
            variants=["none", "tokens", "lines", "llava"],
            ocr={"engine": "test-picky", "use_cache": False, "workers": 4},
        )
    )
    summary = run(config, shard=ALONE, report=False)
    assert summary.written == 7 and summary.errors == 0
    assert PickyEngine.calls == 4
    extra = [r for r in read_records(config.run_dir) if r.question_id.startswith("extra")]
    assert all(r.variants["tokens"].prediction == "bakery" for r in extra)


def _cli(args: list[str], delay_s: float = 0.0) -> subprocess.Popen:
    env = dict(
        os.environ,
        PYTHONPATH=f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        HF_HUB_OFFLINE="1",
        TEST_ECHO_DELAY_S=str(delay_s),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "eval_vqa.console", "eval", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )


def _interruptible() -> None:
    # A run in the background of a shell without job control (a CI script's `cmd &`) inherits
    # SIGINT ignored, and Python then never turns Ctrl-C into KeyboardInterrupt: the child
    # starts with the default disposition, as a run started from a terminal does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_cli_run_resumes_to_the_uninterrupted_scores(tmp_path: Path, sig: signal.Signals):
    source = make_benchmark(tmp_path / "data", n=12, first_token_wrong=(0, 7))
    cfg = tmp_path / "run.yaml"
    cfg.write_text(json.dumps(config_dict(tmp_path, source)))  # JSON is YAML
    straight = _cli([str(cfg), f"output_dir={tmp_path / 'straight'}"])
    out, err = straight.communicate(timeout=120)
    assert straight.returncode == 0, err

    # the run lasts 36 s: killed well before its end, even on a loaded machine
    slow = _cli([str(cfg)], delay_s=3.0)
    log = shard_path(tmp_path / "run", 0)
    # wait for finished samples however slowly a loaded machine starts the process: a signal
    # sent while it is still importing its libraries may be lost there
    deadline = time.time() + 240
    while time.time() < deadline and (not log.is_file() or len(log.read_text().splitlines()) < 3):
        time.sleep(0.05)
    slow.send_signal(sig)
    _, err = slow.communicate(timeout=30)
    if sig == signal.SIGINT:  # Ctrl-C: a short word on how to go on, no traceback
        assert (
            slow.returncode == 130
            and "run the same command again" in err
            and "Traceback" not in err
        ), (slow.returncode, err)
    done_before = len(read_records(tmp_path / "run"))
    assert 3 <= done_before < 12, "the run was killed mid-way"

    resumed = _cli([str(cfg)])
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert f"{done_before} already in the log" in err
    assert "| Δ tokens − none |" in out
    a = json.loads((tmp_path / "straight" / "results.json").read_text())["benchmarks"]
    b = json.loads((tmp_path / "run" / "results.json").read_text())["benchmarks"]
    assert a == b
    lines = list(read_log_file(log))
    assert len(lines) == len({r.key for r in lines}) == 12  # nothing twice, nothing lost


def test_cli_reports_config_errors_naming_the_key(tmp_path: Path, capsys):
    from eval_vqa.console import main

    assert main(["eval", "smoke", "ocr.engin=tesseract"]) == 2
    assert "ocr.engin: unknown key" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2
    assert "run.json" in capsys.readouterr().err


def test_cli_flags_select_samples_like_overrides(tmp_path: Path, capsys):
    from eval_vqa.console import main

    source = make_benchmark(tmp_path / "data", n=6)
    cfg = tmp_path / "run.yaml"
    cfg.write_text(json.dumps(config_dict(tmp_path, source)))
    assert (
        main(
            ["eval", str(cfg), "--limit", "2", "--offset", "3", "--output-dir", str(tmp_path / "o")]
        )
        == 0
    )
    assert [r.question_id for r in read_log_file(tmp_path / "o" / "samples.jsonl")] == ["q3", "q4"]
    assert main(["report", str(tmp_path / "o")]) == 0
    assert "| Δ tokens − none |" in capsys.readouterr().out


def _scramble_into_two_shards(run_dir: Path) -> None:
    """Rewrite the log as two processes might have left it: later samples in rank 0, in reverse."""
    records = list(read_log_file(shard_path(run_dir, 0)))
    half = len(records) // 2
    for rank, part in ((0, records[half:][::-1]), (1, records[:half][::-1])):
        shard_path(run_dir, rank).write_text("".join(r.to_json() + "\n" for r in part))
    (run_dir / "samples.jsonl").unlink()


def test_report_does_not_depend_on_which_process_wrote_which_sample(tmp_path: Path):
    from eval_vqa.report import build_report

    source = make_benchmark(tmp_path / "data", n=12, broken=(4,), first_token_wrong=(0, 1, 2, 7))
    config = load_config(config_dict(tmp_path, source))
    run(config, shard=ALONE)
    before = json.loads((config.run_dir / "results.json").read_text())
    _scramble_into_two_shards(config.run_dir)
    build_report(config.run_dir)
    after = json.loads((config.run_dir / "results.json").read_text())
    # the bootstrap intervals and the error list included: they follow sample order, not file order
    assert after["benchmarks"] == before["benchmarks"]


def test_a_smaller_selection_on_the_same_folder_reports_only_its_samples(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=6, first_token_wrong=(4, 5))
    run(load_config(config_dict(tmp_path, source)), shard=ALONE, report=False)
    summary = run(load_config(config_dict(tmp_path, source, limit=3)), shard=ALONE)
    assert (summary.written, summary.skipped) == (0, 3)
    results = json.loads((tmp_path / "run" / "results.json").read_text())["benchmarks"][
        "mini_scene"
    ]
    assert results["counts"]["samples"] == 3 and results["scores"]["tokens"]["anls"]["n"] == 3
    assert results["scores"]["tokens"]["anls"]["mean"] == 100.0  # samples 4 and 5 are not counted
    assert [r.question_id for r in read_log_file(tmp_path / "run" / "samples.jsonl")] == [
        "q0",
        "q1",
        "q2",
    ]
    # and the log still holds the rest: a larger selection needs no new work
    summary = run(load_config(config_dict(tmp_path, source)), shard=ALONE, report=False)
    assert (summary.written, summary.skipped) == (0, 6)


def test_unanswered_and_empty_questions_are_logged_as_broken_and_counted(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=5)
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    rows[1]["answers"], rows[3]["question"] = [], "  "
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = load_config(config_dict(tmp_path, source))
    summary = run(config, shard=ALONE)
    assert (summary.written, summary.errors) == (5, 2)
    by_id = {r.question_id: r for r in read_records(config.run_dir)}
    q1, q3 = by_id["q1"].error, by_id["q3"].error
    assert q1 is not None and q3 is not None
    assert q1.model_dump() == {
        "stage": "data",
        "reason": "no ground-truth answers",
        "kind": "data",
    }
    assert q3.model_dump() == {
        "stage": "data",
        "reason": "empty question",
        "kind": "data",
    }
    assert by_id["q1"].variants == {} and by_id["q3"].variants == {}
    counts = json.loads((config.run_dir / "results.json").read_text())["benchmarks"]["mini_scene"][
        "counts"
    ]
    assert (counts["samples"], counts["scored"], counts["errors"]) == (5, 3, {"data": 2})
    assert (
        "| Mini scene text | 5 | 3 | 2 data | 0 (0) |" in (config.run_dir / "table.md").read_text()
    )


def test_a_source_without_any_answers_is_refused_naming_benchmark_and_source(tmp_path: Path):
    from eval_vqa.data import DataLoadError

    source = make_benchmark(tmp_path / "data", n=3)
    rows = [dict(json.loads(line), answers=[]) for line in source.read_text().splitlines()]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(
        DataLoadError,
        match=r"mini_scene.*bench\.jsonl.*no.* answer|mini_scene.*bench\.jsonl.*answer",
    ):
        run(load_config(config_dict(tmp_path, source)), shard=ALONE)


def test_a_start_that_failed_before_any_sample_leaves_the_folder_free(tmp_path: Path):
    from eval_vqa.data import DataLoadError

    with pytest.raises(DataLoadError, match="mini_scene"):
        run(load_config(config_dict(tmp_path, tmp_path / "no-such.jsonl")), shard=ALONE)
    # the user fixes the source: the settings change, but nothing was done under the first ones
    source = make_benchmark(tmp_path / "data", n=2)
    summary = run(load_config(config_dict(tmp_path, source)), shard=ALONE, report=False)
    assert summary.written == 2


def test_a_second_run_on_a_folder_still_being_written_is_refused(tmp_path: Path):
    from eval_vqa.log import LogBusyError, SampleLog

    source = make_benchmark(tmp_path / "data", n=3)
    config = load_config(config_dict(tmp_path, source))
    for rank in (0, 1):  # rank 1: a worker of an earlier two-process launch still going
        with (
            SampleLog(shard_path(config.run_dir, rank)),
            pytest.raises(LogBusyError, match=f"rank-0000{rank}.jsonl"),
        ):
            run(config, shard=ALONE)
    # free again once the other writer is gone
    assert run(config, shard=ALONE, report=False).written == 3


def test_results_name_the_backend_that_ran(tmp_path: Path):
    source = make_benchmark(tmp_path / "data", n=2)
    config = load_config(config_dict(tmp_path, source))
    run(config, shard=ALONE)
    results = json.loads((config.run_dir / "results.json").read_text())
    assert results["run"]["backend"] == "test-echo"
    versions = results["provenance"]["versions"]
    assert results["config"]["model"] == "echo" and versions["python"]
    assert "ocrvqa" in versions and "transformers" in versions


def test_cli_reports_data_and_model_errors_in_one_line(tmp_path: Path, capsys):
    from eval_vqa.console import main

    missing = tmp_path / "nowhere" / "bench.jsonl"
    assert (
        main(
            [
                "eval",
                "smoke",
                f"benchmarks=[{{name: mini_doc, source: {missing}}}]",
                f"output_dir={tmp_path / 'a'}",
                "progress=false",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "mini_doc" in err and str(missing) in err and "Traceback" not in err
    assert (
        main(
            [
                "eval",
                "smoke",
                f"model={tmp_path / 'no-model'}",
                f"output_dir={tmp_path / 'b'}",
                "progress=false",
                "limit=1",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "no-model" in err and "Traceback" not in err


def test_an_image_held_in_memory_is_kept_small_in_the_run_folder_and_shown(tmp_path: Path):
    import io

    import datasets

    def png(i: int) -> bytes:
        canvas = Image.new("RGB", (1600 + 10 * i, 900), "white")  # larger than the page shows
        ImageDraw.Draw(canvas).text((40, 40), WORDS[i].upper(), fill="black")
        buf = io.BytesIO()
        canvas.save(buf, format="PNG")
        return buf.getvalue()

    rows = datasets.Dataset.from_dict(
        {
            "questionId": ["q0", "q1", "q2"],
            "question": ["What is written?"] * 3,
            "answers": [[WORDS[i]] for i in range(3)],
            "image": [{"bytes": png(i), "path": None} for i in (0, 1, 0)],
        },  # q2 shares q0's image
        features=datasets.Features(
            {
                "questionId": datasets.Value("string"),
                "question": datasets.Value("string"),
                "answers": datasets.Sequence(datasets.Value("string")),
                "image": datasets.Image(),
            }
        ),
    )
    source = tmp_path / "val.parquet"
    rows.to_parquet(str(source))
    config = load_config(
        config_dict(
            tmp_path,
            source,
            variants=["none"],
            benchmarks=[{"name": "docvqa", "source": str(source)}],
        )
    )
    run(config, shard=ALONE)
    by_id = {r.question_id: r for r in read_records(config.run_dir)}
    assert by_id["q0"].image == by_id["q2"].image != by_id["q1"].image  # content-addressed
    for rec in by_id.values():
        assert rec.image is not None and re.fullmatch(r"images/[0-9a-f]{64}\.jpg", rec.image)
        with Image.open(config.run_dir / rec.image) as kept:
            assert max(kept.size) == 640 and kept.format == "JPEG"
    page = (config.run_dir / "report" / "index.html").read_text()
    assert page.count('<img src="images/') == 3 and "image unavailable" not in page


def test_the_log_hands_each_batch_to_the_system_and_syncs_at_most_every_interval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from eval_vqa.log import SampleLog
    from eval_vqa.records import SampleRecord

    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    path = tmp_path / "rank-00000.jsonl"

    def record(qid: str) -> SampleRecord:
        return SampleRecord(key=f"b/{qid}", benchmark="b", status="ok", variants={})

    with SampleLog(path, sync_every_s=3600) as log:
        log.write_many([record("1"), record("2")])
        assert len(synced) == 1  # the first batch at once
        log.write_many([record("3")])
        assert len(synced) == 1  # within the interval: not synced yet ...
        # ... but readable by another process: a kill loses nothing
        assert [r.key for r in read_log_file(path)] == ["b/1", "b/2", "b/3"]
    assert len(synced) == 2  # closing syncs what is left
