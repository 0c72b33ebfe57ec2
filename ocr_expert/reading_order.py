"""Reading order: spans into lines, lines into blocks, right to left where the script is.

Spans on one text line are joined when they overlap vertically and sit close enough
horizontally; a line is right-to-left when most of its strong characters are (Arabic,
Hebrew, ...), and then its spans are joined from the right. Lines are grouped into
blocks (columns, paragraphs) by recursive XY-cut, cutting at the widest whitespace gap
first; columns are read left to right on a left-to-right page and right to left on a
right-to-left one.
"""

from __future__ import annotations

import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ocr_expert.types import Box, Direction, Line, Span

#: spans join a line when their vertical overlap is at least this share of the smaller height
LINE_OVERLAP = 0.5
#: ... and the horizontal gap to the line is at most this many line heights
LINE_GAP = 1.5
#: a vertical whitespace gap between columns must be at least this many line heights
COLUMN_GAP = 1.0
#: ... and each side must be at least this many line heights wide to count as a column
COLUMN_WIDTH = 8.0
#: a horizontal whitespace gap of more than this many line heights starts a new block
PARAGRAPH_GAP = 1.2


def text_direction(text: str) -> Direction | None:
    """``"rtl"`` when most strong characters are right-to-left, ``"ltr"`` when most are
    left-to-right, None for text with no strong characters (digits, punctuation)."""
    rtl = ltr = 0
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            rtl += 1
        elif bidi == "L":
            ltr += 1
    if rtl == ltr == 0:
        return None
    return "rtl" if rtl > ltr else "ltr"


@dataclass
class _Row:
    members: list[int]
    box: list[float]

    def height(self) -> float:
        return self.box[3] - self.box[1]


def order_spans(
    spans: Sequence[Span], direction: Direction | None = None
) -> tuple[list[Line], Direction]:
    """Group ``spans`` into lines in reading order.

    ``direction`` forces the page direction (for instance ``"rtl"`` for an Arabic-only
    engine); by default it follows the text. Spans without boxes keep their given order
    and come last, on one line. Returns the lines and the page direction.
    """
    boxed = [i for i, s in enumerate(spans) if s.box is not None and s.text.strip()]
    unboxed = [i for i, s in enumerate(spans) if s.box is None and s.text.strip()]
    page_dir = direction or text_direction(" ".join(spans[i].text for i in boxed + unboxed)) or "ltr"

    rows = _group_rows(spans, boxed)
    blocks = _xy_cut(list(range(len(rows))), [r.box for r in rows], page_dir) if rows else []
    lines: list[Line] = []
    for block_no, block in enumerate(blocks):
        for row_ids in block:
            members = [i for r in row_ids for i in rows[r].members]
            text_dir = text_direction(" ".join(spans[i].text for i in members)) or page_dir
            # x centres; right-to-left lines read from the right
            sign = -1.0 if text_dir == "rtl" else 1.0
            members.sort(key=lambda i: sign * (spans[i].box[0] + spans[i].box[2]))  # type: ignore[index]
            boxes = [spans[i].box for i in members]
            lines.append(
                Line(
                    text=" ".join(spans[i].text for i in members),
                    box=(
                        min(b[0] for b in boxes),  # type: ignore[index]
                        min(b[1] for b in boxes),  # type: ignore[index]
                        max(b[2] for b in boxes),  # type: ignore[index]
                        max(b[3] for b in boxes),  # type: ignore[index]
                    ),
                    spans=tuple(members),
                    direction=text_dir,
                    block=block_no,
                )
            )
    if unboxed:
        text = " ".join(spans[i].text for i in unboxed)
        lines.append(
            Line(
                text=text,
                box=None,
                spans=tuple(unboxed),
                direction=text_direction(text) or page_dir,
                block=len(blocks),
            )
        )
    return lines, page_dir


