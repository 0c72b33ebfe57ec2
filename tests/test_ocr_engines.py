"""The real engines read rendered text: PP-OCRv4 (bundled ONNX models) and Tesseract."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import load_script, render_lines
from PIL import Image, ImageDraw
from rapidfuzz.distance import Levenshtein

from ocr_expert import OCRExpert
from ocr_expert.draw import load_font
from ocr_expert.engines import engine_names, get_engine
from ocr_expert.engines.base import OCREngine, OCREngineError, PageLayout
from ocr_expert.engines.ppocr import DET_MAX_UPSCALE, PPOCREngine, _V6Runner
from ocr_expert.engines.tesseract import TesseractEngine
from ocr_expert.types import Span

ENGLISH = [
    "The quick brown fox jumps over",
    "the lazy dog near 42 Baker Street.",
    "Invoice No. 4521 dated 12/03/2024",
]
ARABIC = "مرحبا بكم في المدينة"


def cer(prediction: str, reference: str) -> float:
    return Levenshtein.distance(prediction, reference) / len(reference)


@pytest.fixture(scope="module")
def ppocr() -> OCRExpert:
    return OCRExpert("ppocr", use_cache=False)


@pytest.fixture(scope="module")
def tesseract() -> OCRExpert:
    return OCRExpert("tesseract", lang="eng", use_cache=False)


@pytest.mark.parametrize("font_size", [18, 32])
def test_ppocr_reads_english_lines_in_order(ppocr, font_size):
    result = ppocr.read(render_lines(ENGLISH, font_size=font_size), mode="page")
    assert cer(result.text, "\n".join(ENGLISH)) < 0.05, result.text
    assert [line.direction for line in result.lines] == ["ltr"] * 3
    assert result.engine == "ppocr" and result.mode == "page"
    assert all(0.0 <= s.score <= 1.0 for s in result.spans)


def test_tesseract_reads_english_lines_with_word_boxes(tesseract):
    image = render_lines(ENGLISH)
    result = tesseract.read(image, mode="page")
    assert cer(result.text, "\n".join(ENGLISH)) < 0.05, result.text
    # Tesseract's spans are words, each with a box inside the image.
    assert len(result.spans) == sum(len(line.split()) for line in ENGLISH)
    for span in result.spans:
        x0, y0, x1, y1 = span.box
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height


def test_tesseract_reads_arabic_right_to_left():
    expert = OCRExpert("tesseract", lang="ara", use_cache=False)
    result = expert.read(render_lines([ARABIC], font_size=40, rtl=True), mode="page")
    assert cer(result.text, ARABIC) < 0.10, result.text
    assert result.direction == "rtl"
    assert [line.direction for line in result.lines] == ["rtl"]
    # Reading order: the first word read is the right-most one.
    line = result.lines[0]
    first, last = result.spans[line.spans[0]], result.spans[line.spans[-1]]
    assert first.box is not None and last.box is not None
    assert first.box[0] > last.box[0]
    assert result.words[0] == ARABIC.split()[0]


def test_crop_mode_reads_a_word_crop_without_detection(ppocr):
    crop = render_lines(["Harbour"], font_size=28, margin=4)
    result = ppocr.read(crop, mode="crop")
    assert result.mode == "crop"
    assert result.text == "Harbour"


def test_a_small_crop_is_sized_as_rapidocr_sizes_an_image_before_it_is_read(monkeypatch):
    # rapidocr brings an image's shorter side up to 30 px (both sides to multiples of 32)
    # before it reads it; a word cut from a fax's small print read `the` so and `h` as it was
    engine = get_engine("ppocr")
    assert isinstance(engine, PPOCREngine)
    runner = engine._runner
    assert isinstance(runner, _V6Runner)  # the default model, PP-OCRv6 through rapidocr 3.x
    seen: list[tuple[int, ...]] = []
    read_crops = runner._read_crops

    def spy(crops: list[np.ndarray], polygons: Any) -> Any:
        seen.extend(c.shape[:2] for c in crops)
        return read_crops(crops, polygons)

    monkeypatch.setattr(runner, "_read_crops", spy)
    small = render_lines(["the"], font_size=9, margin=1)
    assert min(small.size) < 30
    engine.read_crop(small)
    (height, width) = seen[-1]
    assert min(height, width) >= 30 and height % 32 == 0 and width % 32 == 0
    # a crop of a usual size is read as it is
    line = render_lines(["Invoice No. 4521"], font_size=28, margin=4)
    engine.read_crop(line)
    assert seen[-1] == (line.height, line.width)


def test_the_detector_scales_a_small_image_up_three_times_at_most(monkeypatch):
    # brought up to a 736 px shorter side, two lines of a real magazine's small print 28 px
    # tall came out of the detector in overlapping pieces, read twice (`and f`, `former n`)
    engine = get_engine("ppocr")
    assert isinstance(engine, PPOCREngine)
    runner = engine._runner
    assert isinstance(runner, _V6Runner)
    seen: list[tuple[int, ...]] = []
    ocr = runner._ocr

    class Spy:
        def __call__(self, image: np.ndarray, **kwargs: Any) -> Any:
            seen.append(image.shape[:2])
            return ocr(image, **kwargs)

        def __getattr__(self, name: str) -> Any:
            return getattr(ocr, name)

    monkeypatch.setattr(runner, "_ocr", Spy())
    lines = ["and former media exec in New", "York. Some of his most prized"]
    strip = render_lines(lines, font_size=11, margin=2, spacing=1.25)
    spans = engine.read_page(strip)
    assert isinstance(spans, list)  # an English page: PP-OCR's own lines, not Tesseract's
    assert [s.text for s in spans] == lines
    # the strip, scaled up to 640 px as a small photo is, then padded with its own ground
    height, width = seen[0]
    assert 736 / min(height, width) <= DET_MAX_UPSCALE
    assert all(
        s.box is not None and s.box[2] <= strip.width and s.box[3] <= strip.height for s in spans
    )
    # a page large enough goes to the detector as it is
    page = render_lines(ENGLISH[:2], font_size=32, width=900, margin=300)
    engine.read_page(page)
    assert seen[-1] == (page.height, page.width)


def test_auto_mode_takes_a_short_image_for_a_crop(tesseract):
    crop = render_lines(["Street"], font_size=28, margin=4)
    assert crop.height <= 96
    result = tesseract.read(crop)
    assert result.mode == "crop"
    assert result.text == "Street"


@pytest.mark.parametrize("engine", ["ppocr", "tesseract"])
def test_auto_mode_reads_two_small_lines_as_a_page(engine, ppocr, tesseract):
    expert = {"ppocr": ppocr, "tesseract": tesseract}[engine]
    lines = ["Total due 42.40 on delivery", "Paid by card ending 1234"]
    snippet = render_lines(lines, font_size=20, margin=4, spacing=1.4)
    assert snippet.height <= 96  # short enough to be taken for a crop by its height
    result = expert.read(snippet)
    assert result.mode == "page"
    assert [line.text for line in result.lines] == lines


class _OneLineAndAnEdge(OCREngine):
    """A page reading of one line and the cut foot of the line above it, and a crop reading."""

    name = "one-line-and-an-edge"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def config(self) -> dict[str, Any]:
        return {"engine": self.name}

    def read_page(self, image: Image.Image) -> list[Span]:
        self.calls.append("page")
        return [Span("gey", (0, 0, 90, 8), 0.6), Span("Invoice 4521", (0, 12, 200, 40), 0.9)]

    def read_crop(self, image: Image.Image) -> list[Span]:
        self.calls.append("crop")
        return [Span("Invoice 4521", (0, 0, image.width, image.height), 0.95)]


def test_a_small_image_whose_page_reading_holds_one_line_is_read_as_a_crop():
    engine = _OneLineAndAnEdge()
    snippet = render_lines(["Total due 42.40", "Paid by card 1234"], font_size=20, margin=4)
    result = OCRExpert(engine, use_cache=False).read(snippet)
    assert engine.calls == ["page", "crop"]
    assert (result.mode, result.text) == ("crop", "Invoice 4521")


class _PaddedWordBoxes(OCREngine):
    """A page reading of two lines whose word boxes reach from line to line, as Tesseract
    gives them on a small scan (its magazine column's ``Some`` 0-23 over ``models`` 11-37,
    37 px tall), and a crop reading of the two lines whole: junk."""

    name = "padded-word-boxes"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def config(self) -> dict[str, Any]:
        return {"engine": self.name}

    def read_page(self, image: Image.Image) -> PageLayout:
        self.calls.append("page")
        words = [("Total", (4, 0, 60, 23)), ("due", (64, 0, 100, 23))]
        words += [("Paid", (4, 11, 50, 37)), ("by", (54, 11, 80, 37)), ("card", (84, 11, 130, 37))]
        spans = [Span(text, box, 0.9) for text, box in words]
        return PageLayout(spans=spans, lines=[[0, 1], [2, 3, 4]], blocks=[0, 0])

    def read_crop(self, image: Image.Image) -> list[Span]:
        self.calls.append("crop")
        return [Span("eae ea lee", (0, 0, image.width, image.height), 0.3)]


def test_a_small_image_an_engine_finds_two_lines_in_stays_a_page_with_overlapping_boxes():
    engine = _PaddedWordBoxes()
    snippet = render_lines(["Total due", "Paid by card"], font_size=14, margin=4, spacing=1.2)
    result = OCRExpert(engine, use_cache=False).read(snippet)
    assert engine.calls == ["page"]
    assert (result.mode, [line.text for line in result.lines]) == (
        "page",
        ["Total due", "Paid by card"],
    )


class _FirstFieldOnly(OCREngine):
    """A page reading of a receipt's row that keeps its first field and drops the amount far
    to its right, as Tesseract's page layout may; or, given ``whole``, keeps both; or, given
    ``boxless``, writes the row out without boxes, as a generative reader does; or, given
    ``detector``, gives the first field as a detector's box, without a layout of its own."""

    name = "first-field-only"

    def __init__(self, whole: bool = False, boxless: bool = False, detector: bool = False) -> None:
        self.whole, self.boxless, self.detector = whole, boxless, detector
        self.calls: list[str] = []

    def config(self) -> dict[str, Any]:
        options = {"whole": self.whole, "boxless": self.boxless, "detector": self.detector}
        return {"engine": self.name, **options}

    def read_page(self, image: Image.Image) -> list[Span] | PageLayout:
        self.calls.append("page")
        if self.boxless:
            return [Span("CASH RM 51.00", None, 0.9)]
        spans = [Span("CASH", (6, 6, 80, 34), 0.9)]
        if self.whole:
            spans.append(Span("RM 51.00", (560, 6, 690, 34), 0.9))
        if self.detector:
            return spans
        return PageLayout(spans, [list(range(len(spans)))], [0])

    def read_crop(self, image: Image.Image) -> list[Span]:
        self.calls.append("crop")
        return [Span("CASH RM 51.00", (0, 0, image.width, image.height), 0.9)]


