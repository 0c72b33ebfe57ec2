"""Speed of the evaluation harness itself.

1. Samples per second of the runner with an instant model and OCR already cached: what the
   harness (data, prompts for every variant, scoring, the durable per-sample log) costs; the
   best of ``--harness-rounds`` runs (goal: at least 1,000 samples/s), also per CPU-second of
   the process (steadier on a shared machine), with the images
   decoded and hashed per sample and per distinct image (goal: at most 1 and 1 per image).
2. Wall time of OCR plus generation, overlapped (OCR read ahead on a thread while the model
   generates) versus one after the other. The model stands in for a GPU by sleeping for a
   fixed time per batch (a GPU's generate releases the GIL as a sleep does); OCR is real
   PP-OCR with no cache.
3. A generator at GPU speed (``--answers-per-s``, 20 by default): end-to-end time of a run
   with an OCR variant against the same number of answers without OCR, with the OCR cache
   warmed by the ``ocr-cache`` pre-pass (goal: at most 1.05x), then cold (the ratio, and the
   share of the wall time the model waited on OCR).

    python bench/harness.py [--repeat 20] [--harness-rounds 3] [--gen-s 0.6] [--answers-per-s 20]
                            [--gpu-repeat 5] [--only harness|overlap|gpu]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval_vqa.benchmarks import MINI_DIR
from eval_vqa.config import load_config
from eval_vqa.log import read_records
from eval_vqa.runner import run
from eval_vqa.sharding import Shard
from lmm_bridge import Backend, register_backend
from ocr_expert.image_io import image_counts, reset_image_counts
from ocrvqa.files import read_jsonl

ALONE = Shard(rank=0, world_size=1, device="cpu")
VARIANTS = ["none", "tokens", "llava", "lines", "boxes"]
BATCH = 8


@register_backend("bench-instant")
class InstantBackend(Backend):
    """Answers at once, or after ``seconds_per_batch`` of sleep standing in for a GPU."""

    def __init__(
        self,
        model: str | None,
        seconds_per_batch: float = 0.0,
        seconds_per_answer: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(model)
        self.seconds_per_batch = seconds_per_batch
        self.seconds_per_answer = seconds_per_answer

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate(self, requests: list[Any]) -> list[str]:
        if self.seconds_per_batch or self.seconds_per_answer:
            time.sleep(self.seconds_per_batch + self.seconds_per_answer * len(requests))
        return ["answer"] * len(requests)


def replicated_benchmark(folder: Path, repeat: int) -> Path:
    """The bundled scene questions, ``repeat`` times over with distinct ids (same images)."""
    rows = [row for _, row in read_jsonl(MINI_DIR / "scene.jsonl")]
    out = folder / "scene_x.jsonl"
    with out.open("w") as f:
        for k in range(repeat):
            for row in rows:
                row = dict(
                    row, question_id=f"{row['question_id']}-{k}", image=str(MINI_DIR / row["image"])
                )
                f.write(json.dumps(row) + "\n")
    return out


@dataclass(frozen=True)
class Measured:
    """One run's wall time, the CPU time of the whole process (every thread) and its samples."""

    wall_s: float
    cpu_s: float
    written: int


def timed_run(tmp: Path, name: str, source: Path, **changes: Any) -> tuple[float, int]:
    """Wall seconds of one run of the runner (the config's loading left out) and its samples."""
    measured = measure(tmp, name, source, **changes)
    return measured.wall_s, measured.written


def measure(tmp: Path, name: str, source: Path, **changes: Any) -> Measured:
    """One run of the runner, timed on the wall clock and in CPU time. CPU time counts what
    the harness itself costs even when other processes share the machine's cores."""
    data: dict[str, Any] = {
        "name": name,
        "model": "instant",
        "backend": "bench-instant",
        "benchmarks": [{"name": "mini_scene", "source": str(source)}],
        "variants": VARIANTS,
        "batch_size": BATCH,
        "progress": False,
        "output_dir": str(tmp / name),
        "ocr": {"engine": "ppocr", "cache_dir": str(tmp / "ocr-cache")},
    }
    for key, value in changes.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and key in data else value
    config = load_config(data)
    start, cpu_start = time.perf_counter(), time.process_time()
    summary = run(config, shard=ALONE, report=False)
    return Measured(time.perf_counter() - start, time.process_time() - cpu_start, summary.written)


