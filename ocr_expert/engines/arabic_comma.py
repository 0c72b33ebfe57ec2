"""The Arabic comma (U+060C) Tesseract's Arabic models cannot write, put back from the ink.

Neither ``ara`` nor the Arabic-script model has the Arabic comma in its character set
(Tesseract issue 1217, open since 2017): every ``،`` of a page comes out as ``.``, ``,``,
``ء``, ``»``, ``؛`` or ``:`` glued to the word before it. The mark Tesseract wrote is kept
unless the ink says otherwise: the comma is a single stroke taller than wide, where a full
stop is a round dot and a semicolon or colon two marks one above the other. On printed Arabic
lines degraded as scans are (bench/arabic_lines.py, 150 lines in 90 fonts) Tesseract's crop
reading went from 0.098 to 0.091 and from 0.097 to 0.092 CER on two sets; a comma blurred as
round as a dot stays what Tesseract wrote.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ocr_expert.image_io import dark_on_light, otsu_level
from ocr_expert.types import Box, Span

ARABIC_COMMA = "\u060c"
#: marks Tesseract's Arabic models write where the print has an Arabic comma
COMMA_STANDINS = frozenset(".,»؛:ء")
#: a comma's ink spreads at least this many times taller than wide (rendered cleanly, 12-40
#: px, DejaVu faces: full stops 0.7-1.2, commas 1.5-2.0; blur on a scan brings both nearer 1)
MIN_ELONGATION = 1.35
#: and is at least this many pixels tall, and at most this share of its word's ink height
MIN_HEIGHT = 2
MAX_SHARE = 0.6
#: marks read as a word of their own that may stand for a comma set after a space (a lone
#: hamza is left: it may be one)
LONE_STANDINS = frozenset(".,»؛")
#: the ink of such a mark is looked for this many line heights beyond its box, short of the
#: words either side, and is at least this share of the word before it tall (not a speck)
GAP_PAD = 0.3
LONE_SHARE = 0.12
#: letters that end a word: a hamza after them cannot belong to it
FINAL_ONLY = frozenset("ةى")


def restore_commas(image: Image.Image, spans: Sequence[Span]) -> list[Span]:
    """``spans`` (the words of one line of ``image``, boxes in its pixels) with each stand-in
    for the Arabic comma after an Arabic word replaced by ``،`` where its ink is a comma's.

    A Latin comma after an Arabic letter is always the Arabic one (Tesseract writes the
    Arabic comma so when it sees it at all); a closing guillemet only when the line holds
    no opening one.
    """
    opens_quote = any("«" in span.text for span in spans)
    out = []
    for k, span in enumerate(spans):
        if _is_comma(image, span, opens_quote):
            span = Span(span.text[:-1] + ARABIC_COMMA, span.box, span.score, span.polygon)
        elif k and _is_lone_comma(image, spans, k, opens_quote):
            span = Span(ARABIC_COMMA, span.box, span.score, span.polygon)
        out.append(span)
    return out


def _is_lone_comma(image: Image.Image, spans: Sequence[Span], k: int, opens_quote: bool) -> bool:
    """Whether word ``k``, a lone stand-in after an Arabic word, is a comma set apart from
    that word by a space (``حسابية ، كل``, as many typists set it): Tesseract then reads it
    as a word of its own, and its box may miss some of the mark's ink, so the ink is looked
    for in the gap between the two words either side, at the height of the word before it."""
    span, before = spans[k], spans[k - 1]
    if len(span.text) != 1 or span.text not in LONE_STANDINS or not before.text:
        return False
    if not _arabic_letter(before.text[-1]) or (span.text == "»" and opens_quote):
        return False
    if span.text == ",":
        return True
    after = spans[k + 1] if k + 1 < len(spans) else None
    if span.box is None or before.box is None:
        return False
    height = before.box[3] - before.box[1]
    pad = GAP_PAD * height
    left = span.box[0] - pad
    if after is not None and after.box is not None and after.box[2] < before.box[0]:
        # the next word's box may take in the mark: the mark's own box is searched still
        left = max(left, min(after.box[2], span.box[0]))
    right = min(before.box[0], span.box[2] + pad) if before.box[0] > span.box[0] else span.box[2]
    # at the word's height: a lone mark's own box may run up into the line above
    stroke = last_mark(image, (left, before.box[1], right, before.box[3]))
    return _comma_ink(stroke, height, least=max(MIN_HEIGHT, LONE_SHARE * height))


def _is_comma(image: Image.Image, span: Span, opens_quote: bool) -> bool:
    text = span.text
    if len(text) < 2 or text[-1] not in COMMA_STANDINS or not _arabic_letter(text[-2]):
        return False
    mark = text[-1]
    if mark == ",":
        return True
    if mark == "ء":
        # a hamza ending a word spreads as tall as a blurred comma: only where no hamza can
        # stand is it taken for one
        return text[-2] in FINAL_ONLY
    if (mark == "»" and opens_quote) or span.box is None:
        return False
    stroke = last_mark(image, span.box)
    return stroke is not None and _comma_ink(stroke, stroke.word_height)


def _comma_ink(stroke: Mark | None, word_height: float, least: float = MIN_HEIGHT) -> bool:
    """Whether a mark's ink is a comma's: taller than wide, at least ``least`` pixels and at
    most ``MAX_SHARE`` of its word's height tall."""
    return (
        stroke is not None
        and stroke.elongation >= MIN_ELONGATION
        and least <= stroke.height <= MAX_SHARE * word_height
    )


