"""Reading order on hand-placed spans: lines, columns, tables, right-to-left."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocr_expert.reading_order import order_spans, text_direction
from ocr_expert.types import Span


def span(text: str, x0: float, y0: float, x1: float, y1: float) -> Span:
    return Span(text=text, box=(x0, y0, x1, y1), score=0.9)


def texts(spans: list[Span]) -> list[str]:
    lines, _ = order_spans(spans)
    return [line.text for line in lines]


def test_words_on_a_line_join_left_to_right_whatever_their_input_order():
    spans = [
        span("fox", 200, 10, 250, 40),
        span("The", 10, 12, 60, 40),
        span("quick", 70, 8, 190, 42),
    ]
    assert texts(spans) == ["The quick fox"]


def test_lines_go_top_to_bottom():
    spans = [span("second", 10, 60, 100, 90), span("first", 10, 10, 100, 40)]
    assert texts(spans) == ["first", "second"]


def test_two_columns_are_read_one_after_the_other_then_a_footer():
    left = [span(f"left line {i}", 10, 10 + 40 * i, 300, 40 + 40 * i) for i in range(3)]
    right = [span(f"right line {i}", 450, 10 + 40 * i, 740, 40 + 40 * i) for i in range(3)]
    footer = [span("footer across the page", 10, 300, 740, 330)]
    assert texts(right + footer + left) == [
        "left line 0",
        "left line 1",
        "left line 2",
        "right line 0",
        "right line 1",
        "right line 2",
        "footer across the page",
    ]
    lines, _ = order_spans(right + footer + left)
    assert len({line.block for line in lines}) == 3


def test_a_narrow_value_column_stays_on_its_rows():
    items = [
        span(name, 10, 10 + 40 * i, 200, 40 + 40 * i) for i, name in enumerate(["Milk", "Bread"])
    ]
    prices = [span(p, 600, 10 + 40 * i, 660, 40 + 40 * i) for i, p in enumerate(["3.49", "2.10"])]
    assert texts(prices + items) == ["Milk 3.49", "Bread 2.10"]


def test_arabic_lines_read_right_to_left_and_columns_from_the_right():
    words = [
        span("مرحبا", 300, 10, 380, 40),
        span("بكم", 200, 10, 280, 40),
        span("في", 120, 10, 180, 40),
    ]
    lines, direction = order_spans(list(reversed(words)))
    assert direction == "rtl"
    assert lines[0].text == "مرحبا بكم في" and lines[0].direction == "rtl"
    right_col = [
        span("العمود الأيمن من الصفحة", 450, 10 + 40 * i, 740, 40 + 40 * i) for i in range(3)
    ]
    left_col = [
        span("العمود الأيسر من الصفحة", 10, 10 + 40 * i, 300, 40 + 40 * i) for i in range(3)
    ]
    assert (
        texts(left_col + right_col)
        == ["العمود الأيمن من الصفحة"] * 3 + ["العمود الأيسر من الصفحة"] * 3
    )


def test_a_latin_line_on_an_arabic_page_keeps_left_to_right():
    spans = [
        span("مرحبا بكم", 300, 10, 500, 40),
        span("Model", 300, 60, 380, 90),
        span("X200", 390, 60, 460, 90),
    ]
    lines, direction = order_spans(spans)
    assert direction == "rtl"
    assert [(line.text, line.direction) for line in lines] == [
        ("مرحبا بكم", "rtl"),
        ("Model X200", "ltr"),
    ]


def test_spans_without_boxes_keep_their_order_on_a_last_line():
    spans = [Span("b", None, 1.0), span("top", 0, 0, 10, 10), Span("a", None, 1.0)]
    assert texts(spans) == ["top", "b a"]


def test_text_direction_counts_strong_characters():
    assert text_direction("hello") == "ltr"
    assert text_direction("مرحبا 123") == "rtl"
    assert text_direction("12.50") is None


def prose(side: str, i: int) -> str:
    """A row of running text (a sentence goes on from the row above), labelled by its column
    and row."""
    return f"and the {side}{i} words that follow"


def column_page(gutter: float, lines: int = 6, line_h: float = 30, gap: float = 8) -> list[Span]:
    """Two prose columns, 400 px wide, whose rows sit at the same heights."""
    spans = []
    for i in range(lines):
        y = 100 + i * (line_h + gap)
        spans.append(span(prose("L", i), 20, y, 420, y + line_h))
        spans.append(span(prose("R", i), 420 + gutter, y, 820 + gutter, y + line_h))
    return spans


def side_by_side(
    left: list[str], right: list[str], x_right: float, pitch: float, height: float
) -> list[Span]:
    """Two columns of rows as wide as their text (11 px a character): ``left`` from x=20,
    ``right`` from ``x_right``, a row every ``pitch`` px down from y=50."""
    spans = []
    for i, (a, b) in enumerate(zip(left, right)):
        y = 50 + pitch * i
        spans += [
            span(a, 20, y, 20 + 11 * len(a), y + height),
            span(b, x_right, y, x_right + 11 * len(b), y + height),
        ]
    return spans


def column_rows(n: int = 6) -> list[str]:
    return [prose("L", i) for i in range(n)] + [prose("R", i) for i in range(n)]


def test_columns_with_a_narrow_gutter_are_not_merged_into_rows():
    # A gutter of one line height: rows grouping would join L0 and R0 into one line.
    for gutter in (20, 30, 60):
        got = texts(column_page(gutter))
        assert got == column_rows(), gutter


def test_a_heading_across_columns_then_both_columns_then_a_page_number():
    spans = column_page(40) + [
        span("TITLE ACROSS", 200, 20, 700, 70),
        span("12", 420, 400, 450, 425),
    ]
    assert texts(spans) == ["TITLE ACROSS"] + column_rows() + ["12"]


def test_paragraph_breaks_lined_up_across_columns_do_not_interleave_them():
    spans = []
    for col, x in (("L", 20), ("R", 470)):
        for i in range(6):
            y = 100 + i * 38 + (45 if i >= 3 else 0)  # a blank line after the third row
            spans.append(span(prose(col, i), x, y, x + 400, y + 30))
    assert texts(spans) == column_rows()


def test_a_drop_cap_joins_its_word_and_does_not_merge_the_lines_beside_it():
    spans = [
        span("T", 20, 100, 80, 200),  # three lines tall
        span("he first line of text", 90, 100, 420, 128),
        span("the second line here", 90, 136, 420, 164),
        span("and the third line", 90, 172, 420, 200),
        span("the fourth line is full width", 20, 208, 420, 236),
    ]
    assert texts(spans) == [
        "The first line of text",
        "the second line here",
        "and the third line",
        "the fourth line is full width",
    ]


def test_text_set_vertically_is_read_as_its_own_lines_after_the_page():
    spans = [
        span("Revenue by country", 100, 10, 400, 30),
        # a y-axis title the detector cut at a word gap: it reads from the bottom up
        span("euros", 10, 60, 28, 110),
        span("Revenue in million", 10, 115, 28, 260),
        span("80", 40, 68, 60, 84),
        span("60", 40, 128, 60, 144),
        span("40", 40, 188, 60, 204),
        span("20", 40, 248, 60, 264),
        span("Belgium France Spain", 80, 280, 300, 296),
        span("87147607", 450, 150, 470, 260),  # a document number up the margin
    ]
    assert texts(spans) == [
        "Revenue by country",
        "80",
        "60",
        "40",
        "20",
        "Belgium France Spain",
        "Revenue in million euros",
        "87147607",
    ]
    # A tall letter beside lines (a drop cap) is no vertical text.
    drop_cap = [
        span("W", 10, 10, 34, 70),
        span("e left at dawn", 40, 10, 200, 30),
        span("and walked on", 40, 32, 200, 52),
        span("until noon", 40, 54, 200, 74),
    ]
    assert texts(drop_cap) == ["We left at dawn", "and walked on", "until noon"]


def wrapped_round_a_figure(caption: str, figure_left: bool = True) -> list[Span]:
    """A paragraph wrapped round a figure (no text of its own), the figure's ``caption`` level
    with the last wrapped line, then lines across the whole width."""
    words = ["the", "sentence", "runs", "on", "here", "and", "there", "again"]
    spans = []
    for k in range(8):
        y = 40 + 36 * k
        x0, x1 = (360, 900) if figure_left else (20, 560)
        spans.append(span(f"{words[k]} wrapped line {k} goes on beside it", x0, y, x1, y + 30))
    cx0, cx1 = (40, 250) if figure_left else (660, 880)
    spans.append(span(caption, cx0, 40 + 36 * 7 + 4, cx1, 40 + 36 * 7 + 26))
    for k in range(3):
        y = 40 + 36 * (8 + k)
        spans.append(span(f"and the full line {k} runs across the whole page", 20, y, 900, y + 30))
    return spans


def test_a_caption_level_with_text_wrapped_round_its_figure_is_read_after_the_text():
    for figure_left in (True, False):
        spans = wrapped_round_a_figure("MISS WATSON'S LECTURE.", figure_left)
        lines = texts(spans)
        assert lines[7] == "again wrapped line 7 goes on beside it"
        assert lines[-1] == "MISS WATSON'S LECTURE."
        assert len(lines) == 12
    # a list's marker set out in the margin stays on its item's first line
    item = wrapped_round_a_figure("(b)")
    assert "(b) again wrapped line 7 goes on beside it" in texts(item)


def test_a_charts_tick_labels_and_its_legend_far_apart_are_read_one_after_the_other():
    ticks = [span(str(600 - 100 * k), 30, 14 + 99 * k, 80, 40 + 99 * k) for k in range(7)]
    # legend entries 50 px apart: every other one level with a tick by chance
    legend = [
        span(name, 1672, 300 + 50 * k, 1672 + 20 * len(name), 330 + 50 * k)
        for k, name in enumerate(["Support", "No vote", "Oppose", "Net", "Percentage"])
    ]
    lines = texts(ticks + legend)
    assert lines == [s.text for s in ticks] + [s.text for s in legend]
    # a receipt's items and their prices as far apart stay row by row: their rows line up
    items = [span(f"ITEM {k}", 20, 40 + 40 * k, 200, 70 + 40 * k) for k in range(6)]
    prices = [span(f"{k}.50", 900, 41 + 40 * k, 980, 69 + 40 * k) for k in range(6)]
    assert texts(items + prices) == [f"ITEM {k} {k}.50" for k in range(6)]


def slanted(text: str, end: tuple[float, float], degrees: float, height: float = 30) -> Span:
    """A span set at a slant, its text ending at ``end`` (a tick of the axis), climbing to the
    right by ``degrees``, ``len(text) * 16`` long."""
    import math

    length = 16 * len(text)
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    x1, y1 = end
    x0, y0 = x1 - length * cos, y1 + length * sin  # where the text starts
    nx, ny = height * sin, height * cos  # from the baseline's top edge down to its bottom
    poly = ((x0, y0), (x1, y1), (x1 + nx, y1 + ny), (x0 + nx, y0 + ny))
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    return Span(text, (min(xs), min(ys), max(xs), max(ys)), 0.9, polygon=poly)


def test_a_word_standing_nearly_upright_beside_lines_joins_none_of_them():
    # A word along a pen lying across a photographed page, at 71 degrees: cut to its own
    # height, its box was a flat one level with a line, and joined it.
    lines = [
        span(text, 20, 40 + 34 * i, 600, 70 + 34 * i)
        for i, text in enumerate(
            ["OMG! Sarah made me so mad", "sad that I have been out", "with her on the phone"]
        )
    ]
    pen = slanted("wikiHow", (650, 70), 71)
    assert texts([*lines, pen]) == [line.text for line in lines] + ["wikiHow"]


def test_axis_labels_set_at_a_slant_are_read_along_the_axis():
    names = ["Newyorkbrad", "Nuclear", "Worm That Turned", "Coren", "Salvio giuliano", "Kww"]
    # ticks 70 px apart; a label's box centre sits lower the longer it is, so rows by height
    # would read them by length
    labels = [slanted(n, (100 + 70 * k, 640), 45) for k, n in enumerate(names)]
    chart = [span("600", 30, 14, 80, 40), span("0", 57, 606, 77, 631), *labels[::-1]]
    assert texts(chart) == ["600", "0", *names]
    # clockwise (descending to the right) reads along the axis just the same
    down = [slanted(n, (100 + 70 * k, 640), -45) for k, n in enumerate(names)]
    assert texts(down[::-1]) == names


def test_a_watermark_across_the_text_does_not_break_into_its_lines():
    body = [
        span(f"line {k} of the letter runs on here", 20, 40 + 40 * k, 620, 70 + 40 * k)
        for k in range(8)
    ]
    # one diagonal watermark the detector cut into two pieces along its line
    mark = [slanted("CONFIDENTIAL", (360, 260), 35, 40), slanted("DRAFT", (520, 150), 35, 40)]
    assert texts(body + mark) == [s.text for s in body] + ["CONFIDENTIAL DRAFT"]
    # one word at a slant alone is left where it stands
    assert len(texts(body + mark[:1])) <= 9


def test_a_vertical_line_keeps_its_short_words_and_reads_an_overlap_once():
    ticks = [span(f"{9 - k}0000", 26, 28 + 36 * k, 66, 43 + 36 * k) for k in range(8)]
    numbers = [tick.text for tick in ticks]
    # the detector boxed `of` nearly square between `users` and `Number` (as on a chart's
    # y-axis title): it belongs to the vertical line, not to the tick label beside it
    axis = [span("users", 11, 140, 24, 178), span("of", 11, 174, 24, 191)]
    axis.append(span("Number", 10, 189, 24, 241))
    assert texts(ticks + axis) == [*numbers, "Number of users"]
    # two pieces whose boxes overlap by a letter both read it: `Revenue i` + `in million`
    cut = [span("euros", 12, 68, 23, 104), span("in million", 11, 101, 24, 160)]
    cut.append(span("Revenue i", 10, 152, 24, 211))
    assert texts(ticks + cut) == [*numbers, "Revenue in million euros"]
    # pieces that only touch, and a letter that repeats by chance, stay as read
    apart = [span("Total", 10, 10, 24, 60), span("lost", 10, 61, 24, 101)]
    assert texts(ticks + apart) == [*numbers, "lost Total"]
    # a short word set across below the vertical line stays in its row
    row = [span("users", 11, 100, 24, 160), span("%", 4, 174, 22, 186)]
    assert texts(ticks + row) == [*numbers[:4], "% 50000", *numbers[5:], "users"]


def test_a_tilted_scan_keeps_its_columns_and_lines():
    import math

    angle = math.radians(2.0)

    def tilted(text: str, x0: float, y0: float, x1: float, y1: float) -> Span:
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        rot = [
            (x * math.cos(angle) - y * math.sin(angle), x * math.sin(angle) + y * math.cos(angle))
            for x, y in pts
        ]
        xs, ys = [p[0] for p in rot], [p[1] for p in rot]
        return Span(text, (min(xs), min(ys), max(xs), max(ys)), 0.9, polygon=tuple(rot))

    spans = []
    for i in range(12):
        y = 100 + i * 36
        spans.append(tilted(prose("L", i), 20, y, 420, y + 28))
        spans.append(tilted(prose("R", i), 460, y, 860, y + 28))
    lines, _ = order_spans(spans)
    assert [line.text for line in lines] == column_rows(12)


def photographed(
    text: str, x0: float, y0: float, x1: float, y1: float, shorter: float = 0.12
) -> Span:
    """A span of an 880 x 600 page photographed from its right: its left edge ``shorter``
    than its right, so its lines fan out (climbing at the top, falling at the bottom)."""

    def seen(x: float, y: float) -> tuple[float, float]:
        squeeze = 1 - shorter * (1 - x / 880)  # the page's height where it stands at x
        return x, 300 + (y - 300) * squeeze

    corners = tuple(seen(x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return Span(text, (min(xs), min(ys), max(xs), max(ys)), 0.9, polygon=corners)


@pytest.mark.parametrize("shorter", [0.06, 0.12])
def test_a_page_photographed_at_an_angle_keeps_its_columns_and_title(shorter):
    # Its lines tilt by up to 3 degrees either way: turned by one angle, the top lines would
    # still climb, their boxes overlapping, and the title would run into the first line of
    # the right column, which starts just under it (the left one a little lower).
    spans = [photographed("A TITLE ACROSS BOTH", 260, 20, 620, 52, shorter)]
    for i in range(16):
        y = 70 + i * 32
        spans.append(photographed(prose("L", i), 20, y, 420, y + 24, shorter))
        spans.append(photographed(prose("R", i), 450, y - 10, 850, y + 14, shorter))
    lines, _ = order_spans(spans)
    assert [line.text for line in lines] == ["A TITLE ACROSS BOTH", *column_rows(16)]


def test_table_cells_are_read_row_by_row():
    rows = [("Item", "Qty", "Price"), ("Apples", "3", "4.25"), ("Bread", "1", "2.10")]
    spans = []
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            spans.append(
                span(cell, 20 + 150 * c, 50 + 40 * r, 20 + 150 * c + 20 * len(cell), 80 + 40 * r)
            )
    assert texts(spans) == ["Item Qty Price", "Apples 3 4.25", "Bread 1 2.10"]


def author_blocks(people: Sequence[Sequence[str]], per_row: int) -> list[Span]:
    """Blocks of lines side by side, ``per_row`` to a row of blocks, each centred on its own
    axis: a title page's authors (name, affiliation, e-mail address), a letter's addresses."""
    spans = []
    for k, block in enumerate(people):
        centre, top = 130 + 240 * (k % per_row), 100 + 150 * (k // per_row)
        for i, line in enumerate(block):
            half = 5.5 * len(line)
            spans.append(span(line, centre - half, top + 26 * i, centre + half, top + 26 * i + 22))
    return spans


PEOPLE = [
    ("Ashish Vaswani", "Google Brain", "avaswani@google.com"),
    ("Noam Shazeer", "Google Brain", "noam@google.com"),
    ("Niki Parmar", "Google Research", "nikip@google.com"),
    ("Llion Jones", "Google Research", "llion@google.com"),
    ("Aidan N. Gomez", "University of Toronto", "aidan@cs.toronto.edu"),
    ("Lukasz Kaiser", "Google Brain", "lukasz@google.com"),
]


@pytest.mark.parametrize("per_row", [3, 2])
def test_authors_blocks_are_read_whole_block_by_block_row_by_row(per_row):
    # A table's rows and a title page's author blocks are one shape: rows level across the
    # gaps. The addresses, one row of each block, say each block is one person.
    assert texts(author_blocks(PEOPLE, per_row)) == [line for block in PEOPLE for line in block]


def test_a_letters_sender_and_addressee_side_by_side_are_read_one_after_the_other():
    people = [
        ("From: Ann Lee", "Acme Ltd", "1 High Street, Leeds", "ann@acme.co.uk"),
        ("To: Bo Chen", "Bell plc", "9 Low Road, York", "bo@bell.com"),
    ]
    assert texts(author_blocks(people, 2)) == [line for block in people for line in block]


def test_a_table_with_a_column_of_addresses_is_still_read_row_by_row():
    rows = [
        ("Name", "E-mail", "Room"),
        ("Ann Lee", "ann@uni.edu", "B-118"),
        ("Bo Chen", "bo@uni.edu", "C-201"),
        ("Cy Diaz", "cy@uni.edu", "A-017"),
    ]
    spans = [
        span(cell, 20 + 220 * c, 50 + 40 * r, 20 + 220 * c + 12 * len(cell), 80 + 40 * r)
        for r, cells in enumerate(rows)
        for c, cell in enumerate(cells)
    ]
    assert texts(spans) == [" ".join(row) for row in rows]


def numbered_grid(labels: list[list[str]]) -> list[Span]:
    """Items set in rows of a form, ``labels[row][column]``, each its own span."""
    return [
        span(label, 40 + 300 * c, 60 + 36 * r, 40 + 300 * c + 11 * len(label), 88 + 36 * r)
        for r, row in enumerate(labels)
        for c, label in enumerate(row)
        if label
    ]


def test_numbered_items_set_down_columns_are_read_a_column_at_a_time():
    # A form's boxes to tick: the numbers run down each column, then on to the next.
    rows = [
        ["1. Gain on sale", "5. High-taxed income", "8. Form 5471"],
        ["2. Foreign taxes", "6. Disallowed deduction", "9. Other forms"],
        ["3. Splitter arrangements", "7. Form 8858", "10. Partner loans"],
        ["4. Tax translation", "", ""],
    ]
    expected = sorted(
        (label for row in rows for label in row if label), key=lambda t: int(t.split(".")[0])
    )
    assert texts(numbered_grid(rows)) == expected


def test_numbered_items_set_across_rows_keep_their_rows():
    rows = [["1. Single", "2. Married"], ["3. Divorced", "4. Widowed"], ["5. Separated", ""]]
    assert texts(numbered_grid(rows)) == [
        "1. Single 2. Married",
        "3. Divorced 4. Widowed",
        "5. Separated",
    ]


def test_a_table_of_decimals_is_no_list_of_numbered_items():
    rows = [["1.2", "4.0"], ["2.4", "5.5"], ["3.1", "6.1"]]
    assert texts(numbered_grid(rows)) == ["1.2 4.0", "2.4 5.5", "3.1 6.1"]


def test_an_engine_layout_is_kept_as_given():
    from ocr_expert.reading_order import lines_from_layout

    spans = [span("b1", 500, 10, 550, 40), span("a1", 10, 10, 60, 40), span("a2", 70, 10, 120, 40)]
    lines, direction = lines_from_layout(spans, [[1, 2], [0]], [0, 1])
    assert [line.text for line in lines] == ["a1 a2", "b1"] and [line.block for line in lines] == [
        0,
        1,
    ]
    assert direction == "ltr"


def test_a_form_of_label_value_fields_in_two_columns_is_read_row_by_row():
    fields = [
        ("Name:", "Ann Lee", "City:", "Leeds"),
        ("Phone:", "555-0134", "Email:", "a@b.net"),
        ("Date:", "12/03/1987", "Member:", "B-118"),
    ]
    spans = []
    for r, (l1, v1, l2, v2) in enumerate(fields):
        y = 50 + 40 * r
        spans += [
            span(l1, 20, y, 100, y + 28),
            span(v1, 110, y, 260, y + 28),
            span(l2, 420, y, 520, y + 28),
            span(v2, 530, y, 680, y + 28),
        ]
    assert texts(spans) == [" ".join(f) for f in fields]


def test_narrow_ragged_prose_columns_are_still_columns():
    left = [
        "The council",
        "agreed to repair",
        "the bridge before",
        "the winter floods.",
        "The price of a",
    ]
    right = [
        "Rainfall was",
        "lower than usual,",
        "and the reservoir",
        "fell to half its",
        "capacity. The",
    ]
    spans = side_by_side(left, right, x_right=240, pitch=34, height=30)
    assert texts(spans) == left + right


def test_labels_beside_their_values_are_read_a_row_at_a_time_even_when_some_have_none():
    # A registration form: a column of labels, values beside some of them, rows spaced wider
    # than a paragraph's lines. A gutter runs the whole height, but it is no column break.
    fields = [
        ("MEDIA TYPE", "DIRECT MAIL"),
        ("MEDIA NAME", None),
        ("FREQUENCY", None),
        ("SPACE/COLOR", None),
        ("ISSUE DATE", "10/4/99"),
        ("EXPIRATION DATE", "3/31/00"),
        ("CIRCULATION", "201,500"),
        ("AREA(S)", "DISCOUNT SMOKERS GROUPS I AND II"),
        ("TITLE", None),
        ("COUPON VALUE", "$1.00 OFF"),
    ]
    spans = []
    for r, (label, value) in enumerate(fields):
        y = 50 + 64 * r
        spans.append(span(label, 20, y, 20 + 14 * len(label), y + 28))
        if value:
            spans.append(span(value, 400, y, 400 + 14 * len(value), y + 28))
    assert texts(spans) == [" ".join(x for x in f if x) for f in fields]


def test_a_line_tilted_on_its_own_does_not_swallow_its_neighbours():
    import math

    def tilted(text: str, x0: float, y0: float, x1: float, y1: float, degrees: float) -> Span:
        a = math.radians(degrees)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        rot = [
            (
                cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a),
                cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a),
            )
            for x, y in pts
        ]
        xs, ys = [p[0] for p in rot], [p[1] for p in rot]
        return Span(text, (min(xs), min(ys), max(xs), max(ys)), 0.9, polygon=tuple(rot))

    # A curled receipt: the header's long lines tilt by 4 degrees, the rest of it is straight.
    header = [tilted(f"HEADER LINE {i}", 40, 20 + 32 * i, 640, 46 + 32 * i, -4.0) for i in range(4)]
    body = [tilted(f"item {i} 1.00", 40, 200 + 32 * i, 300, 226 + 32 * i, 0.0) for i in range(8)]
    assert texts(body + header) == [f"HEADER LINE {i}" for i in range(4)] + [
        f"item {i} 1.00" for i in range(8)
    ]


def test_a_sidebar_of_short_facts_beside_a_paragraph_is_read_after_it():
    prose_rows = [
        "The old lighthouse is open to visitors",
        "on Sundays from May to October. Readers",
        "wrote to the newspaper to complain about",
        "the closing of the post office. Traffic on",
        "the ring road has doubled since the",
        "factory opened last spring.",
    ]
    facts = ["Key facts", "Museums: 3", "Area: 36 square miles", "Schools: 21", "Bridges: 7"]
    spans = [
        span(t, 20, 50 + 34 * i, 20 + 11 * len(t), 80 + 34 * i) for i, t in enumerate(prose_rows)
    ]
    spans += [
        span(t, 560, 84 + 34 * i, 560 + 11 * len(t), 114 + 34 * i) for i, t in enumerate(facts)
    ]
    assert texts(spans) == prose_rows + facts


def test_a_programs_options_beside_their_descriptions_are_read_row_by_row():
    # a manual's option list: each description stands level with its option; the
    # descriptions run on in lower case but are ragged, not a paragraph
    options = ["-o, --output=FILE", "-n, --name=NAME", "-h, --help", "-v, --version"]
    about = [
        "output file",
        "array name",
        "display this help and exit",
        "output version information and exit",
    ]
    spans = [
        span(t, x, 50 + 27 * i, x + 10 * len(t), 74 + 27 * i)
        for x, column in ((30, options), (290, about))
        for i, t in enumerate(column)
    ]
    assert texts(spans) == [f"{o} {a}" for o, a in zip(options, about)]


def test_a_line_in_a_large_font_stays_a_line_of_its_own():
    # A receipt: "Takeaway" printed twice as tall as the lines above and below it.
    spans = [
        span("Transaction by: Cashier", 20, 100, 280, 124),
        span("Takeaway", 20, 118, 200, 184),  # its box reaches into both neighbours
        span("No Description", 20, 180, 180, 204),
        span("Amt (RM)", 330, 180, 430, 204),
    ]
    assert texts(spans) == ["Transaction by: Cashier", "Takeaway", "No Description Amt (RM)"]


def test_a_title_after_its_byline_is_not_taken_for_a_drop_cap():
    in_reading_order = [
        span("Nice Watch", 240, 40, 800, 110),
        span("BY CHARLIE TEASDALE", 20, 60, 160, 76),
        span("Photographs by Ann Lee", 20, 80, 180, 96),
        span("The first line of the story", 20, 130, 400, 150),
    ]
    # the byline comes first on the page, left of the title, and is still read after it
    for order in ([1, 0, 2, 3], [3, 2, 1, 0]):
        assert texts([in_reading_order[i] for i in order]) == [s.text for s in in_reading_order]


def test_lines_whose_boxes_overlap_by_half_are_still_two_lines():
    # A photographed receipt: the detector's boxes are 40 px tall on rows 20 px apart, so each
    # row's boxes overlap half of the row above and half of the row below.
    rows = [("SR @ 6% 37.55", "2.25"), ("ZR/OS/EZ 0.00", "0.00"), ("Total", "39.80")]
    spans = []
    for i, (item, amount) in enumerate(rows):
        top = 100 + 20 * i
        spans += [span(item, 20, top, 300, top + 40), span(amount, 420, top, 480, top + 40)]
    assert texts(spans) == [f"{item} {amount}" for item, amount in rows]


def test_two_blocks_of_form_fields_side_by_side_are_read_a_row_at_a_time():
    # Each row holds a label and a value of several words, as closely spaced as prose; but no
    # row goes on from the one above (none starts in lower case): fields, not columns of text.
    left = [
        "TO Lorillard Corporation",
        "ADDRESS 666 Fifth Avenue",
        "CITY New York City",
        "STATE New York 10103",
    ]
    right = [
        "FOR Metal Pack Plaque",
        "DATE October 16, 1987",
        "REP Mr. A. D. Steinberg",
        "PHONE 314 385 2280",
    ]
    spans = side_by_side(left, right, x_right=420, pitch=32, height=28)
    assert texts(spans) == [f"{a} {b}" for a, b in zip(left, right)]


def test_a_dictionarys_two_long_columns_are_read_one_after_the_other():
    # Headwords and lines of verse start most rows with a capital, as a form's fields do;
    # but no form runs to twenty rows of phrases on both sides of one gutter.
    def column(side: str) -> list[str]:
        rows = []
        for i in range(11):
            rows.append(f"{side}HEAD{i}. A plain place in a wood")
            rows.append(f"Wher the dragoun duelled {side}{i}")
        return rows

    left, right = column("L"), column("R")
    spans = side_by_side(left, right, x_right=420, pitch=32, height=28)
    assert texts(spans) == left + right
    # half as long, the rows are read across as the form's above are
    short = side_by_side(left[:10], right[:10], x_right=420, pitch=32, height=28)
    assert texts(short) == [f"{a} {b}" for a, b in zip(left[:10], right[:10])]


def test_two_columns_of_japanese_are_read_one_after_the_other():
    # Chinese and Japanese set no spaces between words: a row of running text is one "word"
    # to a split on spaces, and a real Japanese paper's two columns were read row across row.
    text = "流体力学を教育する際の苦労は昔からあった"
    left = [f"{text}{i}左" for i in range(6)]
    right = [f"{text}{i}右" for i in range(6)]
    spans = side_by_side(left, right, x_right=300, pitch=32, height=28)
    assert texts(spans) == left + right


def test_a_span_beside_two_lines_does_not_join_them_into_one():
    # A form's stamped number stands level with the last line of a paragraph and the first
    # line of the next one: the two lines, one above the other, stay two lines.
    spans = [
        span("future law shall be for the account", 42, 836, 545, 852),
        span("87528380", 574, 843, 670, 864),
        span("F.O.B. ST. LOUIS shipments", 44, 849, 371, 865),
    ]
    lines = texts(spans)
    assert len(lines) == 2
    assert lines[0].startswith("future law")
    assert lines[1].startswith("F.O.B.")


#: a scanned form's table header: two cells set in two lines ("IND/LOR" over "VOLUME", "NO. OF"
#: over "STORES") beside a cell of one line, the lines set solid
TABLE_HEADER = [
    ("NAME OF ACCOUNT", 64, 415, 168, 432),
    ("IND/LOR", 188, 406, 234, 419),
    ("VOLUME", 186, 415, 235, 432),
    ("NO. OF", 248, 405, 296, 419),
    ("STORES", 249, 416, 296, 433),
]


def test_a_table_header_of_two_line_cells_is_read_cell_by_cell():
    header = [span(*cell) for cell in reversed(TABLE_HEADER)]
    row = [span("Don & Bens", 64, 440, 140, 456), span("26/2", 190, 440, 230, 456)]
    row += [span("20", 262, 440, 282, 456)]
    assert texts(header + row) == [
        "NAME OF ACCOUNT IND/LOR VOLUME NO. OF STORES",
        "Don & Bens 26/2 20",
    ]


def test_lines_set_solid_that_are_not_cells_stay_lines():
    # Labels over their values, each value starting under its label (not centred on it),
    # and an extra value: two lines, not a row of two-line cells.
    spans = [span("paid", 300, 110, 340, 124)]
    for left, (label, value) in zip((20, 200), [("Date", "12 March 1988"), ("Amount", "$40")]):
        spans.append(span(label, left, 100, left + 10 * len(label), 114))
        spans.append(span(value, left, 110, left + 10 * len(value), 124))
    assert texts(spans) == ["Date Amount", "12 March 1988 $40 paid"]
    # the header's upper line moved up to a line's leading: two lines, whatever the alignment
    spaced = [
        span(t, x0, y0 - 8 * (y0 < 410), x1, y1 - 8 * (y0 < 410))
        for t, x0, y0, x1, y1 in TABLE_HEADER
    ]
    assert texts(spaced) == ["IND/LOR NO. OF", "NAME OF ACCOUNT VOLUME STORES"]


def test_rows_of_a_table_set_solid_stay_rows_when_the_detector_splits_one():
    # A receipt's item rows, closer than a line height; the detector split the lower row's
    # quantity from its item: under "1 Hot Chocolate" stand "1" and "Cappucino", neither
    # centred under it. Two rows, not one row of two-line cells.
    spans = [
        span("1 Hot Chocolate", 42, 746, 240, 780),
        span("13.00", 467, 746, 535, 779),
        span("SR", 558, 747, 593, 779),
        span("1", 45, 779, 84, 804),
        span("Cappucino", 74, 776, 193, 808),
        span("13.00", 467, 775, 535, 808),
        span("SR", 558, 776, 593, 808),
    ]
    assert texts(spans) == ["1 Hot Chocolate 13.00 SR", "1 Cappucino 13.00 SR"]


def column(lines: list[str], top: float, left: float = 20, leading: float = 25) -> list[Span]:
    """One line a span, 20 px tall, ``leading`` apart, starting at ``top``."""
    return [
        span(text, left, top + leading * i, left + 9 * len(text), top + leading * i + 20)
        for i, text in enumerate(lines)
    ]


BEFORE_QUOTE = [
    "Christopher Bastin, 50, the",
    "Swedish creative director",
    "wears a scratched Rolex",
]
BEFORE_QUOTE += ["from the '70s. The dial flew off", "while I was working in the"]
AFTER_QUOTE = ["garden last year, he said. To me,", "having a watch that you need to", "be"]
AFTER_QUOTE += ["careful about is pointless.", "London stylist Julian Ganio"]


def test_a_pull_quote_that_interrupts_a_sentence_is_read_after_the_text():
    quote = ["Scratches, dents, cracked", "dials don't bother me at all."]
    spans = column(BEFORE_QUOTE, 100) + column(quote, 260) + column(AFTER_QUOTE, 350)
    assert texts(spans) == BEFORE_QUOTE + AFTER_QUOTE + quote


def test_the_running_head_of_a_spreads_right_page_opens_it_where_a_sentence_runs_on():
    # a book's two facing pages: the left one ends mid-sentence, the right one goes on in lower
    # case under its running head, which lies over nothing: it heads its page, it interrupts
    # nothing
    left = column(["LEFT HEAD", *BEFORE_QUOTE, *BEFORE_QUOTE], 40, left=20)
    head = column(["Horizontal Integration 381"], 40, left=500)
    right = column([*AFTER_QUOTE, *AFTER_QUOTE], 110, left=500)
    assert texts(left + head + right) == [
        "LEFT HEAD",
        *BEFORE_QUOTE,
        *BEFORE_QUOTE,
        "Horizontal Integration 381",
        *AFTER_QUOTE,
        *AFTER_QUOTE,
    ]
    # a caption set under a photograph at the head of the next column, below a title across
    # both: it has text above it, and it interrupts the sentence that runs on past it
    title = [span("A TITLE ACROSS BOTH COLUMNS OF THE PAGE", 20, 10, 800, 40)]
    left = column([*BEFORE_QUOTE, *BEFORE_QUOTE], 60, left=20)
    caption = column(["Above: a watch,", "well worn."], 300, left=500)
    right = column([*AFTER_QUOTE, *AFTER_QUOTE], 370, left=500)
    order = texts(title + left + caption + right)
    assert order[-2:] == ["Above: a watch,", "well worn."]
    assert order[11] == AFTER_QUOTE[0]


def test_two_receipts_side_by_side_are_read_one_after_the_other():
    # two receipts scanned together: item rows, few words each, no running text; their lines
    # fall where they will across the gap between them
    first = [f"ITEM {k} SOAP BAR 4.50" for k in range(10)]
    second = [f"LINE {k} COFFEE CUP 2.00" for k in range(12)]
    spans = column(first, 100, left=20, leading=41) + column(second, 113, left=400, leading=34)
    assert texts(spans) == first + second
    # a table's two sides, rows lined up across the same gap, are read a row at a time
    spans = column(first, 100, left=20, leading=36) + column(second[:10], 100, left=400, leading=36)
    assert texts(spans) == [f"{a} {b}" for a, b in zip(first, second)]


def test_blocks_that_carry_the_sentence_on_stay_in_order():
    # the short block in the middle goes on in lower case: it is the text, not a quote
    middle = ["garden, and they were right: a", "watch is a tool."]
    later = ["Then", *AFTER_QUOTE[1:]]
    spans = column(BEFORE_QUOTE, 100) + column(middle, 260) + column(later, 350)
    assert texts(spans) == BEFORE_QUOTE + middle + later
    # nor is a block moved when the text before it ends its sentence
    ended = [*BEFORE_QUOTE[:-1], "while I was working."]
    quote = ["Scratches, dents, cracked", "dials don't bother me at all."]
    spans = column(ended, 100) + column(quote, 260) + column(AFTER_QUOTE, 350)
    assert texts(spans) == ended + quote + AFTER_QUOTE


def test_a_caption_under_a_listing_is_read_in_its_place():
    # a figure holding a code listing, its caption, then a paragraph going on from the page
    # before in lower case: the listing, narrower than the text, runs on into nothing, so
    # the caption interrupts no sentence
    listing = [
        "\\author{A. B. C} \\email{abc}",
        "\\author{D. E. F} \\email{def}",
        "\\address{University, City}",
    ]
    caption = ["Figure 1: Example of the frontmatter."]
    text = [
        "sans serif font is Helvetica and the fixed width font is",
        "set in the typewriter face. The following packages are",
        "loaded either to change the formatting for this meeting",
        "or for the convenience of the user who writes the paper.",
    ]
    spans = column(listing, 100, left=80) + column(caption, 200, left=120) + column(text, 260)
    assert texts(spans) == listing + caption + text


#: phrases that start and end sentences or run on, so the layout rules all come into play
WORDS = ["The dial", "flew off", "while I was", "garden.", "last year,", "NO. OF", "STORES"]


@st.composite
def pages(draw: st.DrawFn) -> list[Span]:
    """Spans anywhere on a page, of any size, in any order, overlapping or not."""
    count = draw(st.integers(1, 40))
    spans = []
    for _ in range(count):
        x0, y0 = draw(st.integers(0, 800)), draw(st.integers(0, 1000))
        width, height = draw(st.integers(4, 500)), draw(st.integers(6, 90))
        spans.append(span(draw(st.sampled_from(WORDS)), x0, y0, x0 + width, y0 + height))
    return spans


@settings(max_examples=150, deadline=None)
@given(pages())
def test_every_span_is_read_exactly_once_whatever_the_layout(spans: list[Span]):
    lines, _ = order_spans(spans)
    read = sorted(i for line in lines for i in line.spans)
    assert read == list(range(len(spans)))
    for line in lines:  # a line says its spans' text, in its spans' order
        assert line.text == " ".join(spans[i].text for i in line.spans)


def unequal_columns(foot: list[Span]) -> list[Span]:
    """A title across two prose columns: the left one eight rows long, with a paragraph break
    before its last two, the right one five; then ``foot``."""
    spans = [span("TITLE ACROSS", 200, 20, 700, 70)]
    for i in range(8):
        y = 100 + i * 38 + (26 if i >= 6 else 0)
        spans.append(span(prose("L", i), 20, y, 420, y + 30))
    for i in range(5):
        y = 100 + i * 38
        spans.append(span(prose("R", i), 460, y, 860, y + 30))
    return spans + foot


def test_a_paragraph_below_the_shorter_column_ends_the_longer_one():
    # The widest empty band is the left column's paragraph break, under the right column's
    # foot: the two rows below it are the left column's last, not text after the right one.
    left = [prose("L", i) for i in range(8)]
    right = [prose("R", i) for i in range(5)]
    assert texts(unequal_columns([])) == ["TITLE ACROSS", *left, *right]
    # text across both columns' feet, or a page number under one, still comes last
    across = span("a note across both columns", 20, 450, 860, 480)
    assert texts(unequal_columns([across])) == ["TITLE ACROSS", *left, *right, across.text]
    number = span("12", 620, 450, 650, 480)
    assert texts(unequal_columns([number])) == ["TITLE ACROSS", *left, *right, "12"]
    note = span("1 a footnote in small type", 20, 450, 300, 468)
    assert texts(unequal_columns([note])) == ["TITLE ACROSS", *left, *right, note.text]
    centred = span("12", 425, 450, 455, 480)
    assert texts(unequal_columns([centred])) == ["TITLE ACROSS", *left, *right, "12"]
    wide = span("a line that reaches under the other column", 20, 450, 500, 480)
    assert texts(unequal_columns([wide])) == ["TITLE ACROSS", *left, *right, wide.text]
    # a page number alone under the longer column is no part of its text
    spans = [s for s in unequal_columns([]) if "L6" not in s.text and "L7" not in s.text]
    spans.append(span("12", 200, 354, 230, 384))
    assert texts(spans) == ["TITLE ACROSS", *left[:6], *right, "12"]


def test_columns_whose_gutter_is_under_a_line_box_are_read_one_after_the_other():
    # A detector pads each line's box: a magazine's tight gutter is left about half a box
    # height wide, less again on a page placed a fraction of a degree askew.
    for gutter in (11, 17):
        assert texts(column_page(gutter, line_h=30)) == column_rows(), gutter


def test_a_gutter_the_boxes_close_is_measured_between_the_lines_ink():
    # On a page scanned at low resolution the detector's boxes nearly meet across a gutter
    # (0.2 line heights here); the lines' ink, 8 px inside each box, leaves 0.73.
    page = column_page(6, line_h=30)

    def ink(inset: float) -> dict[int, tuple[float, float]]:
        share = inset / 400  # of each 400 px box
        return {
            i: (0.0, share) if s.box is not None and s.box[0] < 400 else (share, 0.0)
            for i, s in enumerate(page)
        }

    rows = [f"{prose('L', i)} {prose('R', i)}" for i in range(6)]
    assert texts(page) == rows  # the boxes alone: read across
    lines, _ = order_spans(page, ink=ink(8))
    assert [line.text for line in lines] == column_rows()
    # ink 2 px inside each box leaves a word gap (0.33 line heights): still read across
    lines, _ = order_spans(page, ink=ink(2))
    assert [line.text for line in lines] == rows


def test_a_footnote_whose_word_gap_lines_up_with_the_gutter_comes_after_the_columns():
    # The footnote's two pieces leave a gap where the gutter is: that gap is no gutter of the
    # footnote's, which is one line under both columns.
    page = column_page(40)
    bottom = max(s.box[3] for s in page if s.box)
    y = bottom + 30
    pieces = [
        span("1 a footnote in small type that runs", 20, y, 440, y + 30),
        span("across the foot of the page", 455, y, 800, y + 30),
    ]
    assert texts(page + pieces) == column_rows() + [f"{pieces[0].text} {pieces[1].text}"]


def test_a_title_beside_the_first_column_is_read_before_it():
    # A title's box is padded in proportion to its size, so the narrow gap between it and the
    # column on its left is no gutter: the column is not read before the title. (Boxes as a
    # detector pads them: each line's overlaps the next.)
    left = [span(prose("L", i), 20, 100 + 25 * i, 420, 130 + 25 * i) for i in range(12)]
    title = span("A TITLE IN DISPLAY TYPE", 431, 60, 900, 130)
    right = [span(prose("R", i), 431, 150 + 25 * i, 831, 180 + 25 * i) for i in range(8)]
    got = texts(left + [title] + right)
    assert got[0] == title.text
    assert "L0" in got[1]


def index_entry(name: str, page: int) -> str:
    """An index line: the name, dot leaders to the column's edge, the page number."""
    return f"{name} {'.' * (28 - len(name))} {page}"