def gpu_speed(tmp: Path, source: Path, answers_per_s: float, rounds: int) -> None:
    """Case 3: with OCR (cache warmed by the pre-pass, then cold) against no OCR at all,
    the same number of answers at ``answers_per_s``."""
    from eval_vqa.ocr_prepass import fill_cache

    gen = {"seconds_per_answer": 1.0 / answers_per_s}
    with_ocr = ["none", "tokens"]
    without = ["none", {"name": "none-again", "format": "none"}]  # as many answers, no OCR stage
    cache = {"cache_dir": str(tmp / "gpu-ocr-cache")}
    config = {
        "name": "prepass",
        "model": "instant",
        "backend": "bench-instant",
        "progress": False,
        "benchmarks": [{"name": "mini_scene", "source": str(source)}],
        "variants": with_ocr,
        "ocr": {"engine": "ppocr", **cache},
    }
    summary = fill_cache(load_config(config), progress=False)
    print(f"GPU-speed generator ({answers_per_s:g} answers/s), pre-pass: {summary.line()}")
    warm, bare, cold, waited = [], [], [], []
    for k in range(rounds):  # alternate, keep each case's best
        warm.append(
            timed_run(tmp, f"gpu-warm{k}", source, model_kwargs=gen, variants=with_ocr, ocr=cache)[
                0
            ]
        )
        seconds, n = timed_run(tmp, f"gpu-bare{k}", source, model_kwargs=gen, variants=without)
        bare.append(seconds)
    for k in range(rounds):
        seconds, n = timed_run(
            tmp,
            f"gpu-cold{k}",
            source,
            model_kwargs=gen,
            variants=with_ocr,
            ocr={"use_cache": False},
        )
        cold.append(seconds)
        waited.append(
            sum(r.timings.get("ocr_wait_s", 0.0) for r in read_records(tmp / f"gpu-cold{k}"))
        )
    answers = n * len(with_ocr)
    print(
        f"GPU-speed generator, {n} samples x {len(with_ocr)} variants = {answers} answers "
        f"({answers / answers_per_s:.1f} s of generation): no OCR {min(bare):.2f} s; "
        f"OCR cached by the pre-pass {min(warm):.2f} s = {min(warm) / min(bare):.3f}x; "
        f"cold {min(cold):.2f} s = {min(cold) / min(bare):.2f}x, the model waiting on OCR for "
        f"{min(waited):.1f} s ({100 * min(waited) / min(cold):.0f} % of the run)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=20, help="copies of the 24 mini scene questions"
    )
    parser.add_argument(
        "--harness-rounds", type=int, default=3, help="runs of case 1; the best is kept"
    )
    parser.add_argument("--only", choices=["harness", "overlap", "gpu"], help="run only this case")
    parser.add_argument(
        "--gen-s", type=float, default=0.6, help="simulated generation seconds per batch"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="sequential/overlapped pairs; the best of each is kept",
    )
    parser.add_argument(
        "--answers-per-s",
        type=float,
        default=20.0,
        help="the GPU-speed generator's answers per second",
    )
    parser.add_argument(
        "--gpu-repeat", type=int, default=5, help="copies of the 24 mini scene questions for case 3"
    )
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        single = replicated_benchmark(tmp, 1)
        (tmp / "many").mkdir()
        many = replicated_benchmark(tmp / "many", args.repeat)

        if args.only in (None, "harness"):
            harness_speed(tmp, single, many, args.harness_rounds)
        if args.only in (None, "overlap"):
            overlap(tmp, single, args.gen_s, args.rounds)
        if args.only in (None, "gpu"):
            (tmp / "gpu").mkdir()
            gpu_speed(
                tmp,
                replicated_benchmark(tmp / "gpu", args.gpu_repeat),
                args.answers_per_s,
                args.rounds,
            )