def test_a_row_whose_page_reading_leaves_its_ink_unread_is_read_again_as_a_crop():
    row = Image.new("RGB", (700, 40), "white")
    for x, text in ((10, "CASH"), (565, "RM 51.00")):
        ImageDraw.Draw(row).text((x, 8), text, font=load_font(22), fill="black")
    dropped = _FirstFieldOnly()
    result = OCRExpert(dropped, use_cache=False).read(row)
    assert dropped.calls == ["page", "crop"]
    assert (result.mode, result.text) == ("crop", "CASH RM 51.00")
    kept = _FirstFieldOnly(whole=True)
    result = OCRExpert(kept, use_cache=False).read(row)
    assert kept.calls == ["page"]
    assert (result.mode, result.text) == ("page", "CASH RM 51.00")
    written = _FirstFieldOnly(boxless=True)  # no boxes to weigh the ink against: kept
    result = OCRExpert(written, use_cache=False).read(row)
    assert written.calls == ["page"]
    assert (result.mode, result.text) == ("page", "CASH RM 51.00")
    # a detector's boxes without a layout: what it left unread is no field it dropped
    detected = _FirstFieldOnly(detector=True)
    result = OCRExpert(detected, use_cache=False).read(row)
    assert detected.calls == ["page"]
    assert (result.mode, result.text) == ("page", "CASH")


def _cut_out(lines: list[str]) -> Image.Image:
    """Three lines set close, cut through the middle of the first and the last."""
    page = render_lines(lines, spacing=1.3)
    rows = (np.asarray(page.convert("L")) < 128).any(axis=1).nonzero()[0]
    pitch = 32 * 1.3
    return page.crop((0, rows[0] + 12, page.width, round(rows[0] + 2 * pitch + 14)))


