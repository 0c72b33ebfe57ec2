"""Text over flat-coloured graphics: charts are read again with their colour taken out, and
what that reading adds is kept; photographs and scans are read once."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_script, render_lines
from PIL import Image, ImageDraw

from eval_vqa.recall import answer_in_context
from ocr_expert.engines.colour_graphics import (
    SAMPLE_PIXELS,
    add_uncovered,
    colourless,
    flat_graphics,
    to_read_again,
    without_colour,
)
from ocr_expert.engines.script_route import Candidate
from ocr_expert.types import box_corners


def bars() -> Image.Image:
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    for k, (height, colour) in enumerate([(120, "#1f77b4"), (200, "#1f77b4"), (90, "#ff7f0e")]):
        draw.rectangle((40 + 110 * k, 280 - height, 120 + 110 * k, 280), fill=colour)
    draw.text((10, 10), "Revenue 2020", fill="black")
    return image


def test_a_chart_of_flat_colours_is_graphics_and_a_photo_or_a_scan_is_not():
    assert flat_graphics(bars())
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8))
    assert not flat_graphics(photo)
    assert not flat_graphics(render_lines(["A PAGE OF BLACK TEXT", "ON WHITE PAPER"]))


def on_paper(image: Image.Image, paper: tuple[int, int, int]) -> Image.Image:
    """``image`` printed on coloured paper: its white turned ``paper``, its ink kept."""
    rgb = np.asarray(image.convert("RGB")).astype(np.float32)
    return Image.fromarray((rgb * np.array(paper, np.float32) / 255).astype(np.uint8))


def test_text_on_coloured_paper_is_no_graphics_and_a_chart_on_a_coloured_ground_still_is():
    page = render_lines(["A FORM PRINTED ON", "CANARY PAPER"])
    canary = on_paper(page, (255, 237, 158))  # its paper is saturated: a colour, not graphics
    assert not flat_graphics(canary)
    assert colourless(canary.resize((canary.width * 6, canary.height * 6))) is None
    chart = on_paper(bars(), (250, 236, 200))  # a chart on a beige ground
    assert flat_graphics(chart)
    plain = colourless(chart)
    assert plain is not None and (np.asarray(plain)[200, 80] == 255).all()


def test_a_large_image_is_judged_as_a_whole_image_is():
    # Pages past SAMPLE_PIXELS are judged on a grid of their pixels first: a chart scanned
    # large is still graphics, a large photograph and a large page of text are still not.
    chart = bars().resize((2400, 1800), Image.Resampling.NEAREST)
    assert chart.width * chart.height > 4 * SAMPLE_PIXELS
    plain = colourless(chart)
    assert plain is not None and (np.asarray(plain)[1200, 480] == 255).all()
    rng = np.random.default_rng(1)
    photo = Image.fromarray(rng.integers(0, 256, (1800, 2400, 3), dtype=np.uint8))
    assert colourless(photo) is None
    text = render_lines(["A PAGE OF BLACK TEXT", "ON WHITE PAPER"])
    assert colourless(text.resize((text.width * 6, text.height * 6))) is None


def test_the_colour_goes_and_black_text_stays():
    image = bars()
    plain = np.asarray(without_colour(image))
    assert (plain[200, 80] == 255).all()  # inside a blue bar
    before = np.asarray(image.convert("L"))[5:30, 5:120]
    after = np.asarray(without_colour(image).convert("L"))[5:30, 5:120]
    assert (before == after).all()  # the black title is untouched


def line(text: str, box: tuple[float, float, float, float], score: float = 0.99) -> Candidate:
    return Candidate(box_corners(box), text, score)


def test_a_longer_reading_of_the_same_line_replaces_it_and_a_new_line_is_added():
    first = [line("2444", (174, 180, 194, 190)), line("2012", (226, 254, 259, 269))]
    second = [
        line("42 444", (160, 179, 195, 190)),  # the digit the marker hid, read whole
        line("2012", (226, 254, 259, 269)),  # the same reading: nothing to add
        line("61.3", (300, 100, 330, 112)),  # a label touching a bar, missed before
        line("noise", (400, 100, 430, 112), score=0.6),  # unsure: not taken
    ]
    got = [c.text for c in add_uncovered(first, second)]
    assert got == ["42 444", "2012", "61.3"]


def test_a_different_reading_of_a_line_does_not_replace_it():
    first = [line("Sales 2019", (10, 10, 100, 24))]
    got = add_uncovered(first, [line("Sa1es 2019 total", (10, 10, 110, 24))])
    assert [c.text for c in got] == ["Sales 2019"]


def test_only_lines_that_may_read_differently_are_read_again():
    mask = np.zeros((300, 400), dtype=bool)
    mask[150:280, 40:120] = True  # a bar
    first = [line("Revenue 2020", (10, 10, 110, 24)), line("37.2", (60, 130, 100, 152))]
    found = [
        (11, 9, 111, 25),  # the title again, a pixel off, nothing coloured under it: skipped
        (60, 134, 100, 156),  # the label again, but the bar under it is now white: read
        (200, 100, 240, 114),  # a line the first reading missed: read
        (10, 10, 160, 24),  # the title found longer: read
    ]
    assert to_read_again(found, first, mask) == [1, 2, 3]


@pytest.mark.slow
def test_the_default_engine_reads_a_line_label_its_marker_touches():
    pytest.importorskip("rapidocr")
    from ocr_expert import OCRExpert

    charts = load_script("bench/chart_strings.py")
    chart = charts.draw_charts(3, seed=0)[2]  # a line chart; a marker touches 42 444
    assert "42\u2009444" in chart.strings
    text = OCRExpert("ppocr", use_cache=False).read(chart.image, mode="page").text
    assert answer_in_context(["42\u2009444"], text)


@pytest.mark.slow
def test_the_default_engine_reads_a_bar_label_that_touches_its_bar():
    pytest.importorskip("rapidocr")
    from ocr_expert import OCRExpert

    charts = load_script("bench/chart_strings.py")
    chart = charts.draw_charts(1, seed=0)[0]  # a bar chart; its label 37.2 sits on its bar
    assert "37.2" in chart.strings
    text = OCRExpert("ppocr", use_cache=False).read(chart.image, mode="page").text
    assert "37.2" in text.split()
    once = OCRExpert("ppocr", use_cache=False, colour_graphics=False)
    assert "37.2" not in once.read(chart.image, mode="page").text.split()
