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

from ocr_expert.image_io import dark_on_light, edge_ground, otsu_level
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
#: a page lies on its side when at least this share of its characters are in boxes standing
#: upright (at least ``UPRIGHT_BOX`` times as tall as wide) ...
SIDEWAYS_SHARE = 0.6
UPRIGHT_BOX = 1.5
#: ... and Tesseract's orientation detection is at least this sure which way it lies (real
#: scans turned a quarter: 7-27; unsure readings, right or wrong, under 2)
OSD_CONFIDENCE = 2.0
#: a page lies upside down when at least this share of its characters were read turned over
UPSIDE_DOWN_SHARE = 0.5
#: a page photographed at an angle has its lines fan out: their tilt, fitted as a straight
#: function of height, changes by at least this much (degrees) from its first long line to its
#: last. Scans and photos placed askew change by under 1 degree (but a curled receipt, 4.6);
#: a page whose left edge stands 6 % shorter than its right, 2.3.
FAN_DEG = 1.0
#: ... fitted on at least this many long lines within ``FAN_SPREAD`` degrees of their median
#: tilt (a label or a stamp set at an angle is no line of the page's), then again on those
#: within ``FAN_OUTLIER`` degrees of the first fit (a line the detector bent)
FAN_LINES = 8
FAN_SPREAD = 10.0
FAN_OUTLIER = 1.0


def page_skew(spans: Sequence[Span], over: bool = False) -> float:
    """The page's tilt in degrees (positive: text climbing to the right, as the y axis points
    down), the median slope of the long lines' polygons; 0 where fewer than ``MIN_LINES``
    long lines have polygons, the median is beyond ``MAX_SKEW_DEG``, or the lines' slopes
    weighted by their length put the tilt under half of it or the other way. ``over``: the
    tilt of the lines turned over (``upside_down``), as it will be once the page is turned
    upright.

    A short word's box tilts a degree or two either way by the detector's pixel steps (a
    chart's labels, ``Germany`` 48 px long at -2.4 degrees), a long line's by a fraction of
    one: on a chart with a level title and two labels, the median was the labels' -1.3
    degrees and the chart was read twice, the second time turned."""
    tilts = line_tilts(spans, over)
    if len(tilts) < MIN_LINES:
        return 0.0
    angle = statistics.median(tilt for _, tilt, _ in tilts)
    weighted = _length_weighted_median(tilts)
    if abs(angle) > MAX_SKEW_DEG or weighted * angle <= 0 or abs(weighted) < abs(angle) / 2:
        return 0.0
    return angle


def _length_weighted_median(tilts: Sequence[tuple[float, float, float]]) -> float:
    """The median of ``line_tilts``' slopes, each line counted by its length."""
    ordered = sorted((tilt, length) for _, tilt, length in tilts)
    half = sum(length for _, length in ordered) / 2
    total = 0.0
    for tilt, length in ordered:
        total += length
        if total >= half:
            return tilt
    return ordered[-1][0]


def line_tilts(spans: Sequence[Span], over: bool = False) -> list[tuple[float, float, float]]:
    """(height of its centre, tilt in degrees, length) of each long line with a polygon
    (``page_skew``; ``over``: the lines turned over)."""
    tilts = []
    sign = -1 if over else 1
    for span in spans:
        poly = span.polygon
        if poly and len(poly) == 4 and span.text.strip():
            (x0, y0), (x1, y1) = poly[0], poly[1]
            if sign * (x1 - x0) > LONG_LINE * max(math.dist(poly[0], poly[3]), 1.0):
                angle = math.degrees(math.atan2(sign * (y0 - y1), sign * (x1 - x0)))
                tilts.append(((poly[0][1] + poly[2][1]) / 2, angle, abs(x1 - x0)))
    return tilts


