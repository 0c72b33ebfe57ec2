"""Detector and recognizer as separate roles: the two-stage engine, engine options checked up
front, the Arabic route as a recognizer-side step, and engine capabilities instead of names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
from conftest import render_lines, texts_of
from PIL import Image
from rapidfuzz.distance import Levenshtein

from ocr_expert import OCRExpert
from ocr_expert.engines import build_recognizer, check_options, get_engine
from ocr_expert.engines.base import OCREngine, OCREngineError, PageLayout, ReadMode
from ocr_expert.engines.ppocr import PPOCREngine
from ocr_expert.engines.roles import Recognition, TextDetector, TextRecognizer
from ocr_expert.engines.script_route import (
    Candidate,
    ScriptRoute,
    ScriptRoutedEngine,
    accepts,
    cleared_may_replace,
    is_doubtful,
    likely_page_language,
    reads_too_little,
    second_chance,
    words_among_symbols,
)
from ocr_expert.engines.tesseract import TesseractEngine
from ocr_expert.types import Span

BOXES = [(120.0, 10.0, 190.0, 30.0), (10.0, 10.0, 100.0, 30.0), (10.0, 60.0, 60.0, 80.0)]


class Boxes:
    """A detector double: fixed boxes in a given (not reading) order."""

    def config(self) -> dict[str, Any]:
        return {"detector": "boxes"}

    def detect(self, image: Image.Image) -> list[Span]:
        return [Span(text="", box=b, score=1.0) for b in BOXES]


class Sizes:
    """A recognizer double: reads each crop as its size; a crop narrower than 40 px as nothing."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[int, int]]] = []

    def config(self) -> dict[str, Any]:
        return {"recognizer": "sizes"}

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        self.calls.append([c.size for c in crops])
        return [Recognition(f"{c.width}x{c.height}" if c.width >= 40 else "", 0.75) for c in crops]


def test_the_doubles_take_the_roles():
    assert isinstance(Boxes(), TextDetector) and isinstance(Sizes(), TextRecognizer)
    assert not isinstance(Boxes(), TextRecognizer)


def test_two_stage_reads_each_region_with_the_recognizer_in_one_call():
    recognizer = Sizes()
    engine = get_engine("two-stage", detector=Boxes(), recognizer=recognizer, crop_padding=0.5)
    spans = engine.read_page(Image.new("RGB", (200, 100), "white"))
    assert isinstance(spans, list)
    # 20 px tall regions get 10 px of padding on each side, clipped at the page's edges
    assert recognizer.calls == [[(90, 40), (110, 40), (70, 40)]]
    assert [(s.text, s.box, s.score) for s in spans] == [
        ("90x40", BOXES[0], 0.75),
        ("110x40", BOXES[1], 0.75),
        ("70x40", BOXES[2], 0.75),
    ]
    (crop,) = engine.read_crop(Image.new("RGB", (64, 20), "white"))
    assert (crop.text, crop.box) == ("64x20", (0.0, 0.0, 64.0, 20.0))
    assert engine.read_crop(Image.new("RGB", (30, 20), "white")) == []  # nothing read, no span
    assert engine.config() == {
        "engine": "two-stage",
        "detector": {"detector": "boxes"},
        "recognizer": {"recognizer": "sizes"},
        "crop_padding": 0.5,
    }


def test_the_expert_puts_two_stage_spans_into_reading_order():
    expert = OCRExpert(
        "two-stage", detector=Boxes(), recognizer=Sizes(), crop_padding=0.0, use_cache=False
    )
    result = expert.read(Image.new("RGB", (200, 100), "white"), mode="page")
    assert [line.text for line in result.lines] == ["90x20 70x20", "50x20"]


def test_ppocr_boxes_read_by_tesseract_lines():
    lines = ["The quick brown fox jumps over", "Invoice No. 4521 dated 12/03/2024"]
    expert = OCRExpert("two-stage", detector="ppocr", recognizer="tesseract", use_cache=False)
    result = expert.read(render_lines(lines), mode="page")
    assert Levenshtein.distance(result.text, "\n".join(lines)) / len("\n".join(lines)) < 0.05, (
        result.text
    )
    assert result.config["detector"]["engine"] == "ppocr"
    assert result.config["recognizer"]["engine"] == "tesseract"
    assert all(s.polygon is not None for s in result.spans)  # each line keeps its detected polygon


def test_ppocr_recognizes_crops_alone():
    ppocr = get_engine("ppocr")
    assert isinstance(ppocr, PPOCREngine)
    (read,) = ppocr.recognize([render_lines(["Baker Street 42"], margin=4)])
    assert read.text == "Baker Street 42" and 0.5 < read.score <= 1.0


# --- options, checked before anything loads ---------------------------------------------


