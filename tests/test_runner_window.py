"""A run with a model whose window is smaller than the page's OCR: every logged prompt fits,
each sample's budget is logged, and the report says how much context was dropped."""

from __future__ import annotations

import json
from pathlib import Path

from test_runner import ALONE, config_dict

from eval_vqa.config import load_config
from eval_vqa.log import read_records
from eval_vqa.runner import run

WINDOW = 40
MAX_NEW = 10  # the mini scene benchmark's answer length


def long_signs(folder: Path, n: int = 4) -> Path:
    """Questions whose OCR tokens (the dataset engine's) run far past the window."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        Image.new("RGB", (64, 32), "white").save(folder / f"sign_{i}.png")
        tokens = [f"word{k}" for k in range(60)] + ["BAKERY"]
        rows.append(
            {
                "question_id": f"q{i}",
                "image": f"sign_{i}.png",
                "question": f"What shop is sign {i}?",
                "answers": ["bakery"],
                "ocr_tokens": tokens,
            }
        )
    path = folder / "bench.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_every_prompt_fits_a_small_window_and_the_cut_is_reported(tmp_path: Path):
    source = long_signs(tmp_path / "data")
    config = load_config(
        config_dict(
            tmp_path,
            source,
            model_kwargs={"context_window": WINDOW},
            variants=["none", "tokens", {"name": "q", "base": "lines", "select": "question"}],
        )
    )
    run(config, shard=ALONE)
    records = read_records(config.run_dir)
    assert len(records) == 4
    for rec in records:
        for name in ("tokens", "q"):
            out = rec.variants[name]
            # the test backend counts whitespace-separated words and sees the prompt text only
            assert len(out.prompt.split()) + MAX_NEW <= WINDOW
            assert out.context_budget is not None and out.context_tokens <= out.context_budget
            assert out.context_full_tokens is not None and out.context_full_tokens > WINDOW
            assert out.context_dropped > 0
        assert rec.variants["none"].context_budget is None
    results = json.loads((config.run_dir / "results.json").read_text())
    use = results["benchmarks"]["mini_scene"]["context"]["tokens"]
    assert use["cut"] == 100.0 and use["tokens_dropped"] > 50
    table = (config.run_dir / "table.md").read_text()
    assert "## OCR context" in table and "cut 100 %" in table