def test_an_index_whose_letter_groups_line_up_across_columns_is_read_column_by_column():
    # a book's two-column index: the last letter groups of both columns start at one height,
    # the breaks before them line up into an empty band no taller than the breaks each
    # column has on its own
    a = ["A", index_entry("asn1Coding program", 5), index_entry("asn1Parser program", 5)]
    f = ["F", index_entry("future developments", 4), index_entry("free licence", 24)]
    h = ["H", index_entry("header file libtasn1.h", 4)]
    m = ["M", index_entry("main type asn1_node", 4)]
    p = ["P", index_entry("porting", 1), index_entry("parsing a schema", 2)]
    t = ["T", "threads"]  # the detector lost its leaders and number
    left = column(a, 100, left=20) + column(f, 210, left=20) + column(h, 315, left=20)
    right = column(m, 100, left=330) + column(p, 180, left=330) + column(t, 315, left=330)
    assert texts(left + right) == a + f + h + m + p + t
    # a running foot, one line on each side and set well below: read after both columns
    foot = [span("Page 3", 20, 420, 80, 440), span("Confidential", 600, 420, 700, 440)]
    order = texts(left + right + foot)
    assert order[: len(order) - 1] == a + f + h + m + p + t
    assert order[-1] == "Page 3 Confidential"


