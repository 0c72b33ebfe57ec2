"""Ruled forms: the ruling lines found on a page, and a ruled box read as one unit."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageOps

from ocr_expert import OCRExpert
from ocr_expert.ink import light_text
from ocr_expert.reading_order import order_spans
from ocr_expert.rules import Rules, find_rules
from ocr_expert.synthetic.fonts import font
from ocr_expert.types import Span


def span(text: str, x0: float, y0: float, x1: float, y1: float) -> Span:
    return Span(text=text, box=(x0, y0, x1, y1), score=0.9)


def grid(xs: list[float], ys: list[float]) -> Rules:
    """Rules 2 px thick at ``xs`` (vertical) and ``ys`` (horizontal), each across the grid."""
    return Rules(
        horizontal=tuple((xs[0], y - 1, xs[-1], y + 1) for y in ys),
        vertical=tuple((x - 1, ys[0], x + 1, ys[-1]) for x in xs),
    )


def texts(spans: list[Span], rules: Rules | None = None) -> list[str]:
    lines, _ = order_spans(spans, rules=rules)
    return [line.text for line in lines]


def test_ruling_lines_are_found_and_letters_and_solid_areas_are_not():
    image = Image.new("L", (800, 420), 255)
    draw = ImageDraw.Draw(image)
    for y in (40, 120, 200):
        draw.line([(40, y), (760, y)], fill=0, width=2)
    for x in (40, 400, 760):
        draw.line([(x, 40), (x, 200)], fill=0, width=2)
    draw.text((60, 240), "HILL", font=font("sans_bold", 120), fill=0)  # stems 3 lines tall
    draw.rectangle((600, 260, 700, 380), fill=0)  # a photograph's dark patch
    title = (60, 250, 400, 380)
    rules = find_rules(image, line_height=24, text=[title])
    centres = sorted((b[1] + b[3]) / 2 for b in rules.horizontal)
    assert centres == pytest.approx([40, 120, 200], abs=1.5)
    assert sorted((b[0] + b[2]) / 2 for b in rules.vertical) == pytest.approx(
        [40, 400, 760], abs=1.5
    )
    assert all(b[2] - b[0] > 700 for b in rules.horizontal)


def test_a_broken_rule_is_found_whole():
    image = Image.new("L", (800, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.line([(40, 100), (300, 100)], fill=0, width=2)
    draw.line([(310, 100), (760, 100)], fill=0, width=2)  # a scan's gap in the rule
    rules = find_rules(image, line_height=24)
    (rule,) = rules.horizontal
    assert (rule[0], rule[2]) == pytest.approx((40, 760), abs=2)


# A form's top: a box of three lines beside a box of two, their lines not level.
FORM = [
    span("VENDOR", 50, 44, 130, 60),
    span("Piedmont Research Laboratory", 50, 66, 380, 88),
    span("2748 Patterson Ave.", 50, 92, 260, 114),
    span("ORDER NO.", 420, 44, 520, 60),
    span("4471", 420, 80, 480, 102),
]


def test_a_ruled_box_is_read_whole_before_the_box_beside_it():
    assert texts(FORM, grid([40, 400, 760], [40, 120])) == [
        "VENDOR",
        "Piedmont Research Laboratory",
        "2748 Patterson Ave.",
        "ORDER NO.",
        "4471",
    ]
    # without its rules the same page is read a row at a time, the boxes mixed
    assert texts(FORM)[0] == "VENDOR ORDER NO."


def test_a_box_open_on_one_side_is_no_box():
    rules = grid([40, 400, 760], [40, 120])
    open_right = Rules(horizontal=rules.horizontal, vertical=rules.vertical[:2])
    short_top = Rules(  # the top rule stops halfway across the right box
        horizontal=((40, 39, 560, 41), rules.horizontal[1]), vertical=rules.vertical
    )
    assert texts(FORM, open_right) == texts(FORM)
    assert texts(FORM, short_top) == texts(FORM)  # one closed box alone orders nothing


def test_a_rule_that_ends_in_the_row_below_closes_no_box_of_this_row():
    # The rule between SHIP TO and DATE WANTED starts at the rule under TERMS; VIA's box
    # reaches down to it, but the rule does not close the TERMS row.
    rules = Rules(
        horizontal=((40, 39, 760, 41), (40, 119, 760, 121), (40, 199, 760, 201)),
        vertical=((39, 40, 41, 200), (399, 120, 401, 200), (759, 40, 761, 200)),
    )
    spans = [
        span("TERMS NET 15", 50, 94, 200, 118),
        span("VIA N/A", 420, 98, 520, 118),
        span("SHIP TO", 50, 125, 150, 145),
        span("Lorillard Research", 50, 160, 300, 185),
        span("DATE WANTED", 420, 125, 540, 145),
        span("As required", 420, 160, 560, 185),
    ]
    assert texts(spans, rules) == [
        "TERMS NET 15 VIA N/A",
        "SHIP TO",
        "Lorillard Research",
        "DATE WANTED",
        "As required",
    ]


def test_a_ruled_table_is_read_a_row_at_a_time():
    rows = [["Item", "Qty", "Price"], ["Apples", "3", "1.20"], ["Pears", "12", "4.80"]]
    spans = [
        span(cell, 50 + 200 * c, 45 + 40 * r, 150 + 200 * c, 70 + 40 * r)
        for r, row in enumerate(rows)
        for c, cell in enumerate(row)
    ]
    rules = grid([40, 240, 440, 640], [40, 80, 120, 160])
    assert texts(spans, rules) == [" ".join(row) for row in rows]


def test_a_ruled_column_of_many_rows_is_still_read_a_row_at_a_time():
    # Rules between the columns only: each column is one tall box of many rows, a table's
    # column rather than a form's field.
    rows = [(f"Account {i}", f"{i * 7}.00") for i in range(6)]
    spans = [
        piece
        for i, (name, amount) in enumerate(rows)
        for piece in (
            span(name, 50, 50 + 32 * i, 200, 74 + 32 * i),
            span(amount, 420, 50 + 32 * i, 480, 74 + 32 * i),
        )
    ]
    rules = grid([40, 400, 760], [40, 250])
    assert texts(spans, rules) == [f"{name} {amount}" for name, amount in rows]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 700), st.integers(0, 500), st.integers(10, 300)), max_size=25
    ),
    st.lists(st.integers(0, 800), max_size=6),
    st.lists(st.integers(0, 600), max_size=6),
)
def test_with_rules_every_span_is_read_exactly_once(
    placed: list[tuple[int, int, int]], xs: list[int], ys: list[int]
):
    spans = [span(f"w{i}", x, y, x + w, y + 20) for i, (x, y, w) in enumerate(placed)]
    rules = Rules(
        horizontal=tuple((0.0, y - 1.0, 800.0, y + 1.0) for y in ys),
        vertical=tuple((x - 1.0, 0.0, x + 1.0, 600.0) for x in xs),
    )
    lines, _ = order_spans(spans, rules=rules)
    assert sorted(i for line in lines for i in line.spans) == list(range(len(spans)))


def ruled_form() -> Image.Image:
    """A purchase order's top, drawn: a box of three lines beside a box of two."""
    image = Image.new("RGB", (900, 260), "white")
    draw = ImageDraw.Draw(image)
    for y in (30, 170, 230):
        draw.line([(30, y), (870, y)], fill="black", width=2)
    for x in (30, 560, 870):
        draw.line([(x, 30), (x, 230)], fill="black", width=2)
    small, large = font("sans", 16), font("mono", 26)
    draw.text((40, 38), "VENDOR", font=small, fill="black")
    draw.text((40, 70), "Piedmont Research Laboratory", font=large, fill="black")
    draw.text((40, 120), "2748 Patterson Avenue", font=large, fill="black")
    draw.text((570, 38), "DATE", font=small, fill="black")
    draw.text((570, 90), "April 19, 1988", font=large, fill="black")
    draw.text((40, 190), "TERMS", font=small, fill="black")
    draw.text((160, 186), "NET 15", font=large, fill="black")
    return image


