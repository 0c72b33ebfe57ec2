"""Where a span's ink lies inside its box: the measure the reading order takes gutters by when
a detector's padded boxes close them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import render_lines
from PIL import Image, ImageDraw

from ocr_expert.draw import load_font
from ocr_expert.image_io import dark_on_light
from ocr_expert.ink import cut_by_edge, cut_out_of_a_page, ink_extents, ink_lines, unread_ink
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


def test_two_lines_a_stroke_runs_between_count_as_two():
    """A receipt's total over its cash line with a stamp's stroke across the gap: no blank
    row parts them, only a valley of thin ink."""
    image = render_lines(["Inclusive of GST : 80.90", "CASH : 100.00"], font_size=20, margin=6)
    ImageDraw.Draw(image).line([(40, 18), (52, 50)], fill=(40, 40, 200), width=4)
    assert ink_lines(image) == 2


def test_a_ruled_tables_row_is_dark_text_on_light_paper():
    """A row cut out of a ruled table has its rules along its top and bottom edges: the
    edges are dark, the paper is not."""
    image = render_lines(["1264  1  25.00  25.00  SR", "NON WOVEN FACE MASK 50'S"], font_size=20)
    draw = ImageDraw.Draw(image)
    for y in (0, image.height - 3):
        for x in range(0, image.width, 8):  # a dashed rule, as a receipt prints one
            draw.rectangle((x, y, x + 5, y + 2), fill="black")
    grey, ground = dark_on_light(image)
    assert ground > 200
    assert np.median(np.asarray(grey)) > 200  # the paper stays light, the text dark
    assert ink_lines(image) == 2


def _cut_out_of_a_page() -> tuple[Image.Image, list[tuple[float, float, float, float]]]:
    """Three lines set close, cut through the first and the third: only the middle one is
    whole; with each line's box as a detector gives it, clipped where the cut runs."""
    page = render_lines(
        ["the line above it", "the middle line read", "the line below it"], spacing=1.3
    )
    draw = ImageDraw.Draw(page)
    font = load_font(32)
    boxes = [
        draw.textbbox((24, 24 + i * 32 * 1.3), t, font=font)
        for i, t in enumerate(["the line above it", "the middle line read", "the line below it"])
    ]
    top = (boxes[0][1] + boxes[0][3]) // 2  # through the first line's letters
    bottom = (boxes[2][1] + boxes[2][3]) // 2 + 2
    snippet = page.crop((0, top, page.width, bottom))
    clipped = [(b[0], max(0, b[1] - top), b[2], min(snippet.height, b[3] - top)) for b in boxes]
    return snippet, clipped


def test_a_line_the_edge_cuts_through_is_told_from_whole_lines():
    snippet, boxes = _cut_out_of_a_page()
    assert cut_by_edge(snippet, boxes) == {0, 2}
    # the same boxes on a page where nothing runs off the edge: the ink decides, not the box
    blank = Image.new("RGB", snippet.size, "white")
    blank.paste(snippet.crop((0, 8, snippet.width, snippet.height - 8)), (0, 8))
    assert cut_by_edge(blank, boxes) == set()
    # one line only, or every line at an edge: nothing to measure them against
    assert cut_by_edge(snippet, [boxes[0]]) == set()
    assert cut_by_edge(snippet, [boxes[0], boxes[2]]) == set()


def test_a_small_line_whole_at_the_edge_is_kept():
    """A line of small print the crop ends at, whole, is no cut line: its ink ends above the
    edge."""
    image = Image.new("RGB", (600, 140), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 20), "Heading in large type", font=load_font(40), fill="black")
    small = draw.textbbox((10, 118), "a footnote in small print", font=load_font(14))
    draw.text((10, 118), "a footnote in small print", font=load_font(14), fill="black")
    big = draw.textbbox((10, 20), "Heading in large type", font=load_font(40))
    footnote = (small[0], small[1], small[2], 140)  # a detector's padded box reaches the edge
    assert cut_by_edge(image, [big, footnote]) == set()