def test_a_two_column_index_is_read_down_each_column_though_its_numbers_stand_apart():
    # a manual's function index: each entry a name, then its page number flush right, the
    # gap before the numbers wider than the gutter between the two columns
    names = [f"asn1_{w}" for w in ("array2tree", "bit_der", "check_version", "copy_node")]
    names += [f"asn1_get_{w}" for w in ("bit_der", "length_ber", "octet_der", "tag_der")]
    spans = []
    for i, name in enumerate(names):
        x = 20 if i < 4 else 470
        y = 100 + 25 * (i % 4)
        spans.append(span(name, x, y, x + 10 * len(name), y + 20))
        spans.append(span(str(9 + i), x + 400, y, x + 420, y + 20))
    assert texts(spans) == [f"{name} {9 + i}" for i, name in enumerate(names)]
    # a table of names and numbers, one pair a row, stays a table read row by row
    rows = [span(n, 20, 100 + 25 * i, 20 + 10 * len(n), 120 + 25 * i) for i, n in enumerate(names)]
    rows += [span(str(9 + i), 420, 100 + 25 * i, 440, 120 + 25 * i) for i in range(len(names))]
    assert texts(rows) == [f"{name} {9 + i}" for i, name in enumerate(names)]


def test_an_index_as_a_pdfs_text_layer_holds_it_is_read_down_each_column():
    # name, leaders and page number three spans of an entry; letter headings standing level
    # across the columns, at the top and at the bottom
    def entries(letter: str, names: list[str], x: int, top: int) -> list[Span]:
        out = [span(letter, x, top, x + 14, top + 24)]
        for k, name in enumerate(names):
            y = top + 40 + 25 * k
            out.append(span(name, x, y, x + 10 * len(name), y + 20))
            out.append(span(". . . . . . .", x + 10 * len(name) + 8, y + 14, x + 330, y + 17))
            out.append(span(str(k + 3), x + 340, y, x + 352, y + 20))
        return out

    a = ["asn1Coding program", "asn1Decoding program", "asn1Parser program"]
    f, h = ["free licence", "future developments"], ["header file"]
    m, p, t = ["main type asn1 node"], ["porting", "parsing"], ["threads"]
    left = entries("A", a, 20, 100) + entries("F", f, 20, 240) + entries("H", h, 20, 350)
    right = entries("M", m, 420, 100) + entries("P", p, 420, 190) + entries("T", t, 420, 350)
    got = texts(left + right)
    assert [line for line in got if len(line) == 1] == ["A", "F", "H", "M", "P", "T"]
    assert got.index("H") < got.index("M")  # the left column is read first, to its foot


def test_a_drop_cap_padded_into_its_line_joins_a_lead_in_set_in_capitals():
    # A magazine's opening: the drop cap's padded box reaches a few pixels into the first
    # line's, and the first words are set in capitals (`S` `HE MOPED.`). The letter was read as
    # a line of its own, after the first, and the word stayed apart.
    spans = [
        span("S", 112, 109, 210, 214),
        span("HE MOPED. She sighed and looked at", 206, 100, 679, 129),
        span("that slowly river looked one she", 204, 129, 603, 167),
        span("slowly one sky she not by the lift", 204, 168, 609, 198),
        span("where grey looked came she she she", 116, 202, 570, 232),
    ]
    assert texts(spans) == [
        "SHE MOPED. She sighed and looked at",
        "that slowly river looked one she",
        "slowly one sky she not by the lift",
        "where grey looked came she she she",
    ]
    # a word merely capitalised is no lead-in: the letter stays a word of its own
    spans[1] = span("Long ago she sighed and looked at", 206, 100, 679, 129)
    assert texts(spans)[0] == "S Long ago she sighed and looked at"
