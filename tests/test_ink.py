"""Where a span's ink lies inside its box: the measure the reading order takes gutters by when
a detector's padded boxes close them."""

from __future__ import annotations

import pytest
from conftest import render_lines
from PIL import Image, ImageDraw

from ocr_expert.draw import load_font
from ocr_expert.ink import ink_extents, ink_lines
from ocr_expert.synthetic.text import ARABIC_SENTENCES
from ocr_expert.types import Span


def _page(text: str, ink: str = "black", ground: str = "white") -> tuple[Image.Image, Span]:
    """``text`` drawn at x=100, and the span a detector gives it: its box padded 25 px on
    either side."""
    font = load_font(28)
    image = Image.new("RGB", (600, 120), ground)
    ImageDraw.Draw(image).text((100, 40), text, font=font, fill=ink)
    x0, y0, x1, y1 = ImageDraw.Draw(image).textbbox((100, 40), text, font=font)
    return image, Span(text, (x0 - 25, y0 - 8, x1 + 25, y1 + 8), 0.9)


@pytest.mark.parametrize(("ink", "ground"), [("black", "white"), ("white", "navy")])
def test_the_ink_starts_and_ends_where_the_text_does(ink, ground):
    image, span = _page("harbour master", ink, ground)
    assert span.box is not None
    before, after = ink_extents(image, [span])[0]
    width = span.box[2] - span.box[0]
    assert before * width == pytest.approx(25, abs=3)
    assert after * width == pytest.approx(25, abs=3)


def test_a_box_without_clear_ink_is_left_out():
    image, span = _page("harbour master", ink="#f4f4f4")  # a faint trace on white
    blank = Span("ghost", (300, 10, 400, 30), 0.5)  # a box over empty paper
    unboxed = Span("no box", None, 0.9)
    assert ink_extents(image, [span, blank, unboxed]) == {}


def test_ink_lines_counts_lines_of_text_not_dots_or_a_neighbours_cut_edge():
    assert ink_lines(render_lines(["Total due 42.40", "Paid by card 1234"], font_size=20)) == 2
    assert ink_lines(render_lines(["white text on navy"], font_size=20).convert("L")) == 1
    # an Arabic line's dots stand in rows of their own, below half a line's height
    assert ink_lines(render_lines(list(ARABIC_SENTENCES[:1]), rtl=True, font_size=28)) == 1
    # a line cut from a page set solid: the foot of the line above, the head of the one below
    page = render_lines(["harbour master", "Invoice No. 4521", "quay storage"], spacing=1.25)
    pitch = 32 * 1.25
    line = page.crop((0, int(24 + pitch - 11), page.width, int(24 + 2 * pitch + 10)))
    assert ink_lines(line) == 1
    assert ink_lines(Image.new("RGB", (200, 40), "white")) == 0
