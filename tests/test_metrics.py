"""Hand-worked cases for each metric, quirks of the official evaluators included."""

from __future__ import annotations

import pytest

from eval_vqa.metrics import (
    METRICS,
    anls,
    exact_match,
    get_metric,
    normalize_answer,
    relaxed_accuracy,
    stvqa_accuracy,
    textvqa_accuracy,
    vqa_accuracy,
)

# ----------------------------------------------------------------------------- ANLS


def test_anls_exact_and_case_whitespace_insensitive():
    assert anls("0.28", ["0.28"]) == 1.0
    assert anls("  Hello   WORLD ", ["hello world"]) == 1.0


def test_anls_divides_by_the_longer_raw_string():
    # Collapsed strings "x y" / "x z" are 1 edit apart; the raw prediction is 6 characters
    # long, so the normalized distance is 1/6 (1/3 if divided by the collapsed lengths).
    assert anls("x    y", ["x z"]) == 1 - 1 / 6


def test_anls_measures_raw_length_after_upper_case():
    # "ßß".upper() == "SSSS": the official script measures len(s.upper()), so the length
    # is 4 and the similarity 1 - 2/4 = 0.5, which the threshold keeps.
    assert anls("ßß", ["ss"]) == 0.5


def test_anls_threshold_keeps_exactly_half_and_zeroes_below():
    assert anls("abcd", ["abef"]) == 0.5  # 2 edits / 4
    assert anls("abc", ["axy"]) == 0.0  # 1 - 2/3 < 0.5
    assert anls("abcd", ["abef"], threshold=0.6) == 0.0
    assert anls("abc", ["axy"], threshold=0.0) == 1 - 2 / 3


def test_anls_takes_the_best_of_several_answers():
    # vs "2041": 1 edit / 5 -> 0.8; vs "Invoice 2041": 9 edits / 12 -> 0.25 (below 0.5)
    assert anls("2041.", ["Invoice 2041", "2041"]) == 0.8
    assert anls("2041.", ["2041", "Invoice 2041"]) == 0.8


def test_anls_empty_strings():
    assert anls("", [""]) == 1.0
    assert anls("", ["abc"]) == 0.0
    assert anls("abc", [""]) == 0.0


# ------------------------------------------------------------ EvalAI normalization


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("The Two Dogs", "2 dogs"),  # article dropped, number word mapped
        ("none", "0"),
        ("ten", "10"),
        ("eleven", "eleven"),  # only zero..ten are mapped
        ("an apple", "apple"),
        ("dont", "don't"),  # contraction restored
        ("Don't", "don't"),
        ("its", "its"),  # not in the table
        ("it's", "it 's"),  # "'s" split off
        ("coca-cola", "coca cola"),  # hyphen inside a word becomes a space
        ("coca - cola", "coca cola"),  # ... and is removed when spaced
        ("t-shirt", "t shirt"),
        ("(a)", ""),  # parentheses blanked, then the article "a" dropped
        ("1,000", "1000"),  # commas always removed
        ("3.5", "3.5"),  # a period before a digit stays
        ("3.", "3"),
        ("hello?", "hello"),
        ("hello!", "hello"),
        ("5.0%", "5.0%"),  # '%' is not in mmf's punctuation list
        ("new\nyork\tcity", "new york city"),
        ("  Spaces   Inside  ", "spaces inside"),
    ],
)
def test_normalize_answer_corner_cases(raw, expected):
    assert normalize_answer(raw) == expected


def test_normalize_answer_removes_at_most_32_periods():
    # mmf passes re.UNICODE (32) as the `count` argument of Pattern.sub.
    assert normalize_answer("x" + "." * 40) == "x" + "." * 8


# ---------------------------------------------------------------- VQA accuracy


def test_textvqa_accuracy_leave_one_out_mean():
    # 3 matching answers: the 3 subsets leaving one of them out see 2 -> 2/3; the other
    # 7 subsets see 3 -> 1. Mean (3 * 2/3 + 7) / 10 = 0.9.
    assert textvqa_accuracy("Coke", ["coke"] * 3 + ["coca cola"] * 7) == 0.9
    # 2 matches: 2 subsets see 1 -> 1/3, 8 see 2 -> 2/3: (2/3 + 16/3) / 10 = 0.6
    assert textvqa_accuracy("coke", ["coke"] * 2 + ["x"] * 8) == 0.6
    # 1 match: the subset without it sees 0, the 9 others see 1 -> 9 * 1/3 / 10 = 0.3
    assert textvqa_accuracy("coke", ["coke"] + ["x"] * 9) == 0.3
    assert textvqa_accuracy("coke", ["coke"] * 4 + ["x"] * 6) == 1.0
    assert textvqa_accuracy("pepsi", ["coke"] * 10) == 0.0


