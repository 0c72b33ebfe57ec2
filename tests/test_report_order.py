"""Reading order on an analyst report's layout: a long table of figures, a sidebar beside it."""

from __future__ import annotations

from ocr_expert.reading_order import order_spans
from ocr_expert.types import Span

LABELS = [
    "Cash flow from investments",
    "Changes in net cash",
    "Total current assets",
    "Total liabilities and equity",
    "Free cash flow per share",
    "Net profit growth rate",
]


def span(text: str, x0: float, y0: float, x1: float, y1: float) -> Span:
    return Span(text=text, box=(x0, y0, x1, y1), score=0.9)


def texts(spans: list[Span]) -> list[str]:
    lines, _ = order_spans(spans)
    return [line.text for line in lines]


NOTES = [
    "Our Blue Sky Scenario (US$) 55.00",
    "Our blue sky scenario is based on higher prices.",
    "Our Grey Sky Scenario (US$) 35.00",
    "Our grey sky scenario is based on lower prices.",
    "Share price performance",
]


def sidebar(x0: float) -> list[Span]:
    """A sidebar's notes from ``x0``, two table rows apart and half a row off them."""
    return [span(n, x0, 113 + k * 52, 1000, 137 + k * 52) for k, n in enumerate(NOTES)]


def figures(i: int) -> list[str]:
    return [f"{100 + 7 * i + k * 31:,}.{k}" for k in range(4)]


def table(rows: int, pitch: float = 26) -> tuple[list[Span], list[str]]:
    """A table of ``rows`` rows 24 px tall: a label, then four figures, the first set apart from
    the other three by the table's widest gap (80 px). Returns its spans and its rows' text."""
    spans, read = [], []
    for i in range(rows):
        y = 100 + i * pitch
        label = LABELS[i % len(LABELS)]
        values = figures(i)
        spans.append(span(label, 20, y, 260, y + 24))
        spans.append(span(values[0], 300, y, 360, y + 24))
        spans += [span(v, 440 + k * 70, y, 500 + k * 70, y + 24) for k, v in enumerate(values[1:])]
        read.append(" ".join([label, *values]))
    return spans, read


def test_a_long_table_of_figures_is_read_row_by_row():
    # Twenty rows and more of several words each on both sides of the table's widest gap made
    # two columns of it (a dictionary's columns are that long): a row of figures is no phrase.
    spans, rows = table(24)
    assert texts(spans) == rows


def test_a_sidebar_set_at_its_own_pitch_beside_a_table_is_read_after_the_table():
    # The gutter to the sidebar (60 px) is narrower than the table's own gap between its first
    # and second figures (80); the sidebar's rows stand twice as far apart, half a row off the
    # table's, so no row of one belongs to the other.
    spans, rows = table(12)
    assert texts(spans + sidebar(700)) == rows + NOTES


def test_a_sidebar_whose_boxes_nearly_meet_the_tables_is_parted_at_the_ink():
    # Scanned at half the resolution, the detector's padded boxes leave 14 px between the table
    # and the sidebar (under the 0.6 line heights a gutter needs); the ink, 12 px inside each
    # box, leaves 38.
    spans, rows = table(12)
    spans += sidebar(654)
    ink = {
        i: (12 / (s.box[2] - s.box[0]), 12 / (s.box[2] - s.box[0]))
        for i, s in enumerate(spans)
        if s.box is not None
    }
    lines, _ = order_spans(spans, ink=ink)
    assert [line.text for line in lines] == rows + NOTES


def test_values_on_their_labels_lines_stay_on_them_whatever_their_pitch():
    # A form's values filled in on every other field stand twice as far apart as its labels,
    # but each on its label's line: the form is read a row at a time.
    spans, read = [], []
    for i in range(8):
        y = 100 + i * 26
        label = f"{LABELS[i % len(LABELS)]}:"
        spans.append(span(label, 20, y, 260, y + 24))
        if i % 2:
            spans.append(span(f"Filled in on line {i}", 320, y, 600, y + 24))
            label += f" Filled in on line {i}"
        read.append(label)
    assert texts(spans) == read


def test_a_wide_table_whose_rows_end_in_figures_is_no_two_column_index():
    # Every row ends in a number on both sides of the table's widest gap, as an index's entries
    # end in their page numbers; but a row of figures alone is no entry.
    spans, read = [], []
    for i in range(24):
        y = 100 + i * 30
        label = f"{LABELS[i % len(LABELS)]} {i}"
        values = [f"{(i + 3) * (k + 7) * 13:,}" for k in range(7)]
        spans.append(span(label, 20, y, 300, y + 24))
        xs = [340, 440, 540, 740, 840, 940, 1040]  # the widest gap before the fourth figure
        spans += [span(v, x, y, x + 70, y + 24) for x, v in zip(xs, values)]
        read.append(" ".join([label, *values]))
    assert texts(spans) == read


def test_two_long_blocks_of_form_fields_are_read_a_row_at_a_time():
    # Twenty rows and more of several words on both sides of a gap are a dictionary's columns
    # only where their lines fill their sides: a form's cells leave most of theirs empty.
    cells = [["Charge No.", "Initiation Date", "Statute"], ["Warrant Level", "Bond Type", "Amount"]]
    spans, read = [], []
    for i in range(22):
        y = 100 + i * 30
        row = []
        for side, names in enumerate(cells):
            for k, name in enumerate(names):
                x = 20 + side * 700 + k * 220
                spans.append(span(f"{name} {chr(65 + i)}", x, y, x + 150, y + 24))
                row.append(f"{name} {chr(65 + i)}")
        read.append(" ".join(row))
    assert texts(spans) == read


def test_a_contact_list_is_read_a_row_at_a_time_its_addresses_no_sentences_running_on():
    # Rows that start in lower case are sentences running on, but an e-mail address is written
    # in lower case wherever it stands: the names, the telephone numbers, the addresses and
    # the topics beside some of them are read row by row.
    names = ["Neil Doshi", "Robert Coolbrith", "David Epstein", "Michael Kim", "Arlinda Lee"]
    topics = ["Internet and Interactive Media", "Convertible Bonds and Specialist Notes"]
    spans, read = [], []
    for i, name in enumerate(names * 2):
        y = 100 + i * 34
        person = f"{name}, Managing Director"
        phone, address = f"(203) 569-43{i:02d}", f"{name.split()[1].lower()}{i}@crtllc.com"
        spans += [span(person, 20, y, 420, y + 24), span(phone, 460, y, 620, y + 24)]
        spans.append(span(address, 700, y, 900, y + 24))
        row = [person, phone, address]
        if i % 2 == 0:
            topic = topics[i // 2 % 2]
            spans.append(span(topic, 960, y, 1400, y + 24))
            row.append(topic)
        read.append(" ".join(row))
    assert texts(spans) == read
