"""Result types of the OCR expert: spans, lines and the whole-image result.

Boxes are axis-aligned ``(x0, y0, x1, y1)`` in pixels of the image as read (after EXIF
orientation). Polygons, where an engine gives them, are lists of ``(x, y)`` points
clockwise from the top-left corner. Everything round-trips through JSON without loss.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Box = tuple[float, float, float, float]
Point = tuple[float, float]
Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True)
class Span:
    """One unit an engine recognised: a word or a phrase, with where it is and how sure."""

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
    width: int
    height: int
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
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OCRResult:
        spans = tuple(
            Span(
                text=s["text"],
                box=_box(s.get("box")),
                score=float(s["score"]),
                polygon=None if s.get("polygon") is None else tuple(tuple(p) for p in s["polygon"]),
            )
            for s in data["spans"]
        )
        lines = tuple(
            Line(
                text=ln["text"],
                box=_box(ln.get("box")),
                spans=tuple(ln["spans"]),
                direction=ln.get("direction", "ltr"),
                block=int(ln.get("block", 0)),
            )
            for ln in data["lines"]
        )
        return cls(
            spans=spans,
            lines=lines,
            width=int(data["width"]),
            height=int(data["height"]),
            engine=data["engine"],
            config=dict(data.get("config", {})),
            language=data.get("language"),
            direction=data.get("direction", "ltr"),
            mode=data.get("mode", "page"),
            elapsed_s=float(data.get("elapsed_s", 0.0)),
            notes=tuple(str(n) for n in data.get("notes", ())),
        )

    @classmethod
    def from_json(cls, text: str) -> OCRResult:
        return cls.from_dict(json.loads(text))


def _box(value: Any) -> Box | None:
    if value is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return (x0, y0, x1, y1)
