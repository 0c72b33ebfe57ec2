"""Reading order on a newspaper's layout: narrow gutters beside headlines, a byline over columns."""

from __future__ import annotations

from ocr_expert.reading_order import order_spans
from ocr_expert.types import Span


def span(text: str, x0: float, y0: float, x1: float, y1: float) -> Span:
    return Span(text=text, box=(x0, y0, x1, y1), score=0.9)


def texts(spans: list[Span]) -> list[str]:
    lines, _ = order_spans(spans)
    return [line.text for line in lines]


def prose(side: str, i: int) -> str:
    return f"and the {side}{i} words that follow"


def headed_columns(gutter: float) -> list[Span]:
    """Two prose columns of seven rows, 30 px tall, ``gutter`` px apart between their boxes,
    each under a two-line headline in a large type whose boxes reach the gutter."""
    spans = [span("Weapons Flow", 20, 100, 420, 160), span("From the West", 20, 160, 420, 220)]
    right = 420 + gutter
    spans += [span("As Shell Falls", right, 100, right + 400, 160)]
    spans += [span("Family's Dash", right, 160, right + 400, 220)]
    for i in range(7):
        y = 230 + i * 32
        spans.append(span(prose("L", i), 20, y, 420, y + 30))
        spans.append(span(prose("R", i), right, y, right + 400, y + 30))
    return spans


def bylined_columns(byline_bottom: float, foot: list[Span] | None = None) -> list[Span]:
    """A byline across two prose columns of six rows, the right one's set half a row lower,
    the left one's first row at y=100 and the byline's box ending at ``byline_bottom``; then
    ``foot``."""
    spans = [span("By JEFFREY GETTLEMAN and MONIKA PRONCZUK", 200, 70, 660, byline_bottom)]
    for i in range(6):
        y = 100 + i * 32
        spans.append(span(prose("L", i), 20, y, 420, y + 30))
        spans.append(span(prose("R", i), 440, y + 16, 840, y + 46))
    return spans + (foot or [])


def test_a_byline_whose_box_touches_the_columns_under_it_is_read_before_them():
    # The detector pads the byline's box until it meets the first lines': no empty band is
    # left to cut at, and the columns' rows, set half a line apart, leave none either.
    columns = [prose("L", i) for i in range(6)] + [prose("R", i) for i in range(6)]
    byline = "By JEFFREY GETTLEMAN and MONIKA PRONCZUK"
    assert texts(bylined_columns(102)) == [byline, *columns]
    # a line across the columns' feet, touching their last rows, is read after them
    foot = span("Continued on Page A8 and on the next pages", 200, 304, 660, 332)
    assert texts(bylined_columns(102, [foot])) == [byline, *columns, foot.text]


def read_with_ink(page: list[Span], inset: float) -> list[str]:
    """``page`` read with each line's ink ``inset`` px inside its box on the gutter's side."""
    ink = {
        i: (0.0, inset / (s.box[2] - s.box[0]))
        if s.box[0] < 420
        else (inset / (s.box[2] - s.box[0]), 0.0)
        for i, s in enumerate(page)
        if s.box is not None
    }
    lines, _ = order_spans(page, ink=ink)
    return [line.text for line in lines]


def test_a_gutter_the_headline_boxes_close_is_found_between_the_lines_ink():
    # The padded boxes (a headline's most) nearly meet across the gutter: the lines' ink, 12 px
    # inside each box, leaves most of a line height, as a real front page's does at full and at
    # half its resolution.
    page = headed_columns(4)
    left = ["Weapons Flow", "From the West", *(prose("L", i) for i in range(7))]
    right = ["As Shell Falls", "Family's Dash", *(prose("R", i) for i in range(7))]
    assert read_with_ink(page, 12) == left + right
    # a word gap's worth of ink between them (0.3 line heights) is no gutter beside a headline
    assert read_with_ink(page, 3) != left + right
    # a title set beside the opening lines of the first column is read before the column ends
    titled = [s for s in page if s.text not in ("Weapons Flow", "From the West")]
    titled += [span(prose("L", 7), 20, 100, 420, 130), span(prose("L", 8), 20, 132, 420, 162)]
    order = " ".join(read_with_ink(titled, 12))
    assert order.index("As Shell Falls") < order.index(prose("L", 6))


#: a box of facts: short items, unpunctuated
FACTS = ["FACTS", "Opened in 1905", "Two floors and a roof garden", "Forty thousand books"]


