"""A word set up the margin, boxed letter by letter by the detector, is read again whole."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from ocr_expert import OCRExpert
from ocr_expert.draw import load_font
from ocr_expert.stacks import letter_stacks, read_whole
from ocr_expert.types import Span


def _letters(text: str, x: float = 500, y: float = 100, size: float = 20) -> list[Span]:
    """One box per letter down a column, as a detector boxes a word set up the margin: each
    box wider than tall (the letter lies on its side), overlapping the next a little."""
    return [
        Span(ch, (x, y + k * (size - 2), x + 1.4 * size, y + k * (size - 2) + size), 0.9)
        for k, ch in enumerate(text)
    ]


def test_letters_lying_one_under_the_next_make_a_stack():
    spans = [Span("a line of text", (20, 100, 400, 130), 0.9), *_letters("83996357")]
    assert letter_stacks(spans) == [list(range(1, 9))]  # top to bottom
    # two margins, two stacks
    assert len(letter_stacks(_letters("12345") + _letters("67890", x=50))) == 2


def test_a_table_column_of_digits_or_a_few_letters_is_no_stack():
    upright = [Span(d, (500, 100 + 22 * k, 514, 120 + 22 * k), 0.9) for k, d in enumerate("12345")]
    assert letter_stacks(upright) == []  # digits standing upright: rows of a table
    assert letter_stacks(_letters("123")) == []  # too few to tell
    spaced = [Span(s.text, s.box, 0.9) for s in _letters("12345", size=20)]
    apart = [
        Span(s.text, (s.box[0], s.box[1] + 15 * k, s.box[2], s.box[3] + 15 * k), 0.9)
        for k, s in enumerate(spaced)
        if s.box is not None
    ]
    assert letter_stacks(apart) == []  # a line's height apart: rows, not letters


def _reading(text: str, score: float):
    calls: list[list[Image.Image]] = []

    def read_crops(crops: list[Image.Image]) -> list[Span | None]:
        calls.append(crops)
        return [Span(text, None, score), Span(text[::-1], None, score / 2)]

    return read_crops, calls


def test_a_stack_read_whole_and_sure_replaces_its_letters():
    line = Span("a line of text", (20, 100, 400, 130), 0.9)
    image = Image.new("RGB", (600, 300), "white")
    read_crops, calls = _reading("83996357", 0.95)
    out = read_whole(image, [line, *_letters("83996357")], read_crops)
    assert [s.text for s in out] == ["a line of text", "83996357"]
    assert out[1].box == pytest.approx((500, 100, 528, 246))  # the stack's box
    (crops,) = calls
    assert all(crop.height < crop.width for crop in crops)  # turned upright, either way


@pytest.mark.parametrize(("text", "score"), [("83996357", 0.5), ("83", 0.95)])
def test_an_unsure_or_short_reading_leaves_the_letters(text, score):
    letters = _letters("83996357")
    read_crops, _ = _reading(text, score)
    assert read_whole(Image.new("RGB", (600, 300), "white"), letters, read_crops) == letters


def test_the_default_engine_reads_a_number_set_up_the_margin_whole():
    font = load_font(26)
    word = Image.new("RGB", (170, 36), "white")
    ImageDraw.Draw(word).text((6, 2), "83996357", font=font, fill="black")
    page = Image.new("RGB", (600, 400), "white")
    page.paste(word.rotate(-90, expand=True), (520, 100))  # reads from the top down
    # the detector's letter boxes over it: eight, each as wide as the word is tall
    letters = [
        Span(ch, (518.0, 100 + 21.0 * k, 558.0, 100 + 21.0 * k + 22), 0.6)
        for k, ch in enumerate("83996357")
    ]
    reader = OCRExpert("ppocr", use_cache=False).reader
    out = read_whole(page, letters, reader._read_crops)
    assert [s.text for s in out] == ["83996357"]
