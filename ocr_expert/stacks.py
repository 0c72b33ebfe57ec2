"""A word set up the margin that the detector boxed letter by letter, read again whole.

Forms carry a document number up their right margin. On a real form scanned at about 100 dpi
the detector boxes it whole, and it is read as one vertical line. At 1.5 times that size it
boxes each digit apart, each read lying on its side (a 9 read as a 6), and the digits were
joined into the rows beside them (CER 0.067 -> 0.136, PP-OCRv6 alone 0.108). Such letters
are single characters in boxes wider than tall, one under the next in one column; read again
as one crop turned upright, the word comes back whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PIL import Image

from ocr_expert.types import Span, union_box

#: a letter lying on its side has a box at least this many times as wide as tall
LYING = 1.2
#: letters of one word follow each other within this share of a letter's height (boxes
#: padded by the detector overlap)
LETTER_GAP = 0.3
#: ... and share at least this share of the narrower one's width
SAME_COLUMN = 0.7
#: a stack holds at least this many letters
MIN_LETTERS = 4
#: the whole word read again is taken when the reader is at least this sure of it
SURE = 0.8


def letter_stacks(spans: Sequence[Span]) -> list[list[int]]:
    """Runs of single characters in boxes wider than tall, each under the one before in
    the same column, at least ``MIN_LETTERS`` long, top to bottom (span indices)."""
    lying = sorted(
        (
            i
            for i, s in enumerate(spans)
            if s.box is not None
            and len(s.text.strip()) == 1
            and s.box[2] - s.box[0] >= LYING * (s.box[3] - s.box[1])
        ),
        key=lambda i: spans[i].box[1],  # type: ignore[index]
    )
    runs: list[list[int]] = []
    for i in lying:
        box = spans[i].box
        assert box is not None
        for run in runs:
            last = spans[run[-1]].box
            assert last is not None
            overlap = min(box[2], last[2]) - max(box[0], last[0])
            narrower = min(box[2] - box[0], last[2] - last[0])
            gap = box[1] - last[3]
            if overlap >= SAME_COLUMN * narrower and gap <= LETTER_GAP * (last[3] - last[1]):
                run.append(i)
                break
        else:
            runs.append([i])
    return [run for run in runs if len(run) >= MIN_LETTERS]


def read_whole(
    image: Image.Image,
    spans: Sequence[Span],
    read_crops: Callable[[list[Image.Image]], list[Span | None]],
) -> list[Span]:
    """``spans`` with each letter stack (``letter_stacks``) replaced by one span over the
    stack's box, read by ``read_crops`` from the stack's crop turned upright either way,
    where the surer reading holds at least as many characters as the stack less one and is
    ``SURE``; other stacks stay as they are."""
    stacks = letter_stacks(spans)
    if not stacks:
        return list(spans)
    dropped: set[int] = set()
    added: list[Span] = []
    for stack in stacks:
        x0, y0, x1, y1 = union_box([box for i in stack if (box := spans[i].box) is not None])
        crop = image.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1))
        # a word set up the margin reads from the bottom up or from the top down
        readings = [
            r
            for r in read_crops([crop.rotate(90, expand=True), crop.rotate(-90, expand=True)])
            if r
        ]
        best = max(readings, key=lambda r: r.score, default=None)
        text = best.text.replace(" ", "") if best is not None else ""
        if best is not None and best.score >= SURE and len(text) >= len(stack) - 1:
            dropped.update(stack)
            added.append(Span(text=text, box=(x0, y0, x1, y1), score=best.score))
    return [s for i, s in enumerate(spans) if i not in dropped] + added
