"""Subcommands of this package: ``ocrvqa eval``, ``ocrvqa ocr-cache`` and ``ocrvqa report``."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``eval``, ``ocr-cache`` and ``report`` to the ``ocrvqa`` parser."""
    p = subparsers.add_parser(
        "eval",
        help="score a model on VQA benchmarks with and without OCR context",
        description=(
            "Evaluate every prompt variant of CONFIG on the same samples, with the model loaded "
            "once, and write the per-sample log, results.json, table.md, chart.png and "
            "report/index.html. Started again on the same folder, it resumes. Run under "
            "`accelerate launch` to shard."
        ),
    )
    p.add_argument(
        "config",
        nargs="?",
        default="smoke",
        help="a YAML run config, or a shipped one by name (default: smoke)",
    )
    p.add_argument(
        "overrides",
        nargs="*",
        metavar="KEY=VALUE",
        help=(
            "override config keys, dotted, values read as YAML: "
            "model=Qwen/Qwen-VL-Chat limit=50 ocr.engine=tesseract"
        ),
    )
    p.add_argument(
        "--limit", type=int, help="at most this many samples per benchmark (same as limit=N)"
    )
    p.add_argument("--offset", type=int, help="skip this many samples first (same as offset=N)")
    p.add_argument(
        "--subset", type=int, help="a fixed-seed random subset of this size (same as subset=N)"
    )
    p.add_argument("--output-dir", help="the run folder (same as output_dir=PATH)")
    p.add_argument(
        "--no-report", action="store_true", help="write the log only; build the report later"
    )
    p.add_argument(
        "--retry-errors",
        action="store_true",
        help=(
            "evaluate again every sample the log holds as broken "
            "(a passing out-of-memory, a missing mount)"
        ),
    )
    p.set_defaults(func=_eval)

    c = subparsers.add_parser(
        "ocr-cache",
        help="OCR every image of a run's benchmarks into the shared cache, before the evaluation",
        description=(
            "Read every image of CONFIG's benchmarks (as its limit/subset select them) through "
            "its OCR engine in N worker processes into the shared OCR cache, so that `ocrvqa eval "
            "CONFIG` finds every OCR result cached. Prints a summary: images, cached already, "
            "read, failed, img/s."
        ),
    )
    c.add_argument("config", help="a YAML run config, or a shipped one by name")
    c.add_argument(
        "overrides", nargs="*", metavar="KEY=VALUE", help="config overrides, as for `ocrvqa eval`"
    )
    c.add_argument(
        "--workers",
        type=int,
        help="worker processes (default: one per core; one for an engine on a GPU)",
    )
    c.add_argument(
        "--threads",
        type=int,
        help="engine threads per worker (default: the cores split between workers)",
    )
    c.set_defaults(func=_ocr_prepass)

    r = subparsers.add_parser(
        "report",
        help="rebuild results.json, table.md, chart.png and the HTML page from a run's log",
    )
    r.add_argument("run_dir", help="the run folder (holding run.json and the log)")
    r.set_defaults(func=_report)


def _eval(args: argparse.Namespace) -> int:
    from eval_vqa.config import load_config

    overrides = list(args.overrides)
    config_arg = args.config
    if "=" in config_arg:  # `ocrvqa eval limit=5`: only overrides, on the default config
        overrides.insert(0, config_arg)
        config_arg = "smoke"
    for key in ("limit", "offset", "subset", "output_dir"):
        if getattr(args, key) is not None:
            overrides.append(f"{key}={getattr(args, key)}")
    try:
        config = load_config(config_arg, overrides)
        from eval_vqa.runner import run

        summary = run(config, report=not args.no_report, retry_errors=args.retry_errors)
    except KeyboardInterrupt:  # (a mistake, an OcrvqaError, is printed by the console in one line)
        print(
            "ocrvqa eval: interrupted; every finished sample is in the log: "
            "run the same command again to go on from there",
            file=sys.stderr,
        )
        return 130
    if summary.report:
        print((summary.run_dir / "table.md").read_text(encoding="utf-8"))
        for name, path in summary.report.items():
            print(f"{name}: {path}")
    who = f"process {summary.rank} of {summary.world_size}: " if summary.world_size > 1 else ""
    retried = (
        f", {summary.retried} retried ({summary.recovered} recovered)" if summary.retried else ""
    )
    old = (
        f"; {summary.broken_in_log} broken in the log from before (--retry-errors evaluates them "
        "again)"
        if summary.broken_in_log
        else ""
    )
    print(
        f"{who}done in {summary.elapsed_s:.1f} s: {summary.written} samples evaluated, "
        f"{summary.skipped} already in the log, {summary.errors} broken{retried}{old}",
        file=sys.stderr,
    )
    return 0


def _ocr_prepass(args: argparse.Namespace) -> int:
    from eval_vqa.config import load_config
    from eval_vqa.ocr_prepass import fill_cache

    if (args.workers is not None and args.workers < 1) or (
        args.threads is not None and args.threads < 1
    ):
        print("ocrvqa ocr-cache: --workers and --threads must be at least 1", file=sys.stderr)
        return 2
    config = load_config(args.config, list(args.overrides))
    summary = fill_cache(
        config, workers=args.workers, threads=args.threads, progress=config.progress
    )
    for error in summary.errors:
        print(f"failed: {error}", file=sys.stderr)
    print(f"ocrvqa ocr-cache: {summary.line()}")
    return 1 if summary.failed else 0


def _report(args: argparse.Namespace) -> int:
    from eval_vqa.report import build_report

    try:
        paths = build_report(args.run_dir)
    except (OSError, ValueError) as exc:
        print(f"ocrvqa report: {exc}", file=sys.stderr)
        return 2
    print(paths["table"].read_text(encoding="utf-8"))
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0
