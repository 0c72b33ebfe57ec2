"""Text set at a slant: a chart's axis labels turned 20 to 70 degrees, a stamp, a watermark.

A page placed askew is turned straight as a whole (``ocr_expert.skew``); text set at a slant
of its own is not, and its upright boxes (a square around a label turned 45 degrees) overlap
the rows beside them. On a real line chart whose 20 axis labels stand at 45 degrees, the
labels were grouped into rows by the height of their centres, which follows their length:
``Coren Guerillero Keilana ...``, then ``Newyorkbrad Carcharoth ...``. Spans that slant alike
form a group read on its own, in a frame turned so that its text lies level: the labels are
then the lines of one column, read along the axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ocr_expert.types import Span, box_corners

#: a span slants when its baseline is tilted by at least this many degrees either way ...
SLANT_MIN = 20.0
#: ... and by at most this many (nearer upright, it is text set vertically)
SLANT_MAX = 70.0
#: ... measured on a polygon at least this many times as long as it is tall (a short label
#: turned 45 degrees, ``Kww``, is 2.1 times; a square box tells no direction)
SLANT_LENGTH = 1.5
#: spans slanting within this many degrees of their neighbour's slant are set alike
SLANT_ALIKE = 5.0
#: a group needs at least this many spans set alike (one word at a slant stays where it is)
SLANT_GROUP = 2
#: a group's spans are labels along a level axis when all their starts, or all their ends,
#: lie within this share of their text's height of one level line (the real chart's: 0.2)
AXIS_ALIGNED = 0.5


def slant(span: Span) -> float | None:
    """The tilt of a span's baseline in degrees (positive: climbing to the right, as the y
    axis points down) from its polygon's top edge, or None without a four-point polygon long
    enough to tell a direction (``SLANT_LENGTH``)."""
    poly = span.polygon
    if not poly or len(poly) != 4:
        return None
    length = math.dist(poly[0], poly[1])
    height = math.dist(poly[0], poly[3])
    if length < SLANT_LENGTH * max(height, 1.0):
        return None
    (x0, y0), (x1, y1) = poly[0], poly[1]
    return math.degrees(math.atan2(y0 - y1, x1 - x0))


def slanted_groups(spans: Sequence[Span], indices: Sequence[int]) -> list[tuple[float, list[int]]]:
    """The spans among ``indices`` set at a slant, in groups slanting alike (each neighbour
    within ``SLANT_ALIKE`` degrees of the next): ``(the group's median tilt, its members)`` for
    each group of at least ``SLANT_GROUP`` spans."""
    tilted = sorted(
        (angle, i)
        for i in indices
        if (angle := slant(spans[i])) is not None and SLANT_MIN <= abs(angle) <= SLANT_MAX
    )
    groups: list[list[tuple[float, int]]] = []
    for angle, i in tilted:
        if groups and angle - groups[-1][-1][0] <= SLANT_ALIKE:
            groups[-1].append((angle, i))
        else:
            groups.append([(angle, i)])
    out = []
    for group in groups:
        if len(group) >= SLANT_GROUP:
            angles = [a for a, _ in group]
            out.append((angles[len(angles) // 2], sorted(i for _, i in group)))
    return out


def along_axis(spans: Sequence[Span], members: Sequence[int]) -> list[int] | None:
    """The members in order along a level axis, left to right, where they are its labels: all
    their starts or all their ends (the tick each label is set against) lie level
    (``AXIS_ALIGNED``). None otherwise (a paragraph at a slant, a watermark in pieces).

    A paragraph's next line lies across its lines, which suits labels climbing to the right
    but reads labels falling to the right from the last; along the axis they read as its
    values go, whichever way they slant."""
    polys = [spans[i].polygon or () for i in members]
    if len(members) < 2 or any(len(p) != 4 for p in polys):
        return None
    height = sorted(math.dist(p[0], p[3]) for p in polys)[len(polys) // 2]
    # the middle of each span's start edge, then of its end edge
    for a, b in ((0, 3), (1, 2)):
        points = {
            i: ((p[a][0] + p[b][0]) / 2, (p[a][1] + p[b][1]) / 2) for i, p in zip(members, polys)
        }
        ys = [y for _, y in points.values()]
        if max(ys) - min(ys) <= AXIS_ALIGNED * height:
            return sorted(members, key=lambda i: points[i][0])
    return None


def turned_boxes(
    spans: Sequence[Span], members: Sequence[int], degrees: float
) -> dict[int, list[float]]:
    """Each member's box in a frame turned so that text tilted by ``degrees`` lies level (the
    upright box around its turned polygon, or its box's corners without one)."""
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    out = {}
    for i in members:
        poly = spans[i].polygon or box_corners(spans[i].box)  # type: ignore[arg-type]
        turned = [(x * cos - y * sin, x * sin + y * cos) for x, y in poly]
        xs, ys = [p[0] for p in turned], [p[1] for p in turned]
        out[i] = [min(xs), min(ys), max(xs), max(ys)]
    return out


__all__ = ["along_axis", "slant", "slanted_groups", "turned_boxes"]