def test_check_options_names_the_wrong_key_and_the_known_ones(monkeypatch):
    from ocr_expert.engines import ppocr

    def no_loading(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a model was loaded")

    monkeypatch.setattr(ppocr._V6Runner, "__init__", no_loading)
    check_options("ppocr", {"text_score": 0.6, "model": "pp-ocrv4"})
    with pytest.raises(OCREngineError) as err:
        check_options("ppocr", {"txt_score": 0.6})
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(
        "OCR engine 'ppocr', option 'txt_score': unknown option (known options: model, text_score,"
    )
    with pytest.raises(OCREngineError, match="option 'text_score': Input should be a valid number"):
        check_options("ppocr", {"text_score": "high"})
    with pytest.raises(
        OCREngineError, match="option 'model': ppocr model must be one of PP-OCRv6, PP-OCRv4"
    ):
        check_options("ppocr", {"model": "PP-OCRv9"})
    with pytest.raises(OCREngineError, match="unknown OCR engine 'nope'"):
        check_options("nope", {})


def test_check_options_looks_into_the_roles_options():
    check_options(
        "two-stage",
        {"detector": "ppocr", "recognizer": "tesseract", "recognizer_options": {"lang": "ara"}},
    )
    with pytest.raises(
        OCREngineError, match="OCR engine 'tesseract', option 'psn': unknown option"
    ):
        check_options("two-stage", {"recognizer": "tesseract", "recognizer_options": {"psn": 7}})
    with pytest.raises(OCREngineError, match="OCR engine 'ppocr', option 'lang'"):
        check_options("vision-encoder-decoder", {"detector_options": {"lang": "eng"}})
    with pytest.raises(OCREngineError, match="'tesseract' cannot be a detector; detectors: ppocr"):
        check_options("two-stage", {"detector": "tesseract"})
    with pytest.raises(OCREngineError, match="'got-ocr2' cannot be a recognizer"):
        check_options("ppocr", {"arabic": "got-ocr2"})


def test_check_options_names_a_union_option_without_the_branch_pydantic_tried():
    with pytest.raises(OCREngineError) as err:
        check_options("two-stage", {"detector": 5})
    assert "option 'detector': " in str(err.value)
    assert "detector.str" not in str(err.value)
    with pytest.raises(
        OCREngineError, match="recognizer_options apply only when the recognizer is given by name"
    ):
        check_options("two-stage", {"recognizer": Sizes(), "recognizer_options": {"lang": "eng"}})


def test_generative_engines_share_one_options_model():
    from ocr_expert.engines.generative import GenerativeOptions
    from ocr_expert.engines.got_ocr2 import GotOcr2Options
    from ocr_expert.engines.vlm_ocr import VLMOCROptions

    shared = set(GenerativeOptions.model_fields)
    assert shared <= set(GotOcr2Options.model_fields) and shared <= set(VLMOCROptions.model_fields)
    assert (
        GotOcr2Options().max_new_tokens == 4096 and VLMOCROptions(model="m").max_new_tokens == 1024
    )
    check_options("got-ocr2", {"region_mode": "box", "detector": "ppocr"})
    with pytest.raises(OCREngineError, match="'vlm-ocr', option 'region_mode': unknown option"):
        check_options("vlm-ocr", {"model": "m", "region_mode": "box"})
    with pytest.raises(
        OCREngineError, match="option 'batch_size': Input should be greater than or equal to 1"
    ):
        check_options("vlm-ocr", {"model": "m", "batch_size": 0})
    with pytest.raises(OCREngineError, match="detector_options need a detector"):
        check_options("got-ocr2", {"detector_options": {"text_score": 0.6}})


# --- the Arabic route, a recognizer-side step --------------------------------------------


class Arabic:
    """An Arabic recognizer double: reads every crop as one Arabic word, confidently."""

    def config(self) -> dict[str, Any]:
        return {"recognizer": "arabic"}

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        return [Recognition("مرحبا", 0.9) for _ in crops]


def test_the_arabic_route_takes_any_recognizer():
    router = ScriptRoute(Arabic())
    square = ((0.0, 0.0), (50.0, 0.0), (50.0, 20.0), (0.0, 20.0))
    below = tuple((x, y + 40.0) for x, y in square)
    out = router.reroute(
        Image.new("RGB", (100, 100), "white"),
        [Candidate(square, "Hello", 0.99), Candidate(below, "~~", 0.2)],
    )
    assert [(c.text, c.rerouted) for c in out] == [("Hello", False), ("مرحبا", True)]
    assert router.page_reader(out) is None  # no whole-page reading without for_language
    assert router(Image.new("RGB", (100, 100)), out) == out  # the stage: lines back, routed
    assert router.config() == {"recognizer": "arabic"}


def test_a_reading_from_several_views_is_kept_on_agreement_not_on_confidence_alone():
    line = "وصل القطار إلى المحطة"  # 17 letters
    # read once: its own confidence decides, and it must beat the first reading's
    assert accepts(Recognition(line, 0.6), before=0.2)
    assert not accepts(Recognition(line, 0.6), before=0.7)
    assert not accepts(Recognition(line, 0.4), before=0.0)
    # read in views: a degraded line read at 0.4 is kept where another view read the same ...
    assert accepts(Recognition(line, 0.4, agreement=0.9), before=0.0)
    # ... and junk read at 0.6 that no other view repeats is refused
    assert not accepts(Recognition(line, 0.6, agreement=0.1), before=0.0)
    assert accepts(Recognition(line, 0.9, agreement=0.1), before=0.5)  # very sure alone
    # views agree on short junk too: a few letters need more than agreement
    assert not accepts(Recognition("بيت", 0.5, agreement=1.0), before=0.0)
    # a word of four letters or more is kept where the views agree closely and it is half sure;
    # short readings of English smudges agreed at most 0.64
    assert accepts(Recognition("العمل.", 0.55, agreement=1.0), before=0.0)
    assert not accepts(Recognition("العمل.", 0.55, agreement=0.64), before=0.0)
    assert not accepts(Recognition("العمل.", 0.19, agreement=1.0), before=0.0)
    assert not accepts(Recognition("اححه 8001 1 01", 0.55, agreement=1.0), before=0.0)
    assert not accepts(Recognition("Hello there", 0.9, agreement=1.0), before=0.0)
    # Latin text upside down: Arabic letters among digits and strokes, alike in every view
    assert not accepts(Recognition("300نإنا6 باهممل5 6 3ه ©", 0.4, agreement=0.7), before=0.2)


def test_the_route_judges_the_reading_its_evidence_was_measured_on():
    # Tesseract's Arabic views choose the text among more readings than the score and the
    # agreement come from; the rules judge the reading those belong to, the text is what is kept
    line = "وصل القطار إلى المحطة"
    junk = "207 ته سد د"  # an English form's smudges, as the first views read them
    assert not accepts(Recognition(line, 0.4, agreement=0.9, judged=junk), before=0.0)
    assert not second_chance(Recognition(line, 0.3, agreement=0.35, judged=junk))
    assert accepts(Recognition(line, 0.4, agreement=0.9, judged="وصل القطار الى المحطة"), 0.0)


def test_a_chosen_text_without_arabic_never_replaces_the_first_reading():
    # the views judged Arabic letters but chose a dash: the crop keeps its Latin reading
    judged = "وصل القطار إلى المحطة"
    box = ((0.0, 0.0), (90.0, 0.0), (90.0, 20.0), (0.0, 20.0))
    image = Image.new("RGB", (100, 30), "white")

    def routed(text: str) -> str:
        read = Recognition(text, 0.9, agreement=1.0, judged=judged, support=1.0)
        (out,) = ScriptRoute(Views(read)).reroute(image, [Candidate(box, "coveyncation", 0.5)])
        return str(out.text)

    assert routed("-") == "coveyncation"
    assert routed("12 .") == "coveyncation"
    assert routed("وصل القطار") == "وصل القطار"
    assert routed("١٢") == "١٢"  # Arabic-Indic digits are Arabic writing


def test_a_view_that_only_chooses_supports_a_reading_only_where_the_bar_is_highest():
    # NotoSansArabic, degraded: the weighing views read the line once (0.50 sure), a choosing
    # view read it nearly so and surely; that support counts where confidence and agreement
    # must add up to 0.9
    line = Recognition("منحطي التقدم الثابوي", 0.5, agreement=0.0)
    assert not accepts(line, before=0.0)
    assert accepts(Recognition(line.text, 0.5, agreement=0.0, support=0.85), before=0.0)
    # a fax header's junk a choosing view half repeats: refused, and no second chance on it
    junk = Recognition("جوتي 31 إلى ١ ساس يراس سس وله", 0.35, agreement=0.1, support=0.45)
    assert not accepts(junk, before=0.0) and not second_chance(junk)


def test_a_line_with_a_number_is_still_a_line_of_words():
    # a number standing as a word (a year, a count, in either script) is left out of the
    # letter count; lone digits and digits inside words still count against the reading
    for line in ("قرأ 193174 الطلاب", "المتحف الوطني [100101] في", "في الحديقة بعد ٠٠١٠١"):
        assert accepts(Recognition(line, 0.6, agreement=0.8), before=0.5), line
    assert not accepts(Recognition("1 جات 1 جع الس 1 1 ١", 0.58, agreement=0.35), before=0.0)
    assert not accepts(Recognition("قرأ 5م301 3ه 12ب", 0.6, agreement=0.8), before=0.0)
    assert not accepts(Recognition("في 2010 2011 2012", 0.6, agreement=0.8), before=0.0)
    # the second chance, for readings unsure in every view, still counts numbers against
    assert not second_chance(Recognition("قرأ 193174 الطلاب", 0.3, agreement=0.35))
    assert second_chance(Recognition("قرأ الطلاب الكتاب", 0.3, agreement=0.35))


class Views:
    """A recognizer double reading every crop alike, as Tesseract's views would: text,
    confidence, agreement. It reads no other language."""

    def __init__(self, read: Recognition) -> None:
        self.read = read

    def config(self) -> dict[str, Any]:
        return {"recognizer": "views"}

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        return [self.read for _ in crops]


class ViewsAndLatin(Views):
    """The same, and it reads other languages: English at confidence ``latin``."""

    def __init__(self, read: Recognition, latin: float) -> None:
        super().__init__(read)
        self.latin = latin
        self.languages: list[str] = []

    def for_language(self, lang: str) -> Views:
        self.languages.append(lang)
        return Views(Recognition("Hello there", self.latin))


class AmongOthersThenAlone:
    """A recognizer double reading lines as Tesseract does: several crops in one call (no
    views: confidence only), a crop alone in its views (with their agreement)."""

    def __init__(self, among: Recognition, alone: Recognition) -> None:
        self.among, self.alone = among, alone
        self.calls: list[int] = []

    def config(self) -> dict[str, Any]:
        return {"recognizer": "among-then-alone"}

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        self.calls.append(len(crops))
        return [self.among if len(crops) > 1 else self.alone for _ in crops]


def test_a_line_read_unsurely_among_others_is_kept_only_on_its_own_views_evidence():
    image = Image.new("RGB", (200, 100), "white")
    top = ((0.0, 0.0), (40.0, 0.0), (40.0, 20.0), (0.0, 20.0))
    low = tuple((x, y + 60.0) for x, y in top)
    lines = [Candidate(top, "", 0.0), Candidate(low, "", 0.1)]

    def routed(among: Recognition, alone: Recognition) -> tuple[list[str], list[int]]:
        recognizer = AmongOthersThenAlone(among, alone)
        out = ScriptRoute(recognizer).reroute(image, lines)
        return [c.text for c in out], recognizer.calls

    # junk off an English page's vertical label: 0.65 among the others, no agreement alone
    texts, calls = routed(Recognition("يد", 0.65), Recognition("3", 0.74, agreement=0.0))
    assert texts == ["", ""] and calls == [2, 1, 1]
    # an Arabic line read unsurely among the others, its views agreeing: their reading is kept
    line = "وصل القطار إلى المحطة"
    texts, _ = routed(Recognition(line, 0.6), Recognition(line, 0.62, agreement=0.9))
    assert texts == [line, line]
    # read surely among the others: kept as read, no second reading
    texts, calls = routed(Recognition("باب", 0.95), Recognition("3", 0.2, agreement=0.0))
    assert texts == ["باب", "باب"] and calls == [2]
    # a recognizer without views: its reading among the others stands on its confidence
    once = AmongOthersThenAlone(Recognition(line, 0.6), Recognition(line, 0.6))
    assert [c.text for c in ScriptRoute(once).reroute(image, lines)] == [line, line]


def test_a_line_refused_among_others_is_read_again_alone_where_it_read_as_arabic_letters():
    image = Image.new("RGB", (200, 100), "white")
    top = ((0.0, 0.0), (40.0, 0.0), (40.0, 20.0), (0.0, 20.0))
    low = tuple((x, y + 60.0) for x, y in top)
    line = "وصل القطار إلى المحطة"

    def routed(first: str, among: Recognition, alone: Recognition) -> tuple[list[str], list[int]]:
        recognizer = AmongOthersThenAlone(among, alone)
        lines = [Candidate(top, first, 0.59), Candidate(low, first, 0.59)]
        out = ScriptRoute(recognizer).reroute(image, lines)
        return [c.text.strip() for c in out], recognizer.calls

    # two lines of a typeset lesson: too unsure together (0.47), their views agree alone
    texts, calls = routed("", Recognition(line, 0.47), Recognition(line, 0.5, agreement=0.8))
    assert texts == [line, line] and calls == [2, 1, 1]
    # views that agree on nothing: refused still
    texts, _ = routed("", Recognition(line, 0.47), Recognition(line, 0.5, agreement=0.1))
    assert texts == ["", ""]
    # a short or letterless reading together is not worth a second look, nor one read there
    # less than 0.3 sure (junk off English pages scanned small in black and white)
    texts, calls = routed("", Recognition("يد 5", 0.3), Recognition(line, 0.5, agreement=0.8))
    assert texts == ["", ""] and calls == [2]
    texts, calls = routed("", Recognition(line, 0.2), Recognition(line, 0.5, agreement=0.8))
    assert texts == ["", ""] and calls == [2]
    # a first reading without a letter (PP-OCR read the line as spaces, 0.59 sure) is no bar
    # the Arabic reading must clear: read alone, as any reading kept unsurely among others
    texts, calls = routed("   ", Recognition(line, 0.57), Recognition(line, 0.6, agreement=0.9))
    assert texts == [line, line] and calls == [2, 1, 1]


class AmongOthersAloneAndLatin(AmongOthersThenAlone):
    """The same, and it reads English at confidence ``latin``."""

    def __init__(self, among: Recognition, alone: Recognition, latin: float) -> None:
        super().__init__(among, alone)
        self.latin = latin

    def for_language(self, lang: str) -> Views:
        return Views(Recognition("Hello there", self.latin))


def test_a_line_read_again_alone_has_no_second_chance_against_english():
    image = Image.new("RGB", (200, 100), "white")
    top = ((0.0, 0.0), (40.0, 0.0), (40.0, 20.0), (0.0, 20.0))
    lines = [Candidate(top, "", 0.0), Candidate(tuple((x, y + 60.0) for x, y in top), "", 0.0)]
    line = "وصل القطار إلى المحطة"
    # views agreeing 0.35 at 0.3 sure pass a crop's second chance where English is no surer
    unsure = Recognition(line, 0.3, agreement=0.35)
    assert second_chance(unsure) and not accepts(unsure, before=0.0)
    recognizer = AmongOthersAloneAndLatin(Recognition(line, 0.4), unsure, latin=0.2)
    assert [c.text for c in ScriptRoute(recognizer).reroute(image, lines)] == ["", ""]
    assert recognizer.calls == [2, 1, 1]


def test_a_refused_arabic_reading_is_kept_where_english_reads_the_crop_no_surer():
    # a degraded Arabic line: the views agree only partly and Tesseract is unsure
    degraded = Recognition("وصل القطار إلى المحطة", 0.3, agreement=0.45)
    assert not accepts(degraded, before=0.4) and second_chance(degraded)
    line = ((0.0, 0.0), (90.0, 0.0), (90.0, 20.0), (0.0, 20.0))
    image = Image.new("RGB", (100, 30), "white")

    def routed(recognizer: Any) -> str:
        (out,) = ScriptRoute(recognizer).reroute(image, [Candidate(line, "EsNd", 0.4)])
        return str(out.text)

    unsure_english = ViewsAndLatin(degraded, latin=0.35)
    assert routed(unsure_english) == degraded.text
    assert unsure_english.languages == ["eng"]
    # an English line the Arabic views misread alike: English reads it far surer
    assert routed(ViewsAndLatin(degraded, latin=0.9)) == "EsNd"
    # a recognizer that reads no other language gives no second chance
    assert routed(Views(degraded)) == "EsNd"

    class NoEnglish(Views):
        def for_language(self, lang: str) -> Views:
            raise OCREngineError("Tesseract has no data for language(s) eng")

    with pytest.warns(UserWarning, match="no second reading: Tesseract has no data"):
        assert routed(NoEnglish(degraded)) == "EsNd"
    # short, letterless or single-view readings get no second chance
    assert not second_chance(Recognition("بيت", 0.3, agreement=0.45))
    assert not second_chance(Recognition("وصل 12 34 56 78 90", 0.3, agreement=0.45))
    assert not second_chance(Recognition(degraded.text, 0.3))
    assert not second_chance(Recognition(degraded.text, 0.1, agreement=0.9))


def test_a_line_of_arabic_words_among_mathematics_is_kept_where_english_reads_it_far_less_surely():
    # an exam's line as Tesseract's Arabic views read it: brackets, digits and operators are a
    # quarter of its characters, so the letter share refuses it however well the views agree
    exam = Recognition(
        "7) بين أن المعادلة : 0 > ()/ تقبل حلا وحيدًا » في المجال [3.5:4].", 0.68, agreement=0.9
    )
    assert not accepts(exam, before=0.5) and not second_chance(exam)
    assert words_among_symbols(exam)
    line = ((0.0, 0.0), (290.0, 0.0), (290.0, 20.0), (0.0, 20.0))
    image = Image.new("RGB", (300, 30), "white")

    def routed(recognizer: Any) -> str:
        (out,) = ScriptRoute(recognizer).reroute(image, [Candidate(line, "3.54)=0(", 0.5)])
        return str(out.text)

    assert routed(ViewsAndLatin(exam, latin=0.33)) == exam.text
    # English no surer, but not clearly less sure: the first reading stands
    assert routed(ViewsAndLatin(exam, latin=0.6)) == "3.54)=0("
    # views that disagree, an unsure reading, or too few Arabic words are not such a line
    assert not words_among_symbols(Recognition(exam.text, 0.68, agreement=0.5))
    assert not words_among_symbols(Recognition(exam.text, 0.5, agreement=0.9))
    few = Recognition("2- 2 4845+3) مضاعف للعدد 5 .", 0.7, agreement=0.96)
    assert not words_among_symbols(few)
    # strokes and lone letters between digits, as junk reads, are not words
    junk = Recognition("ا ١ ٠١ ١١ ا ١٠ د 2 و (3) ب ت ث", 0.7, agreement=0.9)
    assert not words_among_symbols(junk)


def test_a_crop_read_as_a_confident_latin_word_is_asked_again_but_a_page_line_is_not():
    # Decorative Arabic lines came back from PP-OCR as Latin words read at 0.85-0.95
    sure = Recognition("ضفة النهر الكبير", 0.9, agreement=1.0)
    line = ((0.0, 0.0), (90.0, 0.0), (90.0, 20.0), (0.0, 20.0))
    image = Image.new("RGB", (100, 30), "white")

    def routed(recognizer: Any, score: float = 0.9, one_crop: bool = True) -> str:
        route = ScriptRoute(recognizer)
        (out,) = route.reroute(image, [Candidate(line, "aill", score)], one_crop=one_crop)
        return str(out.text)

    assert routed(ViewsAndLatin(sure, latin=0.3)) == sure.text
    assert routed(ViewsAndLatin(sure, latin=0.3), one_crop=False) == "aill"  # a page's line
    assert routed(ViewsAndLatin(sure, latin=0.3), score=0.97) == "aill"  # sure enough
    # English read surely by the Latin reader stays, however sure the Arabic views are
    assert routed(ViewsAndLatin(sure, latin=0.92)) == "aill"
    # an Arabic reading that would pass for a suspect line is not enough for a doubtful one:
    # unsure, even where every view agrees, or without a Latin reader to ask
    agreed = Recognition(sure.text, 0.58, agreement=1.0)
    assert accepts(agreed, before=0.5)
    assert routed(ViewsAndLatin(agreed, latin=0.3)) == "aill"
    assert routed(Views(sure)) == "aill"
    assert is_doubtful("aill", 0.9) and not is_doubtful("aill", 0.5)
    assert not is_doubtful("aill", 0.95) and not is_doubtful("--", 0.9)  # letterless: suspect


def test_a_crop_read_as_a_letter_or_two_however_surely_is_offered_to_the_arabic_route():
    # PP-OCR read a degraded Arabic line of 20 letters (177 x 34 px) as "l", 0.95 sure
    sure = Recognition("مفتاح الاختصار المسطر", 0.9, agreement=1.0)
    image = Image.new("RGB", (180, 40), "white")

    def routed(text: str, width: float, latin: float = 0.3) -> str:
        box = ((0.0, 0.0), (width, 0.0), (width, 34.0), (0.0, 34.0))
        route = ScriptRoute(ViewsAndLatin(sure, latin=latin))
        (out,) = route.reroute(image, [Candidate(box, text, 0.97)], one_crop=True)
        return str(out.text)

    assert reads_too_little("l", ((0, 0), (177, 0), (177, 34), (0, 34)))
    assert routed("l", 177.0) == sure.text
    assert routed("l", 177.0, latin=0.95) == "l"  # the Latin reader surer: it stays
    # a reading that can fill its crop, or a narrow crop's letter, is sure enough as it is
    assert not reads_too_little("Hello", ((0, 0), (177, 0), (177, 34), (0, 34)))
    assert routed("Hello", 177.0) == "Hello"
    assert routed("l", 60.0) == "l"


class ClearedViews(Views):
    """Tesseract's views on a line cut with its neighbours: nothing read while the neighbours'
    pieces touch the crop's top edge, ``read`` once they are cleared."""

    def __init__(self, read: Recognition) -> None:
        super().__init__(read)
        self.crops: list[Image.Image] = []

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        self.crops += crops
        cut = [np.asarray(c.convert("L"))[0].min() < 128 for c in crops]
        return [Recognition("", 0.0, agreement=0.0) if n else self.read for n in cut]


def test_a_refused_crop_cut_with_its_neighbours_is_read_again_with_them_cleared():
    from PIL import ImageDraw

    image = Image.new("RGB", (120, 40), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 14, 110, 26), fill="black")  # the line's own ink
    draw.rectangle((30, 0, 34, 4), fill="black")  # the line above's descender, cut by the edge
    draw.rectangle((70, 36, 76, 39), fill="black")  # the line below's tops
    whole = ((0.0, 0.0), (120.0, 0.0), (120.0, 40.0), (0.0, 40.0))
    line = "وصل القطار إلى المحطة"

    def routed(recognizer: Views, crop: Image.Image = image, one_crop: bool = True) -> str:
        route = ScriptRoute(recognizer)
        (out,) = route.reroute(crop, [Candidate(whole, "", 0.0)], one_crop=one_crop)
        return str(out.text)

    sure = ClearedViews(Recognition(line, 0.69, agreement=0.93))
    assert routed(sure) == line
    assert len(sure.crops) == 2  # refused as cut, kept cleared
    # the cleared crop keeps the line's own ink and loses the neighbours' pieces
    cleared = np.asarray(sure.crops[1].convert("L"))
    assert (cleared[14:27, 10:111] < 128).all() and (cleared[:6] > 128).all()
    # a page's lines are cut at the detector's boxes: no second reading
    assert routed(ClearedViews(sure.read), one_crop=False) == ""
    # junk off an English crop's smudges, cleared, passes the rules with its views agreeing
    # little: the cleared reading must agree closely, on a line of letters
    smudges = Recognition("ساسم ين ل سس علق", 0.58, agreement=0.33)
    assert accepts(smudges, before=0.0) and not cleared_may_replace(smudges)
    assert routed(ClearedViews(smudges)) == ""
    assert not cleared_may_replace(Recognition("مح", 0.75, agreement=1.0))
    # nothing to clear: one reading only
    plain = image.copy()
    ImageDraw.Draw(plain).rectangle((0, 0, 120, 6), fill="white")
    ImageDraw.Draw(plain).rectangle((0, 34, 120, 40), fill="white")
    once = ClearedViews(Recognition("", 0.0, agreement=0.0))
    assert routed(once, crop=plain) == "" and len(once.crops) == 1