def _group_rows(spans: Sequence[Span], indices: list[int]) -> list[_Row]:
    """Rows of spans: the connected groups of spans that sit on one line pairwise.

    Two spans are linked when ``_joinable`` says they share a line; a row is a group
    linked through such pairs (a line's words chain left to right), so the result does
    not depend on which span of a line is met first. Only spans whose vertical ranges
    overlap can be linked, so after sorting by top edge each span is compared with its
    own band alone: near-linear on a page of lines, not quadratic.
    """
    order = sorted(indices, key=lambda k: spans[k].box[1])  # type: ignore[index]
    parent = {i: i for i in order}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pos, i in enumerate(order):
        a = list(spans[i].box)  # type: ignore[arg-type]
        for j in order[pos + 1:]:
            b = list(spans[j].box)  # type: ignore[arg-type]
            if b[1] >= a[3]:
                break  # sorted by top edge: no later span overlaps this one vertically
            if _joinable(a, b) is not None:
                parent[find(j)] = find(i)

    groups: dict[int, list[int]] = {}
    for i in order:
        groups.setdefault(find(i), []).append(i)
    rows = []
    for members in groups.values():
        boxes = [spans[m].box for m in members]
        rows.append(_Row(members, [
            min(b[0] for b in boxes),  # type: ignore[index]
            min(b[1] for b in boxes),  # type: ignore[index]
            max(b[2] for b in boxes),  # type: ignore[index]
            max(b[3] for b in boxes),  # type: ignore[index]
        ]))
    rows.sort(key=lambda r: r.box[0])
    return rows


def _joinable(a: list[float], b: list[float]) -> float | None:
    """The vertical overlap ratio of two boxes if they sit on one line, else None."""
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    smaller = max(min(a[3] - a[1], b[3] - b[1]), 1e-6)
    ratio = overlap / smaller
    gap = max(b[0] - a[2], a[0] - b[2], 0.0)
    height = max(a[3] - a[1], b[3] - b[1])
    if ratio >= LINE_OVERLAP and gap <= LINE_GAP * height:
        return ratio
    return None


def _center_y(box: Box) -> float:
    return (box[1] + box[3]) / 2


def _bands(members: list[int], boxes: list[list[float]]) -> list[list[int]]:
    """Rows that share a horizontal band, grouped into lines, top to bottom."""
    bands: list[tuple[list[float], list[int]]] = []
    for m in sorted(members, key=lambda k: _center_y(boxes[k])):  # type: ignore[arg-type]
        box = boxes[m]
        for band_box, band in bands:
            overlap = min(box[3], band_box[3]) - max(box[1], band_box[1])
            if overlap >= LINE_OVERLAP * min(box[3] - box[1], band_box[3] - band_box[1]):
                band.append(m)
                band_box[1], band_box[3] = min(band_box[1], box[1]), max(band_box[3], box[3])
                break
        else:
            bands.append((list(box), [m]))
    return [band for _, band in bands]


def _xy_cut(
    items: list[int], boxes: list[list[float]], page_dir: Direction
) -> list[list[list[int]]]:
    """Blocks in reading order; each block a list of lines; each line a list of row indices."""
    unit = statistics.median(b[3] - b[1] for b in boxes) or 1.0
    blocks: list[list[list[int]]] = []

    def _is_column(members: list[int]) -> bool:
        # Prose columns are wide; a narrow strip beside text (prices, values) is not a
        # column of its own but the end of each row.
        return max(boxes[m][2] for m in members) - min(boxes[m][0] for m in members) >= COLUMN_WIDTH * unit

    def widest_gap(members: list[int], axis: int) -> tuple[float, float]:
        """(gap size, cut position) of the widest empty stretch along an axis."""
        spans = sorted((boxes[m][axis], boxes[m][axis + 2]) for m in members)
        best, reach = (0.0, 0.0), spans[0][1]
        for start, end in spans[1:]:
            if start - reach > best[0]:
                best = (start - reach, (start + reach) / 2)
            reach = max(reach, end)
        return best

    def cut(members: list[int], new_block: bool) -> None:
        if new_block or not blocks:
            blocks.append([])
        if len(members) == 1:
            blocks[-1].append(members)
            return
        x_gap, x_at = widest_gap(members, 0)
        y_gap, y_at = widest_gap(members, 1)
        # A wide band of empty rows (a section break, a footer) is cut before columns,
        # or a full-width footer would be read as part of the first column.
        section_break = y_gap > PARAGRAPH_GAP * unit and 2 * y_gap >= x_gap
        left = [m for m in members if boxes[m][0] < x_at]
        right = [m for m in members if boxes[m][0] >= x_at]
        if not section_break and x_gap >= COLUMN_GAP * unit and _is_column(left) and _is_column(right):
            first, second = (right, left) if page_dir == "rtl" else (left, right)
            cut(first, True)
            cut(second, True)
        elif y_gap > 0:
            top = [m for m in members if boxes[m][1] < y_at]
            bottom = [m for m in members if boxes[m][1] >= y_at]
            cut(top, False)
            cut(bottom, y_gap > PARAGRAPH_GAP * unit)
        else:  # rows side by side that no cut separates (a table row, a receipt line)
            blocks[-1].extend(_bands(members, boxes))

    cut(items, True)
    return [b for b in blocks if b]
