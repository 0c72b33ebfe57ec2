"""Drawing text onto a page while recording the ground truth in reading order.

Everything drawn through ``Canvas`` is drawn word by word (so lines can be justified, and
Arabic words are shaped right to left by raqm), and every call that draws a line says
whether that line goes into the ground truth; the caller draws in reading order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

Color = tuple[int, int, int]


def text_width(text: str, fnt: ImageFont.FreeTypeFont, rtl: bool = False) -> float:
    """Advance width of ``text`` in pixels, shaped as it will be drawn."""
    if rtl:
        return float(fnt.getlength(text, direction="rtl", language="ar"))
    return float(fnt.getlength(text))


@dataclass
class Canvas:
    """A page image plus its ground-truth lines, appended in reading order."""

    width: int
    height: int
    background: Color = (255, 255, 255)
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.image = Image.new("RGB", (self.width, self.height), self.background)
        self.draw = ImageDraw.Draw(self.image)

    def words(
        self,
        words: Sequence[str],
        x0: float,
        x1: float,
        y: float,
        fnt: ImageFont.FreeTypeFont,
        *,
        fill: Color = (0, 0, 0),
        rtl: bool = False,
        align: str = "start",
        justify: bool = False,
        record: bool = True,
        prefix: str = "",
    ) -> None:
        """Draw one line of ``words`` between ``x0`` and ``x1`` with its top at ``y``.

        ``align`` is ``start`` (left, or right for ``rtl``), ``end`` or ``center``; ``justify``
        spreads the words over the whole width. ``prefix`` goes before the recorded text
        without being drawn (a drop cap drawn apart, joined to its word).
        """
        if not words:
            return
        widths = [text_width(w, fnt, rtl) for w in words]
        space = text_width(" ", fnt)
        total = sum(widths) + space * (len(words) - 1)
        gap = space
        if justify and len(words) > 1:
            gap = max(space, (x1 - x0 - sum(widths)) / (len(words) - 1))
            total = x1 - x0
        if align == "center":
            offset = (x1 - x0 - total) / 2
        elif align == "end":
            offset = x1 - x0 - total
        else:
            offset = 0.0
        anchor = "ra" if rtl else "la"
        if rtl:
            x = x1 - offset
            for word, w in zip(words, widths):
                self.draw.text(
                    (x, y), word, font=fnt, fill=fill, anchor=anchor, direction="rtl", language="ar"
                )
                x -= w + gap
        else:
            x = x0 + offset
            for word, w in zip(words, widths):
                self.draw.text((x, y), word, font=fnt, fill=fill, anchor=anchor)
                x += w + gap
        if record:
            self.lines.append(prefix + " ".join(words))

    def line(
        self, text: str, x0: float, x1: float, y: float, fnt: ImageFont.FreeTypeFont, **kw
    ) -> None:
        """``words`` for a string."""
        self.words(text.split(), x0, x1, y, fnt, **kw)


class TextFlow:
    """Fills line slots with words from a stream of paragraphs, breaking lines greedily."""

    def __init__(
        self, paragraphs: Iterator[list[str]], fnt: ImageFont.FreeTypeFont, rtl: bool
    ) -> None:
        self.paragraphs = paragraphs
        self.font = fnt
        self.rtl = rtl
        self.pending: list[str] = []
        self.paragraph_start = True

    def take(self, width: float) -> tuple[list[str], bool, bool]:
        """Words for a line ``width`` wide; whether they start and whether they end a paragraph."""
        if not self.pending:
            self.pending = list(next(self.paragraphs, []))
            self.paragraph_start = True
            if not self.pending:  # a finite stream has run out
                return [], False, True
        starts = self.paragraph_start
        space = text_width(" ", self.font)
        taken: list[str] = []
        used = 0.0
        while self.pending:
            w = text_width(self.pending[0], self.font, self.rtl)
            need = w if not taken else used + space + w
            if taken and need > width:
                break
            taken.append(self.pending.pop(0))
            used = need
        self.paragraph_start = False
        return taken, starts, not self.pending


def flow_column(
    canvas: Canvas,
    flow: TextFlow,
    x0: float,
    x1: float,
    y0: float,
    y1: float,
    line_height: float,
    *,
    justify: bool,
    indent: float,
    fill: Color = (0, 0, 0),
    narrow: tuple[int, float] = (0, 0.0),
    prefix_first: str = "",
) -> float:
    """Fill a column box with flowing text, line by line; returns the y below the last line.

    ``narrow`` = (n, w): the first n lines start ``w`` pixels in (room for a drop cap);
    ``prefix_first`` is recorded before the first line's text (the drop cap's letter).
    """
    y = y0
    index = 0
    rtl = flow.rtl
    while y + line_height <= y1 + 1e-6:
        inset = narrow[1] if index < narrow[0] else 0.0
        ax0, ax1 = (x0, x1 - inset) if rtl else (x0 + inset, x1)
        peek_start = not flow.pending
        width = ax1 - ax0 - (indent if (peek_start or flow.paragraph_start) and not inset else 0.0)
        words, starts, ends = flow.take(width)
        if not words:
            break
        lx0, lx1 = ax0, ax1
        if starts and not inset:
            if rtl:
                lx1 -= indent
            else:
                lx0 += indent
        canvas.words(
            words,
            lx0,
            lx1,
            y,
            flow.font,
            fill=fill,
            rtl=rtl,
            justify=justify and not ends,
            prefix=prefix_first if index == 0 else "",
        )
        y += line_height
        index += 1
    return y