def tilt_field(spans: Sequence[Span]) -> tuple[float, float] | None:
    """The tilt of a page's lines as a straight function of height, ``(per pixel, at y = 0)``
    in degrees, where its lines fan out (``FAN_DEG``; a page photographed at an angle), or
    None where they share one tilt. Long lines weigh by the square root of their length."""
    tilts = line_tilts(spans)
    if len(tilts) < FAN_LINES:
        return None
    ys, angles, lengths = (np.array(column) for column in zip(*tilts))
    weights = np.sqrt(lengths)
    near = np.abs(angles - np.median(angles)) <= FAN_SPREAD
    for _ in range(2):  # fitted, then fitted again on the lines near the first fit
        if near.sum() < FAN_LINES or np.ptp(ys[near]) == 0:  # too few, or all on one row
            return None
        slope, at_zero = np.polyfit(ys[near], angles[near], 1, w=weights[near])
        near &= np.abs(angles - (slope * ys + at_zero)) < FAN_OUTLIER
    ys = ys[near] if near.any() else ys
    ends = slope * np.array([ys.min(), ys.max()]) + at_zero
    if abs(ends[1] - ends[0]) < FAN_DEG or np.abs(ends).max() > MAX_SKEW_DEG:
        return None
    return float(slope), float(at_zero)


#: ``ink_tilt`` looks for the tilt within this many degrees either way, in steps of ``INK_STEP``,
#: on the page scaled to at most ``INK_SIDE`` pixels
INK_LIMIT = 5.0
INK_STEP = 0.1
INK_SIDE = 1000


def ink_tilt(image: Image.Image) -> float:
    """The tilt (degrees, positive: climbing to the right) under which the page's ink falls
    into the sharpest rows (its dark pixels' projection across the page, the sum of the squared
    row counts, at its highest): a page's tilt measured without reading it, for a page whose
    lines are too short to measure it on (a table cut into one-word lines). On the 23 real scans
    placed 3 degrees askew either way it read 2.6-3.4 degrees for 20 of them (the other three, two
    receipts and a form askew themselves as photographed or scanned, 0.9-2.0 and 4.0-5.0), in
    0.01-0.3 s. 0 for a page without ink."""
    grey, _ = dark_on_light(image)
    scale = min(1.0, INK_SIDE / max(grey.size))
    if scale < 1.0:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.BILINEAR)
    ys, xs = np.nonzero(np.asarray(grey) <= otsu_level(grey))
    if not len(ys):
        return 0.0
    steps = round(INK_LIMIT / INK_STEP)
    best, sharpest = 0.0, -1.0
    # level first, then further and further either way: a tie goes to the smaller tilt
    for k in sorted(range(-steps, steps + 1), key=abs):
        degrees = k * INK_STEP
        # a line climbing at ``degrees`` keeps y + x tan(degrees) (the y axis points down)
        rows = np.round(ys + xs * math.tan(math.radians(degrees))).astype(np.int64)
        counts = np.bincount(rows - rows.min()).astype(np.float64)
        sharpness = float((counts**2).sum())
        if sharpness > sharpest:
            best, sharpest = degrees, sharpness
    return round(best, 2)


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
    ground = tuple(int(v) for v in edge_ground(np.asarray(rgb)))
    turned = rgb.rotate(-degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=ground)
    return turned, Turn(degrees, image.size, turned.size)


def _stands_upright(span: Span) -> bool:
    """Whether a span's box is ``UPRIGHT_BOX`` times as tall as wide or more."""
    box = span.box
    return box is not None and box[3] - box[1] >= UPRIGHT_BOX * (box[2] - box[0])


def sideways(spans: Sequence[Span]) -> bool:
    """Whether most of the text the detector found stands in upright boxes: a page scanned or
    photographed on its side (or a page of vertical text)."""
    upright = total = 0
    for span in spans:
        n = len(span.text.strip())
        if span.box is None or not n:
            continue
        total += n
        if n >= 3 and _stands_upright(span):
            upright += n
    return total > 0 and upright >= SIDEWAYS_SHARE * total