@pytest.mark.parametrize("engine", ["ppocr", "tesseract"])
def test_a_page_reading_leaves_out_the_lines_a_snippets_edge_cuts_through(engine, ppocr, tesseract):
    expert = {"ppocr": ppocr, "tesseract": tesseract}[engine]
    lines = ["the line above it", "the middle line read", "the line below it"]
    snippet = _cut_out(lines)
    assert expert.read(snippet, mode="page").text == "the middle line read"
    found = expert.engine.read_page(snippet)  # the engine's own reading finds the halves
    assert len(found.lines if isinstance(found, PageLayout) else found) == 3


def test_a_snippet_of_a_page_askew_leaves_out_its_cut_lines_read_straightened(ppocr):
    lines = ["Total 37.55 paid", "the first whole line", "the second whole line"]
    lines += ["the third whole line", "the fourth whole line", "Change 0.00 given"]
    page = render_lines(lines, spacing=1.3, margin=40).rotate(
        2.5, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white"
    )
    rows = (np.asarray(page.convert("L")) < 128).any(axis=1).nonzero()[0]
    snippet = page.crop((30, rows[0] + 22, page.width - 30, rows[-1] - 22))
    # read again turned straight (2.5 degrees), its first and last lines cut by the edge
    assert ppocr.read(snippet, mode="page").text == "\n".join(lines[1:5])


def _table_row() -> Image.Image:
    """One row of a table of figures, its fields far apart, cut out 44 px tall."""
    row = Image.new("RGB", (900, 44), "white")
    draw = ImageDraw.Draw(row)
    for x, text in ((10, "POPDEN"), (300, "311.48"), (520, "6103.85"), (760, "1.28")):
        draw.text((x, 8), text, font=load_font(24), fill="black")
    return row


def test_auto_mode_reads_a_row_cut_out_of_a_table_as_a_page(ppocr):
    row = _table_row()
    assert row.height <= 96  # short enough to be taken for a crop by its height
    read = ppocr.read(row)
    assert read.mode == "page"
    assert read.text == "POPDEN 311.48 6103.85 1.28"  # read as one line, its fields run together
    assert ppocr.read(row, mode="crop").text.replace(" ", "") == "POPDEN311.486103.851.28"


def test_ppocr_word_boxes_split_lines_into_words():
    expert = OCRExpert("ppocr", use_cache=False, word_boxes=True)
    result = expert.read(render_lines(["Invoice No. 4521"], font_size=36), mode="page")
    assert [s.text for s in result.spans] == ["Invoice", "No.", "4521"]
    lefts = [s.box[0] for s in result.spans if s.box is not None]
    assert len(lefts) == len(result.spans)
    assert lefts == sorted(lefts)


def test_ppocr_detection_alone_gives_boxes_without_text():
    ppocr = get_engine("ppocr")
    assert isinstance(ppocr, PPOCREngine)
    boxes = ppocr.detect(render_lines(ENGLISH[:2]))
    assert len(boxes) >= 2 and all(s.text == "" and s.box for s in boxes)


def test_unknown_engine_and_bad_options_are_clear_errors():
    with pytest.raises(OCREngineError, match="unknown OCR engine 'nope'.*ppocr"):
        OCRExpert("nope")
    with pytest.raises(
        OCREngineError,
        match=r"OCR engine 'ppocr', option 'lang': unknown option \(known options: model, ",
    ):
        OCRExpert("ppocr", lang="eng")
    with pytest.raises(OCREngineError, match="tesseract-ocr-xyz"):
        OCRExpert("tesseract", lang="xyz")
    assert {"ppocr", "tesseract", "vision-encoder-decoder", "dataset"} <= set(engine_names())


def test_engine_config_records_every_output_changing_option():
    a = get_engine("ppocr").config()
    b = get_engine("ppocr", text_score=0.7).config()
    assert a != b and b["text_score"] == 0.7 and a["model"] == "PP-OCRv6"


def test_a_crop_keeps_its_one_reading_however_unsure_and_a_page_drops_unsure_lines():
    # As rapidocr does: given a crop it reads it as one line and keeps that reading, with its
    # score; on a page it drops lines read under text_score.
    strict: dict[str, Any] = {"text_score": 1.0, "arabic": None, "refine": None, "use_cache": False}
    crop = render_lines(["Service charges"])
    read = OCRExpert("ppocr", **strict).read(crop, mode="crop")
    assert read.text == "Service charges" and read.spans[0].score < 1.0
    page = render_lines(["Service charges", "Paid in full today"])
    assert OCRExpert("ppocr", **strict).read(page, mode="page").text == ""


def test_dataset_engine_keeps_tokens_and_scales_normalized_boxes():
    expert = OCRExpert("dataset")
    result = expert.read(None, tokens=["pop", "the", "book"])
    assert result.words == ["pop", "the", "book"] and result.mode == "tokens"
    image = render_lines(["x"], width=200)
    boxed = expert.read(
        image, tokens=["b", "a"], token_boxes=[[0.5, 0.1, 0.9, 0.3], [0.0, 0.1, 0.4, 0.3]]
    )
    assert boxed.words == ["a", "b"]  # put into reading order by their boxes
    assert boxed.spans[0].box == pytest.approx(
        (100.0, 0.1 * image.height, 180.0, 0.3 * image.height)
    )
    with pytest.raises(OCREngineError, match="tokens"):
        expert.read(image)


def test_the_one_line_entry_point_reuses_its_engine(tmp_path):
    import ocr_expert

    image = render_lines(["Gate 7"])
    first = ocr_expert.read(image, engine="tesseract", use_cache=False)
    second = ocr_expert.read(image, engine="tesseract", use_cache=False)
    assert first.text == second.text == "Gate 7"
    assert ocr_expert._shared_expert.cache_info().hits >= 1


def test_an_engine_failure_names_the_image_size_and_mode(ppocr, monkeypatch):
    from PIL import Image

    def broken(image):
        raise RuntimeError("inside the engine")

    monkeypatch.setattr(ppocr.engine, "read_page", broken)
    with pytest.raises(
        OCREngineError, match=r"ppocr failed on a 300x200 image \(page mode\): RuntimeError: inside"
    ):
        ppocr.read(Image.new("RGB", (300, 200), (3, 1, 4)), mode="page")


