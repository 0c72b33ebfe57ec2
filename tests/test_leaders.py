"""The text after a line's dot leaders: found right of the line, read, joined to its row."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageOps

from ocr_expert.engines.leaders import leader_tails, with_leaders
from ocr_expert.engines.ppocr import LEADER_SCORE, PPOCREngine
from ocr_expert.engines.script_route import Candidate
from ocr_expert.synthetic.fonts import font
from ocr_expert.types import Box, box_corners

FONT = font("serif", 20)


def row(name: str, between: str, tail: str, tail_x: int = 420) -> tuple[Image.Image, Box, Box]:
    """An index row: ``name``, then ``between`` drawn up to ``tail_x``, then ``tail``. Returns
    the image, the name's box padded as a detector pads it, and the tail's ink box."""
    image = Image.new("RGB", (520, 60), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 18), name, font=FONT, fill="black")
    x0, y0, x1, y1 = draw.textbbox((20, 18), name, font=FONT)
    if between:
        start = x1 + 6
        width = draw.textlength(between, font=FONT)
        while start + width < tail_x - 6:
            draw.text((start, 18), between, font=FONT, fill="black")
            start += width
    draw.text((tail_x, 18), tail, font=FONT, fill="black")
    tail_box = draw.textbbox((tail_x, 18), tail, font=FONT)
    pad = 0.3 * (y1 - y0)
    return image, (x0 - pad, y0 - pad, x1 + pad, y1 + pad), tail_box


def test_the_page_number_after_a_lines_dot_leaders_is_found_and_joins_its_row():
    for between in (".", ". "):  # leaders set solid, or spaced as a contents page sets them
        image, line, number = row("Header file libtasn1.h", between, "24")
        [(index, box)] = leader_tails(image, [line])
        assert index == 0
        assert box[0] <= number[0] and box[2] >= number[2]  # the whole number ...
        assert box[0] >= number[0] - 0.5 * (line[3] - line[1])  # ... and no leaders
        joined = with_leaders(line, box)
        assert joined[0] == line[2] and joined[2] == box[2]  # over the leaders to the number


def test_leaders_printed_light_on_dark_are_found_too():
    image, line, number = row("Header file libtasn1.h", ".", "24")
    [(_, box)] = leader_tails(ImageOps.invert(image), [line])
    assert box[0] <= number[0] and box[2] >= number[2]


def test_a_word_after_a_gap_a_full_stop_or_a_rule_is_no_leader():
    image, line, _ = row("Porting", "", "24")  # a gap, no dots: a column beside, a value
    assert leader_tails(image, [line]) == []
    image, line, _ = row("Porting.", "", "Then", tail_x=120)  # a full stop, then a word
    assert leader_tails(image, [line]) == []
    image, line, _ = row("Name:", "_", "Smith")  # a form's blank, not leaders
    assert leader_tails(image, [line]) == []


def test_a_box_the_detector_found_on_the_row_ends_it():
    image, line, number = row("Header file", ".", "24")
    found = (number[0] - 2, line[1], number[2] + 2, line[3])
    assert leader_tails(image, [line, found]) == []
    # a line not set level is not looked along
    assert leader_tails(image, [line], level=[False]) == []


class _Reads:
    """A recognizer that reads every crop as ``text`` with ``score``."""

    def __init__(self, text: str, score: float) -> None:
        self.text, self.score, self.crops = text, score, 0

    def recognize(self, crops: list[object]) -> list[tuple[str, float]]:
        self.crops += len(crops)
        return [(self.text, self.score)] * len(crops)


def test_the_engine_adds_what_it_reads_after_the_leaders_when_it_is_sure():
    engine = PPOCREngine(refine=None)
    assert engine.config()["leaders"] is True  # on by default, and part of the cache key
    image, line, _ = row("Header file libtasn1.h", ".", "24")
    lines = [Candidate(box_corners(line), "Header file libtasn1.h", 0.99)]
    engine._runner = _Reads("24", 0.99)  # type: ignore[assignment]
    added = engine._after_leaders(image, lines)[1:]
    assert [c.text for c in added] == ["24"]
    assert added[0].polygon[0][0] == line[2]  # its box starts where the line ends
    engine._runner = _Reads("24", LEADER_SCORE - 0.1)  # type: ignore[assignment]
    assert engine._after_leaders(image, lines) == lines
    engine._runner = _Reads(".....", 0.99)  # type: ignore[assignment]
    assert engine._after_leaders(image, lines) == lines
    # an Arabic line another reader re-read is left as it is
    rerouted = [Candidate(box_corners(line), "سطر", 0.99, rerouted=True)]
    assert engine._after_leaders(image, rerouted) == rerouted


def test_a_page_number_broken_into_strokes_by_a_poor_scan_is_still_found():
    image, line, number = row("Header file libtasn1.h", ".", "5")
    middle = (number[1] + number[3]) // 2
    ImageDraw.Draw(image).rectangle((number[0] - 1, middle - 1, number[2] + 1, middle), "white")
    [(_, box)] = leader_tails(image, [line])  # its halves, each no taller than a dot, are one
    assert box[0] <= number[0] and box[2] >= number[2]


ARABIC_CONTENTS = [
    ("قائمة الأشكال", " ." * 24, "٣"),
    ("مستند يدعم الكتابة باللغة العربية", " ." * 14, "١٢"),
    ("المقدمة", "." * 40, "٧"),
]


def test_an_arabic_contents_line_is_read_with_its_leaders_cleared():
    from conftest import render_lines

    from ocr_expert import OCRExpert
    from ocr_expert.engines.leaders import without_leaders
    from ocr_expert.scoring import cer

    expert = OCRExpert("ppocr", use_cache=False)
    for title, dots, number in ARABIC_CONTENTS:
        crop = render_lines([f"{title}{dots} {number}"], font_size=28, rtl=True, margin=8)
        assert without_leaders(crop) is not None
        read = expert.read(crop, mode="line").text
        # the title whole, no letters made of the dots (read as them, the line was junk:
        # ``قائمة الأشكال 222022 يج``, ``المقدمة بن تيت م د تس ا``)
        assert title in read, read
        assert cer(read, f"{title} {number}") <= 0.1, read


def test_a_line_of_arabic_words_full_stops_or_small_digits_holds_no_leaders():
    from conftest import render_lines

    from ocr_expert.engines.leaders import without_leaders

    for text in ["وصل الوفد إلى العاصمة. بدأ العام الدراسي...", "قرأ 1437 2017 طالبا", "ثبت نقش"]:
        assert without_leaders(render_lines([text], font_size=28, rtl=True, margin=8)) is None