def test_a_region_cut_out_of_a_page_is_told_from_a_word_or_line_crop():
    lines = ["the line above it, set close to this one", "the middle line read whole, no more"]
    page = render_lines([*lines, "the line below it, also set close"], spacing=1.3)
    middle = ImageDraw.Draw(page).textbbox((24, 24 + 32 * 1.3), lines[1], font=load_font(32))
    snippet = page.crop((0, middle[1] - 18, page.width, middle[3] + 18))
    assert cut_out_of_a_page(snippet)  # the neighbours' edges show at top and bottom
    tight = page.crop((0, middle[1] - 3, page.width, middle[3] + 3))
    assert not cut_out_of_a_page(tight)  # the line alone: a line crop
    word = page.crop((middle[0] - 4, middle[1] - 18, middle[0] + 120, middle[3] + 18))
    assert not cut_out_of_a_page(word)  # a word with the same edges: a word crop
    row = Image.new("RGB", (900, 44), "white")
    for x, text in ((10, "POPDEN"), (300, "311.48"), (520, "6103.85")):
        ImageDraw.Draw(row).text((x, 8), text, font=load_font(24), fill="black")
    assert cut_out_of_a_page(row)  # a table's row: gaps of many heights of its text


def test_unread_ink_is_the_ink_of_the_read_rows_outside_the_boxes():
    snippet, boxes = _cut_out_of_a_page()
    middle = boxes[1]
    # the middle line read whole: the cut halves above and below lie in rows it does not span
    assert unread_ink(snippet, [middle]) == pytest.approx(0.0, abs=0.02)
    left = (middle[0], middle[1], (middle[0] + middle[2]) / 2, middle[3])
    assert 0.3 < unread_ink(snippet, [left]) < 0.7  # half the line's words left out
    assert unread_ink(snippet, []) == 0.0


def _loose(
    text: str, size: int, width: int, height: int, ink: str = "black", ground: str = "white"
) -> Image.Image:
    """``text`` drawn in the middle of a canvas much larger than it: a crop with wide margins."""
    image = Image.new("RGB", (width, height), ground)
    draw = ImageDraw.Draw(image)
    font = load_font(size)
    draw.text(
        ((width - draw.textlength(text, font=font)) / 2, (height - size) / 2),
        text,
        font=font,
        fill=ink,
    )
    return image


@pytest.mark.parametrize(
    ("ink", "ground"), [("black", "white"), ("white", "navy"), ("#777", "#eee")]
)
def test_a_crop_with_wide_margins_is_cut_to_its_text(ink, ground):
    from ocr_expert.ink import CROP_MARGIN, ink_box, trimmed

    image = _loose("Harbour Street 31", 16, 600, 160, ink, ground)
    box = ink_box(image)
    assert box is not None
    cut, (dx, dy) = trimmed(image)
    pad = max(2, round(CROP_MARGIN * (box[3] - box[1])))
    assert (dx, dy) == (box[0] - pad, box[1] - pad)
    assert cut.size == (box[2] - box[0] + 2 * pad, box[3] - box[1] + 2 * pad)
    assert cut.height < 40 and 140 < cut.width < 200  # the text, 16 px, and a little round it


def test_a_crop_cut_at_its_text_or_without_ink_is_kept_whole():
    from ocr_expert.ink import trimmed

    loose = _loose("Harbour Street 31", 16, 600, 160)
    tight, _ = trimmed(loose)
    assert trimmed(tight) == (tight, (0, 0))  # cut once, it is cut no further
    blank = Image.new("RGB", (300, 80), "white")
    assert trimmed(blank) == (blank, (0, 0))
    faint = _loose("ghost", 16, 300, 80, ink="#f4f4f4")  # a trace no clearer than paper
    assert trimmed(faint) == (faint, (0, 0))