def harness_speed(tmp: Path, single: Path, many: Path, rounds: int) -> None:
    """Case 1: the runner's own cost per sample, best of ``rounds`` runs, and how often each
    image was decoded and hashed."""
    timed_run(tmp, "warm", single)  # fills the OCR cache
    images = len({row["image"] for _, row in read_jsonl(many)})
    speeds, cpu_speeds, counts = [], [], {}
    for k in range(rounds):
        reset_image_counts()
        measured = measure(tmp, f"cached{k}", many)
        n = measured.written
        speeds.append(n / measured.wall_s)
        cpu_speeds.append(n / measured.cpu_s)
        counts = image_counts()
    best = max(speeds)
    print(
        f"harness, instant model, OCR cached: {n} samples x {len(VARIANTS)} variants, "
        f"best of {rounds}: {best:.1f} samples/s ({best * len(VARIANTS):.0f} prompts/s; "
        f"runs: {', '.join(f'{s:.0f}' for s in speeds)})"
    )
    print(
        f"harness per CPU-second (the process's CPU time, all threads; less sensitive to "
        f"other load): best of {rounds}: {max(cpu_speeds):.1f} samples/CPU-s "
        f"(runs: {', '.join(f'{s:.0f}' for s in cpu_speeds)})"
    )
    print(
        f"images: {images} distinct for {n} samples; decoded {counts['decodes']} times "
        f"({counts['decodes'] / n:.3f} per sample, {counts['decodes'] / images:.2f} per image), "
        f"hashed {counts['hashes']} times ({counts['hashes'] / n:.3f} per sample, "
        f"{counts['hashes'] / images:.2f} per image)"
    )


def overlap(tmp: Path, single: Path, gen_s: float, rounds: int) -> None:
    """Case 2: OCR (real, no cache) and simulated generation, overlapped and not."""
    gen = {"seconds_per_batch": gen_s}
    no_cache = {"use_cache": False}
    seq, ovl, ocr, fill = [], [], [], []
    # alternate, and keep each mode's best: other load on the machine only adds
    for k in range(rounds):
        t, n = timed_run(
            tmp, f"sequential{k}", single, model_kwargs=gen, ocr={**no_cache, "overlap": False}
        )
        seq.append(t)
        records = sorted(read_records(tmp / f"sequential{k}"), key=lambda r: r.index)
        ocr.append(sum(r.timings.get("ocr_s", 0.0) for r in records))
        fill.append(sum(r.timings.get("ocr_s", 0.0) for r in records[:BATCH]))
        ovl.append(
            timed_run(
                tmp,
                f"overlapped{k}",
                single,
                model_kwargs=gen,
                ocr={**no_cache, "overlap": True},
            )[0]
        )
    seq_s, ovl_s, ocr_total, first = min(seq), min(ovl), min(ocr), min(fill)
    gen_total = gen_s * len(VARIANTS) * -(-n // BATCH)
    # the first batch's OCR has nothing to hide behind; after it, the longer of the two sets
    # the pace
    best = (ocr_total + gen_total) / (first + max(ocr_total - first, gen_total))
    print(
        f"OCR + generation on {n} samples (OCR {ocr_total:.1f} s, "
        f"simulated generation {gen_total:.1f} s): "
        f"sequential {seq_s:.2f} s, overlapped {ovl_s:.2f} s, ratio {seq_s / ovl_s:.2f}x "
        f"(at best {best:.2f}x: the first batch's {first:.1f} s of OCR cannot overlap, "
        "the rest can)"
    )


if __name__ == "__main__":
    main()