class WholePage:
    """A whole-page reader double: the page as one Arabic word."""

    def read_page(self, image: Image.Image) -> PageLayout:
        word = Span(text="صفحة", box=(0.0, 0.0, 10.0, 10.0), score=0.9)
        return PageLayout(spans=[word], lines=[[0]], blocks=[0])


class ArabicWithPages(Arabic):
    def for_language(self, lang: str) -> WholePage:
        return WholePage()


def test_an_arabic_page_is_read_whole_but_a_one_line_image_keeps_its_routed_line():
    router = ScriptRoute(ArabicWithPages())
    image = Image.new("RGB", (200, 120), "white")
    top = ((0.0, 0.0), (180.0, 0.0), (180.0, 20.0), (0.0, 20.0))
    below = tuple((x, y + 60.0) for x, y in top)
    # two pieces of one line, split at a word gap, are read as one line and kept
    left = ((0.0, 0.0), (80.0, 0.0), (80.0, 20.0), (0.0, 20.0))
    right = tuple((x + 100.0, y) for x, y in left)
    one_line = router(image, [Candidate(left, "", 0.0), Candidate(right, "~", 0.1)])
    assert isinstance(one_line, list) and [c.text for c in one_line] == ["مرحبا"]
    page = router(image, [Candidate(top, "", 0.0), Candidate(below, "", 0.0)])
    assert isinstance(page, PageLayout) and page.spans[0].text == "صفحة"


