"""CER, WER and word accuracy, worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

import pytest
from PIL import Image

from ocr_expert.image_io import load_image
from ocr_expert.scoring import (
    Normalization,
    cer,
    normalize_text,
    read_labels,
    score_corpus,
    score_labels,
    wer,
    word_accuracy,
)

# --- edit rates ---------------------------------------------------------------------------


def test_cer_is_edits_over_reference_characters():
    # kitten -> sitting: substitute k/s, e/i, insert g = 3 edits over 7 reference characters
    assert cer("kitten", "sitting", "none") == pytest.approx(3 / 7)
    assert cer("sitting", "sitting", "none") == 0.0


def test_wer_counts_word_substitutions_deletions_and_insertions():
    assert wer("a x c", "a b c", "none") == pytest.approx(1 / 3)
    assert wer("the cat sat", "the cat sat down", "none") == pytest.approx(1 / 4)
    # two insertions against a two-word reference: WER can exceed 1
    assert wer("one two three four", "one two", "none") == pytest.approx(2 / 2)
    assert wer("x y z w", "a b", "none") == pytest.approx(4 / 2)


def test_default_preset_is_case_sensitive_but_folds_spacing_and_compatibility_forms():
    assert cer("Hello", "hello") == pytest.approx(1 / 5)
    assert cer("hello   world\n", "hello world") == 0.0
    assert cer("\ufb01le", "file") == 0.0  # the "fi" ligature
    assert cer("\uff21\uff22", "AB") == 0.0  # full-width letters
    # "none" keeps everything: the extra spaces and the newline are edits
    assert cer("hello   world\n", "hello world", "none") == pytest.approx(3 / 11)


def test_empty_reference_scores_zero_when_prediction_is_empty_else_one():
    assert cer("", "") == 0.0
    assert wer("", "") == 0.0
    assert cer("ab", "") == 1.0
    assert wer("some words", "") == 1.0
    # at corpus level the two insertions still count against the other sample's 3 characters
    report = score_corpus([("ab", ""), ("abc", "abc")], "none")
    assert report.cer == pytest.approx(2 / 3)
    assert report.per_sample[0].cer == 1.0


def test_corpus_rates_sum_edits_over_summed_lengths_not_mean_of_rates():
    report = score_corpus([("abd", "abc"), ("", "hello")], "none")
    # edits 1 + 5 over reference lengths 3 + 5; the mean of rates would be (1/3 + 1) / 2
    assert report.cer == pytest.approx(6 / 8)
    assert report.n == 2 and report.n_errors == 0
    assert [s.char_edits for s in report.per_sample] == [1, 5]
    assert report.wer == pytest.approx(2 / 2)
    assert report.word_accuracy == 0.0


def test_corpus_word_accuracy_is_share_of_exact_matches_after_normalization():
    pairs = [("Hello", "HELLO"), ("world!", "world"), ("w0rld", "world"), ("", "x")]
    report = score_corpus(pairs, "str")
    assert report.word_accuracy == pytest.approx(2 / 4)
    assert [s.correct for s in report.per_sample] == [True, True, False, False]


# --- scene-text word accuracy -------------------------------------------------------------


def test_str_word_accuracy_lowercases_and_keeps_only_ascii_alphanumerics():
    assert word_accuracy("Café!", "CAFE") == 1.0  # accent folded, punctuation dropped
    assert word_accuracy("hello world", "helloworld") == 1.0  # whitespace removed
    assert word_accuracy("h3llo", "hello") == 0.0
    assert word_accuracy("HELLO", "hello", "none") == 0.0
    assert normalize_text("Don't-STOP 24/7", Normalization.preset("str")) == "dontstop247"


# --- Arabic normalization -----------------------------------------------------------------


def test_arabic_diacritics_are_removed():
    # "muhammad" with damma, fatha, shadda, fatha: 4 marks on a 4-letter word
    voweled = "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f"
    bare = "\u0645\u062d\u0645\u062f"
    assert cer(voweled, bare, "arabic") == 0.0
    assert cer(voweled, bare, "default") == pytest.approx(4 / 4)


def test_arabic_quranic_marks_wasla_and_superscript_alef():
    # ٱلرَّحْمَٰنِ : alef wasla, shadda, fatha, sukun, fatha, superscript alef, kasra
    quranic = "\u0671\u0644\u0631\u0651\u064e\u062d\u0652\u0645\u064e\u0670\u0646\u0650"
    assert (
        normalize_text(quranic, Normalization.preset("arabic"))
        == "\u0627\u0644\u0631\u062d\u0645\u0646"
    )
    # a Quranic small high mark (U+06D6) and a pause mark (U+06DA) go too
    assert (
        normalize_text("\u0643\u06d6\u0628\u06da", Normalization.preset("arabic")) == "\u0643\u0628"
    )


def test_arabic_alef_variants_and_alef_maksura_unify():
    arabic = Normalization.preset("arabic")
    for alef in "\u0623\u0625\u0622\u0671":  # أ إ آ ٱ
        assert normalize_text(alef + "\u062d\u0645\u062f", arabic) == "\u0627\u062d\u0645\u062f"
    # إلى (to) written الي
    assert cer("\u0625\u0644\u0649", "\u0627\u0644\u064a", "arabic") == 0.0
    assert cer("\u0625\u0644\u0649", "\u0627\u0644\u064a", "default") == pytest.approx(2 / 3)


def test_tatweel_is_removed():
    assert cer("\u0643\u0640\u062a\u0640\u0627\u0628", "\u0643\u062a\u0627\u0628", "arabic") == 0.0


def test_teh_marbuta_folds_only_when_asked():
    school_teh, school_heh = "\u0645\u062f\u0631\u0633\u0629", "\u0645\u062f\u0631\u0633\u0647"
    assert cer(school_teh, school_heh, "arabic") == pytest.approx(1 / 5)
    folded = Normalization.preset("arabic").with_options(teh_marbuta_to_heh=True)
    assert cer(school_teh, school_heh, folded) == 0.0
    assert folded.name == "custom"


def test_decomposed_hamza_stays_on_its_letter_when_diacritics_are_removed():
    # waw + combining hamza above is the letter ؤ, not a waw with a removable mark
    only_diacritics = Normalization(remove_diacritics=True)
    assert normalize_text("\u0648\u0654", only_diacritics) == "\u0624"
    assert cer("\u0624", "\u0648\u0654", only_diacritics) == 0.0


def test_arabic_wer_on_a_sentence():
    # "the boy went to the school": إلى/الى match once folded, مدرسة/مدرسه differ (teh kept)
    went_boy = "\u0630\u0647\u0628 \u0627\u0644\u0648\u0644\u062f"
    pred = f"{went_boy} \u0625\u0644\u0649 \u0627\u0644\u0645\u062f\u0631\u0633\u0629"
    ref = f"{went_boy} \u0627\u0644\u0649 \u0627\u0644\u0645\u062f\u0631\u0633\u0647"
    assert wer(pred, ref, "arabic") == pytest.approx(1 / 4)
    assert wer(pred, ref, "default") == pytest.approx(2 / 4)


def test_punctuation_stripping_covers_arabic_punctuation():
    norm = Normalization(strip_punctuation=True, collapse_whitespace=True, casefold=True)
    assert cer("Hello, World!", "hello world", norm) == 0.0
    # Arabic comma and question mark
    assert (
        normalize_text("\u0646\u0639\u0645\u060c \u0644\u0627\u061f", norm)
        == "\u0646\u0639\u0645 \u0644\u0627"
    )


def test_unknown_preset_or_option_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown normalization preset 'latin'.*arabic"):
        cer("a", "a", "latin")
    with pytest.raises(ValueError, match="remove_vowels"):
        Normalization().with_options(remove_vowels=True)


# --- labels files -------------------------------------------------------------------------


class ColourReader:
    """Reads an image and 'recognizes' its fill colour as a word: enough to exercise scoring."""

    WORDS: ClassVar[dict[tuple[int, ...], str]] = {(255, 0, 0): "red", (0, 0, 255): "blue"}

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def read(self, image, mode="auto"):
        self.calls.append((image, mode))
        loaded = load_image(image)  # raises ImageInputError for a bad image, as the expert does
        pixel = loaded.image.getpixel((0, 0))
        assert isinstance(pixel, tuple)
        return SimpleNamespace(text=self.WORDS[pixel])


def _write_labels(folder: Path, records: list[dict]) -> Path:
    path = folder / "labels.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    return path


def test_score_labels_reads_images_relative_to_the_labels_file_and_records_bad_ones(tmp_path):
    images = tmp_path / "set" / "img"
    images.mkdir(parents=True)
    Image.new("RGB", (20, 10), (255, 0, 0)).save(images / "a.png")
    Image.new("RGB", (20, 10), (0, 0, 255)).save(images / "b.png")
    (images / "broken.png").write_bytes(b"\x89PNG not really")
    labels = _write_labels(
        tmp_path / "set",
        [
            {"image": "img/a.png", "text": "red"},
            {"image": "img/broken.png", "text": "green"},
            {"image": "img/b.png", "text": "bleu"},
            {"image": "img/missing.png", "text": "black"},
        ],
    )
    reader = ColourReader()
    report = score_labels(labels, reader, mode="crop", normalization="default")

    assert [mode for _, mode in reader.calls] == ["crop"] * 4
    assert report.n == 2 and report.n_errors == 2
    # red/red is exact; blue vs bleu: 2 substitutions over 4 characters
    assert report.cer == pytest.approx(2 / 7)
    assert report.wer == pytest.approx(1 / 2)
    assert report.word_accuracy == pytest.approx(1 / 2)
    broken, missing = report.per_sample[1], report.per_sample[3]
    assert broken.error is not None and missing.error is not None
    assert "broken.png" in broken.error and broken.reference == "green"
    assert "missing.png" in missing.error
    assert report.per_sample[2].prediction == "blue"
    summary = report.summary()
    assert "2 sample(s) failed" in summary and "CER 28.57%" in summary
    as_dict = report.to_dict()
    assert json.loads(json.dumps(as_dict))["per_sample"][0]["cer"] == 0.0


def test_labels_file_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "labels.jsonl"
    bad.write_text('{"image": "a.png", "text": "x"}\n{"image": "b.png"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels\.jsonl:2: field 'text'"):
        read_labels(bad)
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"labels\.jsonl:1: not valid JSON"):
        read_labels(bad)
    with pytest.raises(ValueError, match="labels file not found"):
        read_labels(tmp_path / "nope.jsonl")


def test_score_labels_with_the_real_expert_on_rendered_lines(tmp_path):
    from PIL import ImageDraw, ImageFont

    from ocr_expert import OCRExpert
    from ocr_expert.draw import font_path

    path = font_path()
    assert path is not None
    font = ImageFont.truetype(path, 32)
    records = []
    for i, text in enumerate(["Reading order matters", "The quick brown fox"]):
        image = Image.new("RGB", (520, 60), "white")
        ImageDraw.Draw(image).text((10, 10), text, font=font, fill="black")
        image.save(tmp_path / f"line{i}.png")
        records.append({"image": f"line{i}.png", "text": text})
    records.append({"image": "gone.png", "text": "lost"})
    labels = _write_labels(tmp_path, records)

    report = score_labels(labels, OCRExpert("tesseract", use_cache=False), mode="crop")
    assert report.n == 2 and report.n_errors == 1
    assert report.cer < 0.05
    assert report.per_sample[2].error and "gone.png" in report.per_sample[2].error


def test_labels_keep_the_fields_a_labels_file_adds(tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(
        '{"image": "a.png", "text": "x", "kind": "word", "lang": "ara"}\n', encoding="utf-8"
    )
    (item,) = read_labels(labels)
    assert (item.image, item.text, item.line) == (tmp_path / "a.png", "x", 1)
    assert item.record["kind"] == "word" and item.record["lang"] == "ara"
