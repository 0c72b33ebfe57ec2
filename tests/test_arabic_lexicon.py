"""Arabic words the views of a line read with other dots, settled by Tesseract's word list."""

from __future__ import annotations

import pytesseract
from conftest import load_script

from ocr_expert import OCRExpert
from ocr_expert.engines.arabic_lexicon import known_words, near, skeleton, with_known_words
from ocr_expert.engines.tesseract import TesseractEngine
from ocr_expert.scoring import score_sample
from ocr_expert.types import Span

KNOWN = frozenset(
    {"النباتات", "البيانات", "قواعد", "المرور", "الكتاب", "المكتب", "الوفد", "تحتاج", "يعمل"}
)


def _words(*texts: str) -> list[Span]:
    return [
        Span(text=t, box=(10.0 * i, 0.0, 10.0 * i + 8, 10.0), score=0.7)
        for i, t in enumerate(texts)
    ]


def _texts(spans: list[Span]) -> list[str]:
    return [s.text for s in spans]


def test_letters_that_differ_only_in_their_dots_share_a_skeleton():
    assert skeleton("النبانات") == skeleton("النباتات") == skeleton("البيانات")
    assert skeleton("فواعد") == skeleton("قواعد")
    assert skeleton("الكتاب") != skeleton("المكتب")


def test_a_word_is_near_another_with_other_dots_one_letter_misread_or_one_dropped():
    assert near("فواعد", "قواعد")  # dots
    assert near("يعمك", "يعمل")  # one letter misread
    assert near("تحاج", "تحتاج")  # one letter dropped by the reading
    assert not near("والكتاب", "الكتاب")  # a letter more in the reading: another word
    assert not near("الكثاب", "الكتابة")  # dots and a letter: two changes
    assert not near("الكتاب", "المكتب")


def test_a_word_read_with_a_letter_dropped_takes_the_listed_word_a_view_read_whole():
    fixed = with_known_words(_words("تحاج", "النباتات"), [_words("تحتاج", "النباتات")], KNOWN)
    assert _texts(fixed) == ["تحتاج", "النباتات"]


def test_an_unknown_word_takes_the_one_known_word_of_its_skeleton_another_view_read():
    line = _words("فواعد", "المرور،")
    views = [_words("قواعد", "المرور."), _words("فواعد", "المرور")]
    fixed = with_known_words(line, views, KNOWN)
    assert _texts(fixed) == ["قواعد", "المرور،"]
    assert fixed[0].box == line[0].box and fixed[0].score == line[0].score


def test_marks_around_the_word_stay():
    fixed = with_known_words(_words("«فواعد،"), [_words("قواعد")], KNOWN)
    assert _texts(fixed) == ["«قواعد،"]


def test_a_word_no_view_read_otherwise_stays_as_read():
    # the word list alone would suggest a word; without a view reading it, nothing changes
    assert _texts(with_known_words(_words("فواعد"), [_words("فواعد")], KNOWN)) == ["فواعد"]


def test_a_known_word_is_never_changed():
    assert _texts(with_known_words(_words("البيانات"), [_words("النباتات")], KNOWN)) == ["البيانات"]


def test_two_known_words_of_one_skeleton_leave_the_word_as_read():
    views = [_words("النباتات"), _words("البيانات")]
    assert _texts(with_known_words(_words("النبانات"), views, KNOWN)) == ["النبانات"]


def test_a_known_word_of_another_skeleton_or_length_is_not_taken():
    views = [_words("المكتب"), _words("الكتابة")]
    assert _texts(with_known_words(_words("الكثاب"), views, KNOWN)) == ["الكثاب"]


def test_a_word_is_looked_up_without_its_short_vowels_and_shadda():
    # listed once its damma is left out: kept as printed, though a view read a listed neighbour
    views = [_words("النباتات")]
    assert _texts(with_known_words(_words("البياناتُ"), views, KNOWN)) == ["البياناتُ"]
    # read with wrong dots under its shadda: the listed word the view read is taken
    assert _texts(with_known_words(_words("النّبانات،"), views, KNOWN)) == ["النباتات،"]
    # a view's word counts without its vowels too
    assert _texts(with_known_words(_words("فواعد"), [_words("قَواعد")], KNOWN)) == ["قواعد"]


def test_tesseract_s_own_arabic_word_list_is_read():
    words = known_words(str(pytesseract.pytesseract.tesseract_cmd))
    assert len(words) > 50_000
    assert {"الكتاب", "المدينة", "قواعد"} <= words


def test_without_tesseract_s_tools_the_list_is_empty():
    assert known_words("/nonexistent/tesseract") == frozenset()


def test_a_degraded_line_read_with_wrong_dots_is_read_right_through_the_views():
    # bench/arabic_lines.py, seed 2, line 12: DejaVu Sans, 15 px; the surest view reads
    # `الوقد` (`the burner`, not a word Tesseract lists), another view `الوفد` (`the delegation`)
    lines_bench = load_script("bench/arabic_lines.py")
    line = lines_bench.build_set(40, 2, lines_bench.arabic_fonts([]))[12]
    plain = TesseractEngine(lang="ara", arabic_lexicon=False)
    settled = TesseractEngine(lang="ara")

    def cer_edits(spans: list[Span]) -> int:
        return score_sample(" ".join(s.text for s in spans), line.text, "arabic", 0).char_edits

    assert "الوقد" in _texts(plain.read_crop(line.image))
    assert cer_edits(settled.read_crop(line.image)) == 0
    default = OCRExpert("ppocr", use_cache=False).read(line.image, mode="crop")
    assert score_sample(default.text, line.text, "arabic", 0).char_edits == 0
    assert settled.config()["arabic_lexicon"] is True
    assert plain.config()["arabic_lexicon"] is False


def test_tesseract_names_its_data_folder_and_models():
    from ocr_expert.engines.tesseract_listing import Listing, tesseract_listing

    listing = tesseract_listing(str(pytesseract.pytesseract.tesseract_cmd))
    assert listing.folder is not None and (listing.folder / "ara.traineddata").is_file()
    assert {"eng", "ara", "Arabic"} <= set(listing.models)
    assert tesseract_listing("/nonexistent/tesseract") == Listing(folder=None, models=())
