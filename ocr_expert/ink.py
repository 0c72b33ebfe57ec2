"""Where each span's ink lies inside its box.

A text detector pads each line's box beyond its ink, and pads small text by more of its height
than large text: on a real five-column magazine page scanned at half its resolution, the
detector's boxes left gutters of 0.27 line heights where the same page at full size leaves
0.68, and its columns were read across (CER 0.460 against 0.041). Measured between the ink of
the lines either side, those gutters stay open (``reading_order``).

Whether that ink is darker or lighter than its ground tells a negative page (light text on
dark) from a page: its ruling lines and dot leaders are then light ink too (``light_text``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from ocr_expert.image_io import dark_on_light, ink_band, otsu_level, without_edge_fragments
from ocr_expert.types import Box, Span

#: the ink is looked for in this middle share of a box's height, clear of the lines above
#: and below whose padded boxes overlap it
INK_BAND = 0.5
#: grey levels between a box's ground and its ink below which the box is left as it is (a
#: faint or empty box, a box over a photograph's gradient)
INK_CONTRAST = 40.0
#: a box whose ink would take less than this share of its width is left as it is (a speck)
MIN_INK_SHARE = 0.1
#: a row of pixels is inked when it holds more than this share of the inkiest row's ink
ROW_INK = 0.02
#: a band of inked rows counts as a line of text when it is at least this share of the
#: tallest band's height: dots, diacritics and rules fall short, a full line does not
LINE_BAND = 0.5
#: a band's body ink: this percentile of its rows' ink (the rows of its lines' x-height; a
#: line of capitals has few rows denser than its stems)
BODY_PERCENTILE = 75
#: rows holding under this share of the body's ink part a band into two lines where the
#: parts are both tall enough (``LINE_BAND``): the descenders and capitals between two lines
#: set solid; a line's own ascenders and descenders are thin rows only at its ends
VALLEY_INK = 0.15
#: a part of the ink the image's edge cuts through counts as a line where it is at least this
#: share of the tallest part clear of the edges (a tight crop's lines all touch its edges)
EDGE_PART_SHARE = 0.8


def ink_extents(image: Image.Image, spans: Sequence[Span]) -> dict[int, tuple[float, float]]:
    """For each span (by index) whose box holds ink that stands out from its ground (darker
    or lighter: white text on a dark band too), the shares of the box's width that lie
    before its first inked column and after its last. Spans without a box, or whose box
    shows no clear ink, are left out."""
    gray = np.asarray(image.convert("L"), dtype=np.int16)
    out: dict[int, tuple[float, float]] = {}
    for i, span in enumerate(spans):
        if span.box is None or not span.text.strip():
            continue
        found = _box_ink(gray, span.box)
        if found is None:
            continue
        crop, ground, low, high, left = found
        x0, _, x1, _ = span.box
        reach = max(ground - low, high - ground)
        inked = np.flatnonzero((np.abs(crop - ground) > reach / 2).any(axis=0))
        if not len(inked):
            continue
        before = max(0.0, (left + int(inked[0]) - x0) / (x1 - x0))
        after = max(0.0, (x1 - (left + int(inked[-1]) + 1)) / (x1 - x0))
        if 1.0 - before - after >= MIN_INK_SHARE:
            out[i] = (before, after)
    return out


def light_text(image: Image.Image, boxes: Sequence[Box]) -> bool:
    """Whether most of a page's text stands lighter than its ground (a negative scan, a
    screen in dark mode), judged inside its lines' ``boxes`` by their areas: there the ink
    is what departs furthest from the box's median grey, above it or below. A page's own
    edge says nothing here: scans often have a black border round white paper."""
    gray = np.asarray(image.convert("L"), dtype=np.int16)
    light = dark = 0.0
    for box in boxes:
        found = _box_ink(gray, box)
        if found is None:
            continue
        crop, ground, low, high, _ = found
        if high - ground > ground - low:
            light += crop.size
        else:
            dark += crop.size
    return light > dark


def _box_ink(gray: np.ndarray, box: Box) -> tuple[np.ndarray, float, float, float, int] | None:
    """The middle band of ``box`` in ``gray`` (``INK_BAND`` of its height), its ground
    (median grey), its darkest and lightest greys (2nd and 98th percentiles) and the band's
    first column; None where the band is empty or shows no clear ink."""
    height, width = gray.shape
    x0, y0, x1, y1 = box
    middle, half = (y0 + y1) / 2, INK_BAND * (y1 - y0) / 2
    top, bottom = max(0, int(middle - half)), min(height, int(middle + half) + 1)
    left, right = max(0, int(x0)), min(width, int(x1) + 1)
    if bottom <= top or right - left < 3 or x1 <= x0:
        return None
    crop = gray[top:bottom, left:right]
    ground = float(np.median(crop))
    low, high = (float(v) for v in np.percentile(crop, (2, 98)))
    if max(ground - low, high - ground) < INK_CONTRAST:
        return None
    return crop, ground, low, high, left


def ink_mask(image: Image.Image) -> np.ndarray:
    """The image's ink: its pixels at or below Otsu's level, dark on light."""
    grey, _ = dark_on_light(image)
    return np.asarray(grey) <= otsu_level(grey)


def ink_lines(image: Image.Image) -> int:
    """How many lines of text the image's ink stands in, counted from the top down: bands
    of inked rows (split at Otsu's level, dark on light), each parted again where a run of
    its rows holds under ``VALLEY_INK`` of its body's ink (two lines set so close that the
    descenders of one touch the capitals of the next leave no blank row between them, only
    a valley), counted where at least ``LINE_BAND`` of the tallest part's height. A part the
    image's top or bottom edge cuts through is what shows of a neighbouring line where it is
    under ``EDGE_PART_SHARE`` of the tallest part clear of both edges. 0 where the image holds
    no ink."""
    rows = ink_mask(image).sum(axis=1)
    if not rows.any():
        return 0
    parts = []
    for top, bottom in _runs(rows > ROW_INK * rows.max()):
        band = rows[top:bottom]
        body = float(np.percentile(band, BODY_PERCENTILE))
        parts += [(top + start, top + end) for start, end in _runs(band >= VALLEY_INK * body)]
    inner = [end - start for start, end in parts if start > 0 and end < len(rows)]
    heights = [
        end - start
        for start, end in parts
        if not inner
        or (start > 0 and end < len(rows))
        or end - start >= EDGE_PART_SHARE * max(inner)
    ]
    tallest = max(heights)
    return sum(height >= LINE_BAND * tallest for height in heights)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The first index and the index after each run of true ``flags``."""
    edges = np.flatnonzero(np.diff(np.concatenate(([False], flags, [False])).astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


#: a line whose box the image's top or bottom edge cuts, with ink running off that edge, is
#: taken for a piece of a neighbouring line when it is shorter than this share of the
#: page's other lines (their median height)
CUT_LINE_SHARE = 0.6
#: ink pixels in the edge row, as a share of the box's width, that say the text runs off it
EDGE_INK_SHARE = 0.02


def cut_by_edge(image: Image.Image, boxes: Sequence[Box | None]) -> set[int]:
    """The indices of ``boxes`` that hold what is left of a line the image's top or bottom
    edge cut through: the box reaches that edge, ink runs off it inside the box, and, clipped
    to the image, the box is less than ``CUT_LINE_SHARE`` as tall as the median of the boxes
    that reach neither edge (none is taken where every box reaches one).

    A region cut out of a page (a snippet, a screenshot of a few lines) shows the bottom half
    of the line above it and the top half of the line below; read, such a piece gives junk
    (``tho aff-tt mf siro``) or another line's words."""
    width, height = image.size
    clipped: dict[int, tuple[int, int, int, int]] = {}
    for i, box in enumerate(boxes):
        if box is None:
            continue
        x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
        x1, y1 = min(width, int(np.ceil(box[2]))), min(height, int(np.ceil(box[3])))
        if x1 > x0 and y1 > y0:
            clipped[i] = (x0, y0, x1, y1)
    inner = [y1 - y0 for x0, y0, x1, y1 in clipped.values() if y0 > 1 and y1 < height - 1]
    if not inner:
        return set()
    least = CUT_LINE_SHARE * float(np.median(inner))
    short = {
        i: b
        for i, b in clipped.items()
        if b[3] - b[1] < least and (b[1] <= 1 or b[3] >= height - 1)
    }
    if not short:  # a page with its margins: no grey to work out
        return set()
    ink = ink_mask(image)
    cut = set()
    for i, (x0, y0, x1, y1) in short.items():
        rows = [row for row, reaches in ((0, y0 <= 1), (height - 1, y1 >= height - 1)) if reaches]
        if any(ink[row, x0:x1].sum() >= max(2, EDGE_INK_SHARE * (x1 - x0)) for row in rows):
            cut.add(i)
    return cut


#: an image at least this many times as wide as it is tall holds a line of words, not a word
CUT_OUT_ASPECT = 6.0
#: a gap in a line's ink wider than this many heights of its text parts a table's or a form's
#: fields, not words
WIDE_GAP = 3.0


def cut_out_of_a_page(image: Image.Image) -> bool:
    """Whether a short image looks like a region cut out of a page, not a word or line crop:
    as wide as a line of words (``CUT_OUT_ASPECT``), and showing the cut edges of the lines
    above or below it (``without_edge_fragments``) or gaps wider than ``WIDE_GAP`` heights of
    its text (a table's row, a form's fields).

    Read whole by the recognizer, as one line, such an image gives junk where a neighbour's
    edge shows, runs a row's fields together (``POPDEN311.486103.85``) and reads nothing
    where two lines of small print touch; read as a page, its lines are found one by one and
    the cut ones left out (``cut_by_edge``)."""
    if image.width < CUT_OUT_ASPECT * image.height:
        return False
    if without_edge_fragments(image) is not None:
        return True
    ink = ink_mask(image)
    band = ink_band(ink, 0.2, 0.8)  # the rows of the text's body, clear of dots and edges
    if band is None:
        return False
    top, bottom = band
    columns = np.flatnonzero(ink[top : bottom + 1].any(axis=0))
    if len(columns) < 2:
        return False
    widest = int((np.diff(columns) - 1).max())
    return widest > WIDE_GAP * max(1, bottom - top)


#: a page reading of a small image that leaves more than this share of the ink in its lines'
#: rows outside its boxes has left text out
UNREAD_INK_SHARE = 0.25


def unread_ink(image: Image.Image, boxes: Sequence[Box]) -> float:
    """The share of the ink in the rows ``boxes`` span that lies outside every box: what a
    reading whose boxes these are left out of its lines (Tesseract's page reading of a
    receipt's row may keep ``CASH`` and drop the ``RM 51.00`` far to its right). Ink in other
    rows (the cut edges of neighbouring lines) is not counted. 0 without boxes or ink."""
    if not boxes:
        return 0.0
    ink = ink_mask(image)
    height, width = ink.shape
    rows = np.zeros(height, dtype=bool)
    covered = np.zeros_like(ink)
    for x0, y0, x1, y1 in boxes:
        top, bottom = max(0, int(y0)), min(height, int(np.ceil(y1)))
        left, right = max(0, int(x0)), min(width, int(np.ceil(x1)))
        rows[top:bottom] = True
        covered[top:bottom, left:right] = True
    inked = ink & rows[:, None]
    total = int(inked.sum())
    return float((inked & ~covered).sum()) / total if total else 0.0


#: a crop is read cut down to its ink with this share of the ink's height round it: a word or
#: line given with a wide margin (a user's screenshot, a text-recognition benchmark's loose
#: box) reads as the recognizer reads a crop cut at its text (PP-OCR scales a crop to 48 px
#: tall, its text then a third of that; Tesseract's word mode takes a short line in a tall
#: crop for one word)
CROP_MARGIN = 0.15
#: the ink is the pixels darker than the ground by this share of the way to its darkest
#: pixel, where that way is at least ``INK_CONTRAST`` grey levels (a word in a wide margin
#: is under a hundredth of the pixels: no percentile finds it)
TRIM_INK = 0.3
#: a crop is cut only where the cut is at most this share of its height or of its width (a
#: margin of about half its text's height each side, or more): a crop cut at its text keeps
#: its own margins, pixel for pixel, and so do the printed Arabic lines the Arabic readers'
#: views were measured on (at 0.8, a fifth of them were cut, and read worse: 0.076 -> 0.081)
TRIM_BELOW = 0.6


def ink_box(image: Image.Image) -> Box | None:
    """The box round an image's ink (dark on light: ``dark_on_light``), or None where it
    shows no ink standing clear of its ground."""
    grey, ground = dark_on_light(image)
    arr = np.asarray(grey, dtype=np.float32)
    darkest = float(arr.min())
    if ground - darkest < INK_CONTRAST:
        return None
    mask = arr <= ground - TRIM_INK * (ground - darkest)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return None
    return (float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1))


def trimmed(image: Image.Image) -> tuple[Image.Image, tuple[int, int]]:
    """``image`` cut down to its ink (``ink_box``) with ``CROP_MARGIN`` of the ink's height
    round it, and the offset of that cut in the image; the image itself, at (0, 0), where
    that cut keeps more than ``TRIM_BELOW`` of both its height and its width, or it shows no
    clear ink."""
    box = ink_box(image)
    if box is None:
        return image, (0, 0)
    pad = max(2, round(CROP_MARGIN * (box[3] - box[1])))
    left, top = max(0, int(box[0]) - pad), max(0, int(box[1]) - pad)
    right, bottom = min(image.width, int(box[2]) + pad), min(image.height, int(box[3]) + pad)
    if bottom - top > TRIM_BELOW * image.height and right - left > TRIM_BELOW * image.width:
        return image, (0, 0)
    return image.crop((left, top, right, bottom)), (left, top)
