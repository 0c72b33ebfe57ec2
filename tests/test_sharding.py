"""Sharding a run over two CPU processes with ``accelerate launch``: each takes its share,
writes its own log shard, and the main process merges to the scores of a one-process run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_runner import ALONE, config_dict, make_benchmark

from eval_vqa.config import load_config
from eval_vqa.log import read_log_file, shard_files
from eval_vqa.runner import run
from eval_vqa.sharding import Shard, current_shard

TESTS = Path(__file__).resolve().parent


def _accelerate() -> list[str]:
    exe = shutil.which("accelerate", path=str(Path(sys.executable).parent)) or shutil.which(
        "accelerate"
    )
    return [exe] if exe else [sys.executable, "-m", "accelerate.commands.launch"]


def test_one_process_shard_keeps_everything():
    shard = current_shard()
    assert (shard.rank, shard.world_size, shard.is_main) == (0, 1, True)
    assert shard.split([3, 1, 2]) == [3, 1, 2]


@pytest.mark.slow
def test_two_cpu_processes_split_the_samples_and_merge_to_the_one_process_scores(tmp_path: Path):
    # 7 samples (odd) with a broken image on the second process's share (it takes 4..6)
    source = make_benchmark(tmp_path / "data", n=9, broken=(5,), first_token_wrong=(2, 6))
    data = config_dict(tmp_path, source, output_dir=str(tmp_path / "sharded"), limit=7)
    cfg = tmp_path / "run.yaml"
    cfg.write_text(json.dumps(data))
    env = dict(
        os.environ,
        PYTHONPATH=f"{TESTS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        HF_HUB_OFFLINE="1",
        CUDA_VISIBLE_DEVICES="",
        MASTER_PORT="29533",
    )
    cmd = [
        *_accelerate(),
        "launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "--main_process_port",
        "29533",
        "-m",
        "eval_vqa.console",
        "eval",
        str(cfg),
    ]
    done = subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=300, cwd=TESTS.parent
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "process 1 of 2: done" in done.stderr and "1 broken" in done.stderr

    shards = shard_files(tmp_path / "sharded")
    assert [p.name for p in shards] == ["rank-00000.jsonl", "rank-00001.jsonl"]
    per_rank = [[r.key for r in read_log_file(p)] for p in shards]
    assert [len(keys) for keys in per_rank] == [4, 3] and not set(per_rank[0]) & set(per_rank[1])
    merged = list(read_log_file(tmp_path / "sharded" / "samples.jsonl"))
    assert [r.key for r in merged] == [f"mini_scene/q{i}" for i in range(7)]
    assert merged[5].status == "error" and merged[5].rank == 1
    single = load_config(dict(data, output_dir=str(tmp_path / "single")))
    run(single, shard=ALONE)
    results = [
        json.loads((tmp_path / d / "results.json").read_text())["benchmarks"]
        for d in ("single", "sharded")
    ]
    assert results[0] == results[1]

    # resumed by one process, with more samples: it finds both shards' work and does the rest once
    resumed = run(load_config(dict(data, limit=None)), shard=ALONE)
    assert (resumed.skipped, resumed.written) == (7, 2)
    keys = [r.key for p in shard_files(tmp_path / "sharded") for r in read_log_file(p)]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 9
    run(load_config(dict(data, limit=None, output_dir=str(tmp_path / "single9"))), shard=ALONE)
    results = [
        json.loads((tmp_path / d / "results.json").read_text())["benchmarks"]
        for d in ("single9", "sharded")
    ]
    assert results[0] == results[1]


def test_split_without_accelerate_state_is_the_identity():
    assert Shard(rank=0, world_size=1, device="cpu").split(range(4)) == [0, 1, 2, 3]


def test_each_process_gets_its_own_gpu_unless_the_config_names_one():
    from eval_vqa.sharding import process_device

    second = Shard(rank=1, world_size=2, device="cuda:1")
    assert process_device(None, second) == "cuda:1"
    assert process_device("cuda", second) == "cuda:1"  # not every process on the first GPU
    assert process_device("auto", second) == "cuda:1"
    assert process_device("cuda:0", second) == "cuda:0"  # named explicitly: kept
    assert process_device("cpu", second) == "cpu"
    assert process_device("cuda", Shard(rank=0, world_size=1, device="cuda:0")) == "cuda"
