"""Seconds to put a page's spans in reading order, on long pages laid out by hand.

    python bench/reading_order.py                 # 100 and 300 rows
    python bench/reading_order.py --rows 50 400   # other lengths

The order is pure geometry on the detector's boxes, run once a page after the OCR; on the real
scans it takes hundredths of a second against seconds of reading. Its recursive cut can grow
faster than the page, though: each cut tests its region for columns, and a long region cut one
row at a time is tested once a row. The pages here are those worst cases, each ``rows`` rows
long: a receipt (items beside their prices, a gap the cut tests and rejects at every row), a
table of figures (a label and nine figures a row, its gaps tried for a gutter), a single column
of prose, two columns of prose, and two columns under a byline whose box touches
their first rows. Each page is ordered three times; the table gives the best time.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_expert.reading_order import order_spans
from ocr_expert.types import Span

PITCH = 30  # px from one row to the next; rows 24 px tall


def _span(text: str, x0: float, y0: float, x1: float) -> Span:
    return Span(text=text, box=(x0, y0, x1, y0 + 24), score=0.9)


def receipt(rows: int) -> list[Span]:
    """Items at the left, their prices 400 px to the right."""
    spans = []
    for i in range(rows):
        y = 10 + i * PITCH
        spans += [_span(f"ITEM {i} NAME", 10, y, 200), _span(f"{i}.50", 600, y, 660)]
    return spans


def table(rows: int) -> list[Span]:
    """A table of figures: a label, then nine figures a row, the first figure set apart from the
    other eight (a report's table beside the year it starts from)."""
    spans = []
    for i in range(rows):
        y = 10 + i * PITCH
        spans.append(_span(f"Operating income line {i}", 10, y, 260))
        xs = [300] + [420 + k * 90 for k in range(8)]
        spans += [_span(f"{(i + 3) * (k + 7):,}.{k}", x, y, x + 70) for k, x in enumerate(xs)]
    return spans


def column(rows: int) -> list[Span]:
    """One column of running text."""
    return [_span(f"and the words {i} go on", 10, 10 + i * PITCH, 600) for i in range(rows)]


def columns(rows: int, byline: bool = False) -> list[Span]:
    """Two columns of running text, ``rows`` rows in all, 40 px apart; with ``byline``, a
    byline across both whose box touches their first rows."""
    top = 40 if byline else 10
    spans = [_span("By A WRITER and ANOTHER WRITER", 200, top - 28, 660)] if byline else []
    for i in range(rows // 2):
        y = top + i * PITCH
        spans += [_span(f"and the left {i} words go on", 10, y, 400)]
        spans += [_span(f"and the right {i} words go on", 440, y + 12, 830)]
    return spans


PAGES: dict[str, Callable[[int], list[Span]]] = {
    "receipt": receipt,
    "table of figures (ten a row)": table,
    "one column": column,
    "two columns": columns,
    "two columns under a byline": lambda rows: columns(rows, byline=True),
}


def best_seconds(spans: list[Span], repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs of ``order_spans`` on ``spans``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        order_spans(spans)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 300], help="page lengths")
    args = parser.parse_args(argv)
    print("| page | " + " | ".join(f"{n} rows, s" for n in args.rows) + " |")
    print("|---|" + "---|" * len(args.rows))
    for name, make in PAGES.items():
        cells = [f"{best_seconds(make(n)):.3f}" for n in args.rows]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
