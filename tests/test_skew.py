"""A page placed askew is read again turned straight; words come back in its own pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw
from test_ocr_engines import two_column_page

from ocr_expert import OCRExpert
from ocr_expert.engines.tesseract import TesseractEngine
from ocr_expert.scoring import cer
from ocr_expert.skew import (
    STRAIGHTEN_DEG,
    ink_tilt,
    page_skew,
    quarter_turn,
    sideways,
    straighten,
    tilt_field,
    upside_down,
)
from ocr_expert.types import Span


def _line(x: float, y: float, length: float, degrees: float, height: float = 20.0) -> Span:
    """A detector's line polygon of ``length`` climbing at ``degrees`` (y axis down)."""
    dx, dy = length * math.cos(math.radians(degrees)), -length * math.sin(math.radians(degrees))
    poly = ((x, y), (x + dx, y + dy), (x + dx, y + dy + height), (x, y + height))
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    return Span("text", (min(xs), min(ys), max(xs), max(ys)), 0.9, poly)


def test_the_tilt_is_the_median_slope_of_long_lines():
    lines = [_line(10, 40 * i + 50, 300, d) for i, d in enumerate([1.9, 2.0, 2.1, 2.0, -3.0])]
    assert page_skew(lines) == pytest.approx(2.0, abs=0.01)
    assert page_skew(lines[:2]) == 0.0  # too few lines to tell
    assert page_skew([_line(10, 40 * i, 40, 5.0) for i in range(5)]) == 0.0  # short: no slope
    assert page_skew([_line(10, 40 * i, 300, 30.0) for i in range(5)]) == 0.0  # set at an angle


def test_short_words_tilted_by_the_detectors_steps_do_not_tilt_a_page_its_long_lines_hold_level():
    # a chart: a level title and two labels whose boxes tilt by a pixel over their length
    chart = [
        _line(150, 10, 166, 0.0, 18),
        _line(170, 45, 47, -1.2, 12),
        _line(220, 90, 40, -2.9, 12),
    ]
    assert page_skew(chart) == 0.0
    # a page askew: its short lines tilt as its long ones do, and the median stands
    askew = [_line(10, 40 * i, 300 if i % 2 else 60, 1.6 + 0.1 * (i % 3), 14) for i in range(6)]
    assert page_skew(askew) == pytest.approx(1.7, abs=0.01)


def test_lines_that_fan_out_give_a_tilt_changing_with_height():
    # a page photographed from its side: lines climb 3 degrees at the top, fall at the bottom
    fanned = [_line(10, 50 + 40 * i, 300, 3.0 - 0.5 * i) for i in range(13)]
    fanned.append(_line(10, 300, 300, 12.0))  # one line set at an angle does not bend the fit
    field = tilt_field(fanned)
    assert field is not None
    slope, at_zero = field
    assert slope * 40 == pytest.approx(-0.5, abs=0.03)  # half a degree less every 40 px ...
    assert slope * 52 + at_zero == pytest.approx(3.0, abs=0.1)  # ... 3 degrees at the top
    # one tilt for the whole page (a scan placed askew), or too few lines: no field
    assert tilt_field([_line(10, 50 + 40 * i, 300, 2.0) for i in range(13)]) is None
    assert tilt_field(fanned[:5]) is None
    # level lines beside labels set at 45 degrees (a chart's ticks, a stamp): no field either
    level = [_line(10, 50 + 30 * i, 300, 0.0) for i in range(10)]
    for labels in (1, 3, 12):
        assert tilt_field(level + [_line(40 * j, 400, 120, 45.0) for j in range(labels)]) is None