@dataclass(frozen=True)
class Mark:
    """The piece of ink that ends a word: its box's size, the word's ink height, and how
    much taller than wide its ink spreads (the spread of its darkness, top to bottom over
    left to right: about 1 for a dot whatever pixels it falls on, 1.5-2 for a comma)."""

    width: int
    height: int
    word_height: int
    elongation: float


def last_mark(image: Image.Image, box: Box) -> Mark | None:
    """The mark that ends a right-to-left word (the leftmost piece of ink in ``box``);
    ``None`` where the leftmost ink is not one piece standing alone (a colon's two dots, a
    letter with its dots)."""
    from scipy import ndimage  # on first use, as the rules module does

    x0, y0 = max(0, round(box[0]) - 2), max(0, round(box[1]) - 2)
    x1, y1 = min(image.width, round(box[2]) + 1), min(image.height, round(box[3]) + 2)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    grey, _ = dark_on_light(image.crop((x0, y0, x1, y1)))
    dark = np.asarray(grey, dtype=np.float64)
    ink = dark <= otsu_level(grey)
    labels, count = ndimage.label(ink, structure=np.ones((3, 3), bool))
    if not count or ink.all():
        return None
    pieces = ndimage.find_objects(labels)
    first = min(range(count), key=lambda i: pieces[i][1].start)
    rows, cols = pieces[first]
    if any(
        i != first and p[1].start < cols.stop and p[1].stop > cols.start
        for i, p in enumerate(pieces)
    ):
        return None
    # the darkness around the piece (a pixel wider, other pieces left out) weighs each pixel
    near = (
        slice(max(0, rows.start - 1), rows.stop + 1),
        slice(max(0, cols.start - 1), cols.stop + 1),
    )
    weight = np.clip(float(np.median(dark[~ink])) - dark[near], 0.0, None)
    weight[(labels[near] > 0) & (labels[near] != first + 1)] = 0.0
    if weight.sum() <= 0:
        return None
    ys, xs = np.indices(weight.shape)
    spread_y = float(np.cov(ys.ravel(), aweights=weight.ravel()))
    spread_x = float(np.cov(xs.ravel(), aweights=weight.ravel()))
    inked = np.flatnonzero(ink.any(axis=1))
    return Mark(
        width=cols.stop - cols.start,
        height=rows.stop - rows.start,
        word_height=int(inked[-1] - inked[0] + 1),
        elongation=float(np.sqrt(spread_y / spread_x)) if spread_x > 0 else float("inf"),
    )


def _arabic_letter(ch: str) -> bool:
    return unicodedata.category(ch) == "Lo" and unicodedata.name(ch, "").startswith("ARABIC")
