"""``ocrvqa ask IMAGE "QUESTION"``: one question about one image, with or without OCR."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from ocrvqa.errors import OcrvqaError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to the ``ocrvqa`` parser."""
    p = subparsers.add_parser(
        "ask",
        help="ask a vision-language model a question about an image",
        description="Read the image with the OCR expert, put its text into the prompt, and "
        "print the model's answer. The backend follows the model's config.json "
        "(model_type qwen: Qwen-VL-Chat's remote code) unless --backend names one.",
    )
    p.add_argument("image", help="image file")
    p.add_argument("question", help="the question to ask")
    p.add_argument("--model", default="Qwen/Qwen-VL-Chat", help="hub id or local folder")
    p.add_argument("--backend", default=None, help="backend name (qwen-vl-chat, hf, ...)")
    p.add_argument(
        "--variant",
        default="tokens",
        help="OCR context variant: tokens, tokens-lead-in, llava, lines, boxes",
    )
    p.add_argument("--no-ocr", action="store_true", help="ask without OCR context")
    p.add_argument("--engine", default="ppocr", help="OCR engine (ppocr, tesseract, ...)")
    p.add_argument("--budget", type=int, default=None, help="token budget for the OCR context")
    p.add_argument(
        "--select",
        choices=["confidence", "question"],
        default=None,
        help="which OCR text a tight budget keeps first: the most confident "
        "(default) or what serves the question",
    )
    p.add_argument("--instruction", default=None, help="text appended after question and context")
    p.add_argument(
        "--mode",
        choices=["chat", "vqa"],
        default=None,
        help="Qwen-VL-Chat prompt mode (default: chat here)",
    )
    p.add_argument("--system", default=None, help="system prompt (chat mode)")
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument(
        "--device", default=None, help="cuda, cuda:1, cpu (default: what the machine has)"
    )
    p.add_argument(
        "--dtype", default=None, help="bf16, fp16 or fp32 (default: bf16/fp16 on GPU, fp32 on CPU)"
    )
    p.add_argument(
        "--show-prompt", action="store_true", help="print the exact prompt and OCR context"
    )
    p.add_argument("--stream", action="store_true", help="print the answer as it is generated")
    p.add_argument("--json", action="store_true", help="print answer, prompt and timings as JSON")
    p.set_defaults(func=run_ask)


def run_ask(args: argparse.Namespace) -> int:
    """Run ``ocrvqa ask``; returns the exit status."""

    from lmm_bridge.backends import infer_backend
    from lmm_bridge.variants import get_variant
    from lmm_bridge.vlm import OCRAugmentedVLM

    try:
        variant = get_variant("none" if args.no_ocr else args.variant)
        if args.budget is not None:
            variant = variant.replace(budget_tokens=args.budget)
        if args.select is not None:
            variant = variant.replace(select=args.select)
        backend = args.backend or infer_backend(args.model)
        kwargs: dict[str, Any] = {}
        if backend == "qwen-vl-chat":
            kwargs["mode"] = args.mode or "chat"
        if args.system is not None:
            kwargs["system"] = args.system
        vlm = OCRAugmentedVLM(
            model=args.model,
            backend=backend,
            ocr=None if args.no_ocr else args.engine,
            variants=[variant],
            device=args.device,
            dtype=args.dtype,
            max_new_tokens=args.max_new_tokens,
            **kwargs,
        )
        prepared, result, timings = vlm.prepare_ask(
            args.image, args.question, variant, instruction=args.instruction
        )
        if args.show_prompt:
            _show_prompt(prepared)
        if args.stream and not args.json:
            for piece in vlm.stream(prepared):
                sys.stdout.write(piece)
                sys.stdout.flush()
            sys.stdout.write("\n")
            return 0
        start = time.perf_counter()
        answer = vlm.generate([prepared])[0]
        timings["generate"] = time.perf_counter() - start
    except (OcrvqaError, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        timings["total"] = sum(timings.values())
        print(
            json.dumps(
                {
                    "answer": answer,
                    "variant": prepared.variant,
                    "ocr_text": None if result is None else result.text,
                    "prompt": prepared.full_prompt,
                    "context_tokens": prepared.context.n_tokens,
                    "dropped": prepared.context.dropped,
                    "timings": timings,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(answer)
    return 0


def _show_prompt(prepared) -> None:
    ctx = prepared.context
    print(
        f"--- prompt (variant {prepared.variant}; OCR context {ctx.n_tokens} tokens, "
        f"{ctx.kept} kept, {len(ctx.dropped)} dropped) ---"
    )
    print(prepared.full_prompt)
    for text, reason in ctx.dropped:
        print(f"dropped ({reason}): {text}")
    print("--- answer ---", flush=True)