def photo_and_box_page(title: bool) -> tuple[list[Span], list[str], list[str]]:
    """Two columns of running text under a title across both (or none): a photograph (no
    text) in the left column level with a box of facts in the right, so that the only empty
    band across the page runs under both, above the left column's next line."""
    spans = [span("Libraries for the next century", 100, 80, 1100, 150)] if title else []
    left: list[str] = []
    right: list[str] = []
    box = [span(t, 930, 1030 + 50 * i, 1400, 1060 + 50 * i) for i, t in enumerate(FACTS)]
    for i, y in enumerate([*range(220, 881, 36), *range(1340, 2101, 36)]):
        text = prose("L", i)
        spans.append(span(text, 100, y, 800, y + 30))
        left.append(text)
    for i, y in enumerate([*range(220, 941, 36), *range(1430, 2101, 36)]):
        text = prose("R", i)
        spans.append(span(text, 900, y, 1600, y + 30))
        right.append(text)
    return spans + box, left, right


def test_columns_interrupted_level_by_a_photograph_and_a_box_are_read_whole_under_a_title():
    # Without the title the page's gutter runs from top to foot and each column is read whole
    # (the box, set in the running text, after it); with it, the band under the photograph and
    # the box, the widest, was cut first, and the page read in two tiers of columns, across.
    spans, left, right = photo_and_box_page(title=False)
    assert texts(spans) == left + right + FACTS
    spans, left, right = photo_and_box_page(title=True)
    assert texts(spans) == ["Libraries for the next century", *left, *right, *FACTS]


def test_a_column_going_on_under_a_box_of_facts_is_read_in_its_place():
    # A box of facts set in the left column, its items short and unpunctuated, then the
    # column goes on with a new paragraph, and the article runs on into the right column. The
    # box's last item is no sentence running on (a line broken mid-sentence fills its
    # column): the column's part under it is no pull quote to read after the page.
    spans = [span("Libraries for the next century", 100, 80, 1100, 150)]
    top = [prose("L", i) + "." * (i == 9) for i in range(10)]
    spans += [span(t, 100, 220 + 36 * i, 800, 250 + 36 * i) for i, t in enumerate(top)]
    box = FACTS
    spans += [span(t, 130, 600 + 46 * i, 520, 630 + 46 * i) for i, t in enumerate(box)]
    under = ["New branches " + prose("B", i) for i in range(6)]
    spans += [span(t, 100, 860 + 36 * i, 800, 890 + 36 * i) for i, t in enumerate(under)]
    right = [prose("R", i) for i in range(30)]
    spans += [span(t, 900, 220 + 36 * i, 1600, 250 + 36 * i) for i, t in enumerate(right)]
    assert texts(spans) == ["Libraries for the next century", *top, *box, *under, *right]


def test_a_papers_columns_are_read_whole_under_a_tall_title_block():
    # A paper's first page: a title, six lines of authors and a three-line abstract over two
    # columns; the left column ends early, its footnotes at its foot, level with the right
    # column's last lines under a heading. The widest empty band runs under the left column
    # and over that heading; cut first, it read the page in two tiers, the footnotes across
    # the right column's lines. The title block, more than a title's few rows, is cut off
    # first where the rest stands in columns.
    spans = [span("Manuscript Title", 500, 40, 1100, 100)]
    authors = [
        "Ann Author and Second Author",
        "Authors' institution and address",
        "Charlie Author",
        "Second institution and address",
        "Delta Author",
        "Third institution and address",
    ]
    spans += [span(t, 600, 130 + 36 * i, 1000, 160 + 36 * i) for i, t in enumerate(authors)]
    abstract = [f"An article usually includes an abstract, line {i}" for i in range(3)]
    spans += [span(t, 200, 390 + 36 * i, 1400, 420 + 36 * i) for i, t in enumerate(abstract)]
    left = [prose("L", i) + "." * (i == 11) for i in range(12)]
    spans += [span(t, 100, 560 + 36 * i, 800, 590 + 36 * i) for i, t in enumerate(left)]
    notes = ["* A footnote to the title", "Also at the physics department", "second@institution"]
    spans += [span(t, 100, 1200 + 24 * i, 600, 1220 + 24 * i) for i, t in enumerate(notes)]
    right = ["This sample " + prose("R", 0), *(prose("R", i) for i in range(1, 8))]
    spans += [span(t, 900, 560 + 36 * i, 1600, 590 + 36 * i) for i, t in enumerate(right)]
    spans.append(span("1. Citations", 1150, 1100, 1350, 1130))
    tail = ["Because the " + prose("T", 0), prose("T", 1)]
    spans += [span(t, 900, 1200 + 36 * i, 1600, 1230 + 36 * i) for i, t in enumerate(tail)]
    assert texts(spans) == [
        "Manuscript Title",
        *authors,
        *abstract,
        *left,
        *notes,
        *right,
        "1. Citations",
        *tail,
    ]


