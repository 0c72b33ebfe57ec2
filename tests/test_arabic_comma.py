"""The Arabic comma, which Tesseract's Arabic models cannot write, put back from the ink."""

from __future__ import annotations

import pytest
from conftest import render_lines
from PIL import Image, ImageDraw

from ocr_expert import OCRExpert
from ocr_expert.engines.arabic_comma import ARABIC_COMMA, last_mark, restore_commas
from ocr_expert.engines.tesseract import TesseractEngine
from ocr_expert.synthetic.fonts import font
from ocr_expert.types import Span

WORD = "المدينة"


def _drawn(text: str, size: int, face: str = "sans") -> tuple[Image.Image, Span]:
    """``text`` drawn right to left, and a span over its ink as Tesseract boxes a word."""
    typeface = font(face, size)
    x0, y0, x1, y1 = typeface.getbbox(text, direction="rtl", language="ar")
    pad = size // 2
    image = Image.new("RGB", (round(x1 - x0) + 2 * pad, round(y1 - y0) + 2 * pad), "white")
    ImageDraw.Draw(image).text(
        (pad - x0, pad - y0), text, font=typeface, fill="black", direction="rtl", language="ar"
    )
    box = (float(pad), float(pad), float(pad + x1 - x0), float(pad + y1 - y0))
    return image, Span(text=text, box=box, score=0.9)


def _read_as(span: Span, text: str) -> Span:
    return Span(text=text, box=span.box, score=span.score)


@pytest.mark.parametrize("face", ["sans", "sans_bold", "mono"])
@pytest.mark.parametrize("size", [12, 24, 40])
@pytest.mark.parametrize("standin", [".", "»", "؛", ":"])
def test_a_comma_read_as_another_mark_is_written_as_the_arabic_comma(face, size, standin):
    image, span = _drawn(WORD + ARABIC_COMMA, size, face)
    (fixed,) = restore_commas(image, [_read_as(span, WORD + standin)])
    assert fixed.text == WORD + ARABIC_COMMA
    assert fixed.box == span.box and fixed.score == span.score


@pytest.mark.parametrize("face", ["sans", "sans_bold", "mono"])
@pytest.mark.parametrize("size", [12, 24, 40])
@pytest.mark.parametrize("mark", [".", "؛", ":"])
def test_a_full_stop_semicolon_or_colon_in_the_print_stays(face, size, mark):
    image, span = _drawn(WORD + mark, size, face)
    (kept,) = restore_commas(image, [span])
    assert kept.text == WORD + mark


@pytest.mark.parametrize("word", ["الماء", "ضوء"])
def test_a_word_ending_in_a_hamza_keeps_it(word):
    image, span = _drawn(word, 40)
    (kept,) = restore_commas(image, [span])
    assert kept.text == word


def test_a_hamza_after_a_letter_that_ends_words_is_a_comma_whatever_its_ink():
    image, span = _drawn("الثقافية" + ARABIC_COMMA, 12)
    (fixed,) = restore_commas(image, [_read_as(span, "الثقافيةء")])
    assert fixed.text == "الثقافية" + ARABIC_COMMA


def test_a_latin_comma_after_an_arabic_letter_is_the_arabic_comma_but_not_after_a_digit():
    image, span = _drawn(WORD, 24)
    fixed = restore_commas(image, [_read_as(span, WORD + ","), _read_as(span, "١٢,")])
    assert [s.text for s in fixed] == [WORD + ARABIC_COMMA, "١٢,"]


def test_latin_words_and_a_closing_guillemet_after_an_opening_one_are_left_alone():
    image, span = _drawn(WORD + ARABIC_COMMA, 40)
    spans = [_read_as(span, "«قال"), _read_as(span, WORD + "»"), _read_as(span, "word.")]
    assert [s.text for s in restore_commas(image, spans)] == ["«قال", WORD + "»", "word."]


