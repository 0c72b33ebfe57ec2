"""A detector's lines re-read from a second reader's words: what is taken, what is added."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from ocr_expert.engines.base import PageLayout
from ocr_expert.engines.page_fusion import bridged_pieces, fuse_page
from ocr_expert.engines.script_route import Candidate
from ocr_expert.synthetic.fonts import font
from ocr_expert.types import Span


def line(
    text: str,
    y: float,
    x0: float = 10,
    x1: float = 600,
    score: float = 0.95,
    rerouted: bool = False,
) -> Candidate:
    return Candidate(((x0, y), (x1, y), (x1, y + 30), (x0, y + 30)), text, score, rerouted=rerouted)


def page(lines: list[list[tuple[str, float, float, float]]]) -> PageLayout:
    """Lines of (word, x0, y0, confidence), words 30 px tall and 12 px a letter wide."""
    spans: list[Span] = []
    members: list[list[int]] = []
    for words in lines:
        members.append([])
        for text, x0, y0, conf in words:
            members[-1].append(len(spans))
            spans.append(Span(text, (x0, y0, x0 + 12 * len(text), y0 + 30), conf))
    return PageLayout(spans=spans, lines=members, blocks=[0] * len(members))


def test_confident_words_that_cover_an_unsure_line_replace_its_reading():
    second = page(
        [
            [
                ("Title", 12, 101, 0.96),
                ("VII,", 90, 100, 0.95),
                ("as", 150, 100, 0.97),
                ("amended", 190, 99, 0.96),
            ]
        ]
    )
    fused = fuse_page([line("Tit1e V1l, as amended", 100, score=0.7)], second)
    assert [(c.text, round(c.score, 2)) for c in fused] == [("Title VII, as amended", 0.96)]
    # a line the detector's recognizer read surely keeps its reading
    assert (
        fuse_page([line("Title VII, as arnended", 100, score=0.97)], second)[0].text
        == "Title VII, as arnended"
    )


def test_an_unsure_or_partial_second_reading_leaves_the_line_alone():
    unsure = page([[("Title", 12, 100, 0.6), ("VII", 90, 100, 0.7)]])
    assert fuse_page([line("Title VII", 100, score=0.7)], unsure)[0].text == "Title VII"
    partial = page([[("Title", 12, 100, 0.97)]])  # the rest of the line not found
    assert (
        fuse_page([line("Title VII, as amended", 100, score=0.7)], partial)[0].text
        == "Title VII, as amended"
    )


def test_a_confident_line_the_detector_missed_is_added_and_specks_are_not():
    second = page(
        [
            [("first", 12, 100, 0.95), ("line", 90, 100, 0.95)],
            [("Empire", 12, 150, 0.96), ("have", 100, 150, 0.93), ("reached", 170, 150, 0.95)],
            [("~", 300, 400, 0.95)],
            [("noise", 12, 500, 0.4)],
            [("twice", 300, 112, 0.97)],
        ]
    )  # off the line's centre but inside its box
    fused = fuse_page([line("first line", 100)], second)
    assert [c.text for c in fused] == ["first line", "Empire have reached"]
    x0, y0 = fused[1].polygon[0]
    assert (x0, y0) == (12, 150)  # where the words are, to be put in reading order


def test_lines_read_by_another_script_route_are_kept_and_nothing_is_added_there():
    arabic = line("مرحبا بكم", 100, rerouted=True)
    second = page([[("aJ", 12, 100, 0.95), ("jb", 60, 100, 0.95)], [("stray", 12, 200, 0.97)]])
    fused = fuse_page([arabic], second)
    assert fused == [arabic]


def test_on_a_sure_line_a_word_the_second_reader_is_surer_of_takes_its_reading():
    second = page(
        [
            [
                ("“The", 12, 100, 0.97),
                ("table", 80, 100, 0.96),
                ("lists", 150, 100, 0.97),
                ("2079", 220, 100, 0.98),
                ("items”", 290, 100, 0.97),
            ]
        ]
    )
    fused = fuse_page([line('"The table lists 2O79 items"', 100, score=0.98)], second)
    assert fused[0].text == "“The table lists 2079 items”"
    assert fused[0].score == 0.98  # the line's own confidence: PP-OCR's reading, corrected


def test_a_word_read_less_surely_shorter_or_otherwise_is_not_replaced():
    second = page(
        [
            [("Total", 12, 100, 0.97), ("RM", 90, 100, 0.9), ("GALL", 150, 100, 0.98)],
        ]
    )
    # "Total" drops the colon, "RM" is not sure enough, "GALL" is part of another word
    fused = fuse_page([line("Total: RN GALLERY", 100, score=0.98)], second)
    assert fused[0].text == "Total: RN GALLERY"
    different = page([[("Baker", 12, 100, 0.99), ("Street", 90, 100, 0.99)]])
    assert fuse_page([line("Baker Road", 100, score=0.98)], different)[0].text == "Baker Road"


def test_a_quote_the_second_reader_curls_is_taken_however_unsure_of_the_word():
    # Print sets curly quotes and apostrophes; PP-OCR mostly writes them straight. Where
    # Tesseract reads the same word with them curled, its word confidence (of the letters)
    # does not matter: a real magazine page's 31 straight quotes, a report's 28.
    second = page(
        [
            [
                ("Binstock’s", 12, 100, 0.62),
                ("’70s", 150, 100, 0.41),
                ("“dial”", 220, 100, 0.55),
                ("don’t", 300, 100, 0.5),
            ]
        ]
    )
    fused = fuse_page([line("Binstock's '70s \"dial\" dont", 100, score=0.97)], second)
    # the last word differs in more than its quote: left as PP-OCR read it
    assert fused[0].text == "Binstock’s ’70s “dial” dont"
    # a straight quote Tesseract reads straight, or a curly one it reads straight, stays
    straight = page([[("it's", 12, 100, 0.9), ('"so"', 90, 100, 0.9)]])
    assert fuse_page([line('it\'s "so"', 100, score=0.97)], straight)[0].text == 'it\'s "so"'
    flat = page([[("it's", 12, 100, 0.9)]])
    assert fuse_page([line("it’s", 100, score=0.97)], flat)[0].text == "it’s"


def test_words_run_together_are_split_where_the_second_reader_surely_sees_a_space():
    second = page([[("indicating", 12, 100, 0.97), ("proce-", 140, 100, 0.96)]])
    cand = line("indicatingproce-", 100, score=0.98)
    cand = Candidate(cand.polygon, cand.text, cand.score, words=[("indicatingproce-", BOX, 0.99)])
    (fused,) = fuse_page([cand], second, keep_words=True)
    assert fused.text == "indicating proce-"
    assert [w[0] for w in fused.words] == ["indicating", "proce-"]  # each with its own box
    assert fused.words[1][1][0] == 140
    unsure = page([[("indicating", 12, 100, 0.97), ("proce-", 140, 100, 0.6)]])
    assert fuse_page([line("indicatingproce-", 100, score=0.98)], unsure)[0].text == (
        "indicatingproce-"
    )


def test_a_space_dropped_after_a_number_comes_back_where_the_second_reader_sees_it():
    def fused(mine: str, words: list[tuple[str, float]]) -> str:
        x, placed = 12.0, []
        for text, conf in words:
            placed.append((text, x, 100.0, conf))
            x += 12 * len(text) + 10
        return fuse_page([line(mine, 100, score=0.98)], page([placed]))[0].text

    # a list's number and its entry: characters alike, fairly sure
    assert fused("1History", [("1", 0.73), ("History", 0.95)]) == "1 History"
    assert fused("4.4Application", [("4.4", 0.6), ("Application", 0.9)]) == "4.4 Application"
    assert fused("Chapter1", [("Chapter", 0.9), ("1", 0.7)]) == "Chapter 1"
    # Tesseract read the list's bullet too, PP-OCR did not: the bullet is not added
    assert fused("2Applications", [("=", 0.92), ("2", 0.92), ("Applications", 0.96)]) == (
        "2 Applications"
    )
    # ... and a bullet PP-OCR read into the word stays in front of it
    assert fused("■4.4Application", [("«", 0.89), ("4.4", 0.93), ("Application", 0.92)]) == (
        "■4.4 Application"
    )
    # Tesseract's breaks between letters, beside punctuation or inside a number are left
    # alone unless sure (an identifier broken in two, a price, a year) ...
    assert fused("GlobEntry:", [("GlobEnt", 0.54), ("ry:", 0.54)]) == "GlobEntry:"
    assert fused("37.55", [("37.", 0.85), ("55", 0.87)]) == "37.55"
    assert fused("Tax(RM)", [("Tax", 0.9), ("(RM)", 0.9)]) == "Tax(RM)"
    assert fused("2016", [("20", 0.9), ("16", 0.9)]) == "2016"
    # ... and so is a break read unsurely, or where the characters differ
    assert fused("1History", [("1", 0.3), ("History", 0.95)]) == "1History"
    assert fused("1History", [("l", 0.9), ("History", 0.95)]) == "1History"


BOX = (10.0, 100.0, 600.0, 130.0)


#: the page reader's lines under a detected line: the next lines of two columns
NEXT_ROW: list[list[tuple[str, float, float, float]]] = [
    [("ffuser", 12, 140, 0.9), ("guide", 100, 140, 0.9), ("on", 230, 140, 0.9)],
    [("Once", 300, 140, 0.9), ("you", 360, 140, 0.9)],
]


def test_a_detected_line_holding_two_of_the_page_readers_lines_side_by_side_is_cut_between():
    # the detector joined a column's first line to the heading opening the column beside it
    # across a narrow gutter; the page reader's layout set them on two lines (and parted the
    # column's line once more)
    joined = line("This is a sample, see 2 Frame Attributes", 100, x0=10, x1=560)
    on_it: list[list[tuple[str, float, float, float]]] = [
        [("This", 12, 100, 0.95), ("is", 70, 100, 0.96), ("a", 100, 100, 0.9)],
        [("sample,", 130, 101, 0.93), ("see", 224, 100, 0.96)],
        [("2", 300, 99, 0.9), ("Frame", 322, 99, 0.95), ("Attributes", 400, 99, 0.94)],
    ]
    second = page(on_it + NEXT_ROW)
    pieces = bridged_pieces([joined], second, [True])
    # cut half-way across the gap the lines under it leave clear, not where they run on; each
    # piece as tall as its own words within the line (the detector padded this one not at all)
    assert pieces == {0: [(10, 100, 280, 130), (280, 100, 560, 129)]}
    # a line padded round its words: each piece padded by the same share of its own height
    padded = Candidate(((10, 90), (560, 90), (560, 140), (10, 140)), joined.text, 0.95)
    first = bridged_pieces([padded], second, [True])[0][0]
    assert first == pytest.approx((10, 100 - 9 / 32 * 31, 280, 131 + 9 / 32 * 31))
    # alone on the page, or set askew, or rerouted to another recognizer, it stays whole
    assert bridged_pieces([joined], page(on_it), [True]) == {}
    assert bridged_pieces([joined], second, [False]) == {}
    rerouted = line("This is a sample, see 2 Frame Attributes", 100, x1=560, rerouted=True)
    assert bridged_pieces([rerouted], second, [True]) == {}


def test_a_line_the_page_reader_reads_whole_or_beside_noise_is_not_cut():
    joined = line("Total 21.74", 100, x0=10, x1=400)
    # one line of the page reader's: nothing to cut
    assert (
        bridged_pieces(
            [joined], page([[("Total", 12, 100, 0.9), ("21.74", 300, 100, 0.9)]]), [True]
        )
        == {}
    )
    # a second "line" that is a speck or read unsurely is no piece
    speck = page([[("Total", 12, 100, 0.9)], [("|", 300, 100, 0.9)]])
    unsure = page([[("Total", 12, 100, 0.9)], [("21.74", 300, 100, 0.3)]])
    assert bridged_pieces([joined], speck, [True]) == {}
    assert bridged_pieces([joined], unsure, [True]) == {}
    # a word the page reader parted at a faint letter is no gutter
    parted = page(
        [
            [("This", 12, 100, 0.9), ("is", 70, 100, 0.9), ("autho", 100, 100, 0.9)],
            [("ization", 164, 100, 0.9)],
        ]
    )
    assert bridged_pieces([joined], parted, [True]) == {}
    # ... and so is a wider gap inside a line that the lines under it run across
    under: list[tuple[str, float, float, float]] = [
        ("according", 12, 140, 0.9),
        ("protocol", 140, 140, 0.9),
    ]
    wide = page([[("autho", 100, 100, 0.9)], [("ization", 200, 100, 0.9)], under])
    assert bridged_pieces([joined], wide, [True]) == {}
    # two lines whose words interleave across the line are not side by side
    interleaved = page(
        [
            [("Total", 12, 100, 0.9), ("due", 250, 100, 0.9)],
            [("net", 150, 100, 0.9), ("21.74", 300, 100, 0.9)],
        ]
    )
    assert bridged_pieces([joined], interleaved, [True]) == {}


#: a column's lines, and the lines of the column beside it under its heading
LEFT = [
    "This report is a sample of the",
    "kind of page a journal prints,",
    "set in two columns that stand",
    "close together on the page, so",
    "that the detector may take a",
    "line of one for a line of the",
]
RIGHT = [
    "Once the first column ends, the",
    "second begins at its top, under",
    "the heading that opens it, and",
    "goes on down the page to its",
    "foot, where the text ends with",
]


def two_column_page() -> Image.Image:
    """Two justified columns one em apart, the right one opening with a heading set level
    with the left one's first line: the detector boxes the two as one line."""
    img = Image.new("RGB", (800, 260), "white")
    draw = ImageDraw.Draw(img)
    body, heading = font("serif", 17), font("serif_bold", 24)
    width = max(draw.textlength(t, font=body) for t in LEFT + RIGHT)

    def justified(x: float, y: float, text: str) -> None:
        words = text.split()
        space = (width - sum(draw.textlength(w, font=body) for w in words)) / (len(words) - 1)
        for word in words:
            draw.text((x, y), word, font=body, fill="black")
            x += draw.textlength(word, font=body) + space

    right = 40 + width + 16
    draw.text((right, 54), "2 Frame Attributes", font=heading, fill="black")
    for k, text in enumerate(LEFT):
        justified(40, 60 + 24 * k, text)
    for k, text in enumerate(RIGHT):
        justified(right, 90 + 24 * k, text)
    return img


@pytest.mark.slow
def test_the_default_engine_reads_a_heading_level_with_the_column_beside_it_apart():
    pytest.importorskip("rapidocr")
    from ocr_expert import OCRExpert

    lines = OCRExpert("ppocr", use_cache=False).read(two_column_page(), mode="page").lines
    assert [line.text for line in lines] == [*LEFT, "2 Frame Attributes", *RIGHT]
