"""Cutting a detected text region out of a page, as a recognizer reads it."""

from __future__ import annotations

import math

from PIL import Image

from ocr_expert.types import Span

#: a polygon whose top edge climbs, over the region's length, more than this share of its
#: height is straightened before reading (an upright box of a long tilted line would also
#: hold parts of the lines above and below it)
_MAX_DRIFT = 0.25


def crop_region(image: Image.Image, region: Span, padding: float) -> Image.Image | None:
    """The part of ``image`` a detected span covers, with a margin, kept within the image.

    A tilted four-point polygon is straightened (perspective transform) so the recognizer
    sees horizontal text; anything else is cut along its axis-aligned box. No box: the whole
    image. A box with no area inside the image gives None.
    """
    if (
        region.polygon is not None
        and len(region.polygon) == 4
        and _drift(region.polygon) > _MAX_DRIFT
    ):
        return _quad_crop(image, region.polygon, padding)
    if region.box is None:
        return image
    x0, y0, x1, y1 = region.box
    pad = padding * max(y1 - y0, 1.0)
    left, top = max(0, math.floor(x0 - pad)), max(0, math.floor(y0 - pad))
    right, bottom = min(image.width, math.ceil(x1 + pad)), min(image.height, math.ceil(y1 + pad))
    if right <= left or bottom <= top:
        return None
    return image.crop((left, top, right, bottom))


def _drift(polygon: tuple[tuple[float, float], ...]) -> float:
    """How far the top edge climbs or falls across the region, in region heights."""
    tl, tr, _, bl = polygon
    return abs(tr[1] - tl[1]) / max(math.dist(tl, bl), 1.0)


def _quad_crop(
    image: Image.Image, polygon: tuple[tuple[float, float], ...], padding: float
) -> Image.Image | None:
    """Warp a quadrilateral (corners clockwise from top-left) to an upright rectangle."""
    tl, tr, br, bl = polygon
    width = max(math.dist(tl, tr), math.dist(bl, br))
    height = max(math.dist(tl, bl), math.dist(tr, br))
    if width < 1 or height < 1:
        return None
    pad = padding * height
    u = ((tr[0] - tl[0]) / math.dist(tl, tr), (tr[1] - tl[1]) / math.dist(tl, tr))  # along the text
    v = ((bl[0] - tl[0]) / math.dist(tl, bl), (bl[1] - tl[1]) / math.dist(tl, bl))  # down the text

    def moved(p: tuple[float, float], su: float, sv: float) -> tuple[float, float]:
        x = p[0] + pad * (su * u[0] + sv * v[0])
        y = p[1] + pad * (su * u[1] + sv * v[1])
        return (min(max(x, 0.0), image.width), min(max(y, 0.0), image.height))

    # PIL's QUAD takes the source corners as upper-left, lower-left, lower-right, upper-right.
    corners = (moved(tl, -1, -1), moved(bl, -1, 1), moved(br, 1, 1), moved(tr, 1, -1))
    size = (max(1, round(width + 2 * pad)), max(1, round(height + 2 * pad)))
    return image.transform(
        size,
        Image.Transform.QUAD,
        [c for p in corners for c in p],
        resample=Image.Resampling.BILINEAR,
    )
