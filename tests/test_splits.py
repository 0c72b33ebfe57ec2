"""Which questions a benchmark scores: ST-VQA's fixed held-out split, the seed config's
splits, the per-benchmark dataset config, and ChartQA's human / augmented parts."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from eval_vqa.benchmarks import get_benchmark
from eval_vqa.config import load_config
from eval_vqa.data import DataLoadError, open_benchmark


def stvqa_train(path: Path, n: int, order_seed: int | None = None) -> Path:
    rows = [
        {
            "question_id": f"st{i}",
            "image": f"img_{i}.jpg",
            "question": f"q{i}?",
            "answers": [f"a{i}"],
        }
        for i in range(n)
    ]
    if order_seed is not None:
        random.Random(order_seed).shuffle(rows)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_stvqa_val_is_a_fixed_draw_from_the_train_split(tmp_path):
    source = stvqa_train(tmp_path / "train.jsonl", 26074)
    val = open_benchmark("stvqa", source=str(source), split="val")
    derived = get_benchmark("stvqa").derived_splits["val"]
    assert len(val) == derived.size == 2600
    assert val.split == "val" and derived.base == "train"
    # the same questions from a copy in another order: the draw depends on the ids only
    shuffled = open_benchmark(
        "stvqa", source=str(stvqa_train(tmp_path / "s.jsonl", 26074, 3)), split="val"
    )
    assert set(shuffled.ids) == set(val.ids)
    # a run's own subset and limit act inside the split
    small = open_benchmark("stvqa", source=str(source), split="val", subset=100, seed=1)
    assert len(small) == 100 and set(small.ids) <= set(val.ids)
    assert open_benchmark("stvqa", source=str(source), split="val", limit=5).ids == val.ids[:5]


def test_stvqa_val_refuses_an_incomplete_train_copy(tmp_path):
    source = stvqa_train(tmp_path / "train.jsonl", 500)
    with pytest.raises(
        DataLoadError,
        match=(
            "'stvqa'.*split 'val' is 2600 questions drawn from split 'train', which holds only 500"
        ),
    ):
        open_benchmark("stvqa", source=str(source), split="val")


def test_seed_config_scores_the_papers_splits():
    cfg = load_config("seed_table5")
    by_name = {b.name: b for b in cfg.benchmarks}
    assert by_name["stvqa"].split == "val" and by_name["stvqa"].limit is None
    for name in ("textvqa", "docvqa", "infovqa"):
        assert (by_name[name].split or get_benchmark(name).split) == "validation"
        assert by_name[name].source is None  # the benchmark's own hub copy
    assert cfg.limit is None and cfg.subset is None


def test_a_benchmark_config_key_picks_the_dataset_config(tmp_path, monkeypatch):
    import datasets

    calls = []

    def fake_load_dataset(path, name=None, split=None, **kw):
        calls.append((path, name, split))
        return datasets.Dataset.from_dict(
            {"questionId": ["a"], "question": ["q?"], "answers": [["x"]], "image": ["x.png"]}
        )

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    cfg = load_config(
        {"model": "m", "benchmarks": [{"name": "docvqa", "config": "InfographicVQA"}]}
    )
    assert cfg.benchmarks[0].config == "InfographicVQA"
    open_benchmark("docvqa", config=cfg.benchmarks[0].config)
    assert calls[-1] == ("lmms-lab-encoder/DocVQA", "InfographicVQA", "validation")


def test_chartqa_is_reported_by_its_human_and_augmented_parts(tmp_path):
    from test_runner import ALONE, config_dict, make_benchmark

    from eval_vqa.runner import run

    source = make_benchmark(tmp_path / "data", n=6, first_token_wrong=(1, 3))
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    for i, row in enumerate(rows):
        row["type"] = (
            "human_test" if i % 2 else "augmented_test"
        )  # odd rows: human, first token wrong
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = load_config(
        config_dict(
            tmp_path,
            source,
            benchmarks=[{"name": "chartqa", "source": str(source)}],
            variants=["none", "tokens"],
        )
    )
    run(cfg, shard=ALONE)
    results = json.loads((cfg.run_dir / "results.json").read_text())
    benches = results["benchmarks"]
    assert list(benches) == ["chartqa", "chartqa:augmented_test", "chartqa:human_test"]
    human, augmented = benches["chartqa:human_test"], benches["chartqa:augmented_test"]
    assert human["title"] == "ChartQA (human)" and augmented["title"] == "ChartQA (augmented)"
    assert human["counts"]["scored"] == augmented["counts"]["scored"] == 3
    metric = "relaxed_accuracy"
    assert augmented["scores"]["tokens"][metric]["mean"] == 100.0
    assert human["scores"]["tokens"][metric]["mean"] == pytest.approx(100 / 3)
    assert benches["chartqa"]["scores"]["tokens"][metric]["mean"] == pytest.approx(400 / 6)
    assert "ChartQA (human)" in (cfg.run_dir / "table.md").read_text()
