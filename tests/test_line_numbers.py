"""Line numbers down a margin are read as a column before the text; a table's numbers are not."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from ocr_expert.reading_order import order_spans
from ocr_expert.synthetic.fonts import font
from ocr_expert.types import Span

PITCH = 30  # one numbered line of the page, in pixels


def span(text: str, x0: float, y0: float, x1: float, y1: float) -> Span:
    return Span(text=text, box=(x0, y0, x1, y1), score=0.95)


def numbers_down(
    x0: float, first: int, count: int, skip: frozenset[int] = frozenset()
) -> list[Span]:
    """A margin's line numbers, small, one every ``PITCH`` (numbers in ``skip`` missed)."""
    return [
        span(str(first + k), x0, 104 + PITCH * k, x0 + 8 * len(str(first + k)), 118 + PITCH * k)
        for k in range(count)
        if first + k not in skip
    ]


def text_lines(x0: float, rows: dict[int, str], width: float = 600) -> list[Span]:
    """Lines of text set level with the numbered lines ``rows`` (row index to text)."""
    return [span(t, x0, 100 + PITCH * k, x0 + width, 122 + PITCH * k) for k, t in rows.items()]


def read(spans: list[Span]) -> list[str]:
    lines, _ = order_spans(spans)
    return [line.text for line in lines]


# a title, authors, a blank line, an abstract, a heading, prose: some numbered lines are blank
PAGE = {
    0: "The Name of the Title Is Hope",
    2: "BEN TROVATO, Institute for Clarity in Documentation, USA",
    3: "LARS THORVALD, The Thorvald Group, Iceland",
    5: "A clear and well-documented document is presented as an article",
    6: "formatted for publication by a society in a conference proceedings",
    7: "or journal publication, with many of the formatting elements.",
    9: "1 INTRODUCTION",
    10: "The consolidated article template, introduced in 2017, provides",
    11: "a consistent style for use across publications, and incorporates",
    12: "accessibility and metadata-extraction functionality for the future.",
    13: "Numerous templates have been examined, and their unique features",
    14: "incorporated into this single new template, from the ground up.",
}


def test_a_margins_line_numbers_are_read_as_a_column_before_the_text_they_number():
    spans = text_lines(120, PAGE) + numbers_down(40, 1, 15, skip=frozenset({4}))
    lines = read(spans)
    numbers = [str(n) for n in range(1, 16) if n != 4]
    assert lines[: len(numbers)] == numbers
    assert lines[len(numbers) :] == list(PAGE.values())


def read_two_columns(left_rows: range, right_rows: range) -> tuple[list[str], list[str]]:
    """A two-column page, text on the numbered lines ``left_rows`` and ``right_rows``, numbered
    1-15 down the left margin and 16-30 down the right: what is read, and the text expected
    after the numbers (the left column whole, then the right)."""
    left = {k: f"left column line {k} of the running text goes on" for k in left_rows}
    right = {k: f"right column line {k} of the running text goes on" for k in right_rows}
    spans = (
        text_lines(100, left, 400)
        + text_lines(560, right, 400)
        + numbers_down(30, 1, 15)
        + numbers_down(1000, 16, 15)
    )
    return read(spans), list(left.values()) + list(right.values())


def test_a_two_column_page_numbered_down_both_margins_reads_each_column_whole():
    lines, text = read_two_columns(range(0, 15, 2), range(2, 15))
    assert lines[:30] == [str(n) for n in range(1, 31)]
    assert lines[30:] == text


def test_the_numbers_beside_a_dense_column_are_read_as_the_other_margins_on_one_grid():
    # the left column runs on down every numbered line but one; the right one is broken by
    # blank lines: the right margin's numbers vouch for the left's, on the same grid
    lines, text = read_two_columns(range(1, 15), range(0, 15, 3))
    assert lines[:30] == [str(n) for n in range(1, 31)]
    assert lines[30:] == text


def test_a_tables_row_numbers_stay_on_their_rows():
    rows = {k: f"Item {k} description" for k in range(12)}
    spans = text_lines(120, rows, 300) + numbers_down(40, 1, 12)
    assert read(spans) == [f"{k + 1} Item {k} description" for k in range(12)]


def test_numbers_set_level_with_each_line_of_text_where_its_leading_varies_stay_on_their_lines():
    # each number printed on its own line's baseline (a proof numbered line by line), the lines
    # further apart between items and around a display, two numbers beside empty lines
    tops, y = [], 100.0
    for k in range(14):
        tops.append(y)
        y += 30 if k % 4 else 44  # every fourth line opens a new item
    blank = (5, 10)
    words = {k: f"line {k} of an item in a list that goes on" for k in range(14) if k not in blank}
    spans = [span(t, 120, tops[k], 720, tops[k] + 22) for k, t in words.items()]
    spans += [span(str(80 + k), 40, tops[k] + 4, 56, tops[k] + 18) for k in range(14)]
    lines = read(spans)
    assert lines[0] == "80 line 0 of an item in a list that goes on"
    assert lines[5] == "85" and lines[6] == "86 line 6 of an item in a list that goes on"


def test_numbers_counting_down_a_short_stretch_of_the_page_stay_in_their_rows():
    # a list of steps numbered down a quarter of a long page is no margin's numbering
    steps = {k: f"step {k}" for k in range(0, 10, 2)}
    below = {k: f"the page goes on here with its text, line {k}" for k in range(12, 40)}
    spans = text_lines(120, steps, 200) + text_lines(120, below) + numbers_down(40, 1, 10)
    assert read(spans)[:2] == ["1 step 0", "2"]


def numbered_page() -> Image.Image:
    """A manuscript page: serif text, its lines numbered in a small face down the left margin,
    one number every line of the page, blank lines and the space around a heading included."""
    page = Image.new("RGB", (1000, 700), "white")
    draw = ImageDraw.Draw(page)
    body, small = font("serif", 20), font("sans", 11)
    # the heading with a blank numbered line above and below it
    rows = {(k if k < 9 else k + 1 + (k > 9)): t for k, t in PAGE.items()}
    for k in range(20):
        y = 60 + 28 * k
        draw.text((60, y + 6), str(k + 1), font=small, fill="black")
        if k in rows:
            draw.text((130, y), rows[k], font=body, fill="black")
    return page


@pytest.mark.slow
def test_the_default_engine_reads_a_numbered_pages_lines_without_their_numbers():
    pytest.importorskip("rapidocr")
    from ocr_expert import OCRExpert

    lines = OCRExpert("ppocr", use_cache=False).read(numbered_page(), mode="page").lines
    texts = [line.text for line in lines]
    words = [t for t in texts if not t.strip().isdigit()]
    numbers = [int(t) for t in texts if t.strip().isdigit()]
    # the numbers come first, in order; each line of text stands without one
    assert texts[: len(numbers)] == [str(n) for n in numbers] and len(numbers) >= 15
    assert numbers == sorted(numbers)
    assert [w.split()[0] for w in words] == [t.split()[0] for t in PAGE.values()]
