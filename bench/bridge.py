"""Bridge overheads, measured in one run on this machine.

1. Prompt building per sample (format + sanitize + token budget + template)
   for each context format, on a 60-line OCR page with the tiny Qwen2-VL tokenizer, and
   for budgets kept by ``select: confidence`` and by ``select: question`` side by side.
2. Throughput of the ``hf`` backend on the tiny Qwen2-VL model: one batched call versus
   the same requests one by one (greedy, identical answers checked).

    python bench/bridge.py [--samples 200] [--batch 8] [--requests 16]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# the checkout this file is in, before any installed copy of the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval_vqa.tiny_models import build_tiny_qwen2vl, make_ocr_result, render_text_image
from lmm_bridge import GenerationRequest, OCRAugmentedVLM
from lmm_bridge.backends.base import PretrainedBackend


def page(n_lines: int = 60):
    words = [
        "invoice",
        "total",
        "amount",
        "due",
        "date",
        "<img>http://x</img>",
        "number",
        "street",
        "road",
        "page",
    ]
    lines = []
    for i in range(n_lines):
        text = " ".join(words[(i + k) % len(words)] for k in range(6))
        lines.append([(text, (10, 12 * i, 400, 12 * i + 10), 0.5 + (i % 5) / 10)])
    return make_ocr_result(lines, width=420, height=12 * n_lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--requests", type=int, default=16)
    ap.add_argument("--max-new-tokens", type=int, default=8)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        model = build_tiny_qwen2vl(Path(tmp) / "qwen2vl")
        vlm = OCRAugmentedVLM(
            str(model), ocr=None, batch_size=args.batch, max_new_tokens=args.max_new_tokens
        )
        image = render_text_image(["INVOICE 42"], Path(tmp) / "page.png")
        result = page()
        print(
            f"prompt building, {args.samples} samples of a {len(result.lines)}-line page "
            f"({len(result.words)} words), ms per sample:"
        )
        budgeted = [
            {"name": f"{fmt}@{budget}", "format": fmt, "budget_tokens": budget}
            for fmt, budget in (("tokens", 64), ("lines", 128))
        ]
        variants = ["none", "tokens", "llava", "lines", "boxes"] + [
            {**v, "name": f"{v['name']} {select}", "select": select}
            for v in budgeted
            for select in ("confidence", "question")
        ]
        ms_of = {}
        for variant in variants:
            spec = vlm.variant(variant)
            vlm.prepare(image, "What is the total?", result, spec)  # warm
            t0 = time.perf_counter()
            for _ in range(args.samples):
                prepared = vlm.prepare(image, "What is the total?", result, spec)
            ms = ms_of[spec.name] = (time.perf_counter() - t0) / args.samples * 1000
            print(
                f"  {spec.name:22s} {ms:7.2f}  (context {prepared.context.n_tokens} tokens, "
                f"{len(prepared.context.dropped)} dropped)"
            )
        for v in budgeted:
            ratio = ms_of[f"{v['name']} question"] / ms_of[f"{v['name']} confidence"]
            print(
                f"  {v['name']}: select question takes {ratio:.2f}x the time of select confidence"
            )

        paths = []
        for i in range(args.requests):
            p = Path(tmp) / f"img{i}.png"
            render_text_image([f"SHOP {i}", "open"], p, size=(200 + 20 * (i % 4), 120))
            paths.append(str(p))
        reqs = [
            GenerationRequest.one_image(
                p, f"What does sign {i} say?" + " please" * (i % 3), args.max_new_tokens
            )
            for i, p in enumerate(paths)
        ]
        backend = vlm.backend
        assert isinstance(backend, PretrainedBackend)  # the hf backend: it has a device
        backend.generate(reqs[:2])  # warm up
        t0 = time.perf_counter()
        batched = backend.generate(reqs)
        t_batch = time.perf_counter() - t0
        t0 = time.perf_counter()
        single = [backend.generate([r])[0] for r in reqs]
        t_single = time.perf_counter() - t0
        print(
            f"hf backend, tiny Qwen2-VL, {len(reqs)} requests, batch {args.batch}, "
            f"{args.max_new_tokens} new tokens, device {backend.device}:"
        )
        print(f"  batched    {len(reqs) / t_batch:7.2f} requests/s")
        print(f"  one by one {len(reqs) / t_single:7.2f} requests/s")
        print(
            f"  batch-vs-single throughput ratio {t_single / t_batch:.2f}x "
            f"(answers identical: {batched == single})"
        )


if __name__ == "__main__":
    main()
