"""``ocrvqa ocr-cache``: the pre-pass fills the very cache entries the evaluation reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from eval_vqa.benchmarks import MINI_DIR
from eval_vqa.config import load_config
from eval_vqa.ocr_prepass import _chunk_size, fill_cache, unique_images
from eval_vqa.ocr_stage import ImageMemo, read_ahead
from eval_vqa.runner import load_benchmark, make_expert
from ocr_expert import OCRExpert


def _config_file(tmp_path: Path, rows: list[dict], engine: str = "tesseract") -> Path:
    data = tmp_path / "questions.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = {
        "name": "pre",
        "model": "tiny-random-llava",
        "benchmarks": [{"name": "mini_scene", "source": str(data)}],
        "variants": ["none", "lines"],
        "progress": False,
        "ocr": {
            "engine": engine,
            "cache_dir": str(tmp_path / "cache"),
            "options": {"lang": "eng"} if engine == "tesseract" else {},
        },
    }
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _rows(n: int, extra: list[dict] | None = None) -> list[dict]:
    rows = [json.loads(line) for line in (MINI_DIR / "scene.jsonl").read_text().splitlines()][:n]
    rows = [dict(r, image=str(MINI_DIR / r["image"])) for r in rows]
    # a second question on the first image: one image to read, not two
    rows.append(dict(rows[0], question_id="again", question="Again?"))
    return rows + (extra or [])


def _command(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run(
        [sys.executable, "-m", "eval_vqa.console", "ocr-cache", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_pre_pass_fills_what_the_evaluation_reads(tmp_path):
    path = _config_file(tmp_path, _rows(5))
    config = load_config(str(path))
    assert len(unique_images(config)) == 5

    done = _command(str(path), "--workers", "2")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "5 images: 0 cached already, 5 read, 0 failed" in done.stdout
    assert "2 workers x 1 thread)" in done.stdout

    # the evaluation's own OCR stage now runs no engine at all
    expert = make_expert(config)
    samples = load_benchmark(config, config.benchmarks[0])
    items = list(read_ahead(samples, ImageMemo(expert, config.ocr.mode)))
    assert all(item.error is None and item.ocr is not None for item in items)
    assert isinstance(expert, OCRExpert) and expert.stats == {"hits": 5, "misses": 0}

    again = _command(str(path), "--workers", "1")
    assert "5 images: 5 cached already, 0 read, 0 failed" in again.stdout


def test_broken_images_are_counted_and_named(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    row = {"question_id": "x", "image": str(broken), "question": "q?", "answers": ["a"]}
    path = _config_file(tmp_path, _rows(1, [row]))
    summary = fill_cache(load_config(str(path)), workers=1, progress=False)
    assert (summary.images, summary.read, summary.failed) == (2, 1, 1)
    assert "broken.png" in summary.errors[0]
    done = _command(str(path), "--workers", "1")
    assert done.returncode == 1 and "failed: " in done.stderr and "broken.png" in done.stderr


def test_engines_with_nothing_to_cache_say_so(tmp_path):
    done = _command(str(_config_file(tmp_path, _rows(1), engine="dataset")))
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == "ocrvqa ocr-cache: the dataset engine does no OCR, so there is nothing to cache"
    )
    assert _command("smoke", "--workers", "0").returncode == 2


@pytest.mark.parametrize("workers", [1, 3])
def test_summary_arithmetic(tmp_path, workers):
    path = _config_file(tmp_path, _rows(3))
    summary = fill_cache(load_config(str(path)), workers=workers, threads=1, progress=False)
    assert summary.cached + summary.read + summary.failed == summary.images == 3
    assert summary.workers == workers and summary.images_per_s > 0


def test_a_task_holds_a_generative_engines_default_batch_of_images(tmp_path):
    config = load_config(_config_file(tmp_path, _rows(2), engine="got-ocr2"))
    assert _chunk_size(config, n_images=4, workers=1) == 4  # got-ocr2's batch_size default
    config.ocr.options["batch_size"] = 6
    assert _chunk_size(config, n_images=4, workers=1) == 6
    # the vision-encoder-decoder engine's batch_size counts crops, not images
    config.ocr.engine, config.ocr.options = "vision-encoder-decoder", {"batch_size": 16}
    assert _chunk_size(config, n_images=4, workers=1) == 1


def test_launched_ranks_each_read_their_share_into_one_cache(tmp_path, monkeypatch):
    path = _config_file(tmp_path, _rows(5))
    config = load_config(str(path))
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")  # as torchrun sets it on the second process (of any node)
    second = fill_cache(config, workers=1, threads=1, progress=False)
    assert (second.images, second.read) == (2, 2) and second.line().endswith("; share 2 of 2")
    monkeypatch.setenv("RANK", "0")
    first = fill_cache(config, workers=1, threads=1, progress=False)
    assert (first.images, first.cached, first.read) == (3, 0, 3)  # no image of the other share
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert fill_cache(config, workers=1, threads=1, progress=False).cached == 5
