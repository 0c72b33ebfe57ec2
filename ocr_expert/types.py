"""Result types of the OCR expert: spans, lines and the whole-image result.

Boxes are axis-aligned ``(x0, y0, x1, y1)`` in pixels of the image as read (after EXIF
orientation). Polygons, where an engine gives them, are lists of ``(x, y)`` points
clockwise from the top-left corner. Everything round-trips through JSON without loss:
``OCRResult.to_dict``/``to_json`` write a result and ``from_dict``/``from_json`` read it back
through one pydantic schema of these dataclasses, which the cache uses too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, NonNegativeInt, TypeAdapter

Box = tuple[float, float, float, float]
Point = tuple[float, float]
Direction = Literal["ltr", "rtl"]


def polygon_box(points: Sequence[Sequence[float]]) -> Box:
    """The upright box around a polygon's points (numbers of any numeric type)."""
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def union_box(boxes: Sequence[Sequence[float]]) -> Box:
    """The upright box around upright boxes (at least one)."""
    return (
        float(min(b[0] for b in boxes)),
        float(min(b[1] for b in boxes)),
        float(max(b[2] for b in boxes)),
        float(max(b[3] for b in boxes)),
    )


def spans_box(spans: Sequence[Span], indices: Sequence[int]) -> Box | None:
    """The box around the spans ``indices`` names that have one (None where none has)."""
    known = [box for i in indices if (box := spans[i].box) is not None]
    return union_box(known) if known else None


def common_area(a: Sequence[float], b: Sequence[float]) -> float:
    """The area two upright boxes share (0 where they do not meet)."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h


def box_corners(box: Sequence[float]) -> tuple[Point, ...]:
    """A box's four corners, clockwise from the top-left, as a polygon."""
    return ((box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3]))


@dataclass(frozen=True)
class Span:
    """One unit an engine recognized: a word or a phrase, with where it is and how sure."""

    text: str
    box: Box | None
    score: float
    polygon: tuple[Point, ...] | None = None

    @property
    def height(self) -> float:
        return 0.0 if self.box is None else self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        return 0.0 if self.box is None else self.box[2] - self.box[0]


@dataclass(frozen=True)
class Line:
    """Spans that sit on one text line, in reading order.

    ``spans`` indexes ``OCRResult.spans``; ``block`` numbers the layout block (column,
    paragraph) the line belongs to, blocks being numbered in reading order too.
    """

    text: str
    box: Box | None
    spans: tuple[int, ...]
    direction: Direction = "ltr"
    block: int = 0


@dataclass(frozen=True)
class OCRResult:
    """Everything one engine read off one image."""

    spans: tuple[Span, ...]
    lines: tuple[Line, ...]
    width: NonNegativeInt
    height: NonNegativeInt
    engine: str
    config: dict[str, Any] = field(default_factory=dict)
    language: str | None = None
    direction: Direction = "ltr"
    mode: Literal["page", "crop", "tokens"] = "page"
    elapsed_s: float = 0.0
    #: what a reader of the result should know about how it was read (e.g. "frame 1 of 12")
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The text in reading order, one line per line."""
        return "\n".join(line.text for line in self.lines)

    @property
    def words(self) -> list[str]:
        """Whitespace-separated words in reading order (engines may return phrases)."""
        return [word for line in self.lines for word in line.text.split()]

    @property
    def mean_score(self) -> float:
        return sum(s.score for s in self.spans) / len(self.spans) if self.spans else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The stored form: the fields as JSON types (tuples become lists once dumped)."""
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OCRResult:
        """The result ``to_dict`` gave (lists or tuples, numbers as JSON has them); keys it
        does not know, such as a cache entry's own, are ignored. Raises pydantic's
        ``ValidationError`` for a dict that is not a whole result."""
        return _schema().validate_python(data)

    @classmethod
    def from_json(cls, text: str | bytes) -> OCRResult:
        """The result ``to_json`` wrote, checked strictly: every field of its JSON type, each
        line's span indices within the spans. Raises pydantic's ``ValidationError``."""
        return _schema().validate_json(text, strict=True)


def _spans_exist(result: OCRResult) -> OCRResult:
    if any(not 0 <= i < len(result.spans) for line in result.lines for i in line.spans):
        raise ValueError("a line refers to a span the result does not hold")
    return result


@cache
def _schema() -> TypeAdapter[OCRResult]:
    """The one schema ``OCRResult`` is read back through (built on first use)."""
    return TypeAdapter(Annotated[OCRResult, AfterValidator(_spans_exist)])