@pytest.mark.parametrize("engine", ["ppocr", "tesseract"])
def test_a_scanned_forms_boxes_are_read_box_by_box(engine: str):
    image = ruled_form()
    options: dict[str, Any] = {"lang": "eng"} if engine == "tesseract" else {}
    expert = OCRExpert(engine, use_cache=False, **options)
    text = expert.read(image).text
    assert "Patterson" in text and "April" in text
    # the box's label, its value under it, then the next box
    if engine == "ppocr":
        assert text.index("Patterson") < text.index("DATE") < text.index("April")
    # Tesseract keeps its own page layout: it reads the form as Tesseract alone does
    assert text.index("VENDOR") < text.index("TERMS")


def test_a_negative_forms_boxes_are_read_box_by_box():
    # White text and rules on black (a negative scan, a form on a dark screen): its rules
    # are light, and found so.
    text = OCRExpert("ppocr", use_cache=False).read(ImageOps.invert(ruled_form())).text
    assert text.index("Patterson") < text.index("DATE") < text.index("April")


def test_light_text_is_told_by_the_text_not_by_the_edge():
    image = ruled_form()
    boxes = [s.box for s in OCRExpert("ppocr", use_cache=False).read(image).spans if s.box]
    assert len(boxes) >= 5
    assert not light_text(image, boxes)
    assert light_text(ImageOps.invert(image), boxes)
    framed = Image.new("RGB", (image.width + 80, image.height + 80), "black")  # a scan's border
    framed.paste(image, (40, 40))
    moved = [(x0 + 40, y0 + 40, x1 + 40, y1 + 40) for x0, y0, x1, y1 in boxes]
    assert not light_text(framed, moved)