def test_textvqa_accuracy_normalizes_prediction_and_answers():
    answers = ["Coke.", "the coke", "COKE", "coke!", "coca-cola"] + ["x"] * 5
    assert textvqa_accuracy("a coke", answers) == 1.0
    assert textvqa_accuracy("Coca Cola", answers) == 0.3


def test_textvqa_accuracy_insists_on_ten_answers_like_mmf():
    with pytest.raises(ValueError, match="exactly 10 answers"):
        textvqa_accuracy("a", ["a"] * 9)


def test_vqa_accuracy_uses_stvqa_rule_for_other_answer_counts():
    assert vqa_accuracy("coke", ["coke"] + ["x"] * 9) == 0.3  # 10 answers: TextVQA
    assert vqa_accuracy("The Coke", ["coke", "pepsi"]) == 1.0  # 2 answers: any match
    assert vqa_accuracy("coke", ["pepsi"]) == 0.0
    assert stvqa_accuracy("Two", ["2"]) == 1.0


# ------------------------------------------------------------ relaxed accuracy


def test_relaxed_accuracy_tolerance_is_relative_to_the_ground_truth():
    assert relaxed_accuracy("43.5", ["41.5"]) == 1.0  # 2/41.5 = 4.8 %
    assert relaxed_accuracy("43.6", ["41.5"]) == 0.0  # 5.06 %
    # These two tell the argument order apart: 4.9/100 passes but 4.9/95.1 would not;
    # 5.2/100 fails but 5.2/105.2 would pass.
    assert relaxed_accuracy("95.1", ["100"]) == 1.0
    assert relaxed_accuracy("105.2", ["100"]) == 0.0
    assert relaxed_accuracy("110", ["100"], tolerance=0.1) == 1.0


def test_relaxed_accuracy_parsing_quirks():
    assert relaxed_accuracy("12%", ["0.12"]) == 1.0  # a trailing % divides by 100
    assert relaxed_accuracy("0", ["0"]) == 1.0
    assert relaxed_accuracy("0.0", ["0"]) == 0.0  # a zero target falls back to text
    assert relaxed_accuracy("1,000", ["1000"]) == 0.0  # float() rejects the comma
    assert relaxed_accuracy(" Yes \n", ["yes"]) == 1.0  # stripped, case-insensitive
    assert relaxed_accuracy("no", ["yes", "No"]) == 1.0  # any answer
    assert relaxed_accuracy("-20", ["-19.5"]) == 1.0  # |0.5| / 19.5


# ---------------------------------------------------------------- exact match


def test_exact_match_strips_and_ignores_case_only():
    assert exact_match(" Tiny Tales ", ["tiny tales"]) == 1.0
    assert exact_match("Tiny Tale", ["tiny tales"]) == 0.0
    assert exact_match("the tiny tales", ["tiny tales"]) == 0.0  # no article removal
    assert exact_match("b", ["a", "B"]) == 1.0


# ---------------------------------------------------------------- registry, input


def test_registry_and_bare_string_answers():
    assert set(METRICS) >= {"anls", "vqa_accuracy", "relaxed_accuracy", "exact_match"}
    assert get_metric("anls") is anls
    assert anls("abc", "abc") == 1.0  # a bare string is one answer
    with pytest.raises(KeyError, match="known: .*anls"):
        get_metric("bleu")


@pytest.mark.parametrize("name", ["anls", "vqa_accuracy", "relaxed_accuracy", "exact_match"])
def test_bad_input_names_the_metric(name):
    fn = METRICS[name]
    with pytest.raises(ValueError, match=f"{name}: answers is empty"):
        fn("x", [])
    with pytest.raises(TypeError, match=f"{name}: prediction must be a str"):
        fn(None, ["x"])
    with pytest.raises(TypeError, match="every answer must be a str"):
        fn("x", ["x", 3])


@pytest.mark.parametrize("name", ["anls", "vqa_accuracy", "relaxed_accuracy", "exact_match"])
def test_scores_lie_in_unit_interval(name):
    fn = METRICS[name]
    for pred, answers in [("", ["a"]), ("a", ["a"]), ("12", ["11.9"]), ("x y", ["x z"] * 10)]:
        assert 0.0 <= fn(pred, answers) <= 1.0
