"""OCR answer recall: is the ground-truth answer in the context the model was shown?"""

from __future__ import annotations

from eval_vqa.recall import answer_in_context, normalize, recall


def test_answer_found_in_the_seed_token_list_whatever_the_case_and_quotes():
    context = 'OCR_token: ["pop", "the", "book"]'
    assert answer_in_context(["The Book"], context)
    assert answer_in_context(["nothing", "POP"], context)  # any of the answers


def test_whole_words_only():
    assert not answer_in_context(["cat"], "OCR text:\nconcatenate")
    assert not answer_in_context(["10"], "100 kg")
    assert answer_in_context(["10"], "total: 10 kg")


def test_punctuation_and_unicode_forms_do_not_matter():
    assert answer_in_context(["7.5%"], "rate 7.5 % per year")
    assert answer_in_context(["ﬁve"], "Five")  # NFKC folds the ligature
    assert answer_in_context(["مرحبا"], "<ref>مرحبا بكم</ref><box>(1,2),(3,4)</box>")
    assert normalize("  Hello,\tWORLD! ") == "hello world"


def test_empty_context_or_empty_answers_is_no_recall():
    assert not answer_in_context(["x"], "")
    assert not answer_in_context(["", "  "], "anything at all")


def test_recall_ignores_undefined_flags():
    assert recall([True, False, None, True]) == 2 / 3
    assert recall([None, None]) is None
