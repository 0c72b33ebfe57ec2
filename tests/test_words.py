"""Numbers as charts write them: thousands grouped with a (thin) space are one number."""

from __future__ import annotations

from eval_vqa.recall import answer_in_context
from lmm_bridge.formats import extract_units
from ocr_expert.reading_order import order_spans
from ocr_expert.types import OCRResult, Span
from ocr_expert.words import join_digit_groups


def test_joined_digit_groups_compare_equal():
    assert join_digit_groups("31 846 and 2\u2009057.6") == "31846 and 2057.6"


def test_recall_finds_a_grouped_number_however_the_answer_writes_it():
    context = "Exports 31\u2009846 tonnes"
    assert answer_in_context(["31846"], context)
    assert answer_in_context(["31,846"], context)
    assert answer_in_context(["31 846"], context)
    assert answer_in_context(["31846"], "Exports 31 846 tonnes")
    # what matched before still matches: the parts of a grouped number stay findable
    assert answer_in_context(["846"], "Exports 31 846 tonnes")
    assert not answer_in_context(["31847"], context)


def test_word_units_keep_a_grouped_number_whole():
    spans = [Span("Population", (0, 0, 100, 20), 0.9), Span("1 250 000", (110, 0, 200, 20), 0.8)]
    lines, direction = order_spans(spans)
    result = OCRResult(
        spans=tuple(spans),
        lines=tuple(lines),
        width=300,
        height=40,
        engine="test",
        direction=direction,
    )
    units = extract_units(result, "word")
    assert [u.text for u in units] == ["Population", "1 250 000"]
    assert units[1].score == 0.8  # the number keeps its own span's score and box