def two_column_page(right_x: int = 395) -> tuple[Image.Image, list[str], list[str]]:
    """A two-column page (a narrow gutter by default), rows at the same heights in both columns."""
    from PIL import Image, ImageDraw

    from ocr_expert.draw import load_font

    left = [
        "Revenue grew by twelve",
        "percent over the year",
        "and sales in Europe",
        "led the growth again",
    ]
    right = [
        "Costs fell for a third",
        "year running and the",
        "margin reached a new",
        "record for the group",
    ]
    font = load_font(24)
    image = Image.new("RGB", (right_x + 370, 260), "white")
    draw = ImageDraw.Draw(image)
    for i, (a, b) in enumerate(zip(left, right)):
        draw.text((20, 30 + 44 * i), a, font=font, fill="black")
        draw.text((right_x, 30 + 44 * i), b, font=font, fill="black")
    return image, left, right


def test_tesseract_keeps_its_own_layout_on_a_two_column_page(tesseract):
    import pytesseract

    image, _, _ = two_column_page(right_x=470)
    result = tesseract.read(image, mode="page")
    direct = pytesseract.image_to_string(image, lang="eng", config="--oem 1 --psm 3")
    # the engine's own reading, line for line: never re-ordered by the project
    assert [line.text for line in result.lines] == [
        " ".join(x.split()) for x in direct.splitlines() if x.strip()
    ]


def test_ppocr_reads_a_two_column_page_column_by_column(ppocr):
    image, left, right = two_column_page()
    result = ppocr.read(image, mode="page")
    assert cer(result.text.replace("\n", " "), " ".join(left + right)) < 0.05, result.text


def test_the_default_engine_reads_an_arabic_line_through_its_arabic_route(ppocr):
    result = ppocr.read(render_lines([ARABIC], font_size=40, rtl=True), mode="page")
    assert cer(result.text, ARABIC) < 0.10, result.text
    assert result.direction == "rtl"
    line = render_lines([ARABIC], font_size=30, rtl=True)
    assert cer(ppocr.read(line, mode="line").text, ARABIC) < 0.10


def test_english_and_arabic_lines_on_one_page_each_read_by_the_right_recognizer(ppocr):
    from PIL import Image

    english = render_lines(["Opening hours 9 to 5"], font_size=36)
    arabic = render_lines([ARABIC], font_size=36, rtl=True)
    page = Image.new(
        "RGB", (max(english.width, arabic.width), english.height + arabic.height), "white"
    )
    page.paste(english, (0, 0))
    page.paste(arabic, (page.width - arabic.width, english.height))
    lines = [line.text for line in ppocr.read(page, mode="page").lines]
    assert len(lines) == 2, lines
    assert cer(lines[0], "Opening hours 9 to 5") < 0.1 and cer(lines[1], ARABIC) < 0.1, lines


def _bilingual_page(face: str, size: int, lines: list[tuple[str, str]]) -> Image.Image:
    from PIL import ImageFont

    from ocr_expert.synthetic.fonts import face_path

    font = ImageFont.truetype(str(face_path(face)), size)
    width = 900
    page = Image.new("RGB", (width, int(len(lines) * size * 1.8 + 60)), "white")
    draw = ImageDraw.Draw(page)
    for i, (lang, text) in enumerate(lines):
        y = 30 + i * size * 1.8
        if lang == "ara":
            draw.text((width - 30, y), text, font=font, fill="black", anchor="ra", direction="rtl")
        else:
            draw.text((30, y), text, font=font, fill="black")
    return page


def test_a_short_arabic_line_tesseracts_page_layout_leaves_out_is_read_in_its_place(ppocr):
    # Read whole (the page is mostly Arabic), Tesseract's layout leaves out the short bold
    # line, and the Arabic lines read together gave nothing for it: read alone, it is kept,
    # and put back between the lines above and below it.
    lines = [
        ("eng", "The museum stands in the old town"),
        ("ara", "على ضفة النهر الشرقية تستمر"),
        ("ara", "شهر سبتمبر"),
        ("eng", "Opening hours change in September"),
        ("ara", "الميناء قبل وصول العاصفة"),
        ("ara", "يقع المتحف الوطني في وسط المدينة"),
        ("eng", "Tickets are sold at the gate"),
    ]
    read = [line.text for line in ppocr.read(_bilingual_page("sans_bold", 22, lines)).lines]
    assert len(read) == len(lines), read
    for got, (_, text) in zip(read, lines):
        assert cer(got, text) < 0.1, (got, text)


