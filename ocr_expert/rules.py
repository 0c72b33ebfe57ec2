"""Ruling lines: the printed lines that box a form's fields and a table's cells.

A form's ruled boxes tell a reader what belongs together (a label and its value in one box),
where whitespace does not: two boxes side by side touch, and a typed value may run across the
rule between them. ``find_rules`` finds the long, thin, straight runs of ink on a page;
``ocr_expert.reading_order`` reads the spans a ruled box encloses as one unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ocr_expert.image_io import otsu_level
from ocr_expert.types import Box, common_area

#: a horizontal rule runs at least this many text-line heights ...
MIN_WIDE = 6.0
#: ... a vertical one at least this many (a box one line tall is about this high)
MIN_TALL = 1.5
#: a rule is at most this share of a line height thick (thicker: a bar, a photograph's edge)
MAX_THICK = 0.4
#: a run lying this much inside one text span is a stroke of its letters, not a rule
IN_TEXT = 0.5
#: a page whose lines are at least twice this many pixels tall is searched shrunk by a whole
#: factor to about this (several times faster on a 300 dpi scan; a rule stays a pixel thick)
WORK_HEIGHT = 12


@dataclass(frozen=True)
class Rules:
    """The ruling lines of a page, each as the box of its ink, in page pixels."""

    horizontal: tuple[Box, ...] = ()
    vertical: tuple[Box, ...] = ()

    def __bool__(self) -> bool:
        """Whether a box can be closed: rules run both ways."""
        return bool(self.horizontal and self.vertical)


def find_rules(image: Image.Image, line_height: float, text: Sequence[Box] = ()) -> Rules:
    """The horizontal and vertical ruling lines of ``image`` whose text lines are about
    ``line_height`` pixels tall; runs of ink inside the boxes of ``text`` (the strokes of
    large letters) are not rules."""
    if image.width == 0 or image.height == 0 or line_height <= 0:
        return Rules()
    grey_image = image.convert("L")
    ink = np.asarray(grey_image) <= otsu_level(grey_image)
    factor = int(line_height // WORK_HEIGHT)
    if factor > 1:
        # each block of factor x factor pixels is ink where any of its pixels is: a rule one
        # pixel thick stays whole (an average would turn it grey)
        h, w = ink.shape[0] // factor * factor, ink.shape[1] // factor * factor
        pooled = np.asarray(
            ink[:h, :w].reshape(h // factor, factor, w // factor, factor).any(axis=(1, 3))
        )
        small = _rules_in(pooled, line_height / factor, [_scaled(b, 1 / factor) for b in text])
        return Rules(
            horizontal=tuple(_scaled(b, factor) for b in small.horizontal),
            vertical=tuple(_scaled(b, factor) for b in small.vertical),
        )
    return _rules_in(ink, line_height, text)


def _rules_in(ink: np.ndarray, line_height: float, text: Sequence[Box]) -> Rules:
    """``find_rules`` on a mask of ink."""
    from scipy import ndimage  # on first use: importing it adds a sixth of a second to start-up

    thick = max(2, round(MAX_THICK * line_height))
    found = []
    for axis, length in ((1, MIN_WIDE * line_height), (0, MIN_TALL * line_height)):
        # runs a line height long, bridged where a scan broke them or a letter touches them
        runs = _opened(ink, round(line_height), axis)
        # solid areas (a photograph, a black bar) hold long runs too: not thin, not rules
        runs &= ~_opened(runs, thick + 1, 1 - axis)
        bridge = np.ones((1, round(line_height)) if axis == 1 else (round(line_height), 1), bool)
        joined = ndimage.binary_closing(runs, structure=bridge)
        labels, _ = ndimage.label(joined, structure=np.ones((3, 3), bool))
        boxes: list[Box] = []
        for found_slice in ndimage.find_objects(labels):
            rows, cols = found_slice
            box = (float(cols.start), float(rows.start), float(cols.stop), float(rows.stop))
            extent = box[2] - box[0] if axis == 1 else box[3] - box[1]
            # a tall letter's stem lies inside its text's box; a rule crosses text, if any
            stem = axis == 0 and any(_inside(box, t) >= IN_TEXT for t in text)
            if extent >= length and not stem:
                boxes.append(box)
        found.append(tuple(boxes))
    return Rules(horizontal=found[0], vertical=found[1])


def _opened(mask: np.ndarray, length: int, axis: int) -> np.ndarray:
    """``mask`` opened with a line ``length`` pixels long along ``axis``: only the pixels of
    runs at least that long stay (scipy's running minimum and maximum, linear in the image
    size whatever the length)."""
    from scipy import ndimage

    if length <= 1:
        return mask.copy()
    length += 1 - length % 2  # odd: a centred window, so the run is grown back where it was
    eroded = ndimage.minimum_filter1d(mask, length, axis=axis, mode="constant", cval=0)
    return ndimage.maximum_filter1d(eroded, length, axis=axis, mode="constant", cval=0)


def _scaled(box: Box, factor: float) -> Box:
    return (box[0] * factor, box[1] * factor, box[2] * factor, box[3] * factor)


def _inside(box: Box, other: Box) -> float:
    """The share of ``box`` that lies inside ``other``."""
    return common_area(box, other) / max((box[2] - box[0]) * (box[3] - box[1]), 1e-6)


__all__ = ["Rules", "find_rules"]