def test_columns_are_read_whole_beside_a_line_set_too_long_for_its_column():
    # A paper's overfull line (a long command the typesetter could not break) runs on into
    # the gutter, up to the next column's first letters: no gap as wide as a gutter runs the
    # page's height, yet each column is read whole, the long line in its place.
    left = [prose("L", i) for i in range(14)]
    left[6] = "with these two commands, placed just before the end of the document"
    right = [prose("R", i) for i in range(14)]
    spans = [span(t, 100, 100 + 36 * i, 800, 130 + 36 * i) for i, t in enumerate(left)]
    spans[6] = span(left[6], 100, 316, 895, 346)
    spans += [span(t, 900, 100 + 36 * i, 1600, 130 + 36 * i) for i, t in enumerate(right)]
    assert texts(spans) == left + right
    # a title across both columns is no such line: it is read before them, not in a column
    title = span("A TITLE SET ACROSS THE COLUMNS", 300, 20, 1400, 90)
    assert texts([title, *spans]) == [title.text, *left, *right]


def test_a_narrow_gutter_between_the_lines_ink_is_found_beside_a_wider_gap_to_a_margin_note():
    # A paper's two columns set 10 pt apart: the detector's padded boxes leave 8 px between
    # them (a third of a line height), their ink a line height; a note in the margin stands
    # further off its column than the gutter is wide, so the widest gap is not the gutter.
    left = [prose("L", i) for i in range(14)]
    right = [prose("R", i) for i in range(14)]
    spans = [span(t, 100, 100 + 27 * i, 600, 125 + 27 * i) for i, t in enumerate(left)]
    spans += [span(t, 608, 100 + 27 * i, 1100, 125 + 27 * i) for i, t in enumerate(right)]
    spans += [span("A marginal", 5, 262, 60, 287), span("note", 5, 289, 40, 314)]
    ink = {
        i: (0.0, 8 / (s.box[2] - s.box[0])) if s.box[0] == 100 else (8 / (s.box[2] - s.box[0]), 0.0)
        for i, s in enumerate(spans)
        if s.box is not None and s.box[0] >= 100
    }
    lines, _ = order_spans(spans, ink=ink)
    read = [line.text for line in lines]
    # each column read whole, the left first; the note joins the rows level with it
    assert [t for t in read if t in right] == right
    in_left = [k for k, t in enumerate(read) if any(p in t for p in left)]
    in_right = [k for k, t in enumerate(read) if any(p in t for p in right)]
    assert max(in_left) < min(in_right)


def test_a_column_of_labels_each_level_with_its_paragraph_is_read_a_row_at_a_time():
    # A CV's headings, set right of a column of their own, each level with the first line of
    # the paragraph it heads: each is read with its paragraph, not the headings first.
    labels = ["Communication skills", "Managerial skills", "Digital skills", "Other skills"]
    spans, expected, y = [], [], 100
    for k, label in enumerate(labels):
        spans.append(span(label, 60, y, 300, y + 25))
        for row in range(4):
            text = prose(f"P{k}.", row)
            spans.append(span(text, 330, y + 30 * row, 1000, y + 30 * row + 25))
            expected.append(f"{label} {text}" if row == 0 else text)
        y += 4 * 30 + 20
    assert texts(spans) == expected
    # a title and a logo beside a column are no labels: the column is read whole after them
    column = [span(prose("C", i), 330, 100 + 30 * i, 1000, 125 + 30 * i) for i in range(16)]
    title = span("SETTING UP FRAMES", 40, 95, 290, 150)
    logo = span("FLF Flowfram", 40, 540, 200, 600)
    assert texts([title, logo, *column]) == [title.text, logo.text, *(s.text for s in column)]


def test_a_long_column_goes_on_across_a_break_beside_the_end_of_a_short_one():
    # The right column ends above a break between two of the left column's paragraphs, a
    # break taller than the gutter is wide: the left column is read whole before the right.
    left = [prose("L", i) for i in range(16)]
    right = [prose("R", i) for i in range(6)]
    spans = [
        span(t, 100, 100 + 30 * i + 50 * (i >= 8), 600, 125 + 30 * i + 50 * (i >= 8))
        for i, t in enumerate(left)
    ]
    spans += [span(t, 620, 100 + 30 * i, 1120, 125 + 30 * i) for i, t in enumerate(right)]
    assert texts(spans) == left + right
    # a footer under both columns is still cut off first
    foot = [
        span("School of Computing", 100, 800, 400, 825),
        span("page 3 of 7", 900, 800, 1120, 825),
    ]
    assert texts(spans + foot)[-1] == "School of Computing page 3 of 7"
