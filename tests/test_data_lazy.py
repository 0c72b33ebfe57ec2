"""The data layer reads what a run needs and nothing else: one split prepared, rows read
only when a sample is asked for, each process reading only its share."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import datasets
import pytest
from conftest import write_hub_card

from eval_vqa.data import load_samples, open_benchmark
from eval_vqa.data import loader as loader_module
from eval_vqa.sharding import Shard
from eval_vqa.tiny_models import noise_png

IMAGE_SIDE = 80  # noise does not compress: about 19 KB per PNG


def docvqa_rows(n: int, start: int = 0) -> datasets.Dataset:
    return datasets.Dataset.from_dict(
        {
            "questionId": [f"q{start + i}" for i in range(n)],
            "question": [f"What is {i}?" for i in range(n)],
            "answers": [[str(i)] for i in range(n)],
            "image": [{"bytes": noise_png(start + i, IMAGE_SIDE), "path": None} for i in range(n)],
        },
        features=datasets.Features(
            {
                "questionId": datasets.Value("string"),
                "question": datasets.Value("string"),
                "answers": datasets.Sequence(datasets.Value("string")),
                "image": datasets.Image(),
            }
        ),
    )


@pytest.fixture(scope="module")
def parquet_400(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lazy") / "val.parquet"
    docvqa_rows(400).to_parquet(
        str(path), batch_size=50
    )  # row groups of 50, as the hub's are small
    return path


@pytest.fixture
def rows_read(monkeypatch) -> list[int]:
    """Every row index any table hands out, across all sources opened in the test."""
    seen: list[int] = []
    real = loader_module.open_source

    def counting(*args: Any, **kwargs: Any) -> Any:
        table = real(*args, **kwargs)
        rows = table.rows

        def counted(idx: list[int]) -> list[dict[str, Any]]:
            seen.extend(idx)
            return rows(idx)

        table.rows = counted
        return table

    monkeypatch.setattr(loader_module, "open_source", counting)
    return seen


def test_only_the_requested_split_is_prepared(tmp_path):
    """A repository laid out like the hub copies, whose train file is unreadable: scoring
    validation must not prepare train (load_dataset of the whole config would)."""
    repo = tmp_path / "DocVQA"
    (repo / "DocVQA").mkdir(parents=True)
    docvqa_rows(3).to_parquet(str(repo / "DocVQA" / "validation-00000-of-00001.parquet"))
    (repo / "DocVQA" / "train-00000-of-00001.parquet").write_bytes(b"not parquet at all" * 100)
    write_hub_card(repo, {"DocVQA": ["train", "validation"]})
    # the whole config: every split is prepared, and train breaks it (pyarrow's ArrowInvalid is
    # a ValueError; some datasets versions wrap it in their generation error)
    with pytest.raises((ValueError, datasets.exceptions.DatasetGenerationError)):
        datasets.load_dataset(str(repo), "DocVQA", split="validation")
    samples = load_samples("docvqa", source=str(repo))
    assert [s.question_id for s in samples] == ["q0", "q1", "q2"]
    assert samples[2].image == noise_png(2, IMAGE_SIDE)


def test_opening_reads_no_row_and_a_selection_reads_only_its_rows(parquet_400, rows_read):
    data = open_benchmark("docvqa", source=str(parquet_400), limit=5, offset=10)
    assert len(data) == 5 and rows_read == []
    assert [s.question_id for s in data] == [f"q{i}" for i in range(10, 15)]
    assert sorted(rows_read) == list(range(10, 15))
    rows_read.clear()
    sub = open_benchmark("docvqa", source=str(parquet_400), subset=7, seed=3)
    assert sub[3].image == noise_png(int(sub.ids[3][1:]), IMAGE_SIDE)
    assert rows_read == [int(sub.ids[3][1:])]  # one sample asked for, one row read


def test_samples_are_held_only_while_used(parquet_400):
    """Reading every sample in turn holds a row group of images at a time, not the benchmark."""
    total = sum(len(noise_png(i, IMAGE_SIDE)) for i in range(400))
    tracemalloc.start()
    try:
        data = open_benchmark("docvqa", source=str(parquet_400))
        seen = 0
        for sample in data:
            assert isinstance(sample.image, bytes)
            seen += len(sample.image)
        lazy_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        eager = load_samples("docvqa", source=str(parquet_400))
        eager_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == total and len(eager) == 400
    assert eager_peak > total  # the list holds every image
    assert lazy_peak < 0.25 * total


def test_each_process_reads_only_its_share(tmp_path, parquet_400, rows_read):
    """Two processes of a run: each opens the table and reads the rows of its half only."""
    from test_runner import config_dict

    from eval_vqa.config import load_config
    from eval_vqa.runner import run

    class Half(Shard):
        def split(self, items):  # accelerate's contiguous split between two processes
            items = list(items)
            half = (len(items) + 1) // 2
            return items[:half] if self.rank == 0 else items[half:]

    cfg = load_config(
        config_dict(
            tmp_path,
            parquet_400,
            variants=["none"],
            limit=40,
            benchmarks=[{"name": "docvqa", "source": str(parquet_400)}],
        )
    )
    summary = run(cfg, shard=Half(rank=1, world_size=2, device="cpu"), report=False)
    assert summary.written == 20
    assert set(rows_read) == set(range(20, 40))


def test_a_sample_list_and_the_lazy_table_agree(parquet_400):
    eager = load_samples("docvqa", source=str(parquet_400), subset=30, seed=1)
    lazy = open_benchmark("docvqa", source=str(parquet_400), subset=30, seed=1)
    assert [s.to_dict() for s in eager] == [s.to_dict() for s in lazy]
    assert [s.question_id for s in lazy[5:8]] == [s.question_id for s in eager[5:8]]
    assert json.dumps(lazy[-1].to_dict())
