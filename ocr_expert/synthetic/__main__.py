"""``python -m ocr_expert.synthetic OUT [--size ci|bench] [--seed N]``: render the page set."""

from __future__ import annotations

import argparse
import sys

from ocr_expert.synthetic import make_page_set


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ocr_expert.synthetic", description=__doc__)
    parser.add_argument("out", help="folder to write the images and labels.jsonl into")
    parser.add_argument(
        "--size",
        choices=("ci", "bench"),
        default="ci",
        help="ci: a few dozen images; bench: a few hundred",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    labels = make_page_set(args.out, size=args.size, seed=args.seed)
    print(labels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
