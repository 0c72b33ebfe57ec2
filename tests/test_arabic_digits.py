"""Numbers in Arabic-Indic digits, which Tesseract's `ara` model cannot read, read by the
Arabic script model; direction marks left out of every Tesseract reading."""

from __future__ import annotations

import pytesseract
import pytest
from conftest import render_lines

from ocr_expert import OCRExpert
from ocr_expert.engines import arabic_digits
from ocr_expert.engines.arabic_digits import (
    needs_script_model,
    replace_numbers,
    strip_bidi,
)
from ocr_expert.engines.script_route import _mostly_letters
from ocr_expert.engines.tesseract import TesseractEngine
from ocr_expert.types import Span

EASTERN_LINE = "في عام ١٩٩٥ وصل الوفد إلى المدينة"
EUROPEAN_LINE = "الصفحة 47 من 312"


def _span(text: str, x0: float, x1: float, score: float = 0.9) -> Span:
    return Span(text=text, box=(x0, 0.0, x1, 20.0), score=score)


def test_direction_marks_are_left_out():
    assert strip_bidi("\u200f١٩٩٥\u200e \u2067abc\u2069") == "١٩٩٥ abc"


def test_a_word_holding_a_digit_takes_the_arabic_indic_number_read_over_it():
    ara = [_span("الوفد", 0, 40), _span("١990", 50, 80), _span("عام", 90, 120)]
    script = [_span("الوقد", 0, 40), _span("۱۹۹۵", 48, 82, 0.6), _span("عام", 90, 120)]
    fixed = replace_numbers(ara, script)
    # the script model's Persian digits are written as Arabic text writes them
    assert [s.text for s in fixed] == ["الوفد", "١٩٩٥", "عام"]
    assert fixed[1].box == ara[1].box and fixed[1].score == 0.6


def test_european_lookalikes_in_an_arabic_indic_number_are_written_as_its_digits():
    # in Arabic-Indic digits five is the ring the models read as 0; zero is a dot
    (fixed,) = replace_numbers([_span("١990", 50, 80)], [_span("۱۹۹0", 50, 80)])
    assert fixed.text == "١٩٩٥"


def test_a_percentage_ara_cannot_write_is_taken_from_the_script_model():
    ara = [_span("9650", 50, 80), _span("12%", 100, 130)]
    script = [_span("%50", 48, 82, 0.7), _span("%12", 100, 130)]
    fixed = replace_numbers(ara, script)
    assert [s.text for s in fixed] == ["50%", "12%"]  # a percent sign ara read stays its own


def test_a_percentage_in_an_arabic_line_reads_with_its_sign():
    crop = render_lines(["ارتفعت الأسعار بنسبة 50% هذا العام"], font_size=32, rtl=True, margin=6)
    read = " ".join(s.text for s in TesseractEngine(lang="ara").read_crop(crop))
    assert "50%" in read.split(), read


def test_a_number_the_script_model_reads_in_european_digits_or_elsewhere_stays_ara_s():
    ara = [_span("1995", 50, 80), _span("٢٥", 200, 220)]
    script = [_span("1995", 50, 80), _span("٢٥٠", 300, 330)]
    assert [s.text for s in replace_numbers(ara, script)] == ["1995", "٢٥"]


def test_only_a_mostly_arabic_line_with_a_digit_is_read_again():
    assert needs_script_model([_span("عام", 0, 9), _span("1990", 10, 20), _span("وصل", 0, 9)])
    assert not needs_script_model([_span("عام", 0, 9), _span("وصل", 10, 20)])
    assert not needs_script_model([_span("Page", 0, 9), _span("12", 10, 20)])


def test_a_line_with_a_number_is_still_mostly_letters_to_the_arabic_route():
    assert _mostly_letters("بلغ عدد السكان ٣٤٦٧٨ نسمة")
    assert not _mostly_letters("ا ١ ٠١ ١١ ا ١٠")  # strokes and dots `ara` writes for junk


def test_tesseract_through_the_project_reads_arabic_indic_digits_tesseract_ara_cannot():
    crop = render_lines([EASTERN_LINE], font_size=24, rtl=True, margin=6)
    alone = pytesseract.image_to_string(crop, lang="ara", config="--oem 1 --psm 7")
    assert "١٩٩٥" not in alone
    for engine in (TesseractEngine(lang="ara"), TesseractEngine(lang="ara", arabic_views=False)):
        read = " ".join(s.text for s in engine.read_crop(crop))
        assert "١٩٩٥" in read, read
        assert strip_bidi(read) == read
    default = OCRExpert("ppocr", use_cache=False).read(crop, mode="crop").text
    assert "١٩٩٥" in default, default


def test_european_digits_in_an_arabic_line_stay_as_read():
    crop = render_lines([EUROPEAN_LINE], font_size=32, rtl=True, margin=6)
    read = " ".join(s.text for s in TesseractEngine(lang="ara").read_crop(crop))
    assert "47" in read.split() and "312" in read.split(), read


def test_an_arabic_page_read_whole_gets_its_numbers():
    page = render_lines([EASTERN_LINE, "يعمل السوق القديم كل يوم"], font_size=28, rtl=True)
    text = OCRExpert("tesseract", lang="ara", use_cache=False).read(page).text
    assert "١٩٩٥" in text, text


def test_without_the_script_model_ara_s_reading_stays_with_one_warning(monkeypatch):
    arabic_digits.has_script_model.cache_clear()
    monkeypatch.setattr(arabic_digits, "SCRIPT_MODEL", "NoSuchScript")
    try:
        with pytest.warns(UserWarning, match="tesseract-ocr-script-arab"):
            assert arabic_digits.has_script_model() is False
        crop = render_lines([EASTERN_LINE], font_size=24, rtl=True, margin=6)
        read = " ".join(s.text for s in TesseractEngine(lang="ara").read_crop(crop))
        assert "١٩٩٥" not in read, read
    finally:
        arabic_digits.has_script_model.cache_clear()
