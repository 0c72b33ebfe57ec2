"""Data mistakes are refused before the model loads, in one line naming benchmark,
source and fix: a source that does not resolve, columns that do not map, no answers, an
OCR engine without what it needs, images that do not decode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_runner import ALONE, config_dict, make_benchmark

from eval_vqa.config import load_config
from eval_vqa.data import DataLoadError
from eval_vqa.runner import run
from lmm_bridge import Backend, register_backend


@register_backend("test-counted")
class CountedBackend(Backend):
    """A model whose loading is counted: the checks must come first."""

    loads = 0

    def __init__(self, model: str | None, **kwargs: Any) -> None:
        super().__init__(model)
        CountedBackend.loads += 1

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate(self, requests: list[Any]) -> list[str]:
        return ["x" for _ in requests]


def refused(tmp_path: Path, source: Path | str, **changes: Any) -> str:
    """The one-line refusal of a run on ``source``; the model was never loaded."""
    CountedBackend.loads = 0
    bench = {"name": "mini_scene", "source": str(source), **changes.pop("bench", {})}
    cfg = load_config(
        config_dict(
            tmp_path,
            Path(source),
            backend="test-counted",
            benchmarks=[bench],
            plugins=["test_preflight"],
            **changes,
        )
    )
    with pytest.raises(DataLoadError) as err:
        run(cfg, shard=ALONE)
    assert CountedBackend.loads == 0
    message = str(err.value)
    assert "\n" not in message and "'mini_scene'" in message
    return message


def rewrite(source: Path, **changes: Any) -> None:
    rows = [dict(json.loads(line), **changes) for line in source.read_text().splitlines()]
    source.write_text(
        "".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in rows)
    )


def test_a_missing_source_is_refused_before_the_model_loads(tmp_path):
    missing = tmp_path / "nowhere" / "val.jsonl"
    message = refused(tmp_path, missing)
    assert str(missing) in message and "Check the path" in message


def test_columns_that_do_not_map_are_named(tmp_path):
    source = make_benchmark(tmp_path / "data", n=3)
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    source.write_text(
        "".join(
            json.dumps({"prompt_text": r["question"], "image": r["image"]}) + "\n" for r in rows
        )
    )
    message = refused(tmp_path, source)
    assert "no column for question" in message and "prompt_text" in message


def test_a_test_split_without_answers_is_named_as_such(tmp_path):
    source = make_benchmark(tmp_path / "data", n=3)
    rewrite(source, answers=None)
    message = refused(tmp_path, source, bench={"split": "test"})
    assert "split 'test' is a test split whose answers are withheld" in message
    assert str(source) in message


def test_dataset_ocr_engine_needs_tokens_in_the_source(tmp_path):
    source = make_benchmark(tmp_path / "data", n=3)
    rewrite(source, ocr_tokens=None)
    message = refused(tmp_path, source)
    assert "ocr.engine=dataset" in message and "no ocr_tokens column" in message
    assert "ocr.engine=ppocr" in message
    # without an OCR variant the engine is never asked: the run goes ahead
    cfg = load_config(
        config_dict(tmp_path, source, variants=["none"], output_dir=str(tmp_path / "b"))
    )
    assert run(cfg, shard=ALONE, report=False).written == 3


def test_images_that_do_not_decode_are_refused_with_the_fix(tmp_path):
    source = make_benchmark(tmp_path / "data", n=4)
    for png in (tmp_path / "data").glob("*.png"):
        png.write_bytes(b"not an image")
    message = refused(tmp_path, source)
    assert "none of the first 3 images decodes" in message and "image_root" in message


def test_one_bad_image_among_good_ones_is_left_to_its_sample(tmp_path):
    source = make_benchmark(tmp_path / "data", n=4, broken=(0,))
    cfg = load_config(config_dict(tmp_path, source))
    summary = run(cfg, shard=ALONE, report=False)
    assert summary.written == 4 and summary.errors == 1


def test_the_cli_prints_one_line_and_exits_2(tmp_path, capsys):
    from eval_vqa.console import main

    source = make_benchmark(tmp_path / "data", n=3)
    rewrite(source, ocr_tokens=None)
    code = main(
        [
            "eval",
            "smoke",
            "model=echo",
            "backend=test-counted",
            "plugins=[test_preflight]",
            f"benchmarks=[{{name: mini_scene, source: {source}}}]",
            "ocr.engine=dataset",
            f"output_dir={tmp_path / 'run'}",
            "progress=false",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("ocrvqa eval: benchmark 'mini_scene'") and "ocr_tokens" in err