class ByWidth:
    """A recognizer double reading crops by their width: together (several crops in one
    call) as ``among`` gives for that width, alone in views as ``alone`` does; and whole pages
    in other languages, as ``Pages`` words at ``words`` (the languages asked for kept)."""

    def __init__(
        self,
        among: Callable[[int], Recognition],
        alone: Recognition,
        words: list[tuple[float, float, float, float]],
    ) -> None:
        self.among, self.alone, self.words = among, alone, words
        self.calls: list[int] = []
        self.languages: list[str] = []

    def config(self) -> dict[str, Any]:
        return {"recognizer": "by-width"}

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        self.calls.append(len(crops))
        if len(crops) == 1:
            return [self.alone]
        return [self.among(crop.width) for crop in crops]

    def for_language(self, lang: str) -> ByWidth:
        self.languages.append(lang)
        return self

    def read_page(self, image: Image.Image) -> PageLayout:
        spans = [Span("صفحة", box, 0.9) for box in self.words]
        return PageLayout(
            spans=spans, lines=[[i] for i in range(len(spans))], blocks=[0] * len(spans)
        )


def _corners(box: tuple[float, float, float, float]) -> tuple[tuple[float, float], ...]:
    x0, y0, x1, y1 = box
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def test_an_arabic_page_is_read_whole_first_and_only_its_missed_doubtful_lines_read_alone():
    image = Image.new("RGB", (300, 200), "white")
    widths = (200.0, 160.0, 120.0)  # three lines, told apart by their crops' widths
    boxes = [(10.0, 10.0 + 60 * i, 10.0 + w, 30.0 + 60 * i) for i, w in enumerate(widths)]
    lines = [Candidate(_corners(b), "", 0.0) for b in boxes]
    sure = Recognition("وصل القطار إلى المحطة", 0.95)
    unsure = Recognition("ذهب الولد إلى المدرسة", 0.6)  # kept only if its views agree
    alone = Recognition("ذهب الولد إلى المدرسة", 0.62, agreement=0.9)

    def among(width: int) -> Recognition:
        return sure if width > 150 else unsure

    # the whole reading holds every line: the unsure one is not read alone
    recognizer = ByWidth(among, alone, words=boxes)
    page = ScriptRoute(recognizer)(image, lines)
    assert isinstance(page, PageLayout) and len(page.spans) == 3
    assert recognizer.calls == [3] and recognizer.languages == ["ara"]
    # the whole reading misses the unsure line: read alone, kept, put back
    recognizer = ByWidth(among, alone, words=boxes[:2])
    page = ScriptRoute(recognizer)(image, lines)
    assert isinstance(page, PageLayout) and recognizer.calls == [3, 1]
    assert [s.text for s in page.spans] == ["صفحة", "صفحة", alone.text]
    # its views agree on nothing: refused, not put back
    recognizer = ByWidth(among, Recognition("يد", 0.62, agreement=0.0), words=boxes[:2])
    page = ScriptRoute(recognizer)(image, lines)
    assert isinstance(page, PageLayout) and [s.text for s in page.spans] == ["صفحة", "صفحة"]
    # read in the lines' own route (no whole page): every doubtful line read alone, as before
    recognizer = ByWidth(among, alone, words=boxes)
    assert [c.text for c in ScriptRoute(recognizer).reroute(image, lines)] == [
        sure.text,
        sure.text,
        alone.text,
    ]
    assert recognizer.calls == [3, 1]