def test_a_span_without_a_box_or_ink_keeps_its_mark():
    image, span = _drawn(WORD + ARABIC_COMMA, 24)
    assert restore_commas(image, [Span(text=WORD + ".", box=None, score=0.5)])[0].text == WORD + "."
    blank = Image.new("RGB", image.size, "white")
    assert span.box is not None and last_mark(blank, span.box) is None
    assert restore_commas(blank, [_read_as(span, WORD + ".")])[0].text == WORD + "."


LINE = "يقع المتحف الوطني في وسط المدينة، قرب النهر."


def test_tesseract_through_the_project_writes_the_arabic_comma_tesseract_alone_cannot():
    import pytesseract

    crop = render_lines([LINE], font_size=32, rtl=True, margin=6)
    alone = pytesseract.image_to_string(crop, lang="ara", config="--oem 1 --psm 7")
    assert ARABIC_COMMA not in alone  # the model's character set has no Arabic comma
    for engine in (TesseractEngine(lang="ara"), TesseractEngine(lang="ara", arabic_views=False)):
        read = " ".join(s.text for s in engine.read_crop(crop))
        assert "المدينة" + ARABIC_COMMA in read, read
        assert read.rstrip().endswith("."), read  # the full stop that ends it stays one


def test_an_arabic_page_read_whole_and_lines_read_together_get_their_commas_back():
    lines = [LINE, "وصل الوفد إلى العاصمة، بدأ العام الدراسي."]
    page = render_lines(lines, font_size=32, rtl=True)
    text = OCRExpert("tesseract", lang="ara", use_cache=False).read(page).text
    assert text.count(ARABIC_COMMA) == 2, text
    crops = [render_lines([line], font_size=32, rtl=True, margin=6) for line in lines]
    read = TesseractEngine(lang="ara", arabic_views=False).read_crops(crops)
    assert [sum(s.text.count(ARABIC_COMMA) for s in spans) for spans in read] == [1, 1], read


SPACED = "يقع المتحف الوطني في وسط المدينة ، قرب النهر ."


def test_a_comma_set_apart_by_a_space_is_written_as_the_arabic_comma_and_a_full_stop_stays():
    crop = render_lines([SPACED], font_size=32, rtl=True, margin=6)
    read = " ".join(s.text for s in TesseractEngine(lang="ara").read_crop(crop))
    assert "المدينة " + ARABIC_COMMA + " قرب" in read, read
    assert read.rstrip().endswith("."), read


@pytest.mark.parametrize("size", [16, 32])
def test_a_lone_mark_is_judged_by_its_ink_in_the_gap_between_its_words(size):
    # three pieces drawn apart, right to left: a word, a mark, a word; the mark's box as
    # Tesseract gives a lone mark, a sliver that misses some of its ink
    def piece(text: str) -> Image.Image:
        return _drawn(text, size)[0]

    def line(mark: str) -> tuple[Image.Image, list[Span]]:
        right, middle, left = piece(WORD), piece(mark), piece("قرب")
        height = max(right.height, middle.height, left.height)
        image = Image.new("RGB", (right.width + middle.width + left.width, height), "white")
        image.paste(left, (0, 0))
        image.paste(middle, (left.width, 0))
        image.paste(right, (left.width + middle.width, 0))
        pad = size // 2
        x, start = left.width + middle.width // 2, left.width + middle.width
        spans = [
            Span(WORD, (start + pad, pad, image.width - pad, height - pad), 0.9),
            Span("»", (x - 1, pad, x + 1, height - pad), 0.5),
            Span("قرب", (pad, pad, left.width - pad, height - pad), 0.9),
        ]
        return image, spans

    image, spans = line(ARABIC_COMMA)
    assert [s.text for s in restore_commas(image, spans)] == [WORD, ARABIC_COMMA, "قرب"]
    image, spans = line(".")  # a full stop's round ink is no comma's
    assert restore_commas(image, spans)[1].text == "»"
    image, spans = line(ARABIC_COMMA)  # a closing guillemet after an opening one stays
    quoted = [Span("«" + WORD, spans[0].box, 0.9), *spans[1:]]
    assert restore_commas(image, quoted)[1].text == "»"
