"""Text drawn over flat-coloured graphics (a chart's markers, lines and bars), read again with
the colour taken out.

A line chart's value label drawn over its marker (``42 444`` over a blue dot) loses the digits
the marker covers: the detector's box starts after the dot, so the recognizer never sees them
(``2444``). Charts and infographics draw their graphics in a few flat, saturated colours and
their text in black or grey; with every saturated pixel turned to the ground colour the label
stands alone, and the detector finds it whole. Photographs (a magazine's picture) hold
saturated pixels too, but in thousands of shades, and are left alone; so are scans, which hold
hardly any.

Only what the second reading adds is taken: a line read longer where the first reading is a
part of it, and a line the first reading did not find at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from ocr_expert.engines.script_route import Candidate
from ocr_expert.types import common_area, polygon_box, union_box

#: a pixel is coloured when its saturation (max - min over max of R, G, B) is above this ...
SATURATED = 0.35
#: ... and it is not near black (a dark pixel's saturation is noise)
NOT_DARK = 64
#: an image is graphics over a ground when at least this share of its pixels is coloured ...
MIN_COLOURED = 0.002
#: ... and its few most frequent colours hold at least this share of them (a chart's flat
#: fills and anti-aliased lines: 0.45-1.0; a photograph: under 0.01)
FLAT_SHARE = 0.3
#: how many of the most frequent colours count as the flat ones
TOP_COLOURS = 8
#: one colour (each channel within ``GROUND_TOLERANCE`` of it) making up at least this share
#: of the image is its ground, coloured paper or a coloured background, not graphics drawn
#: on it (canary and pink forms: 0.8-0.95; the largest fill of a chart: at most 0.4)
GROUND_SHARE = 0.5
GROUND_TOLERANCE = 16
#: a line of the second reading replaces or joins the first only when read this surely
MIN_SCORE = 0.9
#: boxes overlapping by more than this share of the smaller one are the same line
SAME_LINE = 0.5
#: a line found again with each edge within this share of its height of where it was found
#: first, and no colour under it, holds the same pixels and is not read again
SAME_EDGES = 0.25
#: an image of four times this many pixels or more is first judged on an even grid of every
#: few pixels, about this many: a page scanned at 600 dpi spent more time here than in detection
SAMPLE_PIXELS = 1_000_000
#: ... and looked at whole only where the sample comes within this share of both thresholds
SAMPLE_MARGIN = 0.5


def _rgb(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


def _coloured(rgb: np.ndarray) -> np.ndarray:
    """The mask of saturated pixels that are not near black."""
    top = rgb.max(axis=2).astype(np.int32)
    low = rgb.min(axis=2).astype(np.int32)
    return ((top - low) > SATURATED * np.maximum(top, 1)) & (top > NOT_DARK)


def flat_graphics(image: Image.Image) -> bool:
    """Whether ``image`` holds flat-coloured graphics (a chart, an infographic): enough
    saturated pixels, most of them in a few exact colours."""
    rgb = _rgb(image)
    return _flat(rgb, _coloured(rgb))


def colourless(image: Image.Image) -> Image.Image | None:
    """``image`` with every saturated pixel turned white where it holds flat-coloured
    graphics (``flat_graphics``), else None: the pixels are looked at once for both."""
    mask = graphics_mask(image)
    return None if mask is None else whitened(image, mask)


def graphics_mask(image: Image.Image) -> np.ndarray | None:
    """The mask of ``image``'s saturated pixels where it holds flat-coloured graphics
    (``flat_graphics``), else None."""
    rgb = _rgb(image)
    step = int((rgb.shape[0] * rgb.shape[1] / SAMPLE_PIXELS) ** 0.5)
    if step > 1:
        # Every step-th pixel keeps the colours exact, so both shares are estimated fairly;
        # a sample far from either threshold settles it.
        sample = rgb[::step, ::step]
        if not _flat(sample, _coloured(sample), SAMPLE_MARGIN):
            return None
    mask = _coloured(rgb)
    return mask if _flat(rgb, mask) else None


def _flat(rgb: np.ndarray, mask: np.ndarray, margin: float = 1.0) -> bool:
    """Whether ``mask`` (of ``rgb``'s coloured pixels) makes flat graphics, the coloured
    ground aside (``_drawn``); ``margin`` < 1 lowers both thresholds (a sample that fails
    them even so fails them surely)."""
    mask = _drawn(rgb, mask)
    count = int(mask.sum())
    if count < margin * MIN_COLOURED * mask.size:
        return False
    pixels = rgb[mask].astype(np.int64)
    keys = (pixels[:, 0] << 16) | (pixels[:, 1] << 8) | pixels[:, 2]
    _, counts = np.unique(keys, return_counts=True)
    top = np.sort(counts)[::-1][:TOP_COLOURS].sum()
    return bool(top >= margin * FLAT_SHARE * count)


def _drawn(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``mask`` without the image's coloured ground and the ink printed on it. The ground is
    the one colour (binned by 16 grey levels a channel) that makes up ``GROUND_SHARE`` of the
    image or more. Grey ink on it blends with it at the letters' edges into colours whose
    chroma (each channel over the darkest) is the ground's, weaker: those are left out too,
    within ``GROUND_TOLERANCE``. Text printed on canary paper is no chart: read twice, such a
    page took 1.7 times as long."""
    pixels = rgb[mask]
    if len(pixels) < GROUND_SHARE * mask.size:
        return mask
    binned = (pixels >> 4).astype(np.int64)
    keys = (binned[:, 0] << 8) | (binned[:, 1] << 4) | binned[:, 2]
    counts = np.bincount(keys, minlength=4096)
    if counts.max() < GROUND_SHARE * mask.size:
        return mask
    ground = np.median(pixels[keys == counts.argmax()], axis=0)
    ground_chroma = (ground - ground.min()).astype(np.float32)
    strength = float(ground_chroma @ ground_chroma)
    if strength == 0.0:
        return mask
    # only the coloured pixels are looked at: the rest are out of the mask already
    chroma = (pixels - pixels.min(axis=1, keepdims=True)).astype(np.float32)
    share = np.clip(chroma @ ground_chroma / strength, 0.0, 1.0)
    off = np.abs(chroma - share[:, None] * ground_chroma).max(axis=1)
    drawn = mask.copy()
    drawn[mask] = off > GROUND_TOLERANCE
    return drawn


def without_colour(image: Image.Image) -> Image.Image:
    """``image`` with every saturated pixel turned white."""
    return whitened(image, _coloured(_rgb(image)))


def whitened(image: Image.Image, mask: np.ndarray) -> Image.Image:
    """``image`` with the pixels of ``mask`` turned white."""
    plain = _rgb(image).copy()
    plain[mask] = 255
    return Image.fromarray(plain)


def to_read_again(
    boxes: Sequence[Sequence[float]], first: Sequence[Candidate], mask: np.ndarray
) -> list[int]:
    """The indices of ``boxes`` (lines detected with the colour taken out) worth reading:
    all but those that stand where a line of ``first`` stands, each edge within
    ``SAME_EDGES`` of its height, with no coloured pixel under either. Those hold the same
    pixels as that line did, read the same, and add nothing (``add_uncovered``)."""
    firsts = [polygon_box(c.polygon) for c in first]
    height, width = mask.shape

    def coloured_under(box: Sequence[float]) -> bool:
        x0, y0 = max(int(box[0]), 0), max(int(box[1]), 0)
        x1, y1 = min(int(np.ceil(box[2])), width), min(int(np.ceil(box[3])), height)
        return bool(mask[y0:y1, x0:x1].any())

    keep = []
    for i, box in enumerate(boxes):
        tolerance = SAME_EDGES * (box[3] - box[1])
        same = [old for old in firsts if max(abs(a - b) for a, b in zip(box, old)) <= tolerance]
        if not any(not coloured_under(union_box([box, old])) for old in same):
            keep.append(i)
    return keep


def _overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """The overlap of two boxes as a share of the smaller one's area."""
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return common_area(a, b) / max(smaller, 1e-6)


def _plain(text: str) -> str:
    return "".join(text.split()).casefold()


def add_uncovered(first: list[Candidate], second: list[Candidate]) -> list[Candidate]:
    """``first`` with what ``second`` (the colourless reading) adds: a sure line of ``second``
    over exactly one line of ``first`` whose text it holds and lengthens replaces it; a sure
    line over none is added; every other line of ``first`` stays as read."""
    out = list(first)
    boxes = [polygon_box(c.polygon) for c in first]
    for cand in second:
        text = _plain(cand.text)
        if cand.score < MIN_SCORE or not text:
            continue
        box = polygon_box(cand.polygon)
        under = [i for i, b in enumerate(boxes) if _overlap(box, b) > SAME_LINE]
        if not under:
            out.append(cand)
        elif len(under) == 1:
            old = _plain(out[under[0]].text)
            if old and old in text and len(text) > len(old) and not out[under[0]].rerouted:
                out[under[0]] = cand
    return out
