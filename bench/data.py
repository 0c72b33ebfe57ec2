"""The data layer at size: peak memory and time to the first batch as a benchmark grows.

For 500, 2,000 and 8,000 synthetic DocVQA-like rows (about 200 KB of PNG per image, in one
parquet file, as the hub copies ship them) it runs one and two processes that do what a
run's processes do with the data: open the benchmark and check its answers, take their
share of the samples, read the first batch and decode its images (time to first batch),
then read and decode every sample of their share, batch by batch. Each process reports
its peak RSS. A warm-up run of one process goes first (imports and all; a parquet source
needs nothing prepared, another source would be prepared then), its time shown on its own.
``--eager`` adds the eager way for comparison: every sample loaded into a list
(``load_samples``), in one process.

Goals: RSS at 8,000 rows within 15 % of RSS at 500; time to first batch flat; with two
processes each under the single-process RSS.

    .venv/bin/python bench/data.py                 # 500, 2000, 8000 rows; 1 and 2 processes
    .venv/bin/python bench/data.py --rows 500 2000 --eager
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMAGE_SIDE = 256  # RGB noise, which PNG cannot compress: about 197 KB per image
DISTINCT_IMAGES = 32  # images cycle through this many (the bytes are stored once per row anyway)
BATCH = 8


def make_parquet(path: Path, rows: int) -> int:
    """A DocVQA-shaped parquet file of ``rows`` rows; returns its image bytes in total."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from eval_vqa.tiny_models import noise_png

    images = [noise_png(i, IMAGE_SIDE) for i in range(DISTINCT_IMAGES)]
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    schema = pa.schema(
        [
            ("questionId", pa.string()),
            ("question", pa.string()),
            ("answers", pa.list_(pa.string())),
            ("image", image_type),
        ],
        # the features datasets reads back: an Image column
        metadata={
            "huggingface": json.dumps(
                {
                    "info": {
                        "features": {
                            "questionId": {"dtype": "string", "_type": "Value"},
                            "question": {"dtype": "string", "_type": "Value"},
                            "answers": {
                                "feature": {"dtype": "string", "_type": "Value"},
                                "_type": "Sequence",
                            },
                            "image": {"_type": "Image"},
                        }
                    }
                }
            )
        },
    )
    total = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        for start in range(0, rows, 100):  # row groups of 100, as push_to_hub writes image datasets
            n = min(100, rows - start)
            chunk = [images[(start + i) % DISTINCT_IMAGES] for i in range(n)]
            total += sum(len(b) for b in chunk)
            writer.write_table(
                pa.table(
                    {
                        "questionId": [f"q{start + i}" for i in range(n)],
                        "question": [f"What is written in box {start + i}?" for i in range(n)],
                        "answers": [[f"answer {start + i}"] for i in range(n)],
                        "image": [{"bytes": b, "path": None} for b in chunk],
                    },
                    schema=schema,
                )
            )
    return total


def child(source: str, rank: int, world: int, eager: bool) -> dict:
    """One process's work on the data; returns its measurements."""
    from eval_vqa.data import load_samples, open_benchmark
    from eval_vqa.data.types import Sample
    from eval_vqa.preflight import check_answers
    from ocr_expert.image_io import load_image

    def decode(sample: Sample) -> None:
        assert sample.image is not None  # every DocVQA row has its page
        load_image(sample.image)

    start = time.perf_counter()  # imports done: what follows is the data layer's work
    if eager:
        samples = load_samples("docvqa", source=source)
        for s in samples[:BATCH]:
            decode(s)
        first = time.perf_counter() - start
        for s in samples[BATCH:]:
            decode(s)
        n = len(samples)
    else:
        data = open_benchmark("docvqa", source=source, require_answers=False)
        check_answers(data)
        positions = list(range(len(data)))
        share = (len(positions) + world - 1) // world  # accelerate's contiguous split
        mine = positions[rank * share : (rank + 1) * share]
        first = 0.0
        for b in range(0, len(mine), BATCH):
            for s in data.samples(mine[b : b + BATCH]):
                decode(s)
            if b == 0:
                first = time.perf_counter() - start
        n = len(mine)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "rank": rank,
        "samples": n,
        "first_batch_s": first,
        "all_s": time.perf_counter() - start,
        "peak_rss_mb": peak_kb / 1024,
    }


def run_processes(source: Path, world: int, eager: bool, env: dict) -> list[dict]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                str(source),
                "--rank",
                str(r),
                "--world",
                str(world),
            ]
            + (["--eager"] if eager else []),
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        for r in range(world)
    ]
    out = []
    for p in procs:
        stdout, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"bench/data.py: a child process failed (exit {p.returncode})")
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[500, 2000, 8000])
    parser.add_argument(
        "--eager", action="store_true", help="also time load_samples (everything in a list)"
    )
    parser.add_argument(
        "--workdir", help="where the parquet files and the Arrow cache go (default: a temp folder)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rank", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--world", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rank, args.world, args.eager)))
        return

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "HF_DATASETS_CACHE": str(work / "cache"),
            "HF_DATASETS_OFFLINE": "1",
            "HF_HUB_OFFLINE": "1",
            "TQDM_DISABLE": "1",
            "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
        }
        os.environ.update(env)
        print(
            "| rows | image data | warm-up run | processes | peak RSS per process | "
            "first batch | all samples |"
        )
        print("|---:|---:|---:|---:|---|---:|---:|")
        for rows in args.rows:
            source = work / f"docvqa_{rows}.parquet"
            image_mb = make_parquet(source, rows) / 1e6
            t0 = time.perf_counter()
            run_processes(
                source, 1, False, env
            )  # a first open: file cache warm, anything to prepare prepared
            prepare = time.perf_counter() - t0
            modes = [(1, False), (2, False)] + ([(1, True)] if args.eager else [])
            for world, eager in modes:
                res = run_processes(source, world, eager, env)
                rss = " / ".join(f"{r['peak_rss_mb']:.0f} MB" for r in res)
                label = f"{world}" + (" (eager list)" if eager else "")
                print(
                    f"| {rows:,} | {image_mb:,.0f} MB | {prepare:.1f} s | {label} | {rss} | "
                    f"{max(r['first_batch_s'] for r in res):.2f} s | "
                    f"{max(r['all_s'] for r in res):.1f} s |",
                    flush=True,
                )
            source.unlink()


if __name__ == "__main__":
    main()
