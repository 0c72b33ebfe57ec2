"""What follows a line's dot leaders: the page number of a contents or index line, the amount of
a statement's row.

A text detector takes a row of dots for no text: on a real manual's index PP-OCR's ended 10 of
its 11 entries at or just into their leaders and found the page numbers of 3. This
module finds, to the right of a detected line, a run of leader dots (small marks, about the
size of a full stop, sitting low on the line, close together) and the ink that ends it; that
ink's box is read again by the recognizer (``PPOCREngine``), and joins its line as a word.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageOps
from scipy import ndimage

from ocr_expert.image_io import dark_on_light, ink_band, otsu_level
from ocr_expert.ink import light_text
from ocr_expert.types import Box

#: a leader dot is at most this share of the line's height wide and tall ...
DOT_SIZE = 0.3
#: ... and its centre lies below this share of the line's box (a full stop sits on the baseline)
DOT_LOW = 0.5
#: a run of leaders holds at least this many dots ...
MIN_DOTS = 3
#: ... no two of them, nor the first and its line, nor the last and what ends it, further apart
#: than this many line heights
DOT_GAP = 1.2
#: ... and at least one dot for every this many line heights they run (a book's leaders: one
#: every 0.33)
DOT_PITCH = 0.8
#: the text after the leaders ends at a gap of this many line heights (a number is one word)
WORD_GAP = 0.8
#: a glyph is at least this share of the line's height tall (not a speck of dust)
GLYPH_HEIGHT = 0.4
#: a run of leaders in a line crop (``without_leaders``) holds at least this many dots, each
#: at most this share of the line's height wide and tall ...
RUN_DOTS = 5
RUN_DOT_SIZE = 0.4
#: ... running at least this many line heights (a small line's digits blur into dots, a few
#: of them level and apart: an 18 px line's ``٣٨٠٧`` was taken for leaders)
RUN_LENGTH = 3.0
#: ... and whose ink fills at least this share of its box
DOT_FILL = 0.55
#: ... whose centres lie within this share of the line's height of the next one's
DOT_LEVEL = 0.15


def leader_tails(
    image: Image.Image, boxes: Sequence[Box], level: Sequence[bool] | None = None
) -> list[tuple[int, Box]]:
    """For each line box (in ``image``'s pixels) followed by dot leaders, the box of the text
    that ends them, to be read: ``(line index, box)``. Only lines set ``level`` (all by
    default) are looked along; every box ends the row of a line on its left."""
    grey = image.convert("L")
    if light_text(grey, boxes):  # white on black: leaders and numbers are light too
        grey = ImageOps.invert(grey)
    ink = np.asarray(grey) < otsu_level(grey)
    tails = []
    for i, box in enumerate(boxes):
        if level is not None and not level[i]:
            continue
        tail = _tail(ink, box, _row_limit(i, box, boxes, ink.shape[1]))
        if tail is not None:
            tails.append((i, tail))
    return tails


def _row_limit(i: int, box: Box, boxes: Sequence[Box], width: int) -> float:
    """Where the row right of line ``i`` ends: the next detected box on it, or the image edge."""
    _, y0, x1, y1 = box
    height = y1 - y0
    limit = float(width)
    for j, other in enumerate(boxes):
        if j == i or other[0] < x1 - 0.5 * height:
            continue
        shared = min(y1, other[3]) - max(y0, other[1])
        if shared > 0.5 * min(height, other[3] - other[1]):
            limit = min(limit, other[0])
    return limit


def _tail(ink: np.ndarray, box: Box, limit: float) -> Box | None:
    """The box of the text after ``box``'s leaders, or None where no leaders follow it."""
    x0, y0, x1, y1 = box
    height = y1 - y0
    if height < 6 or x1 - x0 < height:
        return None
    top, bottom = max(int(y0), 0), min(round(y1), ink.shape[0])
    left, right = max(int(x1), 0), min(int(limit), ink.shape[1])
    if right - left < height or bottom - top < 4:
        return None
    # eight-connected: a thin digit's strokes, split at a corner by the threshold, stay one
    labels, count = ndimage.label(ink[top:bottom, left:right], structure=np.ones((3, 3)))
    if not count:
        return None
    pieces = sorted(
        (s[1].start + left, s[0].start + top, s[1].stop + left, s[0].stop + top)
        for s in ndimage.find_objects(labels)
        if s is not None
    )
    pieces = _stacked_together(pieces, top, bottom)
    found = _after_dots(pieces, box, top, bottom)
    if found is None:
        return None
    first, reach = found
    start, end = pieces[first][0], pieces[first][2]
    for px0, _, px1, _ in pieces[first + 1 :]:
        if px0 - end > WORD_GAP * height:
            break
        end = max(end, px1)
    pad = 0.2 * height
    return (max(start - pad, reach), y0, min(end + pad, limit), y1)


def _stacked_together(
    pieces: list[tuple[int, int, int, int]], top: int, bottom: int
) -> list[tuple[int, int, int, int]]:
    """Pieces (sorted by their left edge) inside the band that share columns merged: a small
    digit of a poor scan breaks at the threshold into strokes one above the other, each no
    taller than a dot. A piece cut by the band's edge (a line above or below) stays apart."""

    def inside(piece: tuple[int, int, int, int]) -> bool:
        return top < piece[1] and piece[3] < bottom

    merged: list[tuple[int, int, int, int]] = []
    glyph = None  # index in ``merged`` of the last piece inside the band
    for piece in pieces:
        if not inside(piece):
            merged.append(piece)
            continue
        last = merged[glyph] if glyph is not None else None
        if last is not None and piece[0] < last[2]:
            merged[glyph] = (
                last[0],
                min(last[1], piece[1]),
                max(last[2], piece[2]),
                max(last[3], piece[3]),
            )
        else:
            merged.append(piece)
            glyph = len(merged) - 1
    return sorted(merged)


def _after_dots(
    pieces: list[tuple[int, int, int, int]], box: Box, top: int, bottom: int
) -> tuple[int, float] | None:
    """The index of the first glyph after a run of at least ``MIN_DOTS`` leader dots, and where
    the dots end; None where the row holds no such run."""
    _, y0, x1, y1 = box
    height = y1 - y0
    dots, reach = 0, float(x1)
    for at, (px0, py0, px1, py1) in enumerate(pieces):
        if px0 - reach > DOT_GAP * height:
            return None  # the row went blank before any text
        small = px1 - px0 <= DOT_SIZE * height and py1 - py0 <= DOT_SIZE * height
        # a piece cut by the band's edge is part of a line above or below, not a dot
        inside = top < py0 and py1 < bottom
        if small and inside and (py0 + py1) / 2 >= y0 + DOT_LOW * height:
            dots, reach = dots + 1, max(reach, px1)
        elif (top >= py0 and py1 >= bottom) or (
            px1 - px0 > height and py1 - py0 < GLYPH_HEIGHT * height
        ):
            return None  # a rule across the row (a box's side) or along it (a form's blank)
        elif py1 - py0 >= GLYPH_HEIGHT * height:
            # leaders are set close, a full stop every third of a line height or so; specks
            # of a scan's noise along a rule lie further apart
            close = dots >= MIN_DOTS and (reach - x1) <= DOT_PITCH * height * dots
            return (at, reach) if close else None
        else:
            reach = max(reach, px1)  # a speck or a mark between dots: passed over
    return None


def without_leaders(image: Image.Image) -> Image.Image | None:
    """A line crop with its runs of leader dots cleared to the background (in grey), or None
    where it holds none.

    Tesseract's Arabic models read a contents line's leaders as letters and digits
    (``......2.2.2. .ااا ااا``), and the route then refuses the whole line, its title with
    it. A run is at least ``RUN_DOTS`` small marks level with each other over ``RUN_LENGTH``
    line heights or more, each alone in its columns of the crop (a letter's dots lie over or
    under its body; leaders stand in blank line), none further from the next than ``DOT_GAP``
    line heights with no other ink between (leaders set apart, as TeX sets them, are a line
    height from each other)."""
    grey, background = dark_on_light(image)
    pixels = np.asarray(grey)
    ink = pixels <= otsu_level(grey)
    band = ink_band(ink, 0.05, 0.95)
    if band is None:
        return None
    labels, _ = ndimage.label(ink, structure=np.ones((3, 3)))
    area = np.bincount(labels.ravel())
    pieces = [
        (s[1].start, s[0].start, s[1].stop, s[0].stop, index)
        for index, s in enumerate(ndimage.find_objects(labels), start=1)
        if s is not None
    ]
    # where leaders are most of the ink, the band is theirs: the tallest letter then tells
    inner = [p[3] - p[1] for p in pieces if p[1] > 0 and p[3] < ink.shape[0]]
    height = max(band[1] - band[0], max(inner, default=0), 1)
    solid = {p[4] for p in pieces if area[p[4]] >= DOT_FILL * (p[2] - p[0]) * (p[3] - p[1])}
    runs = _leader_runs(pieces, height, ink.shape[0], solid)
    if not runs:
        return None
    cleared = pixels.copy()
    for run in runs:
        for x0, y0, x1, y1, _ in run:
            # the dot's box and a pixel round it, its grey edge with it: it stands alone in
            # its columns
            cleared[max(y0 - 1, 0) : y1 + 1, max(x0 - 1, 0) : x1 + 1] = round(background)
    return Image.fromarray(cleared)


def _leader_runs(
    pieces: list[tuple[int, int, int, int, int]], height: int, rows: int, solid: set[int]
) -> list[list[tuple[int, int, int, int, int]]]:
    """The runs of leader dots among a crop's ink ``pieces`` (x0, y0, x1, y1, label); a dot
    is small, about as wide as tall and ``solid`` (a full stop's disc fills most of its box,
    a small digit's strokes do not)."""
    limit = RUN_DOT_SIZE * height

    def small(p: tuple[int, int, int, int, int]) -> bool:
        width, tall = p[2] - p[0], p[3] - p[1]
        return (
            width <= limit
            and tall <= limit
            and 0.5 * tall <= width <= 2 * tall
            and p[4] in solid
            and p[1] > 0
            and p[3] < rows
        )

    def alone(p: tuple[int, int, int, int, int]) -> bool:
        return not any(q is not p and q[0] < p[2] and q[2] > p[0] for q in pieces)

    dots = sorted((p for p in pieces if small(p) and alone(p)), key=lambda p: p[0])
    runs, run = [], dots[:1]
    for dot in dots[1:]:
        last = run[-1]
        level = abs((dot[1] + dot[3]) - (last[1] + last[3])) / 2 <= DOT_LEVEL * height
        between = any(q[0] < dot[0] and q[2] > last[2] for q in pieces if q not in (dot, last))
        if dot[0] - last[2] <= DOT_GAP * height and level and not between:
            run.append(dot)
            continue
        runs.append(run)
        run = [dot]
    runs.append(run)
    return [r for r in runs if len(r) >= RUN_DOTS and r[-1][2] - r[0][0] >= RUN_LENGTH * height]


def with_leaders(line: Box, tail: Box) -> Box:
    """The box of a line's tail widened over its leaders, back to the line's end: the row is
    one line of text, and a gutter is not looked for between its words and its number."""
    return (line[2], tail[1], tail[2], tail[3])