def test_a_page_with_english_lines_settles_its_doubtful_lines_before_it_is_judged():
    image = Image.new("RGB", (300, 200), "white")
    widths = (200.0, 160.0, 120.0)
    boxes = [(10.0, 10.0 + 60 * i, 10.0 + w, 30.0 + 60 * i) for i, w in enumerate(widths)]
    english = Candidate(_corners(boxes[0]), "The train reached the station", 0.97)
    lines = [english] + [Candidate(_corners(b), "", 0.0) for b in boxes[1:]]

    def among(width: int) -> Recognition:
        return Recognition("وصل القطار", 0.95) if width > 150 else Recognition("ذهب الولد", 0.6)

    recognizer = ByWidth(among, Recognition("ذهب الولد", 0.62, agreement=0.9), words=boxes)
    page = ScriptRoute(recognizer)(image, lines)
    # Arabic and English: the unsure line is settled first, as its share decides the language
    assert isinstance(page, PageLayout) and recognizer.calls == [2, 1]
    assert recognizer.languages == ["ara+eng"]


class LatinOnly(OCREngine):
    """An engine double that reads a confident English line and an unreadable one below it."""

    name = "latin-only"
    language = "en"

    def config(self) -> dict[str, Any]:
        return {"engine": self.name}

    def read_page(self, image: Image.Image) -> list[Span]:
        return [
            Span(text="Hello", box=(10.0, 10.0, 90.0, 30.0), score=0.99),
            Span(text="~~", box=(10.0, 60.0, 90.0, 80.0), score=0.2),
        ]

    def read_crop(self, image: Image.Image) -> list[Span]:
        return []


