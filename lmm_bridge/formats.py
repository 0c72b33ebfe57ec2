"""Rendering OCR units as prompt text, one function per context format.

A *unit* is what a format lists: a word, a span or a line, with the score and box it
came from. Rendering is pure string work; choosing and dropping units is ``budget.py``'s job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from lmm_bridge.variants import UnitKind, VariantSpec
from ocr_expert.types import Box, OCRResult
from ocr_expert.words import is_grouped_number


@dataclass(frozen=True)
class Unit:
    """One item of OCR context, in reading order (``order``); ``line`` and ``block`` index
    the OCR line and layout block it came from (-1: unknown)."""

    text: str
    score: float
    box: Box | None
    order: int
    line: int = -1
    block: int = -1

    def with_text(self, text: str) -> Unit:
        """The same unit showing ``text`` (built directly: ``dataclasses.replace`` costs
        more than the rest of a prompt's units)."""
        return Unit(text, self.score, self.box, self.order, self.line, self.block)


def extract_units(result: OCRResult, kind: UnitKind) -> list[Unit]:
    """Units of the requested kind in reading order.

    ``word``: whitespace-separated words of each line (a word inherits the score and box of
    the span it lies in when the line maps word-for-word onto its spans, else the line's);
    ``span``: engine spans in reading order; ``line``: whole lines. A number whose digit
    groups are separated by spaces (``31 846``) stays one word or span.
    """
    units: list[Unit] = []
    for index, line in enumerate(result.lines):
        spans = [result.spans[i] for i in line.spans if 0 <= i < len(result.spans)]
        line_score = min((s.score for s in spans), default=1.0)
        if kind == "line":
            if line.text.strip():
                units.append(
                    Unit(line.text.strip(), line_score, line.box, len(units), index, line.block)
                )
            continue
        if kind == "span" and spans:
            pieces = [
                Unit(s.text.strip(), s.score, s.box, 0, index, line.block)
                for s in spans
                if s.text.strip()
            ]
        else:
            words = line.text.split()
            span_words = [(w, s) for s in spans for w in s.text.split()]
            aligned = [w for w, _ in span_words] == words
            pieces = []
            for k, word in enumerate(words):
                score, box = (
                    (span_words[k][1].score, span_words[k][1].box)
                    if aligned
                    else (line_score, line.box)
                )
                pieces.append(Unit(word, score, box, 0, index, line.block))
        for u in join_number_pieces(pieces):
            units.append(Unit(u.text, u.score, u.box, len(units), index, line.block))
    return units


def join_number_pieces(pieces: list[Unit]) -> list[Unit]:
    """Consecutive pieces of one line that are the digit groups of one number (``31``,
    ``846``) joined into one unit: the number split in two would read as two numbers."""
    out: list[Unit] = []
    for piece in pieces:
        prev = out[-1] if out else None
        joined = f"{prev.text} {piece.text}" if prev is not None else ""
        if prev is not None and is_grouped_number(joined):
            out[-1] = replace(
                prev,
                text=joined,
                score=min(prev.score, piece.score),
                box=_union(prev.box, piece.box),
            )
        else:
            out.append(piece)
    return out


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def render_items(
    variant: VariantSpec,
    texts: list[str],
    boxes: list[Box | None],
    size: tuple[int, int],
    box_style: str,
) -> str:
    """The context block for the given (already sanitized) unit texts.

    Formats (defaults; label and separators come from the variant):
      tokens: ``OCR_token: ["pop", "the", "book"]``
      llava:  ``Reference OCR token: pop, the, book``
      lines:  ``OCR text:\\n<line>\\n<line>``
      boxes:  ``OCR text with positions:\\n<ref>line</ref><box>(x1,y1),(x2,y2)</box>`` or,
              for ``box_style="plain"``, ``line [x1,y1,x2,y2]``; coordinates on 0..1000.
    """
    fmt = variant.format
    if fmt == "none" or not texts:
        return ""  # no text read: the prompt is the plain question
    label = variant.option("label")
    sep = variant.option("item_separator")
    if fmt == "tokens":
        # json.dumps gives the Python-style list of double-quoted strings of the paper.
        return label + "[" + sep.join(json.dumps(t, ensure_ascii=False) for t in texts) + "]"
    if fmt == "boxes":
        items = [_with_box(t, b, size, box_style) for t, b in zip(texts, boxes)]
        return label + sep.join(items)
    # llava and lines: plain items
    return label + sep.join(texts)


def render_unit(
    variant: VariantSpec, text: str, box: Box | None, size: tuple[int, int], box_style: str
) -> str:
    """How one unit appears inside the block (its token cost is estimated from this)."""
    if variant.format == "tokens":
        return json.dumps(text, ensure_ascii=False)
    if variant.format == "boxes":
        return _with_box(text, box, size, box_style)
    return text


def scale_box(box: Box, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Pixels to Qwen-VL's grid: integers in [0, 1000), clamped to the image."""
    width, height = size

    def s(v: float, extent: int) -> int:
        return min(999, max(0, int(v / max(extent, 1) * 1000)))

    x0, y0, x1, y1 = box
    return s(x0, width), s(y0, height), s(x1, width), s(y1, height)


def _with_box(text: str, box: Box | None, size: tuple[int, int], box_style: str) -> str:
    if box is None:
        return text
    x0, y0, x1, y1 = scale_box(box, size)
    if box_style == "qwen-vl":
        return f"<ref>{text}</ref><box>({x0},{y0}),({x1},{y1})</box>"
    return f"{text} [{x0},{y0},{x1},{y1}]"


__all__ = ["Unit", "extract_units", "render_items", "render_unit", "scale_box"]
