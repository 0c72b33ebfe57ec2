"""Question-aware selection: under a tight budget the OCR text that serves the question is kept.

Each constructed page puts the answer last in reading order, where today's policy (drop
later units first) loses it, and the question names the answer's label.
"""

import json
import re

import pytest

from eval_vqa.recall import answer_in_context
from eval_vqa.tiny_models import make_ocr_result
from lmm_bridge.context import build_context
from lmm_bridge.select import question_priority, question_terms
from lmm_bridge.variants import VariantError, VariantSpec, get_variant


def count_tokens(text: str) -> int:
    """A stand-in tokenizer: words and punctuation marks."""
    return len(re.findall(r"\w+|[^\w\s]", text))


def chart():
    """A horizontal bar chart: country labels in one column, their values in another (a
    column each in reading order), a source note between; the last value is Sweden's."""
    countries = ["Norway", "Denmark", "Finland", "Iceland", "Estonia", "Latvia", "Sweden"]
    values = ["12 410", "9 875", "15 002", "2 310", "4 118", "3 960", ["31", "846"]]
    lines = [[("Overnight stays by visitors, thousands, 2023", (20, 5, 560, 25), 0.97)]]
    lines += [[(c, (20, 40 + 30 * k, 120, 60 + 30 * k), 0.96)] for k, c in enumerate(countries)]
    lines += [[("Source: national statistics offices", (20, 270, 400, 285), 0.95)]]
    for k, v in enumerate(values):
        y = 40 + 30 * k
        parts = v if isinstance(v, list) else [v]
        lines.append(
            [(p, (300 + 40 * j, y, 335 + 40 * j, y + 20), 0.93) for j, p in enumerate(parts)]
        )
    return (
        make_ocr_result(lines, width=600, height=300),
        "How many overnight stays were there in Sweden?",
        "31 846",
    )


def form():
    """A form: fields with their values, a paragraph, then the total's label and, on the
    line below it, its value: the last line of the page."""
    rows = [
        "APPLICATION FOR REIMBURSEMENT",
        "Name: Helen Okafor",
        "Department: Laboratory services",
        "Date of travel: 4 May 2020",
        "Destination: Leeds",
        "Purpose: annual conference",
        "Receipts must be attached to this form and signed by the head of department",
        "before the end of the month in which the travel took place.",
        "Total amount claimed:",
        "$1,234.50",
    ]
    lines = [
        [(text, (20, 10 + 25 * k, 20 + 9 * len(text), 30 + 25 * k), 0.95)]
        for k, text in enumerate(rows)
    ]
    return (
        make_ocr_result(lines, width=800, height=300),
        "What is the total amount claimed?",
        "$1,234.50",
    )


def infographic():
    """An infographic: a headline, statistics each with its caption, the last one's figure
    printed under its caption at the end of the reading order."""
    rows = [
        ("THE WORLD GOES MOBILE", 40),
        ("72% of adults read the news on a phone", 20),
        ("5.4 billion people use the internet", 20),
        ("Average screen time 6 hours 58 minutes", 20),
        ("Mobile data traffic doubled since 2019", 20),
        ("Most used app: messaging", 20),
        ("Smartphone owners worldwide", 20),
        ("4.3 billion", 30),
    ]
    lines, y = [], 10
    for text, height in rows:
        lines.append([(text, (40, y, 40 + 12 * len(text), y + height), 0.94)])
        y += height + 25
    return (
        make_ocr_result(lines, width=700, height=y),
        "How many smartphone owners are there worldwide?",
        "4.3 billion",
    )


PAGES = {"chart": chart, "form": form, "infographic": infographic}


def context(result, question, **options):
    variant = get_variant({"name": "v", "base": options.pop("fmt", "lines"), **options})
    return build_context(
        result, variant, count_tokens=count_tokens, control_strings=(), question=question
    )


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("fmt", ["lines", "tokens"])
def test_the_answer_is_kept_when_the_question_names_its_label(page, fmt):
    result, question, answer = PAGES[page]()
    full = context(result, question, fmt=fmt)
    budget = full.n_tokens // 3
    by_question = context(result, question, fmt=fmt, budget_tokens=budget, select="question")
    by_confidence = context(result, question, fmt=fmt, budget_tokens=budget)
    assert by_question.n_tokens <= budget and by_question.dropped
    assert answer_in_context([answer], by_question.text)
    # today's policy drops later units first: the answer, last in reading order, is gone
    assert not answer_in_context([answer], by_confidence.text)


@pytest.mark.parametrize("page", PAGES)
def test_what_is_shown_stays_in_reading_order(page):
    result, question, _ = PAGES[page]()
    full = context(result, question)
    cut = context(result, question, budget_tokens=full.n_tokens // 2, select="question")
    order = [line.text for line in result.lines]
    shown = cut.text.split("\n")[1:]
    assert shown == sorted(shown, key=order.index) and len(shown) < len(order)


def test_a_question_that_matches_nothing_keeps_what_confidence_keeps():
    result, _, _ = form()
    question = "Why is the sky blue?"
    budget = context(result, question).n_tokens // 2
    assert (
        context(result, question, budget_tokens=budget, select="question").text
        == context(result, question, budget_tokens=budget).text
    )


def test_confidence_is_the_default_and_a_wrong_selection_names_the_key():
    assert VariantSpec(name="v", format="lines").select == "confidence"
    assert get_variant("tokens").select == "confidence"
    with pytest.raises(VariantError, match=r"variant 'v': select: .*'confidence' or 'question'"):
        get_variant({"name": "v", "base": "lines", "select": "answer"})


def test_question_words_match_case_folded_fuzzy_and_numbers_exactly():
    # "in" stays (a preposition may be a form's label: "To:", "From:"), weighing little
    assert question_terms("What is the TOTAL amount in 2019?") == ["total", "amount", "in", "2019"]
    result = make_ocr_result(
        [
            [("Totals", None, 0.9)],
            [("AMOUNT", None, 0.9)],
            [("2018", None, 0.9)],
            [("weather", None, 0.9)],
        ]
    )
    from lmm_bridge.formats import extract_units

    priority = question_priority(extract_units(result, "line"), "What is the total amount in 2019?")
    assert priority[0] > 0 and priority[1] > 0
    assert priority[2] < priority[0]  # 2018 is not 2019; it is linked only as a neighbour


def test_a_number_with_spaces_between_its_digit_groups_is_one_token():
    result, question, _ = chart()
    shown = json.loads(context(result, question, fmt="tokens").text.split(": ", 1)[1])
    assert "31 846" in shown and "846" not in shown
    assert "12 410" in shown  # read as one span, split into words, joined again
