"""Reading order on hand-placed spans: lines, columns, tables, right-to-left."""

from __future__ import annotations

from ocr_expert.reading_order import order_spans, text_direction
from ocr_expert.types import Span


def span(text: str, x0: float, y0: float, x1: float, y1: float) -> Span:
    return Span(text=text, box=(x0, y0, x1, y1), score=0.9)


def texts(spans: list[Span]) -> list[str]:
    lines, _ = order_spans(spans)
    return [line.text for line in lines]


def test_words_on_a_line_join_left_to_right_whatever_their_input_order():
    spans = [span("fox", 200, 10, 250, 40), span("The", 10, 12, 60, 40), span("quick", 70, 8, 190, 42)]
    assert texts(spans) == ["The quick fox"]


def test_lines_go_top_to_bottom():
    spans = [span("second", 10, 60, 100, 90), span("first", 10, 10, 100, 40)]
    assert texts(spans) == ["first", "second"]


def test_two_columns_are_read_one_after_the_other_then_a_footer():
    left = [span(f"left line {i}", 10, 10 + 40 * i, 300, 40 + 40 * i) for i in range(3)]
    right = [span(f"right line {i}", 450, 10 + 40 * i, 740, 40 + 40 * i) for i in range(3)]
    footer = [span("footer across the page", 10, 300, 740, 330)]
    assert texts(right + footer + left) == [
        "left line 0", "left line 1", "left line 2",
        "right line 0", "right line 1", "right line 2",
        "footer across the page",
    ]
    lines, _ = order_spans(right + footer + left)
    assert len({line.block for line in lines}) == 3


def test_a_narrow_value_column_stays_on_its_rows():
    items = [span(name, 10, 10 + 40 * i, 200, 40 + 40 * i) for i, name in enumerate(["Milk", "Bread"])]
    prices = [span(p, 600, 10 + 40 * i, 660, 40 + 40 * i) for i, p in enumerate(["3.49", "2.10"])]
    assert texts(prices + items) == ["Milk 3.49", "Bread 2.10"]


def test_arabic_lines_read_right_to_left_and_columns_from_the_right():
    words = [span("مرحبا", 300, 10, 380, 40), span("بكم", 200, 10, 280, 40), span("في", 120, 10, 180, 40)]
    lines, direction = order_spans(list(reversed(words)))
    assert direction == "rtl"
    assert lines[0].text == "مرحبا بكم في" and lines[0].direction == "rtl"
    right_col = [span("العمود الأيمن", 450, 10 + 40 * i, 740, 40 + 40 * i) for i in range(2)]
    left_col = [span("العمود الأيسر", 10, 10 + 40 * i, 300, 40 + 40 * i) for i in range(2)]
    assert texts(left_col + right_col) == ["العمود الأيمن"] * 2 + ["العمود الأيسر"] * 2


def test_a_latin_line_on_an_arabic_page_keeps_left_to_right():
    spans = [span("مرحبا بكم", 300, 10, 500, 40), span("Model", 300, 60, 380, 90), span("X200", 390, 60, 460, 90)]
    lines, direction = order_spans(spans)
    assert direction == "rtl"
    assert [(line.text, line.direction) for line in lines] == [("مرحبا بكم", "rtl"), ("Model X200", "ltr")]


def test_spans_without_boxes_keep_their_order_on_a_last_line():
    spans = [Span("b", None, 1.0), span("top", 0, 0, 10, 10), Span("a", None, 1.0)]
    assert texts(spans) == ["top", "b a"]


def test_text_direction_counts_strong_characters():
    assert text_direction("hello") == "ltr"
    assert text_direction("مرحبا 123") == "rtl"
    assert text_direction("12.50") is None