def _quad(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    """A detector's four-corner polygon around a box."""
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def test_a_whole_page_reading_gets_the_lines_it_missed_in_reading_order():
    from ocr_expert.engines.base import PageLayout
    from ocr_expert.engines.script_route import Candidate, with_missed_lines
    from ocr_expert.types import Span

    # one column, English lines aligned left and Arabic ones right: one block
    page = PageLayout(
        spans=[
            Span("Opening hours", (20, 10, 300, 40), 0.9),
            Span("الميناء", (600, 130, 880, 160), 0.9),
            Span("Tickets", (20, 190, 250, 220), 0.9),
        ],
        lines=[[0], [1], [2]],
        blocks=[0, 0, 0],
    )
    candidates = [
        Candidate(_quad(20, 10, 300, 40), "Opening hours", 0.99),  # read already
        Candidate(_quad(700, 70, 880, 100), "شهر سبتمبر", 0.6, rerouted=True),  # missed
        Candidate(_quad(500, 250, 880, 280), "mormmronr", 0.6),  # junk the route refused
        Candidate(_quad(20, 300, 400, 330), "Gate B", 0.97),  # missed, read surely
    ]
    merged = with_missed_lines(page, candidates)
    text = [" ".join(merged.spans[i].text for i in line) for line in merged.lines]
    assert text == ["Opening hours", "شهر سبتمبر", "الميناء", "Tickets", "Gate B"]
    assert merged.blocks == [0, 0, 0, 0, 1]
    # nothing missed: the page as it was; a line found twice goes back once
    assert with_missed_lines(page, candidates[:1]) == page
    twice = with_missed_lines(page, [candidates[1], candidates[1]])
    assert len(twice.lines) == len(page.lines) + 1
    # a title above every line goes first, though no block lies under it
    title = Candidate(_quad(400, 0, 500, 8), "نشرة المدينة", 0.7, rerouted=True)
    merged = with_missed_lines(page, [title])
    assert merged.spans[merged.lines[0][0]].text == "نشرة المدينة"


def test_a_missed_line_alone_on_its_row_goes_between_the_lines_above_and_below_it():
    from ocr_expert.engines.base import PageLayout
    from ocr_expert.engines.script_route import Candidate, with_missed_lines
    from ocr_expert.types import Span

    # an exam's items set right, each its own block; a display equation centred between two
    # of them, left out by the page's layout: no block below it reaches across under it
    page = PageLayout(
        spans=[
            Span("3) بين أنه من أجل كل x", (960, 670, 1460, 720), 0.9),
            Span("4) أعط جدول تغيرات الدالة", (1070, 890, 1460, 930), 0.9),
            Span("5) أثبت أن المستقيم مقارب لمنحني الدالة", (320, 950, 1460, 1010), 0.9),
        ],
        lines=[[0], [1], [2]],
        blocks=[0, 1, 2],
    )
    equation = [
        Candidate(_quad(740, 750, 940, 800), "-x2 + 2x - 3", 0.97),
        Candidate(_quad(610, 770, 740, 830), "f'(x) =", 0.99),
        Candidate(_quad(770, 800, 900, 850), "(x - 1)2", 0.94),
    ]
    merged = with_missed_lines(page, equation)
    text = [" ".join(merged.spans[i].text for i in line) for line in merged.lines]
    assert text[1:4] == ["-x2 + 2x - 3", "f'(x) =", "(x - 1)2"], text
    # a line that shares its row with the page's own text (a column beside it) is not
    # taken between two lines read one after the other: it goes to a block below it
    two_columns = PageLayout(
        spans=[
            Span("left column, its first line", (20, 10, 400, 40), 0.9),
            Span("left column, its last line", (20, 60, 400, 90), 0.9),
            Span("right column, its first line", (500, 10, 880, 40), 0.9),
            Span("right column, a lower line", (500, 100, 880, 130), 0.9),
            Span("a footer across the page", (20, 300, 880, 330), 0.9),
        ],
        lines=[[0], [1], [2], [3], [4]],
        blocks=[0, 0, 1, 1, 2],
    )
    missed = Candidate(_quad(20, 105, 300, 135), "the left column ends here", 0.98)
    merged = with_missed_lines(two_columns, [missed])
    text = [" ".join(merged.spans[i].text for i in line) for line in merged.lines]
    assert text.index("the left column ends here") == 4, text


def test_the_arabic_route_can_be_switched_off():
    expert = OCRExpert("ppocr", arabic=None, use_cache=False)
    assert expert.config()["arabic"] is None
    text = expert.read(render_lines([ARABIC], font_size=40, rtl=True), mode="page").text
    assert cer(text, ARABIC) > 0.5  # PP-OCR alone has no Arabic alphabet


def test_ppocr_v4_stays_selectable():
    expert = OCRExpert("ppocr", model="PP-OCRv4", use_cache=False)
    assert expert.config()["model"] == "PP-OCRv4" and expert.config()["unclip_ratio"] == 2.4
    result = expert.read(render_lines(ENGLISH, font_size=32), mode="page")
    assert cer(result.text, "\n".join(ENGLISH)) < 0.05, result.text
    with pytest.raises(OCREngineError, match="model must be one of"):
        get_engine("ppocr", model="PP-OCRv9")


def test_word_and_line_modes_use_the_engines_own_modes(tesseract):
    word = render_lines(["Harbour"], font_size=20, margin=2)
    assert tesseract.read(word, mode="word").text == "Harbour"
    line = render_lines([ENGLISH[1]], font_size=14, margin=2)  # small text is scaled up first
    assert cer(tesseract.read(line, mode="line").text, ENGLISH[1]) < 0.05


def test_full_width_letters_from_the_chinese_models_are_folded():
    from ocr_expert.engines.ppocr import _nfkc

    assert _nfkc("ＡＢＣ１２３") == "ABC123"


def test_ppocr_reads_a_small_photo_scaled_up_and_answers_in_its_own_pixels(ppocr):
    from ocr_expert.draw import load_font

    image = Image.new("RGB", (240, 120), (40, 90, 160))
    ImageDraw.Draw(image).text((20, 40), "EXIT 12", font=load_font(30), fill="white")
    result = ppocr.read(image, mode="page")
    assert result.text == "EXIT 12"
    (x0, y0, x1, y1) = result.lines[0].box
    assert 10 <= x0 < x1 <= 240 and 30 <= y0 < y1 <= 90  # where the text is in the 240x120 image
    assert (
        result.config["upscale_below"] == 480 and result.config["refine"]["engine"] == "tesseract"
    )


def test_ppocr_without_its_second_reader_says_so_in_its_config():
    engine_config = OCRExpert("ppocr", refine=None, upscale_below=0, use_cache=False).config()
    assert engine_config["refine"] is None and engine_config["upscale_below"] == 0


def _degraded_arabic_line(text: str, size: int) -> Image.Image:
    """``text`` in DejaVu Sans at ``size`` px, blurred, noisy and JPEG-compressed as scans are."""
    import io

    from ocr_expert.synthetic import degrade
    from ocr_expert.synthetic.fonts import font

    face = font("sans", size)
    x0, y0, x1, y1 = face.getbbox(text, direction="rtl", language="ar")
    pad = size // 3
    image = Image.new("RGB", (round(x1 - x0) + 2 * pad, round(y1 - y0) + 2 * pad), "white")
    ImageDraw.Draw(image).text(
        (pad - x0, pad - y0), text, font=face, fill="black", direction="rtl", language="ar"
    )
    d = degrade.Degradation(blur=0.6, noise=6.0, jpeg=60)
    data, _ = degrade.encode(degrade.apply(image, d, seed=3), d)
    return Image.open(io.BytesIO(data)).convert("RGB")


@pytest.mark.parametrize(
    ("text", "font_size"),
    [(ARABIC, 20), ("يقع المتحف الوطني قرب النهر", 12)],
    ids=["greeting-20px", "sentence-12px"],
)
def test_an_arabic_crop_reads_through_the_expert_as_tesseract_reads_it(text, font_size):
    # Tesseract's boxes for these words overlap: ordered again by their boxes, the words moved
    # ("بكم في مرحبا المدينة"); a crop keeps the order Tesseract read it in.
    engine = TesseractEngine(lang="ara")
    crop = render_lines([text], font_size=font_size, rtl=True, margin=4)
    own = " ".join(span.text for span in engine.read_crop(crop))
    result = OCRExpert(engine, use_cache=False).read(crop, mode="crop")
    assert result.text == own
    assert len(result.lines) == 1 and result.direction == "rtl"
    assert cer(result.text, text) < 0.1, result.text


def test_a_degraded_arabic_crop_reads_at_least_as_well_as_tesseract_ara_alone():
    import pytesseract

    from ocr_expert.scoring import cer as scored_cer
    from ocr_expert.synthetic.text import ARABIC_SENTENCES

    text = ARABIC_SENTENCES[0]
    image = _degraded_arabic_line(text, 14)
    alone = pytesseract.image_to_string(image, lang="ara", config="--oem 1 --psm 7")
    engine = get_engine("tesseract", lang="ara")
    assert isinstance(engine, TesseractEngine)
    spans = engine.read_crop(image)
    read = " ".join(s.text for s in spans)
    assert scored_cer(read, text, "arabic") <= scored_cer(alone, text, "arabic"), (read, alone)
    assert scored_cer(read, text, "arabic") < 0.1, read
    # Boxes found on a scaled view come back in the crop's own pixels.
    for span in spans:
        assert span.box is not None
        x0, y0, x1, y1 = span.box
        assert 0 <= x0 < x1 <= image.width and 0 <= y0 < y1 <= image.height, span.box
    assert engine.config()["arabic_views"] is True
    # as a recognizer, the reading carries how closely another view read the same line
    (recognition,) = engine.recognize([image])
    assert recognition.text == read and recognition.agreement is not None
    assert recognition.agreement > 0.8, recognition
    assert get_engine("tesseract", lang="ara", arabic_views=False).config()["arabic_views"] is False


def test_a_line_tesseracts_line_mode_finds_nothing_in_is_read_in_its_raw_line_mode(ppocr):
    # A degraded bold line (bench/arabic_lines.py, seed 1, fourth line): Tesseract's line mode
    # finds no line in it, with a margin or without, nor in the ink views, and the default
    # engine read nothing; Tesseract's raw-line mode reads it word for word.
    lines_bench = load_script("bench/arabic_lines.py")
    line = lines_bench.build_set(40, 1, lines_bench.arabic_fonts([]))[3]
    image = line.image.convert("RGB")
    engine = TesseractEngine(lang="ara")
    assert engine._words(engine._data(image, 7)) == []
    assert " ".join(s.text for s in engine.read_crop(image)) == line.text
    assert ppocr.read(image, mode="crop").text == line.text


def test_a_line_the_line_mode_reads_is_never_read_in_the_raw_line_mode(monkeypatch):
    engine = TesseractEngine(lang="ara")
    modes: list[int] = []
    data = engine._data

    def spy(image, psm, lang=None, data_dir=None):
        modes.append(psm)
        return data(image, psm, lang, data_dir)

    monkeypatch.setattr(engine, "_data", spy)
    text = "يقع المتحف الوطني قرب النهر"
    crop = render_lines([text], font_size=24, rtl=True, margin=8)
    assert cer(" ".join(s.text for s in engine.read_crop(crop)), text) < 0.1
    assert 7 in modes and 13 not in modes


def test_a_view_tesseract_fails_on_is_left_out_and_the_line_still_reads(monkeypatch):
    # Tesseract's Arabic script model stops with a floating-point exception on some line crops
    # (a typeset exam's line) that its other models read: that one reading is lost, not the
    # page the line is on.
    from ocr_expert.engines import tesseract as tess_module

    engine = TesseractEngine(lang="ara")
    read_view = engine._read_view
    failing = tess_module.ARABIC_CHOOSING_VIEWS[0]

    def crashes_once(image, ink, binary, psm=None, data_dir=None, lang=None):
        if (ink, binary) == failing:
            raise OCREngineError("tesseract stopped: (-8, '')")
        return read_view(image, ink, binary, psm, data_dir, lang)

    monkeypatch.setattr(engine, "_read_view", crashes_once)
    text = "يقع المتحف الوطني قرب النهر"
    crop = render_lines([text], font_size=24, rtl=True, margin=8)
    assert cer(" ".join(s.text for s in engine.read_crop(crop)), text) < 0.1
    # the script model's reading of a line's numbers, lost the same way, leaves them as read
    data = engine._data

    def script_crashes(image, psm, lang=None, data_dir=None):
        if lang == "Arabic":
            raise OCREngineError("tesseract stopped: (-8, '')")
        return data(image, psm, lang, data_dir)

    monkeypatch.setattr(engine, "_data", script_crashes)
    assert engine._script_reading(crop, None) == []


def test_an_arabic_crop_keeps_the_surest_of_all_its_views_but_only_the_first_weigh(
    monkeypatch,
):
    # Tesseract reads a line differently at each ink height; whichever view it is surest of
    # gives the text. The route's evidence (score, agreement with the nearest other view)
    # comes from the first views only: counted over more, junk grows surer and agrees more.
    from ocr_expert.engines import tesseract as tess_module
    from ocr_expert.types import Span

    engine = TesseractEngine(lang="ara")
    first, choosing = tess_module.ARABIC_INK_VIEWS, tess_module.ARABIC_CHOOSING_VIEWS
    views = {first[0]: ("مرحبا بكن", 0.8), first[1]: ("مرحيا", 0.5)}
    views |= {choosing[0]: ("مرحبا بكم", 0.93), choosing[1]: ("مرحبا بكن", 0.85)}
    asked: list[tuple[int, bool]] = []
    raw: list[bool] = []

    def read_view(image, ink, binary, psm=None):
        asked.append((ink, binary))
        raw.append(psm == tess_module.RAW_LINE_PSM)
        text, score = views[(ink, binary)]
        return [Span(text=text, box=(0, 0, 10, 10), score=score)]

    monkeypatch.setattr(engine, "_read_view", read_view)
    first_reading = [Span(text="مرحا", box=(0, 0, 10, 10), score=0.7)]
    monkeypatch.setattr(engine, "_read_alone", lambda image, psm: first_reading)
    crop = Image.new("RGB", (200, 20), "white")  # line-shaped: no word-mode reading
    assert [s.text for s in engine.read_crop(crop)] == ["مرحبا بكم"]
    assert sorted(asked) == sorted([*first, *choosing])  # read side by side: in any order
    # the crop's own line-mode reading held: no view is read in the raw-line mode
    assert raw == [False] * (len(first) + len(choosing))
    (recognition,) = engine.recognize([crop])
    assert recognition.text == "مرحبا بكم"
    assert recognition.score == pytest.approx(0.8) and recognition.judged == "مرحبا بكن"
    # closest of the first views to their surest ("مرحبا بكن"): not the identical later one
    assert recognition.agreement == pytest.approx(
        Levenshtein.normalized_similarity("مرحبا بكن", "مرحيا")
    )
    # the later, identical view supports it, apart from the agreement
    assert recognition.support == pytest.approx(1.0)


def test_a_crop_the_line_mode_finds_nothing_in_is_read_raw_with_its_empty_weighing_views(
    monkeypatch,
):
    # the views are read side by side in the line mode; where the crop's own line-mode
    # reading is empty, the crop and each weighing view that read nothing are read again in
    # the raw-line mode, and the views that only choose are not
    from ocr_expert.engines import tesseract as tess_module
    from ocr_expert.types import Span

    engine = TesseractEngine(lang="ara")
    first, choosing = tess_module.ARABIC_INK_VIEWS, tess_module.ARABIC_CHOOSING_VIEWS
    raw_read: list[tuple[int, bool]] = []

    def read_view(image, ink, binary, psm=None):
        if psm == tess_module.RAW_LINE_PSM:
            raw_read.append((ink, binary))
            return [Span(text="وصل القطار", box=(0, 0, 10, 10), score=0.6)]
        if (ink, binary) in (first[0], *choosing):  # the line mode finds nothing in these
            return []
        return [Span(text="وصل القطا", box=(0, 0, 10, 10), score=0.5)]

    monkeypatch.setattr(engine, "_read_view", read_view)
    monkeypatch.setattr(engine, "_read_alone", lambda image, psm: [])
    raw_crop = [Span(text="وصل القطار", box=(0, 0, 10, 10), score=0.55)]
    monkeypatch.setattr(engine, "_read_raw_line", lambda image: raw_crop)
    (recognition,) = engine.recognize([Image.new("RGB", (200, 20), "white")])
    assert raw_read == [first[0]]
    # the evidence: the surest weighing reading, the first view read raw, agreeing with the
    # crop read raw
    assert recognition.judged == "وصل القطار" and recognition.score == pytest.approx(0.6)
    assert recognition.agreement == pytest.approx(1.0)


def test_the_evidence_and_the_chosen_view_repair_their_numbers_from_one_script_reading(
    monkeypatch,
):
    # Tesseract's `ara` model writes no Arabic-Indic digit: a line with a number takes its
    # digits from the script model's reading, one Tesseract call that the evidence view and
    # the surer view chosen for the text share
    from ocr_expert.engines import arabic_digits
    from ocr_expert.engines import tesseract as tess_module
    from ocr_expert.types import Span

    engine = TesseractEngine(lang="ara")
    first, choosing = tess_module.ARABIC_INK_VIEWS, tess_module.ARABIC_CHOOSING_VIEWS
    surest = {first[0]: 0.6, first[1]: 0.5, choosing[0]: 0.9, choosing[1]: 0.4}
    word, number = (0, 0, 60, 20), (70, 0, 100, 20)

    def read_view(image, ink, binary, psm=None):
        score = surest[(ink, binary)]
        text = "الطلاب" if score == 0.9 else "الطلات"
        return [Span(text=text, box=word, score=score), Span(text="193", box=number, score=score)]

    calls = []

    def script_reading(image, region):
        calls.append(region)
        return [Span(text="۱۹۳", box=number, score=0.9)]  # the script model's Persian digits

    monkeypatch.setattr(engine, "_read_view", read_view)
    monkeypatch.setattr(engine, "_read_alone", lambda image, psm: [])
    monkeypatch.setattr(engine, "_read_raw_line", lambda image: [])
    monkeypatch.setattr(engine, "_script_reading", script_reading)
    monkeypatch.setattr(arabic_digits, "has_script_model", lambda: True)
    (recognition,) = engine.recognize([Image.new("RGB", (200, 20), "white")])
    assert recognition.text == "الطلاب ١٩٣" and recognition.judged == "الطلات ١٩٣"
    assert calls == [None]


def test_a_crop_said_to_hold_a_line_is_read_in_the_line_mode_however_short(tesseract, monkeypatch):
    from ocr_expert.engines.tesseract import WORD_SHAPE

    short = render_lines(["if you do"], font_size=24, margin=6)
    assert short.width <= WORD_SHAPE * short.height  # shaped like a word
    engine = tesseract.engine
    asked: list[int] = []
    read_one = engine._read_one

    def read_one_asked(image: Image.Image, psm: int) -> list[Span]:
        asked.append(psm)
        return read_one(image, psm)

    monkeypatch.setattr(engine, "_read_one", read_one_asked)
    assert tesseract.read(short, mode="line").text == "if you do"
    assert asked == [engine.options["crop_psm"]]
    asked.clear()  # a crop of unknown kind shaped like a word is read as a word
    tesseract.read(short, mode="crop")
    assert asked[0] == engine.options["word_psm"]


def test_what_the_angle_classifier_turns_over_wrongly_is_read_upright(ppocr):
    import eval_vqa

    # PP-OCR's angle classifier takes this small upright line for an upside-down one; turned
    # over, it reads as noise
    line = "copying, or conveying of this communication in any manner"
    read = ppocr.read(render_lines([line], font_size=10, margin=8), mode="crop").text
    assert cer(read, line) < 0.2, read
    # and the bundled agenda's page number, turned over, would read 6
    agenda = Path(eval_vqa.__file__).parent / "data" / "mini" / "images" / "doc_08.png"
    assert ppocr.read(Image.open(agenda)).lines[-1].text == "- 9 -"


@pytest.mark.parametrize(
    ("turned_score", "as_is_score", "kept"),
    [(0.99857, 0.99827, False), (0.995, 0.62, True), (0.70, 0.95, False), (0.589, 0.511, False)],
    ids=["68% and %89, alike both ways", "noise as it is", "noise turned", "noise both ways"],
)
def test_a_turn_is_kept_only_where_it_reads_clearly_surer(turned_score, as_is_score, kept):
    from types import SimpleNamespace

    from ocr_expert.engines.ppocr import _V6Runner

    crop = np.zeros((20, 60, 3), dtype=np.uint8)
    crop[5:15, 5:20] = 255  # not the same turned over

    class Model:  # the classifier labels the crop upside down; the recognizer scores both ways
        def cls_and_rotate(self, crops):
            return [c[::-1, ::-1] for c in crops], SimpleNamespace(cls_res=[("180", 0.95)])

        def _load_rec_model(self):
            return lambda inputs: SimpleNamespace(scores=(turned_score, as_is_score))

    runner = object.__new__(_V6Runner)
    runner._ocr = Model()  # type: ignore[assignment]
    upright, turned = runner._upright([crop])
    assert (turned == {0}) is kept
    assert np.array_equal(upright[0], crop[::-1, ::-1] if kept else crop)


@pytest.mark.parametrize(
    ("flipped", "as_is_score", "kept"),
    [(1, 0.884, set()), (1, 0.5, {0}), (8, 0.884, set(range(8)))],
    ids=["one label of ten, legible as it stands", "one of ten, noise as it stands", "most"],
)
def test_a_page_holds_its_few_lines_turned_over_to_the_way_the_others_stand(
    flipped, as_is_score, kept
):
    from types import SimpleNamespace

    from ocr_expert.engines.ppocr import _V6Runner

    crops = [np.full((20, 60, 3), i, dtype=np.uint8) for i in range(10)]
    for crop in crops:
        crop[5:15, 5:20] = 255

    class Model:  # the classifier turns the first lines over; read turned they score 0.999
        def cls_and_rotate(self, crops):
            labels = [("180" if i < flipped else "0", 0.95) for i in range(len(crops))]
            turned = [c[::-1, ::-1] if i < flipped else c for i, c in enumerate(crops)]
            return turned, SimpleNamespace(cls_res=labels)

        def _load_rec_model(self):
            return lambda inputs: SimpleNamespace(
                scores=(0.999,) * flipped + (as_is_score,) * flipped
            )

    runner = object.__new__(_V6Runner)
    runner._ocr = Model()  # type: ignore[assignment]
    upright, turned = runner._upright(crops, across=set(range(10)))
    assert turned == kept
    for i, crop in enumerate(upright):
        assert np.array_equal(crop, crops[i][::-1, ::-1] if i in kept else crops[i])
    # a crop read alone has no page to follow: the one turned line stays turned
    assert runner._upright(crops)[1] == set(range(flipped))


def test_a_line_cut_with_its_neighbours_showing_is_also_read_with_them_cleared():
    # A line cut from a page set solid: the descenders of the line above at its top edge, the
    # tops of the line below at its bottom edge. Those pieces go; the line's own ink stays.
    from ocr_expert.image_io import without_edge_fragments
    from ocr_expert.synthetic.text import ARABIC_SENTENCES

    page = render_lines(list(ARABIC_SENTENCES[:3]), font_size=32, rtl=True, margin=4, spacing=1.25)
    rows = np.asarray(page.convert("L")).min(axis=1) < 128
    gaps = [y for y in range(1, page.height) if rows[y - 1] and not rows[y]]  # ends of lines
    top, bottom = gaps[0] - 6, gaps[1] + 7  # the middle line, 6 rows of each neighbour
    crop = page.crop((0, top, page.width, bottom))
    cleared = without_edge_fragments(crop)
    assert cleared is not None and cleared.size == crop.size
    before = np.asarray(crop.convert("L")) < 128
    after = np.asarray(cleared) < 128
    assert after[:3].sum() < before[:3].sum() / 4  # the line above, cut by the edge
    assert after[-3:].sum() == 0 < before[-3:].sum()  # the line below
    body = slice(gaps[0] - top + 2, gaps[1] - top)
    assert (after[body] == before[body]).all()
    # a line cut with a margin of its own has nothing to clear
    assert (
        without_edge_fragments(render_lines(list(ARABIC_SENTENCES[:1]), rtl=True, margin=8)) is None
    )


class _LinesOutOfOrder(OCREngine):
    """A whole-page reader double: an exam's lines as Tesseract's layout gave them, the left
    half of the second row (the time allowed) after the item under it."""

    name = "lines-out-of-order"

    def __init__(self, in_order: bool) -> None:
        self.in_order = in_order

    def config(self) -> dict[str, Any]:
        return {"engine": self.name, "in_order": self.in_order}

    def read_page(self, image: Image.Image) -> PageLayout:
        words = [
            ("الامتحان", (900, 20, 1100, 60)),
            ("الأول", (700, 20, 880, 60)),
            ("الشعبة:", (950, 100, 1100, 140)),
            ("رياضيات", (780, 100, 930, 140)),
            ("1)", (1060, 200, 1100, 240)),
            ("أحسب", (880, 200, 1040, 240)),
            ("المدة:", (220, 100, 340, 140)),
            ("ساعتان", (80, 100, 200, 140)),
        ]
        spans = [Span(text, box, 0.9) for text, box in words]
        lines = [[0, 1], [2, 3], [4, 5], [6, 7]]
        layout = PageLayout(spans=spans, lines=lines, blocks=[0, 1, 1, 2])
        return replace(layout, in_order=self.in_order)

    def read_crop(self, image: Image.Image) -> list[Span]:
        raise AssertionError("pages only")


def test_an_engines_lines_it_does_not_vouch_the_order_of_are_put_in_reading_order():
    page = Image.new("RGB", (1200, 300), "white")
    kept = OCRExpert(_LinesOutOfOrder(True), use_cache=False).read(page, mode="page")
    assert [line.text for line in kept.lines][2] == "1) أحسب"  # the engine's order, kept
    ordered = OCRExpert(_LinesOutOfOrder(False), use_cache=False).read(page, mode="page")
    assert [line.text for line in ordered.lines] == [
        "الامتحان الأول",
        "الشعبة: رياضيات المدة: ساعتان",
        "1) أحسب",
    ]
    assert ordered.direction == "rtl"
    # every word is still a span of its own, and each line names its words
    assert [s.text for s in ordered.spans] == [s.text for s in kept.spans]
    assert ordered.lines[1].spans == (2, 3, 6, 7)


@pytest.mark.parametrize("engine", ["ppocr", "tesseract"])
@pytest.mark.parametrize(
    ("text", "size", "width", "height"),
    [
        ("if you do", 18, 300, 120),  # Tesseract's word mode ran a short line's words together
        ("Harbour Street 31", 16, 600, 160),  # PP-OCR, scaling the crop to 48 px, read nothing
        ("cromulent", 16, 300, 150),
        ("Covfefe is a perfectly cromulent word.", 14, 400, 50),
    ],
)
def test_a_word_or_line_given_with_wide_margins_reads_as_one_cut_at_its_text(
    engine, text, size, width, height
):
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = load_font(size)
    left = (width - draw.textlength(text, font=font)) / 2
    draw.text((left, (height - size) / 2), text, font=font, fill="black")
    result = OCRExpert(engine, use_cache=False).read(image, mode="crop")
    assert result.text == text
    assert all(s.box is not None and s.box[2] <= width and s.box[3] <= height for s in result.spans)
