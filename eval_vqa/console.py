"""The ``ocrvqa`` command: one entry point, a subcommand per job."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ocrvqa.errors import OcrvqaError


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
    """Run one subcommand. A mistake a user can make (an argument, a path, a closed pipe)
    ends with one line on stderr and exit code 2, not a traceback."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and hasattr(args, "overrides"):
        # `ocrvqa eval smoke --limit 2 variants=[none]`: overrides may follow the flags
        args.overrides += [e for e in extra if "=" in e and not e.startswith("-")]
        extra = [e for e in extra if not ("=" in e and not e.startswith("-"))]
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader that stopped early is found here, not at exit
        return code
    except BrokenPipeError:
        # `ocrvqa ocr --json ... | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        print(f"ocrvqa {args.command}: output closed early (broken pipe); stopped", file=sys.stderr)
        return 2
    # any mistake the project recognizes (with its fix), a path that cannot be read or
    # written, a full disk: one line
    except (OcrvqaError, OSError) as exc:
        print(f"ocrvqa {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