def test_any_engine_can_be_given_the_arabic_route():
    page = Image.new("RGB", (200, 120), "white")
    plain = OCRExpert(LatinOnly(), use_cache=False)
    routed = OCRExpert(LatinOnly(), use_cache=False, script_route=ScriptRoute(Arabic()))
    assert plain.read(page).text == "Hello\n~~"
    result = routed.read(page)
    assert result.text == "Hello\nمرحبا" and result.spans[1].box == (10.0, 60.0, 90.0, 80.0)
    # the route is part of the configuration, so routed readings are cached apart
    assert routed.config() == {"engine": "latin-only", "arabic": {"recognizer": "arabic"}}
    assert routed.engine_name == "latin-only" and routed.engine.language == "en+ara"
    # a crop the engine reads nothing off is offered to the route as one line
    assert plain.read(page.crop((0, 0, 200, 40)), mode="crop").text == ""
    assert routed.read(page.crop((0, 0, 200, 40)), mode="crop").text == "مرحبا"


def test_an_engine_that_routes_arabic_itself_is_not_routed_twice():
    class SelfRouted(LatinOnly):
        def config(self) -> dict[str, Any]:
            return {"engine": self.name, "arabic": {"lang": "ara"}}

    with pytest.raises(OCREngineError, match="routes Arabic lines itself"):
        ScriptRoutedEngine(SelfRouted(), ScriptRoute(Arabic()))


