"""The ``ocrvqa`` command: one entry point, a subcommand per job."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    from eval_vqa import cli as eval_cli
    from lmm_bridge import cli as bridge_cli
    from ocr_expert import cli as ocr_cli

    parser = argparse.ArgumentParser(
        prog="ocrvqa",
        description="OCR-augmented visual question answering: read, ask, evaluate.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ocr_cli.register(sub)
    bridge_cli.register(sub)
    eval_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
