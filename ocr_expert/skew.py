"""A page placed askew: its tilt, measured on the detector's lines, and the page turned straight.

The reading order turns boxes into a straight frame on its own (``reading_order``), but a
detector's boxes on tilted text are looser than on straight text: on a real magazine page
turned by 1 to 4 degrees, its narrow gutters shrank in the turned boxes below what the order
takes for a column break, and its columns were read across (CER 0.041 straight, 0.32-0.57
turned). Read again after the image itself is turned straight, the page reads as it does
straight (0.036-0.046 at 1 to 4 degrees either way, but for one angle whose tilt was measured
0.13 degree off); the words come back in the pixels of the image as given.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from ocr_expert.types import Box, Line, Point, Span, box_corners, polygon_box

#: a page tilted by at least this much (degrees) is read again turned straight; a receipt
#: photographed 0.68 degree askew read worse turned straight than with its boxes turned
STRAIGHTEN_DEG = 0.75
#: a tilt beyond this is no scan placed askew (text set at an angle, a photo of a sign)
MAX_SKEW_DEG = 15.0
#: lines at least this many times as long as tall give a reliable slope
LONG_LINE = 3.0
#: a tilt is measured on at least this many long lines
MIN_LINES = 3


def page_skew(spans: Sequence[Span]) -> float:
    """The page's tilt in degrees (positive: text climbing to the right, as the y axis points
    down), the median slope of the long lines' polygons; 0 where fewer than ``MIN_LINES``
    long lines have polygons or the median is beyond ``MAX_SKEW_DEG``."""
    angles = []
    for span in spans:
        poly = span.polygon
        if poly and len(poly) == 4 and span.text.strip():
            (x0, y0), (x1, y1) = poly[0], poly[1]
            if x1 - x0 > LONG_LINE * max(math.dist(poly[0], poly[3]), 1.0):
                angles.append(math.degrees(math.atan2(y0 - y1, x1 - x0)))
    if len(angles) < MIN_LINES:
        return 0.0
    angle = statistics.median(angles)
    return angle if abs(angle) <= MAX_SKEW_DEG else 0.0


@dataclass(frozen=True)
class Turn:
    """How a page was turned straight: by ``degrees`` (as ``page_skew`` measured its tilt),
    from an image of ``size`` into one of ``turned_size``."""

    degrees: float
    size: tuple[int, int]
    turned_size: tuple[int, int]

    def back(self, point: Point) -> Point:
        """A point of the straightened image in the pixels of the image as given."""
        theta = math.radians(self.degrees)
        dx = point[0] - self.turned_size[0] / 2
        dy = point[1] - self.turned_size[1] / 2
        # the image was turned clockwise by ``degrees``: turn the point back the other way
        # (anticlockwise on the screen, whose y axis points down)
        x = dx * math.cos(theta) + dy * math.sin(theta)
        y = -dx * math.sin(theta) + dy * math.cos(theta)
        return (float(x + self.size[0] / 2), float(y + self.size[1] / 2))

    def back_box(self, box: Box) -> tuple[tuple[Point, ...], Box]:
        """A box of the straightened image as the tilted quadrilateral it covers in the image
        as given, and the upright box around that."""
        corners = tuple(self.back(p) for p in box_corners(box))
        return corners, polygon_box(corners)

    def back_span(self, span: Span) -> Span:
        """``span`` with its box and polygon in the pixels of the image as given."""
        if span.polygon:
            polygon = tuple(self.back(p) for p in span.polygon)
            return replace(span, polygon=polygon, box=polygon_box(polygon))
        if span.box is None:
            return span
        polygon, box = self.back_box(span.box)
        return replace(span, polygon=polygon, box=box)

    def back_line(self, line: Line) -> Line:
        """``line`` with its box in the pixels of the image as given."""
        return line if line.box is None else replace(line, box=self.back_box(line.box)[1])


def straighten(image: Image.Image, degrees: float) -> tuple[Image.Image, Turn]:
    """``image`` turned so that text tilted by ``degrees`` lies level, the corners it
    uncovers filled with the page's own ground (the median of its edge)."""
    rgb = image.convert("RGB")
    arr = np.asarray(rgb)
    edge = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    ground = tuple(int(v) for v in np.median(edge, axis=0))
    turned = rgb.rotate(-degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=ground)
    return turned, Turn(degrees, image.size, turned.size)