def test_tesseract_as_the_arabic_recognizer_reads_whole_pages_in_another_language():
    tesseract = build_recognizer("tesseract", {"lang": "ara", "psm": 6})
    assert isinstance(tesseract, TesseractEngine)
    page = tesseract.for_language("ara+eng")
    assert page.options["lang"] == "ara+eng" and page.options["psm"] == 6


# --- capabilities instead of engine names -------------------------------------------------


class ModeRecorder(OCREngine):
    """Records how it is asked to read: one call per batch, with its mode."""

    name = "mode-recorder"
    batch_size = 4

    def __init__(self) -> None:
        self.calls: list[tuple[int, ReadMode]] = []

    def config(self) -> dict[str, Any]:
        return {"engine": self.name}

    def read_batch(
        self, images: Sequence[Image.Image], mode: ReadMode = "page"
    ) -> list[list[Span]]:
        self.calls.append((len(images), mode))
        return [[Span(text=mode, box=None, score=1.0)] for _ in images]

    def read_page(self, image: Image.Image) -> list[Span]:
        raise AssertionError("read_batch is the way in")

    read_crop = read_page


@pytest.mark.parametrize(
    ("mode", "engine_mode"),
    [("word", "word"), ("line", "line"), ("crop", "crop"), ("page", "page")],
)
def test_the_expert_asks_the_engine_for_its_mode_one_batch_at_a_time(mode, engine_mode):
    engine = ModeRecorder()
    images = [Image.new("RGB", (60, 20), "white") for _ in range(3)]
    results = OCRExpert(engine, use_cache=False).read_many(images, mode=mode)
    assert engine.calls == [(3, engine_mode)]
    assert texts_of(results) == [engine_mode] * 3
    one = ModeRecorder()
    assert OCRExpert(one, use_cache=False).read(images[0], mode=mode).text == engine_mode
    assert one.calls == [(1, engine_mode)]


class BoxedWords(OCREngine):
    """A line recognizer double: reads every image as the same words, with the boxes a
    recognizer gave them, in the order it read them."""

    name = "boxed-words"

    def __init__(self, words: list[Span]) -> None:
        self.words = words

    def config(self) -> dict[str, Any]:
        return {"engine": self.name}

    def read_page(self, image: Image.Image) -> list[Span]:
        return list(self.words)

    read_crop = read_page