def quarter_turn(image: Image.Image, spans: Sequence[Span] = ()) -> int:
    """How far (degrees clockwise: 90 or 270) a page on its side must be turned to stand
    upright: by Tesseract's orientation and script detection where it is sure
    (``OSD_CONFIDENCE``), else by reading the longest upright lines of ``spans`` turned either
    way (``_reads_better``); 0 where neither can tell, or without Tesseract."""
    rotate, sure = detected_orientation(image)
    if sure >= OSD_CONFIDENCE:
        return rotate if rotate in (90, 270) else 0  # sure it stands (or is set) upright
    return _reads_better(image, spans) if spans else 0


def detected_orientation(image: Image.Image, timeout: float = 0) -> tuple[int, float]:
    """Tesseract's orientation detection: the degrees (clockwise: 0, 90, 180 or 270) that
    would turn ``image`` upright, and how sure it is (0 to some 40; under 2 it is often
    wrong); ``(0, 0.0)`` where it cannot tell (no Tesseract, no ``osd`` data, too little
    text) or takes longer than ``timeout`` seconds (0: no limit)."""
    try:
        import pytesseract

        osd = pytesseract.image_to_osd(image, output_type=pytesseract.Output.DICT, timeout=timeout)
        rotate = int(osd.get("rotate", 0)) % 360
        return (rotate if rotate in (90, 180, 270) else 0), float(osd.get("orientation_conf", 0))
    except Exception:  # no Tesseract, no osd data, or too little text to tell
        return 0, 0.0


def upside_down(spans: Sequence[Span]) -> bool:
    """Whether most of the text the engine read was turned over to be read: a page scanned or
    photographed upside down. An engine tells it by the polygon it gives a line read turned
    over, which starts at the text's own top left and so runs from right to left on the page
    (PP-OCR's angle classifier; engines that give no polygons never tell it). Only lines
    lying across the page count: a label set up the side (a chart's turned tick labels) is
    read turned a quarter either way, and no sign of the page's way up."""
    over = total = 0
    for span in spans:
        n = len(span.text.strip())
        if not span.polygon or len(span.polygon) < 2 or not n or span.height > span.width:
            continue
        total += n
        if span.polygon[1][0] < span.polygon[0][0]:
            over += n
    return total > 0 and over >= UPSIDE_DOWN_SHARE * total


#: the upright lines read either way to tell which way a page lies, longest first
SAMPLE_LINES = 8
#: ... and the way read with this many times the confidence of the other wins
CLEARLY_BETTER = 1.5


def _reads_better(image: Image.Image, spans: Sequence[Span]) -> int:
    """90 or 270: the quarter turn under which the page's longest upright lines read with
    clearly more confidence (Tesseract, one line each; text upside down reads as noise), or 0.
    Forms and receipts hold too little running text for the orientation detection to be sure
    of (real forms turned a quarter: 0.02-1.4), but each of their lines reads one way only."""
    try:
        import pytesseract
    except ImportError:
        return 0
    upright = [s for s in spans if _stands_upright(s)]
    upright.sort(key=lambda s: -len(s.text.strip()))
    totals = {90: 0.0, 270: 0.0}
    for span in upright[:SAMPLE_LINES]:
        x0, y0, x1, y1 = span.box  # type: ignore[misc]
        crop = image.crop((max(0, int(x0) - 2), max(0, int(y0) - 2), int(x1) + 2, int(y1) + 2))
        for degrees in totals:
            data = pytesseract.image_to_data(
                crop.rotate(-degrees, expand=True),
                config="--oem 1 --psm 7",
                output_type=pytesseract.Output.DICT,
            )
            totals[degrees] += sum(
                max(float(c), 0.0) * len(t.strip())
                for t, c in zip(data["text"], data["conf"])
                if t.strip()
            )
    best, other = (90, 270) if totals[90] >= totals[270] else (270, 90)
    return best if totals[best] > CLEARLY_BETTER * max(totals[other], 1.0) else 0
