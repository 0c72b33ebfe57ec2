"""The README's main job, offline: the smoke config on the bundled mini benchmark with the
tiny random-weight model built on first use, through the ``ocrvqa`` command."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import run_eval

from eval_vqa.benchmarks import get_benchmark
from eval_vqa.config import load_config
from eval_vqa.runner import default_max_new_tokens

ROOT = Path(__file__).resolve().parents[1]


def test_tiny_model_answers_are_capped_but_real_models_get_the_benchmark_length():
    doc = get_benchmark("mini_doc")
    assert default_max_new_tokens(load_config("smoke"), doc) == 1
    assert (
        default_max_new_tokens(load_config("smoke", ["model=Qwen/Qwen-VL-Chat"]), doc)
        == doc.max_new_tokens
    )


@pytest.mark.slow
def test_smoke_config_runs_offline_end_to_end(tmp_path: Path):
    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        OCRVQA_MODELS=str(tmp_path / "models"),
        OCRVQA_CACHE=str(tmp_path / "ocr"),
    )
    out_dir = run_eval(tmp_path, "limit=3", env=env)
    assert (tmp_path / "models" / "tiny-random-llava" / "model.safetensors").is_file()
    results = json.loads((out_dir / "results.json").read_text())
    assert set(results["benchmarks"]) == {"mini_scene", "mini_doc"}
    for bench in results["benchmarks"].values():
        assert bench["counts"]["scored"] == 3
        assert set(bench["scores"]) == {"none", "tokens", "llava", "lines", "boxes"}
        assert bench["ocr_answer_recall"] is not None
    assert "| Δ tokens − none |" in (out_dir / "table.md").read_text()
    assert (out_dir / "chart.png").stat().st_size > 1000
    page = (out_dir / "report" / "index.html").read_text()
    # a thumbnail on every card, and the chart above them
    assert (
        page.count('class="card"') == 6
        and page.count('loading="lazy"') == 6
        and 'src="../chart.png"' in page
    )


@pytest.mark.slow
def test_smoke_config_runs_the_qwen_vl_chat_backend_on_a_remote_code_model(tmp_path: Path):
    """``model=<folder>`` of a Qwen-VL-Chat stand-in (remote code, ``model_type: qwen``): the
    harness infers the qwen-vl-chat backend and sends the official evaluation prompt."""
    from eval_vqa.tiny_models import write_qwen_vl_chat_double

    model = write_qwen_vl_chat_double(tmp_path / "qwen-vl-chat")
    env = dict(
        os.environ,
        HF_HUB_OFFLINE="1",
        OCRVQA_CACHE=str(tmp_path / "ocr"),
        HF_MODULES_CACHE=str(tmp_path / "modules"),
        PYTHONPATH=f"{ROOT / 'tests'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
    )
    out_dir = run_eval(
        tmp_path, "smoke", f"model={model}", "limit=1", "generation.max_new_tokens=4", env=env
    )
    results = json.loads((out_dir / "results.json").read_text())
    assert results["run"]["backend"] == "qwen-vl-chat" and results["config"]["backend"] is None
    for bench in results["benchmarks"].values():
        assert bench["counts"] == {
            "samples": 1,
            "scored": 1,
            "errors": {},
            "retried": 0,
            "recovered": 0,
            "selected": 1,
        }
    records = [json.loads(line) for line in (out_dir / "samples.jsonl").read_text().splitlines()]
    scene = records[0]["variants"]
    assert all(
        e["prompt"].startswith("<img>") and e["prompt"].endswith(" Answer:") for e in scene.values()
    )
    assert "<ref>BAKERY</ref><box>(" in scene["boxes"]["prompt"]  # Qwen-VL's own grounding syntax
    assert 'OCR_token: ["bakery"' in scene["tokens"]["prompt"]
    assert all(isinstance(e["prediction"], str) for e in scene.values())
    assert "| Δ tokens − none |" in (out_dir / "table.md").read_text()