@pytest.mark.parametrize("mode", ["crop", "line", "word"])
def test_a_crop_is_read_as_one_line_in_the_recognizers_order(mode):
    white = Image.new("RGB", (60, 20), "white")
    # Tesseract's boxes on a real word crop: the hyphen's box lies over the end of the word
    # and is taller than it; ordered by boxes, the hyphen was read first, on a line above.
    hyphen = BoxedWords([Span("inter", (2, 2, 51, 14), 0.2), Span("-", (42, 0, 52, 16), 0.2)])
    result = OCRExpert(hyphen, use_cache=False).read(white, mode=mode)
    assert result.text == "inter -"
    assert [line.spans for line in result.lines] == [(0, 1)]
    assert result.lines[0].box == (2, 0, 52, 16)
    # An Arabic line as Tesseract reads it: words from the right, with overlapping boxes.
    arabic = BoxedWords([Span("مرحبا", (30, 2, 58, 18), 0.9), Span("بكم", (2, 3, 34, 17), 0.9)])
    result = OCRExpert(arabic, use_cache=False).read(white, mode=mode)
    assert result.text == "مرحبا بكم"
    assert result.direction == "rtl" and result.lines[0].direction == "rtl"
    empty = OCRExpert(BoxedWords([Span(" ", (0, 0, 5, 5), 0.1)]), use_cache=False)
    assert empty.read(white, mode=mode).lines == ()


def test_an_engine_that_takes_tokens_gets_the_samples_tokens():
    from types import SimpleNamespace

    from eval_vqa.ocr_stage import read_sample

    class Tokens(OCREngine):
        name = "my-tokens"
        takes_tokens = True
        cacheable = False

        def config(self) -> dict[str, Any]:
            return {"engine": self.name}

        def read_page(self, image: Image.Image) -> list[Span]:
            raise AssertionError("an engine that takes tokens reads no image")

        read_crop = read_page

    sample = SimpleNamespace(image=Image.new("RGB", (40, 40), "white"), ocr_tokens=["a", "b"])
    out = read_sample(sample, OCRExpert(Tokens(), use_cache=False))
    assert out.error is None and out.ocr.words == ["a", "b"]


def test_engines_declare_whether_they_run_torch():
    from ocr_expert.engines import get_engine_class

    assert not get_engine_class("ppocr").uses_torch_for({})
    assert get_engine_class("got-ocr2").uses_torch_for({})
    two_stage = get_engine_class("two-stage")
    assert not two_stage.uses_torch_for({"recognizer": "tesseract"})
    assert two_stage.uses_torch_for({"recognizer": "vision-encoder-decoder"})


def test_a_long_line_tilted_by_little_is_straightened_before_it_is_read():
    # a 600-pixel line leaning 1.5 degrees climbs 16 pixels, most of its 20-pixel height:
    # its upright box would also hold the lines above and below, so it is cut along its polygon
    import math

    from PIL import Image

    from ocr_expert.engines.crops import crop_region
    from ocr_expert.types import Span

    rise = 600 * math.tan(math.radians(1.5))
    polygon = ((100.0, 100.0 + rise), (700.0, 100.0), (700.0, 120.0), (100.0, 120.0 + rise))
    box = (100.0, 100.0, 700.0, 120.0 + rise)
    crop = crop_region(Image.new("RGB", (800, 300), "white"), Span("x", box, 1.0, polygon), 0.0)
    assert crop is not None and crop.height <= 21 and crop.width >= 599
    # a short word leaning as much stays an upright cut: its box holds nothing else
    short = ((100.0, 100.5), (130.0, 100.0), (130.0, 120.0), (100.0, 120.5))
    crop = crop_region(
        Image.new("RGB", (800, 300), "white"),
        Span("x", (100.0, 100.0, 130.0, 120.5), 1.0, short),
        0.0,
    )
    assert crop is not None and crop.size == (30, 21)


class CountedPages(ArabicWithPages):
    """An Arabic recognizer double whose whole-page readers count their readings by language."""

    def __init__(self) -> None:
        self.pages: list[str] = []

    def for_language(self, lang: str) -> WholePage:
        recognizer = self

        class Counted(WholePage):
            def read_page(self, image: Image.Image) -> PageLayout:
                recognizer.pages.append(lang)
                return super().read_page(image)

        return Counted()


def test_a_page_that_looks_arabic_is_read_whole_once_and_early(monkeypatch):
    from ocr_expert.engines import script_route

    monkeypatch.setattr(script_route, "workers", lambda: 2)
    image = Image.new("RGB", (200, 300), "white")
    rows = [((0.0, y), (180.0, y), (180.0, y + 20.0), (0.0, y + 20.0)) for y in (0, 60, 120, 180)]
    # four lines PP-OCR read as nothing, across the page: it looks Arabic (``ara``) and is
    # read whole while its lines are read, once, and that reading is the page
    arabic = [Candidate(row, "", 0.0) for row in rows]
    assert likely_page_language(arabic) == "ara"
    recognizer = CountedPages()
    page = ScriptRoute(recognizer)(image, arabic)
    assert isinstance(page, PageLayout) and page.spans[0].text == "صفحة"
    assert recognizer.pages == ["ara"]
    # a guess in the wrong language is read again in the right one
    monkeypatch.setattr(script_route, "likely_page_language", lambda lines: "ara+eng")
    recognizer = CountedPages()
    page = ScriptRoute(recognizer)(image, arabic)
    assert isinstance(page, PageLayout) and sorted(recognizer.pages) == ["ara", "ara+eng"]


def test_an_english_page_read_unsurely_is_not_read_ahead_in_arabic():
    rows = [((0.0, y), (180.0, y), (180.0, y + 20.0), (0.0, y + 20.0)) for y in (0, 60, 120)]
    # PP-OCR unsure of every line, but reading letters in them: a poor English scan
    unsure = [Candidate(row, "Tbe qnick brown", 0.6) for row in rows]
    assert likely_page_language(unsure) is None
    # lines read as nothing, but only two, or a small part of the page's width
    assert likely_page_language([Candidate(row, "", 0.0) for row in rows[:2]]) is None
    wide = ((0.0, 300.0), (900.0, 300.0), (900.0, 320.0), (0.0, 320.0))
    english = [Candidate(wide, "The quick brown fox jumps over the lazy dog", 0.98)]
    assert likely_page_language([Candidate(r, "", 0.0) for r in rows] + english) is None