@pytest.mark.parametrize("degrees", [3.0, -5.0])
def test_a_point_of_the_straightened_page_maps_back_to_the_page_as_given(degrees):
    image = Image.new("RGB", (400, 300), (240, 235, 220))
    ImageDraw.Draw(image).rectangle((300, 50, 305, 55), fill="black")
    turned, turn = straighten(image, degrees)
    assert turned.getpixel((0, 0)) == (240, 235, 220)  # corners filled with the page's ground
    ys, xs = np.nonzero(np.asarray(turned.convert("L")) < 128)
    x, y = turn.back((float(xs.mean()), float(ys.mean())))
    assert x == pytest.approx(302.5, abs=1.0) and y == pytest.approx(52.5, abs=1.0)


def _count_reads(expert: OCRExpert, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modes the engine is asked to read in, one per call."""
    reads: list[str] = []
    real = expert.engine.read_batch

    def counted(images, mode):
        reads.append(mode)
        return real(images, mode)

    monkeypatch.setattr(expert.engine, "read_batch", counted)
    return reads


@pytest.fixture(scope="module")
def ppocr() -> OCRExpert:
    return OCRExpert("ppocr", use_cache=False)


@pytest.mark.parametrize("degrees", [2.0, -3.0])
def test_a_two_column_page_placed_askew_reads_column_by_column(ppocr, degrees, monkeypatch):
    page, left, right = two_column_page()
    tilted = page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    reads = _count_reads(ppocr, monkeypatch)
    result = ppocr.read(tilted, mode="page")
    assert cer(result.text.replace("\n", " "), " ".join(left + right)) < 0.05, result.text
    assert reads == ["page", "page"]  # read again, turned straight
    # the words are where they are on the tilted page: inside it, and climbing with it
    assert abs(page_skew(result.spans) - degrees) < 0.5
    for span in result.spans:
        assert span.box is not None
        assert -1 <= span.box[0] < span.box[2] <= tilted.width + 1
        assert -1 <= span.box[1] < span.box[3] <= tilted.height + 1
    for line in result.lines:
        assert line.box is not None and line.box[2] <= tilted.width + 1


def test_a_straight_page_is_read_once(ppocr, monkeypatch):
    page, _, _ = two_column_page()
    reads = _count_reads(ppocr, monkeypatch)
    result = ppocr.read(page, mode="page")
    assert reads == ["page"] and abs(page_skew(result.spans)) < STRAIGHTEN_DEG


@pytest.mark.parametrize("quarter", [90, 270])
def test_a_page_lying_on_its_side_is_read_upright(ppocr, quarter, monkeypatch):
    pytest.importorskip("pytesseract")
    page, left, right = two_column_page()
    on_its_side = page.rotate(quarter, expand=True)
    assert sideways(ppocr.reader.engine.read_batch([on_its_side], mode="page")[0])
    assert quarter_turn(on_its_side) == quarter  # turned back the way it was turned
    reads = _count_reads(ppocr, monkeypatch)
    result = ppocr.read(on_its_side, mode="page")
    assert reads == ["page", "page"]  # read again, turned upright
    assert cer(result.text.replace("\n", " "), " ".join(left + right)) < 0.05, result.text
    for span in result.spans:  # in the pixels of the image as given: standing upright
        assert span.box is not None and span.box[3] - span.box[1] > span.box[2] - span.box[0]
        assert span.box[3] <= on_its_side.height + 1


def test_a_page_turned_the_wrong_quarter_is_turned_the_other_quarter(ppocr, monkeypatch):
    page, left, right = two_column_page()
    on_its_side = page.rotate(90, expand=True)
    monkeypatch.setattr("ocr_expert.skew.quarter_turn", lambda image, spans=(): 270)
    reads = _count_reads(ppocr, monkeypatch)
    result = ppocr.read(on_its_side, mode="page")
    assert reads == ["page", "page", "page"]  # turned 270, read upside down, turned 90
    assert cer(result.text.replace("\n", " "), " ".join(left + right)) < 0.05, result.text


def test_an_upright_page_is_not_sideways():
    spans = [_line(10, 40 * i + 50, 300, 0.0) for i in range(5)]
    assert not sideways(spans)
    upright = [Span("word", (10 + 30 * i, 10, 30 + 30 * i, 200), 0.9) for i in range(5)]
    assert sideways(upright)


def _turned_over(span: Span) -> Span:
    """``span`` as an engine gives a line it read turned over: its polygon starts at the
    text's own top left, the box's bottom right."""
    assert span.polygon is not None
    return Span(span.text, span.box, span.score, span.polygon[2:] + span.polygon[:2])


def _upright_box(x: float) -> tuple[tuple[float, float], ...]:
    return ((x, 0.0), (x + 20, 0.0), (x + 20, 200.0), (x, 200.0))


def test_a_page_whose_lines_were_read_turned_over_is_upside_down():
    lines = [_line(10, 40 * i + 50, 300, d) for i, d in enumerate([1.9, 2.0, 2.1, 2.0])]
    assert not upside_down(lines)
    over = [_turned_over(s) for s in lines]
    assert upside_down(over)
    assert not upside_down(over[:1] + lines[1:])  # one line read turned over: a stray
    assert not upside_down([Span("text", (0, 0, 10, 10), 0.9)])  # no polygons: cannot tell
    # labels set up the side of a chart, read turned, outweighing its lines: no sign either
    side = [
        _turned_over(Span("a long tick label", (x, 0, x + 20, 200), 0.9, _upright_box(x)))
        for x in (10, 40, 70, 100, 130)
    ]
    assert not upside_down(lines + side)
    # once the page is turned upright, its lines climb as they climb on the page as given
    assert page_skew(over, over=True) == pytest.approx(2.0, abs=0.01)
    assert page_skew(over) == 0.0


@pytest.mark.parametrize("degrees", [180.0, 178.0])
def test_a_page_upside_down_is_read_upright(ppocr, degrees, monkeypatch):
    page, left, right = two_column_page()
    over = page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    assert upside_down(ppocr.reader.engine.read_batch([over], mode="page")[0])
    reads = _count_reads(ppocr, monkeypatch)
    result = ppocr.read(over, mode="page")
    assert reads == ["page", "page"]  # read again, turned upright
    assert cer(result.text.replace("\n", " "), " ".join(left + right)) < 0.05, result.text
    for span in result.spans:  # in the pixels of the image as given
        assert span.box is not None
        assert -1 <= span.box[0] < span.box[2] <= over.width + 1
        assert -1 <= span.box[1] < span.box[3] <= over.height + 1
    # the first line read sits at the bottom of the image as given, the last at its top
    first, last = result.lines[0].box, result.lines[-1].box
    assert first is not None and last is not None and first[1] > last[1]


@pytest.fixture(scope="module")
def tesseract() -> OCRExpert:
    pytest.importorskip("pytesseract")
    return OCRExpert("tesseract", lang="eng", use_cache=False)


def _tesseract_calls(expert: OCRExpert, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the Tesseract engine asks Tesseract: ``data`` for a reading, ``osd`` for its
    orientation detection, one per call."""
    calls: list[str] = []
    engine = expert.reader.engine
    assert isinstance(engine, TesseractEngine)
    data, orientation = engine._data, engine._orientation

    def counted_data(image, psm, lang=None, data_dir=None):
        calls.append("data")
        return data(image, psm, lang, data_dir)

    def counted_orientation(image):
        calls.append("osd")
        return orientation(image)

    monkeypatch.setattr(engine, "_data", counted_data)
    monkeypatch.setattr(engine, "_orientation", counted_orientation)
    return calls


def _box_as_turned(box, degrees: int, size: tuple[int, int]) -> tuple[float, ...]:
    """A box of a page as it would lie once the page is turned anticlockwise by ``degrees``
    (``Image.rotate``), the page upright being ``size``."""
    x0, y0, x1, y1 = box
    width, height = size
    if degrees == 90:
        return (y0, width - x1, y1, width - x0)
    return (width - x1, height - y1, width - x0, height - y0)  # 180


@pytest.mark.parametrize("degrees", [90, 180])
def test_tesseract_reads_a_page_lying_on_its_side_or_upside_down_turned_upright(tesseract, degrees):
    page, _, _ = two_column_page(right_x=470)
    upright = tesseract.read(page, mode="page")
    turned = page.rotate(degrees, expand=True)
    as_it_lies = OCRExpert("tesseract", lang="eng", turn=False, use_cache=False)
    assert cer(as_it_lies.read(turned, mode="page").text, upright.text) > 0.5  # noise
    result = tesseract.read(turned, mode="page")
    assert result.text == upright.text
    # each word where it stands in the image as given
    assert len(result.spans) == len(upright.spans)
    for span, straight in zip(result.spans, upright.spans):
        assert span.box is not None and straight.box is not None
        assert span.box == pytest.approx(_box_as_turned(straight.box, degrees, page.size), abs=1)


def test_tesseract_reads_an_upright_page_once(tesseract, monkeypatch):
    page, _, _ = two_column_page(right_x=470)
    calls = _tesseract_calls(tesseract, monkeypatch)
    tesseract.read(page, mode="page")
    assert calls == ["data"]


def test_a_page_tesseract_reads_surely_on_its_side_stays_as_tesseract_read_it(
    tesseract, monkeypatch
):
    # turned a quarter clockwise, Tesseract reads the lines itself as vertical text
    page, _, _ = two_column_page(right_x=470)
    clockwise = page.rotate(-90, expand=True)
    alone = OCRExpert("tesseract", lang="eng", turn=False, use_cache=False)
    calls = _tesseract_calls(tesseract, monkeypatch)
    assert tesseract.read(clockwise, mode="page").text == alone.read(clockwise, mode="page").text
    assert calls == ["data"]


@pytest.mark.parametrize("named", [0, 270], ids=["detection unsure", "detection wrong"])
def test_a_page_turned_where_orientation_detection_cannot_tell_is_turned_all_the_same(
    tesseract, monkeypatch, named
):
    page, _, _ = two_column_page(right_x=470)
    upright = tesseract.read(page, mode="page").text
    monkeypatch.setattr(tesseract.reader.engine, "_orientation", lambda image: named)
    assert tesseract.read(page.rotate(90, expand=True), mode="page").text == upright


def _invoice_page() -> tuple[Image.Image, str]:
    """Three lines of running text over a table of three columns far apart: placed 3 degrees
    askew, Tesseract loses some of the table and pairs its rows wrongly."""
    from ocr_expert.draw import load_font

    text = [
        "The supplies ordered for the office this quarter are listed below with",
        "the quantity of each and its price, as the supplier invoiced them on the",
        "first of the month; prices include the tax and the delivery to the door.",
    ]
    rows = [("Paper clips", "12", "3.40"), ("Staples", "4", "1.25"), ("Pencils", "30", "9.90")]
    rows += [("Rulers", "7", "5.60"), ("Folders", "25", "12.75"), ("Erasers", "9", "2.15")]
    rows += [("Tape", "3", "4.05"), ("Glue", "6", "7.30"), ("Markers", "18", "11.20")]
    rows += [("Envelopes", "50", "6.45")]
    font = load_font(20)
    page = Image.new("RGB", (1000, 80 + 30 * (len(rows) + len(text))), "white")
    draw = ImageDraw.Draw(page)
    y = 30
    for line in text:
        draw.text((30, y), line, font=font, fill="black")
        y += 30
    y += 20
    for row in rows:
        for x, cell in zip((30, 700, 870), row):
            draw.text((x, y), cell, font=font, fill="black")
        y += 30
    return page, "\n".join(text + [" ".join(row) for row in rows])


def test_tesseract_reads_a_page_placed_askew_turned_straight(tesseract, monkeypatch):
    page, truth = _invoice_page()
    askew = page.rotate(3, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    alone = OCRExpert("tesseract", lang="eng", straighten=False, use_cache=False)
    assert cer(alone.read(askew, mode="page").text, truth) > 0.3  # rows lost, paired wrongly
    calls = _tesseract_calls(tesseract, monkeypatch)
    result = tesseract.read(askew, mode="page")
    assert calls == ["data", "data"]  # read again, turned straight
    assert cer(result.text, truth) < 0.01, result.text
    for span in result.spans:  # in the pixels of the image as given, tilted as the page is
        assert span.polygon is not None and span.box is not None
        assert -1 <= span.box[0] < span.box[2] <= askew.width + 1
        assert -1 <= span.box[1] < span.box[3] <= askew.height + 1
    (x0, y0), (x1, y1) = result.spans[0].polygon[:2]
    assert y1 < y0 and math.degrees(math.atan2(y0 - y1, x1 - x0)) == pytest.approx(3, abs=1)


def test_tesseract_keeps_its_reading_where_straightening_finds_no_more_text(tesseract, monkeypatch):
    page, _ = _invoice_page()
    askew = page.rotate(3, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    engine = tesseract.reader.engine
    assert isinstance(engine, TesseractEngine)
    data = engine._data

    def straight_reads_less(image, psm, lang=None, data_dir=None):
        found = data(image, psm, lang, data_dir)
        if image.size != askew.size:  # the straightened page: its table lost
            found["text"] = [
                t if k < len(found["text"]) // 2 else "" for k, t in enumerate(found["text"])
            ]
        return found

    monkeypatch.setattr(engine, "_data", straight_reads_less)
    alone = OCRExpert("tesseract", lang="eng", straighten=False, use_cache=False)
    assert tesseract.read(askew, mode="page").text == alone.read(askew, mode="page").text


def test_an_upright_page_tesseract_reads_level_is_read_once(tesseract, monkeypatch):
    page, _ = _invoice_page()
    calls = _tesseract_calls(tesseract, monkeypatch)
    tesseract.read(page, mode="page")
    assert calls == ["data"]


def _table_page() -> tuple[Image.Image, str]:
    """A table alone, three columns far apart: askew, Tesseract reads it in one-word lines,
    none long enough to tell the tilt."""
    from ocr_expert.draw import load_font

    rows = [("Item", "Qty", "Price"), ("Paper clips", "12", "3.40"), ("Staples", "4", "1.25")]
    rows += [("Pencils", "30", "9.90"), ("Rulers", "7", "5.60"), ("Folders", "25", "12.75")]
    rows += [("Erasers", "9", "2.15"), ("Tape", "3", "4.05"), ("Glue", "6", "7.30")]
    font = load_font(20)
    page = Image.new("RGB", (1000, 60 + 30 * len(rows)), "white")
    draw = ImageDraw.Draw(page)
    for i, row in enumerate(rows):
        for x, cell in zip((30, 700, 870), row):
            draw.text((x, 30 + 30 * i), cell, font=font, fill="black")
    return page, "\n".join(" ".join(row) for row in rows)


@pytest.mark.parametrize("degrees", [3.0, -3.0, 1.5])
def test_the_ink_tells_a_page_s_tilt(degrees):
    page, _ = _table_page()
    askew = page.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    assert ink_tilt(askew) == pytest.approx(degrees, abs=0.2)
    assert ink_tilt(page) == 0.0
    assert ink_tilt(Image.new("RGB", (80, 60), "white")) == 0.0


def test_tesseract_straightens_a_table_whose_lines_are_too_short_to_tell_the_tilt(tesseract):
    page, truth = _table_page()
    askew = page.rotate(3, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    alone = OCRExpert("tesseract", lang="eng", straighten=False, use_cache=False)
    assert cer(alone.read(askew, mode="page").text, truth) > 0.3
    assert cer(tesseract.read(askew, mode="page").text, truth) < 0.02
