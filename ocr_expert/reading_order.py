"""Reading order: regions first (columns, blocks), then lines, right to left where the script is.

For engines that give boxes alone (PP-OCR's detector, dataset tokens), the page is cut into
regions by recursive XY-cut on the spans themselves, before any line is formed: grouping
boxes into rows first merges the lines of two columns that sit side by side, and the lines
beside a drop cap. A column cut needs a vertical gutter that runs the region's whole height
(between the boxes or, where a detector's padding closes it, between the lines' ink) with a
tall, wide column on each side, and running text on both sides (rows of several words, as
closely spaced as a paragraph's lines, and, in a script with capitals, sentences running on
from line to line on one side at least) or on one side with sentences running on (a
paragraph beside a sidebar of facts): labels beside their values, blocks of form fields,
table columns and receipt fields are read a row at a time. A wide empty band (a section
break, a footer) is cut first; a line across the top or the foot of columns of running text
whose box touches theirs (a byline, padded) is taken off before them. Inside a region the
spans form lines by vertical overlap, a drop cap or other tall span joining the first line
it stands before (a line in a large font, a title beside its byline, stays a line of its
own). Line numbers down a margin, set on a grid (``ocr_expert.line_numbers``), are read
first, as a column, and the page is cut without them. A tilted scan is straightened first
(from the slope of the detector's polygons), for ordering only, and each line is taken at its
own polygon's height, so a line tilted on its own does not swallow its neighbours.

A line is right-to-left when most of its strong characters are (Arabic, Hebrew, ...), and
its spans are then joined from the right; columns are read right to left on a right-to-left
page. Engines that find the layout themselves (Tesseract) keep theirs: ``lines_from_layout``.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import statistics
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace

from ocr_expert.line_numbers import line_number_columns
from ocr_expert.rules import Rules
from ocr_expert.skew import page_skew, tilt_field
from ocr_expert.slant import SLANT_MIN, along_axis, slanted_groups, turned_boxes
from ocr_expert.types import Box, Direction, Line, Span, box_corners, union_box

#: spans join a line when their vertical overlap is at least this share of the smaller height
#: (a detector's boxes are taller than their text: neighbouring rows of a photographed
#: receipt overlap by half)
LINE_OVERLAP = 0.6
# spans sharing more than this share of the narrower one's width are on different lines
STACKED_SHARE = 0.5
#: two lines whose centres are closer than this share of their height are set solid, as a
#: table header's two-line cells are ...
SOLID_LEADING = 0.9
#: ... where each upper span shares this much of its width with the span under it ...
CELL_SHARED = 0.8
#: ... and is centred on it, within this share of the narrower width ...
CELL_CENTRED = 0.2
#: ... and the upper line holds at least this many cells
CELL_MIN = 2
#: lines go on a column above them only in its type size, down to this share of its height
SAME_SIZE = 0.8
#: a vertical whitespace gutter between columns must be at least this many line heights ...
COLUMN_GAP = 0.6
#: ... or this many where the lines on both sides of it are in the body's type size. A detector
#: pads each line's box in proportion to its height: a real magazine's gutters are left 0.55-0.68
#: line heights straight and 0.43 at 0.8 degree askew, while the gap between its first column
#: and the title beside it, whose box is padded more, measures 0.2-0.41 (read after the title)
BODY_GAP = 0.35
#: ... or, measured between the lines' ink (``ocr_expert.ink``), this many where the lines on
#: both sides are in the body's type size: the detector pads small text by more of its height,
#: and the real magazine's gutters at half its resolution are left 0.27 line heights between its
#: boxes and 0.6-0.7 between its ink (a word gap: about 0.3). An ink gap of ``COLUMN_GAP`` or
#: more is a gutter beside display lines too: a real front page's headlines, set at the top of
#: two columns, pad their boxes to 0.31 line heights apart and leave 0.78 between their ink;
#: unless a display line bordering it stands level with the opening lines of the column across
#: it (the magazine's title, set beside its first column's opening lines, is read before them)
INK_GAP = 0.4
#: ... and each side at least this many line heights wide ...
COLUMN_WIDTH = 6.0
#: ... and this many line heights tall (a gap inside one line is no gutter)
COLUMN_HEIGHT = 1.8
#: a horizontal whitespace gap of more than this many line heights starts a new block
PARAGRAPH_GAP = 1.2
#: an empty band across a region, at least as tall as its gutter is wide and more than this
#: many line heights, is cut before the columns: a footnote under them whose pieces' gap lines
#: up with a gutter would otherwise be split between the columns
SECTION_GAP = 0.8
#: a span at least this many times the usual line height is a drop cap or a display line
TALL_SPAN = 1.7
#: ... and stands before the line it joins though its box reaches this many line heights into it
DROP_CAP_OVERLAP = 0.5
#: ... and one at least this many times as tall as it is wide, holding a few characters, is
#: text set vertically (the detector's own test for turning a line upright)
UPRIGHT = 1.5
#: two sides whose items pair up row by row this often ...
GRID_PAIRED = 0.8
#: ... and whose typical item takes less than this share of its side's width are a table or form
GRID_FILL = 0.7
#: ... and a paragraph's lines, all but its last, fill at least this share of its width (a
#: list of descriptions beside their terms is ragged)
PROSE_FILL = 0.8
#: an index's or a contents page's column: at least this share of its rows are entries, a
#: name and then its page number (one-word rows, its letter headings, aside)
ENTRY_ROWS = 0.7
#: ... so at least this share of its spans end in a number (an entry is two spans, its name and
#: its number, or three, its leaders between them, as a PDF's text layer holds them)
ENTRY_SPANS = 0.2
#: a piece of a line set this many line heights or more apart from the rest of it, beside at
#: least ``WRAP_LINES`` wide lines above whose edge the rest continues, is set beside the text
#: (a figure's caption level with a line of the text wrapped around the figure)
WRAP_GAP = 2.0
WRAP_LINES = 3
#: the text a float interrupts is set to one width before and after it, within this share
SAME_MEASURE = 0.8
#: tilts below this many degrees are left alone
MIN_SKEW_DEG = 0.3
#: a side of a column cut reads as running text when it has at least this many rows, ...
TEXT_ROWS = 3
#: ... at least this many words on a typical row ...
TEXT_WORDS = 3
#: ... and rows closer than this many line heights (a form's fields and a table's rows sit
#: further apart than the lines of a paragraph)
TEXT_LEADING = 1.6
#: characters of scripts written without spaces between words (Han, kana)
UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
#: a side whose rows start in lower case this often holds sentences running from line to line
RUNS_ON = 0.25
#: ... but for rows that start with an e-mail or web address
ADDRESS = re.compile(r"\S+@|www\.|https?:", re.IGNORECASE)
#: an item's number opening its text: ``1.``, ``12)``, ``(3)``, not a decimal (``66.28``)
ITEM_NUMBER = re.compile(r"\(?(\d{1,3})[.)](?!\d)\s*\S")
#: ... and sides of running text this many rows long or more are columns however their rows
#: start: a real dictionary page's two columns, 67 rows each, start 18-21 % of them in lower case;
#: where their rows stand level across the gap, only if they fill their sides and their typical
#: rows hold this many words or more (the dictionary's six; a form's cells, a word or three each,
#: fill a narrow column too)
LONG_ROWS = 20
LONG_WORDS = 5
#: sides of a gap whose rows stand this many times further apart on one side than on the
#: other and line up less often than ``SIDE_BY_SIDE_ALIGNED`` are read one after the other: a
#: real report's sidebar (rows 1.74 line heights apart) beside its financial table (0.87),
#: where a form's values stand on their labels' lines ...
OTHER_PITCH = 1.5
#: ... each side this many rows or more: a real fax's three notes written beside its
#: letterhead's lines are read level with them, as its transcript has them
APART_ROWS = 5
#: the gaps tried for a gutter after the widest, widest first: a wide table's many gaps
#: between its columns are not each tried at every region the cut makes (a real report's
#: gutter beside its table was the fourth widest gap)
NARROWER_GAPS = 3
#: a region whose widest empty band across is matched by this many others as tall (a long
#: table's or receipt's evenly set rows, as a PDF draws them) is cut at the middle one, not the
#: first: cut a row at a time, a 300-row receipt's every cut tested the rest for columns again
#: (5 s to order it; now 0.05). No real page read so far holds so many ties.
TIED_BANDS = 8
#: Two sides of a gap at least this many line heights wide ...
SIDE_BY_SIDE_GAP = 2.0
#: ... each at least this many lines tall ...
SIDE_BY_SIDE_ROWS = 8
#: ... whose lines line up across the gap (centres within ``ALIGN_TOLERANCE`` line heights)
#: less often than this are two documents side by side (two receipts on one scan), each read
#: whole: a table's or a form's rows line up across its gaps, and a receipt's own fields are
#: rows of one table. Real receipts set side by side line up 0.21-0.44 by chance; the real
#: scans hold no such pair of sides (none with eight lines each).
SIDE_BY_SIDE_ALIGNED = 0.5
ALIGN_TOLERANCE = 0.15
#: sides of a gap at least this many line heights wide, each three rows or more, whose rows
#: line up less often than ``FAR_APART_ALIGNED``, are read one after the other however narrow:
#: a real line chart's tick labels and its legend read `300 Support`, `200 Oppose` (3 of the
#: legend's 6 rows level with a tick by chance). A table's, a receipt's or a form's rows line
#: up across their gaps nearly all.
FAR_APART_GAP = 15.0
FAR_APART_ALIGNED = 0.8
#: a side whose rows each stand level with a row of the other side, set this many times
#: further apart than the other's, is a column of labels, each opening its block of text
#: across the gap (a CV's headings beside their paragraphs): read a row at a time, not as a
#: column, however closely the detector's boxes meet across the gap
LABEL_PITCH = 2.0
#: ... of at least this many rows, none of them a display line (a brochure's title and logo
#: beside its column stand level with its lines too), each of this many letters or more
LABELS = 2
LABEL_LETTERS = 3
#: ... each level with a row of the other side, and this share of them with a row that opens
#: a block: the row above it this many times the side's leading off, short of the side's
#: width by ``PROSE_FILL`` (a paragraph's last line), or none
LABEL_OPENING = 0.6
LABEL_BREAK = 1.3
#: rows set over (or under) columns, apart from them by a band wider than a paragraph break (a
#: title, a standfirst, a paper's title block and abstract; a footer), are cut off first where
#: the rest then stands in columns, and the columns are judged alone: cut at the widest band
#: instead, a photograph set in one column level with a box in the other parted the page into
#: two tiers of columns, read across (as without the title it was not). The first this many
#: such bands from the top and from the foot are tried (the fewest rows cut off first).
HEAD_BANDS = 5
#: a gutter found between the lines' ink, not their boxes, at a gap narrower than the widest,
#: runs down two columns each this share of the region's height or more
TALL_SIDE = 0.6
#: a ruled box holding at most this many lines is a field of a form or a cell of a table, read
#: as one unit; one holding more is a table's ruled column or a frame around running text
CELL_LINES = 4


def text_direction(text: str) -> Direction | None:
    """``"rtl"`` when most strong characters are right-to-left, ``"ltr"`` when most are
    left-to-right, None for text with no strong characters (digits, punctuation)."""
    rtl = ltr = 0
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            rtl += 1
        elif bidi == "L":
            ltr += 1
    if rtl == ltr == 0:
        return None
    return "rtl" if rtl > ltr else "ltr"


def order_spans(
    spans: Sequence[Span],
    direction: Direction | None = None,
    rules: Rules | None = None,
    ink: Mapping[int, tuple[float, float]] | None = None,
) -> tuple[list[Line], Direction]:
    """Group ``spans`` into lines in reading order.

    ``direction`` forces the page direction (for instance ``"rtl"`` for an Arabic-only
    engine); by default it follows the text. ``rules``, the page's ruling lines
    (``ocr_expert.rules.find_rules``), make each ruled box of a form a unit read whole, in its
    place among the others. ``ink``, where each span's ink starts and ends inside its box
    (``ocr_expert.ink.ink_extents``), lets a gutter the detector's padded boxes close be
    measured between the lines' ink (a page scanned at low resolution). Spans without boxes
    keep their given order and come last, on one line. Returns the lines and the page
    direction.
    """
    boxed = [i for i, s in enumerate(spans) if s.box is not None and s.text.strip()]
    unboxed = [i for i, s in enumerate(spans) if s.box is None and s.text.strip()]
    page_dir = (
        direction or text_direction(" ".join(spans[i].text for i in boxed + unboxed)) or "ltr"
    )

    boxes = _deskewed_boxes(spans, boxed)
    texts = {i: spans[i].text for i in boxed}
    unit = statistics.median(b[3] - b[1] for b in boxes.values()) if boxes else 1.0
    upright = {i for i in boxed if _set_vertically(boxes[i], texts[i], unit)}
    groups = _upright_lines(upright, boxes)
    # A short word of a vertical line (`of`, `in`) is boxed nearly square and fails the test
    # above: it joins the vertical line whose column it stands in rather than the row beside.
    short = [i for i in boxed if i not in upright and len(texts[i].strip()) <= 2]
    groups = _with_short_pieces(groups, short, boxes)
    upright |= {m for group in groups for m in group}
    # Text set at a slant (a chart's turned axis labels) is read on its own, in a frame where
    # it lies level, after the page's text and before text set vertically.
    slanted = slanted_groups(spans, [i for i in boxed if i not in upright])
    apart = upright | {m for _, group in slanted for m in group}
    across = [i for i in boxed if i not in apart]
    # A margin's line numbers are a column of their own, read before the text they number,
    # which is then ordered as without them.
    numbering = line_number_columns(across, boxes, texts)
    if page_dir == "rtl":
        numbering.reverse()
    numbered = {m for column in numbering for m in column}
    across = [i for i in across if i not in numbered]
    cells = _ruled_cells(across, spans, boxes, rules, unit) if rules else {}
    if cells:
        blocks = _cell_cut(across, boxes, page_dir, texts, cells, unit, ink)
    else:
        blocks = _xy_cut(across, boxes, page_dir, texts, ink=ink) if across else []
    blocks = [_beside_wrapped_text(b, boxes, texts, unit) for b in blocks]
    blocks = [_numbered_down(b, boxes, texts, page_dir) for b in blocks]
    made = [[_make_line(spans, members, boxes, page_dir, 0, unit) for members in b] for b in blocks]
    # Text set vertically (an axis title, a document number up the margin) is no part of the
    # rows beside it: each such line is read after the page, its pieces from the bottom up.
    vertical = [[_upright_line(spans, group, boxes, page_dir)] for group in groups]
    at_slant = []
    for degrees, group in slanted:
        labels = along_axis(spans, group)
        if labels is not None:  # a label a line, along the axis
            at_slant.append([_as_read(spans, [m], page_dir) for m in labels])
            continue
        level = turned_boxes(spans, group, degrees)
        at_slant += [
            [_make_line(spans, members, level, page_dir, 0, unit) for members in block]
            for block in _xy_cut(group, level, page_dir, texts)
        ]
    margin = [[_as_read(spans, [m], page_dir) for m in column] for column in numbering]
    ordered = margin + _floats_last(made) + at_slant + vertical
    lines = [
        replace(line, block=block_no) for block_no, block in enumerate(ordered) for line in block
    ]
    if unboxed:
        text = " ".join(spans[i].text for i in unboxed)
        lines.append(
            Line(
                text=text,
                box=None,
                spans=tuple(unboxed),
                direction=text_direction(text) or page_dir,
                block=len(ordered),
            )
        )
    return lines, page_dir


def crop_line(
    spans: Sequence[Span], direction: Direction | None = None
) -> tuple[list[Line], Direction]:
    """The spans of a crop read as one word or line (``mode="crop"``), as that one line, in
    the order the recognizer read them.

    A crop holds one line by definition, and a recognizer reads it in order (Tesseract's
    line and word modes, from the right in Arabic). Ordered again by their boxes, a mark
    boxed over the end of a word (the hyphen of ``inter-``, a slash) would stand over the
    word and be read first, and a word boxed with the rule it is written on would move.
    Returns the line (none for an empty crop) and its direction.
    """
    members = [i for i, s in enumerate(spans) if s.text.strip()]
    page_dir = direction or text_direction(" ".join(spans[i].text for i in members)) or "ltr"
    return ([_as_read(spans, members, page_dir)] if members else []), page_dir


def _set_vertically(box: list[float], text: str, usual: float) -> bool:
    """Whether a span is text set vertically: a box far taller than the page's lines and
    taller than wide, holding a few characters (a drop cap or a large title word is wide)."""
    height, width = box[3] - box[1], box[2] - box[0]
    return height >= TALL_SPAN * usual and height >= UPRIGHT * width and len(text.strip()) >= 3


def _upright_lines(members: set[int], boxes: dict[int, list[float]]) -> list[list[int]]:
    """Vertical spans grouped into lines, left to right: pieces of one line (a detector cuts
    a long vertical line at its word gaps) share their column and follow each other closely.
    Each line's pieces run from the bottom up, as Latin text set vertically reads."""
    lines: list[list[int]] = []
    # from the bottom up, so that each piece meets its line where the line has reached
    for m in sorted(members, key=lambda k: -boxes[k][3]):
        box = boxes[m]
        for line in lines:
            last = _extent([line], boxes)
            gap = _column_gap(box, last)
            if gap is not None and gap <= 2 * min(box[2] - box[0], last[2] - last[0]):
                line.append(m)
                break
        else:
            lines.append([m])
    lines.sort(key=lambda line: sum(_extent([line], boxes)[0:3:2]))  # left to right
    return lines


def _with_short_pieces(
    lines: list[list[int]], short: list[int], boxes: dict[int, list[float]]
) -> list[list[int]]:
    """``lines`` (vertical lines, pieces from the bottom up) with each ``short`` span that
    stands in a line's column, taller than wide, within two line widths of its pieces, put in
    its place among them."""
    out = [list(line) for line in lines]
    for m in short if lines else []:
        box = boxes[m]
        if box[3] - box[1] < box[2] - box[0]:
            continue  # a short word set across (a tick label, a unit) stays in its row
        for line in out:
            last = _extent([line], boxes)
            gap = _column_gap(box, last)
            if gap is not None and gap <= 2 * (last[2] - last[0]):
                line.append(m)
                line.sort(key=lambda k: -boxes[k][3])
                break
    return out


def _column_gap(box: list[float], column: list[float]) -> float | None:
    """How far ``box`` lies above or below ``column`` (negative where they overlap), when it
    stands in that column: half the narrower of the two widths overlapping. None otherwise."""
    width = min(box[2] - box[0], column[2] - column[0])
    if _h_overlap(box, column) < 0.5 * width:
        return None
    return max(box[1] - column[3], column[1] - box[3])


def _upright_line(
    spans: Sequence[Span], members: list[int], boxes: dict[int, list[float]], page_dir: Direction
) -> Line:
    """A vertical line read from the bottom up. Where the detector's boxes of two pieces
    overlap, the letters in the overlap were read twice (``Revenue i`` above-and-below
    ``in million``): a piece's first letters that repeat the end of the piece before it, no
    more of them than the overlap holds, are dropped and the two pieces join there."""
    line = _as_read(spans, members, page_dir)
    texts = [spans[members[0]].text.strip()]
    for before, after in itertools.pairwise(members):
        text = spans[after].text.strip()
        overlap = boxes[after][3] - boxes[before][1]  # bottom-up: `after` lies above `before`
        height = boxes[after][3] - boxes[after][1]
        pitch = height / max(len(text), 1)  # one character's length along the line
        most = min(len(text) - 1, len(texts[-1]), round(overlap / pitch)) if overlap > 0 else 0
        repeated = next((k for k in range(most, 0, -1) if texts[-1].endswith(text[:k])), 0)
        if repeated:  # one word cut in two, its cut letters read in both pieces
            texts[-1] += text[repeated:]
        else:
            texts.append(text)
    return replace(line, text=" ".join(t for t in texts if t))


def _as_read(spans: Sequence[Span], members: Sequence[int], page_dir: Direction) -> Line:
    """One line of ``members`` (at least one) in the order given."""
    text = " ".join(spans[i].text for i in members)
    boxes = [box for i in members if (box := spans[i].box) is not None]
    return Line(
        text=text,
        box=union_box(boxes) if boxes else None,
        spans=tuple(members),
        direction=text_direction(text) or page_dir,
    )


def _floats_last(blocks: list[list[Line]]) -> list[list[Line]]:
    """``blocks`` with each block that interrupts running text (a pull quote, a caption set
    between two parts of a column) moved after the others, as a reader finishes the article
    before turning to what is set beside it.

    A block stands in the way of the text when the block before it ends mid-sentence (no
    closing mark, its last line as wide as its typical line), the block after it goes on in
    lower case, set to the same measure (``_same_measure``), and the block itself does
    neither, is shorter than both (a title over columns is no interruption) and has text above
    it (``_under_text``): a block heading its column with nothing over it, as the running head
    of the right-hand page of a book's spread over a sentence that runs on from the left-hand
    page, opens the column.
    """
    if len(blocks) < 3:
        return blocks
    ends_open = [
        bool(last := block[-1].text.rstrip())
        and last[-1] not in ".!?:;\"”’')]"
        and _ends_full(block)
        for block in blocks
    ]
    goes_on = [block[0].text.lstrip("\"'“‘(")[:1].islower() for block in blocks]
    floats = {
        i
        for i in range(1, len(blocks) - 1)
        if len(blocks[i]) < min(len(blocks[i - 1]), len(blocks[i + 1]))
        and ends_open[i - 1]
        and goes_on[i + 1]
        and not goes_on[i]
        and _same_measure(blocks[i - 1], blocks[i + 1])
        and _under_text(blocks[i], blocks)
    }
    kept = [b for i, b in enumerate(blocks) if i not in floats]
    return kept + [blocks[i] for i in sorted(floats)]


def _ends_full(block: list[Line]) -> bool:
    """Whether ``block``'s last line fills its width as its typical line does, as a line
    broken mid-sentence does (True where its lines carry no boxes). A short last line ends a
    paragraph, or an item of a box of facts set at a column's foot: no sentence runs on from
    it, whatever its last mark."""
    widths = _widths(block)
    last = block[-1].box
    if last is None or not widths:
        return True
    return last[2] - last[0] >= PROSE_FILL * statistics.median(widths)


def _same_measure(before: list[Line], after: list[Line]) -> bool:
    """Whether ``before`` and ``after`` are set to one measure (width), as the two parts of
    one column's text, or of two columns a sentence runs across, are (True where their lines
    carry no boxes). Text of another width before a caption (a code listing, a table) runs on
    into nothing."""
    # the typical line, not the block's extent: a column's block may hold the headline over it
    widths = [_widths(before), _widths(after)]
    if not all(widths):
        return True
    typical = [statistics.median(w) for w in widths]
    return min(typical) >= SAME_MEASURE * max(typical)


def _widths(block: list[Line]) -> list[float]:
    """The widths of ``block``'s lines that carry a box."""
    return [line.box[2] - line.box[0] for line in block if line.box is not None]


def _under_text(block: list[Line], blocks: list[list[Line]]) -> bool:
    """Whether a line of another block lies above ``block``, across some of its width (True
    where its lines carry no boxes: the text alone decides)."""
    boxes = [line.box for line in block if line.box is not None]
    if not boxes:
        return True
    top = union_box(boxes)
    return any(
        line.box is not None and line.box[3] <= top[1] and _h_overlap(line.box, top) > 0
        for other in blocks
        if other is not block
        for line in other
    )


def lines_from_layout(
    spans: Sequence[Span],
    layout_lines: Sequence[Sequence[int]],
    blocks: Sequence[int],
    direction: Direction | None = None,
) -> tuple[list[Line], Direction]:
    """Lines in the order an engine gave them (its own layout analysis), words as given."""
    texts = [" ".join(spans[i].text for i in members) for members in layout_lines]
    page_dir = direction or text_direction(" ".join(texts)) or "ltr"
    lines = []
    for members, text, block in zip(layout_lines, texts, blocks):
        if not text.strip():
            continue
        boxes = [spans[i].box for i in members if spans[i].box is not None]
        lines.append(
            Line(
                text=text,
                box=union_box(boxes) if boxes else None,  # type: ignore[arg-type]
                spans=tuple(members),
                direction=text_direction(text) or page_dir,
                block=int(block),
            )
        )
    return lines, page_dir


def _make_line(
    spans: Sequence[Span],
    members: list[int],
    boxes: dict[int, list[float]],
    page_dir: Direction,
    block: int,
    usual: float,
) -> Line:
    text_dir = text_direction(" ".join(spans[i].text for i in members)) or page_dir
    # x centres; right-to-left lines read from the right; the lines of one cell (spans over
    # each other in a row of two-line cells) top to bottom, at their first line's place
    sign = -1.0 if text_dir == "rtl" else 1.0
    centre = {i: sign * (boxes[i][0] + boxes[i][2]) for i in members}
    place = dict(centre)
    for i in members:
        over = [k for k in members if boxes[k][1] < boxes[i][1] and _stacked(boxes[i], [k], boxes)]
        if over:
            place[i] = centre[min(over, key=lambda k: boxes[k][1])]
    members = sorted(members, key=lambda i: (place[i], boxes[i][1]))
    heights = [boxes[i][3] - boxes[i][1] for i in members]
    text = ""
    for pos, i in enumerate(members):
        piece = spans[i].text
        if (
            pos
            and _is_drop_cap(spans[members[pos - 1]].text, heights[pos - 1], usual)
            and (piece[:1].islower() or _lead_in(piece))
        ):
            text += piece  # a drop cap is the first letter of the word beside it
        else:
            text += (" " if text else "") + piece
    return Line(
        text=text,
        box=union_box([spans[i].box for i in members]),  # type: ignore[misc]
        spans=tuple(members),
        direction=text_dir,
        block=block,
    )


def _beside_wrapped_text(
    lines: list[list[int]], boxes: dict[int, list[float]], texts: dict[int, str], unit: float
) -> list[list[int]]:
    """``lines`` (one block's) with each piece set beside text wrapped round a figure taken
    out of the line it stands level with and read after the block.

    On a real book page, text runs beside an engraving and its caption is level with one of
    the wrapped lines: it was read inside the sentence (``but MISS WATSON'S LECTURE. she said
    I was a fool``). A piece is set beside the text when, across a gap of ``WRAP_GAP`` line
    heights, the rest of the line continues the ``WRAP_LINES`` wide lines above it (their edge
    on the gap's side lined up with its own, nothing of theirs beyond it) and goes on from them
    in lower case, and the piece is more than a list's marker (``(b)``, ``12.``).
    """
    out: list[list[int]] = []
    aside: list[list[int]] = []
    for line in lines:
        split = None
        if len(out) >= WRAP_LINES and len(line) >= 2:
            above = [_extent([kept], boxes) for kept in out[-WRAP_LINES:]]
            ordered = sorted(line, key=lambda m: boxes[m][0])
            for cut in range(1, len(ordered)):
                left, right = ordered[:cut], ordered[cut:]
                lbox, rbox = _extent([left], boxes), _extent([right], boxes)
                if rbox[0] - lbox[2] >= WRAP_GAP * unit:
                    if _runs_on(rbox, right, above, 0, texts, unit) and _aside(left, texts):
                        split = (right, left)
                    elif _runs_on(lbox, left, above, 2, texts, unit) and _aside(right, texts):
                        split = (left, right)
                    break
        if split is None:
            out.append(line)
        else:
            out.append(split[0])
            aside.append(split[1])
    return out + aside


def _numbered_down(
    lines: list[list[int]],
    boxes: dict[int, list[float]],
    texts: dict[int, str],
    page_dir: Direction,
) -> list[list[int]]:
    """``lines`` (one block's) with each run of rows of numbered items that the numbers say go
    down columns read a column at a time.

    A form's boxes to tick or a questionnaire's options set in columns stand level across the
    gaps as a table's cells do, and are read a row at a time (``1. Gain 5. High-taxed 8. Form``);
    where every item of consecutive rows opens with its number, and the numbers run on by one
    down each column and from the foot of one column to the head of the next, each item is a
    line of its own, in that order. Items numbered across the rows keep their rows.
    """
    out: list[list[int]] = []
    k = 0
    while k < len(lines):
        end = k
        while end < len(lines) and all(_item_number(texts[m]) is not None for m in lines[end]):
            end += 1
        run = lines[k:end]
        column_major = _down_columns(run, boxes, texts, page_dir) if len(run) >= 2 else None
        out.extend([[m] for m in column_major] if column_major else run or [lines[k]])
        k = max(end, k + 1)
    return out


def _down_columns(
    rows: list[list[int]], boxes: dict[int, list[float]], texts: dict[int, str], page_dir: Direction
) -> list[int] | None:
    """The items of ``rows`` column after column, each column top to bottom, where so read
    their numbers run on by one and they stand in two columns or more; else None."""
    items = sorted((m for row in rows for m in row), key=lambda m: boxes[m][0])
    columns: list[list[int]] = []
    for m in items:  # items set one under another overlap in width: one column
        if columns and boxes[m][0] < max(boxes[c][2] for c in columns[-1]):
            columns[-1].append(m)
        else:
            columns.append([m])
    if len(columns) < 2 or any(len({_row_of(m, rows) for m in c}) < len(c) for c in columns):
        return None
    if page_dir == "rtl":
        columns.reverse()
    order = [m for c in columns for m in sorted(c, key=lambda m: _row_of(m, rows))]
    numbers = [n for m in order if (n := _item_number(texts[m])) is not None]
    if any(b != a + 1 for a, b in itertools.pairwise(numbers)):
        return None
    return order


def _item_number(text: str) -> int | None:
    """The number an item opens with (``ITEM_NUMBER``), or None."""
    found = ITEM_NUMBER.match(text)
    return int(found.group(1)) if found else None


def _row_of(m: int, rows: list[list[int]]) -> int:
    """The index of the row of ``rows`` that holds ``m``."""
    return next(k for k, row in enumerate(rows) if m in row)


def _runs_on(
    box: list[float],
    members: list[int],
    above: list[list[float]],
    edge: int,
    texts: dict[int, str],
    unit: float,
) -> bool:
    """Whether the part of a line in ``box`` continues the lines ``above`` (extents) on their
    ``edge`` (0: left, 2: right): all wide, lined up with it within half a line height, the
    last just over it, and it goes on in lower case (``members``: its spans, left to right)."""
    return (
        texts[members[0]].lstrip("\"'“‘(")[:1].islower()
        and box[2] - box[0] >= COLUMN_WIDTH * unit
        and box[1] - above[-1][3] <= TEXT_LEADING * unit
        and all(
            a[2] - a[0] >= COLUMN_WIDTH * unit and abs(a[edge] - box[edge]) <= 0.5 * unit
            for a in above
        )
    )


def _aside(members: list[int], texts: dict[int, str]) -> bool:
    """Whether a piece of a line is more than a list's marker (``(b)``, ``12.``, a bullet):
    two words or more, or five letters and digits."""
    text = " ".join(texts[m] for m in members)
    return len(text.split()) >= 2 or sum(ch.isalnum() for ch in text) >= 5


def _lead_in(text: str) -> bool:
    """Whether ``text`` opens with a word of two capitals or more: the lead-in a magazine sets
    in capitals after a drop cap (`S` `HE MOPED.`)."""
    words = text.split()
    letters = [ch for ch in words[0] if ch.isalpha()] if words else []
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def _is_drop_cap(text: str, height: float, usual: float) -> bool:
    return (
        len(text) <= 2 and text[:1].isalpha() and text[:1].isupper() and height >= TALL_SPAN * usual
    )


def _deskewed_boxes(spans: Sequence[Span], indices: list[int]) -> dict[int, list[float]]:
    """Each span's box, in the frame of a page turned straight when the detector's polygons
    show a common tilt (a scan placed askew), or lines that fan out made level (a page
    photographed at an angle)."""
    boxes = {i: list(spans[i].box) for i in indices}  # type: ignore[arg-type]
    chosen = [spans[i] for i in indices]
    field = tilt_field(chosen)
    if field is not None:
        return _own_heights(spans, _fanned_boxes(spans, boxes, field))
    tilt = page_skew(chosen)  # degrees, climbing to the right
    if abs(tilt) < MIN_SKEW_DEG:
        return _own_heights(spans, boxes)
    return _own_heights(spans, turned_boxes(spans, indices, tilt))


def _fanned_boxes(
    spans: Sequence[Span], boxes: dict[int, list[float]], field: tuple[float, float]
) -> dict[int, list[float]]:
    """Each box in a frame where lines that fan out (``skew.tilt_field``) lie level: each
    span sheared about the page's middle by the tilt the field gives at its height.

    One turn for the whole page would leave the top and bottom lines tilted either way, each
    line's box overlapping the next, and a title over a column's first line.
    """
    slope, at_zero = field
    middle = statistics.median((b[0] + b[2]) / 2 for b in boxes.values())
    out = {}
    for i, box in boxes.items():
        tilt = math.radians(slope * (box[1] + box[3]) / 2 + at_zero)
        climb = math.tan(tilt)  # a level line climbs this much to the right: undo it
        points = [(x, y + climb * (x - middle)) for x, y in spans[i].polygon or box_corners(box)]
        out[i] = [*map(min, zip(*points)), *map(max, zip(*points))]
    return out


def _own_heights(spans: Sequence[Span], boxes: dict[int, list[float]]) -> dict[int, list[float]]:
    """Each box cut to its polygon's own height around its centre.

    A line tilted on its own (a curled receipt, a photographed page) has an upright box
    taller than its text, and would swallow the lines above and below it when lines are
    formed by vertical overlap. A span tilted ``SLANT_MIN`` degrees or more (a word along a pen
    in a photograph, a stamp) keeps its box: cut to its polygon's height, a word standing
    nearly upright became a flat box and joined the line beside it (`last month wikiHow`).
    """
    for i, box in boxes.items():
        poly = spans[i].polygon
        if poly and len(poly) == 4 and _tilt(poly) < SLANT_MIN:
            height = (math.dist(poly[0], poly[3]) + math.dist(poly[1], poly[2])) / 2
            if 0 < height < box[3] - box[1]:
                centre = (box[1] + box[3]) / 2
                boxes[i] = [box[0], centre - height / 2, box[2], centre + height / 2]
    return boxes


def _tilt(poly: Sequence[tuple[float, float]]) -> float:
    """Degrees a four-point polygon's top edge is tilted from level, either way (0 to 90)."""
    (x0, y0), (x1, y1) = poly[0], poly[1]
    return math.degrees(math.atan2(abs(y1 - y0), abs(x1 - x0)))


def _lines_in(
    members: list[int], boxes: dict[int, list[float]], page_dir: Direction = "ltr"
) -> list[list[int]]:
    """Spans of one region grouped into lines, top to bottom.

    Spans join a line by vertical overlap. A tall span (a drop cap, a big figure beside small
    text) would bridge several lines, so it is set aside and joins the first line it stands
    beside instead.
    """
    height = {m: boxes[m][3] - boxes[m][1] for m in members}
    usual = statistics.median(height.values())
    tall = [m for m in members if height[m] >= TALL_SPAN * usual]
    normal = [m for m in members if height[m] < TALL_SPAN * usual] or tall
    if normal is tall:
        tall = []
    bands: list[tuple[list[float], list[int]]] = []
    # Spans come by their centres, none taller than ``reach``: a band whose foot lies above a
    # span's centre less half of that can meet no span to come, and is no longer tried (a long
    # table's rows were each tried against every row above them).
    reach = max(height[m] for m in normal) / 2
    open_bands: list[tuple[list[float], list[int]]] = []
    for m in sorted(normal, key=lambda k: (boxes[k][1] + boxes[k][3]) / 2):
        box = boxes[m]
        centre = (box[1] + box[3]) / 2
        open_bands = [b for b in open_bands if b[0][3] >= centre - reach]
        best, best_share = None, 0.0
        for band_box, band in open_bands:
            overlap = min(box[3], band_box[3]) - max(box[1], band_box[1])
            share = overlap / max(min(box[3] - box[1], band_box[3] - band_box[1]), 1e-6)
            # Spans of one line stand side by side: a span under another one is the next
            # line, however much a taller span beside both makes the band's box overlap it.
            if share >= LINE_OVERLAP and share > best_share and not _stacked(box, band, boxes):
                best, best_share = (band_box, band), share
        if best is None:
            bands.append((list(box), [m]))
            open_bands.append(bands[-1])
        else:
            band_box, band = best
            band.append(m)
            band_box[1], band_box[3] = min(band_box[1], box[1]), max(band_box[3], box[3])
    bands.sort(key=lambda b: b[0][1])
    for m in sorted(tall, key=lambda k: boxes[k][1]):
        box = boxes[m]
        for band_box, band in bands:
            # A drop cap stands before the lines it joins (left of them, right of them on a
            # right-to-left page), its box padded by more than theirs (one reached 4 px into
            # its first line's); a line in a large font over, under or after smaller text (a
            # receipt's "Total", a title beside its byline) is a line of its own.
            if page_dir == "rtl":
                beside = all(boxes[k][2] <= box[0] + DROP_CAP_OVERLAP * usual for k in band)
            else:
                beside = all(boxes[k][0] >= box[2] - DROP_CAP_OVERLAP * usual for k in band)
            if beside and min(box[3], band_box[3]) - max(box[1], band_box[1]) > 0:
                band.append(m)
                break
        else:
            bands.append((list(box), [m]))
            bands.sort(key=lambda b: b[0][1])
    return [band for _, band in bands]


def _continue_column(
    blocks: list[list[list[int]]], first: int, start: int, boxes: dict[int, list[float]]
) -> None:
    """Move the first lines of ``blocks[-1][start:]`` (the part under a paragraph-sized gap)
    to the end of the block, from ``blocks[first]`` on, whose column they continue.

    A region whose columns end at different heights has its widest empty band inside the
    longer column (a paragraph break), so the lines below it are cut off before the columns
    are found, and would follow the last column read rather than the one they stand under.
    The lines that move stand under the lowest block above them, about as wide as it, and
    clear of every block beside it or read after it (other columns), and in its type size;
    text across the columns' feet, a page number or a footnote stays last.
    """
    last = len(blocks) - 1
    tail = blocks[last][start:]
    extents = {
        i: _extent(lines, boxes)
        for i in range(first, last + 1)
        if any(lines := blocks[i] if i < last else blocks[i][:start])
    }

    def column_over(line: list[int]) -> int | None:
        box = _extent([line], boxes)
        under = [i for i, e in extents.items() if _h_overlap(box, e) >= 0.5 * (box[2] - box[0])]
        return max(under, key=lambda i: extents[i][3]) if under else None

    target = column_over(tail[0]) if tail else None
    if target is None or target == last:
        return
    column = extents[target]
    size = statistics.median(boxes[m][3] - boxes[m][1] for line in blocks[target] for m in line)
    clear = [  # other columns: read after it, or beside it
        e
        for i, e in extents.items()
        if i != target and (i > target or (e[1] < column[3] and e[3] > column[1]))
    ]
    moving: list[list[int]] = []
    for line in tail:
        box = _extent([line], boxes)
        if (
            column_over(line) != target
            or any(_h_overlap(box, e) > 0 for e in clear)
            or statistics.median(boxes[m][3] - boxes[m][1] for m in line) < SAME_SIZE * size
        ):
            break
        moving.append(line)
    moved = _extent(moving, boxes) if moving else None
    if moved is None or moved[2] - moved[0] < 0.5 * (column[2] - column[0]):
        return  # nothing, or a page number or a note under a column rather than its text
    blocks[target].extend(moving)
    del blocks[last][start : start + len(moving)]


def _word_count(text: str) -> int:
    """How many words ``text`` holds; in a script written without spaces between words
    (Chinese, Japanese) every two of its characters count as one, about a word's length there.
    A figure (digits without letters: ``1,382.7``, ``(134)``, ``12%``) is no word: a table's row
    of figures is no phrase."""
    unspaced = len(UNSPACED.findall(text))
    words = UNSPACED.sub(" ", text).split()
    return sum(1 for w in words if not _figure(w)) + math.ceil(unspaced / 2)


def _figure(word: str) -> bool:
    """Whether ``word`` is a figure: digits and no letters."""
    return any(ch.isdigit() for ch in word) and not any(ch.isalpha() for ch in word)


def _ends_in_number(text: str) -> bool:
    """Whether ``text``'s last word is a number written in digits alone (a page number)."""
    words = text.split()
    return bool(words) and words[-1].strip(".").isdigit()


def _row_centre(row: list[int], boxes: dict[int, list[float]]) -> float:
    """The height halfway between the top and the bottom of a row of spans."""
    return (min(boxes[m][1] for m in row) + max(boxes[m][3] for m in row)) / 2


def _extent(lines: list[list[int]], boxes: dict[int, list[float]]) -> list[float]:
    """The box around the spans of ``lines`` (at least one span)."""
    members = [m for line in lines for m in line]
    return [
        min(boxes[m][0] for m in members),
        min(boxes[m][1] for m in members),
        max(boxes[m][2] for m in members),
        max(boxes[m][3] for m in members),
    ]


def _h_overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """How far two boxes overlap horizontally, in pixels."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0]))


def _cell_rows(lines: list[list[int]], boxes: dict[int, list[float]]) -> list[list[int]]:
    """``lines`` with each row of table cells set in two lines joined into one line.

    A table header often sets some cells in two lines (``NO. OF`` over ``STORES``) beside
    cells of one line (``NAME OF ACCOUNT``): read line by line, the header becomes two rows of
    fragments; a reader reads it cell by cell.
    """
    out: list[list[int]] = []
    for line in lines:
        if out and _two_line_cells(out[-1], line, boxes):
            out[-1] = out[-1] + line
        else:
            out.append(line)
    return out


def _two_line_cells(upper: list[int], lower: list[int], boxes: dict[int, list[float]]) -> bool:
    """Whether two consecutive lines are one row of cells: set solid (closer than a line
    height), each span of the upper line centred over exactly one span of the lower line, and
    at least one span of the lower line with nothing over it (a cell of one line)."""
    if len(upper) < CELL_MIN or len(lower) <= len(upper):
        return False
    height = statistics.median(boxes[m][3] - boxes[m][1] for m in upper + lower)
    centre = statistics.median((boxes[m][1] + boxes[m][3]) / 2 for m in upper)
    below = statistics.median((boxes[m][1] + boxes[m][3]) / 2 for m in lower)
    if below - centre >= SOLID_LEADING * height:
        return False
    paired: set[int] = set()
    for u in upper:
        a = boxes[u]
        partners = [
            k
            for k in lower
            if min(a[2], boxes[k][2]) - max(a[0], boxes[k][0])
            >= CELL_SHARED * min(a[2] - a[0], boxes[k][2] - boxes[k][0])
            and abs((a[0] + a[2]) - (boxes[k][0] + boxes[k][2])) / 2
            <= CELL_CENTRED * min(a[2] - a[0], boxes[k][2] - boxes[k][0])
        ]
        if len(partners) != 1:
            return False
        paired.update(partners)
    # The rest of the lower line are cells of one line: nothing stands over them. A lower
    # span under an upper one it is not centred under is the next row of a table set solid
    # (a receipt's item split by the detector: ``1`` and ``Cappucino`` under ``1 Hot Chocolate``).
    unpaired = [k for k in lower if k not in paired]
    return all(_h_overlap(boxes[k], boxes[u]) <= 0 for k in unpaired for u in upper)


def _stacked(box: list[float], band: list[int], boxes: dict[int, list[float]]) -> bool:
    """Whether ``box`` shares most of its width with a span of ``band`` (one above the other)."""
    for k in band:
        other = boxes[k]
        shared = min(box[2], other[2]) - max(box[0], other[0])
        if shared > STACKED_SHARE * min(box[2] - box[0], other[2] - other[0]):
            return True
    return False


def vertical_overlap(a: Sequence[float], b: Sequence[float]) -> float:
    """Vertical overlap of two boxes as a share of the shorter one's height (negative for a
    gap between them)."""
    return (min(a[3], b[3]) - max(a[1], b[1])) / max(min(a[3] - a[1], b[3] - b[1]), 1e-6)


def _ruled_cells(
    items: list[int],
    spans: Sequence[Span],
    boxes: dict[int, list[float]],
    rules: Rules,
    unit: float,
) -> dict[int, Box]:
    """The ruled box around each of ``items`` that lies in one, as (left, top, right, bottom)
    rule positions; empty unless two boxes or more hold text.

    A span's box is closed by the nearest rule above and below its centre that reach across
    it, and the nearest to its left and right that run the whole height between those two
    (a rule that ends in the row above or below closes no box of this row); the rules above
    and below must run the width between those. A span with a side open lies in no box (a
    form's free text, a table without rules). A box holding more than ``CELL_LINES`` lines is
    read as the page is (a ruled table column holds many rows).
    """

    def centre(rule: Box, axis: int) -> float:
        return (rule[axis] + rule[axis + 2]) / 2

    def runs(rule: Box, start: float, end: float, axis: int) -> bool:
        # a side of a closed box runs from one corner to the other
        return rule[axis] - unit <= start and rule[axis + 2] + unit >= end

    cell: dict[int, Box] = {}
    for i in items:
        box = spans[i].box
        if box is None:
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        across = [r for r in rules.horizontal if r[0] - unit / 2 <= cx <= r[2] + unit / 2]
        top = max((r for r in across if centre(r, 1) < cy), key=lambda r: r[1], default=None)
        bottom = min((r for r in across if centre(r, 1) > cy), key=lambda r: r[1], default=None)
        if top is None or bottom is None:
            continue
        y0, y1 = centre(top, 1), centre(bottom, 1)
        sides = [r for r in rules.vertical if runs(r, y0, y1, 1)]
        left = max((r for r in sides if centre(r, 0) < cx), key=lambda r: r[0], default=None)
        right = min((r for r in sides if centre(r, 0) > cx), key=lambda r: r[0], default=None)
        if left is None or right is None:
            continue
        x0, x1 = centre(left, 0), centre(right, 0)
        if runs(top, x0, x1, 0) and runs(bottom, x0, x1, 0):
            cell[i] = (x0, y0, x1, y1)
    groups: dict[Box, list[int]] = {}
    for i, key in cell.items():
        groups.setdefault(key, []).append(i)
    kept = {
        key: members
        for key, members in groups.items()
        if len(_lines_in(members, boxes)) <= CELL_LINES
    }
    if len(kept) < 2:
        return {}
    return {i: key for key, members in kept.items() for i in members}


def _cell_cut(
    items: list[int],
    boxes: dict[int, list[float]],
    page_dir: Direction,
    texts: dict[int, str],
    cells: dict[int, Box],
    unit: float,
    ink: Mapping[int, tuple[float, float]] | None = None,
) -> list[list[list[int]]]:
    """Blocks in reading order, as ``_xy_cut`` gives them, with each ruled box of ``cells``
    read as one item in the page (boxed by its rules) and its own spans read in its place.

    A reader takes a form box by box: the label in a box's corner, then the value under it,
    then the next box, where lines read across the page would run from one box's label into
    the next box's and leave the values for later.
    """
    members: dict[Box, list[int]] = {}
    for i in items:
        if i in cells:
            members.setdefault(cells[i], []).append(i)
    outer_boxes = dict(boxes)
    outer_texts = dict(texts)
    inside: dict[int, list[int]] = {}
    for n, (rect, group) in enumerate(members.items()):
        key = -(n + 1)  # span indices are never negative
        outer_boxes[key] = list(rect)
        outer_texts[key] = " ".join(texts[m] for m in group)
        inside[key] = group
    free = [i for i in items if i not in cells]
    sign = -1.0 if page_dir == "rtl" else 1.0
    blocks: list[list[list[int]]] = []
    for block in _xy_cut(free + list(inside), outer_boxes, page_dir, outer_texts, unit, ink):
        lines: list[list[int]] = []
        for line in block:
            run: list[int] = []
            for m in sorted(line, key=lambda k: sign * (outer_boxes[k][0] + outer_boxes[k][2])):
                if m not in inside:
                    run.append(m)
                    continue
                inner = _xy_cut(inside[m], boxes, page_dir, texts, unit, ink)
                read = [cell_line for cell_block in inner for cell_line in cell_block]
                if len(read) == 1:  # a box of one line: a table row's cell, read across
                    run.extend(read[0])
                    continue
                if run:
                    lines.append(run)
                    run = []
                lines.extend(read)
            if run:
                lines.append(run)
        blocks.append(lines)
    return blocks


def _inked(box: list[float], shares: tuple[float, float] | None) -> list[float]:
    """``box`` cut in width to its ink, given the shares of its width before and after it."""
    if shares is None:
        return box
    width = box[2] - box[0]
    return [box[0] + shares[0] * width, box[1], box[2] - shares[1] * width, box[3]]


def _xy_cut(
    items: list[int],
    boxes: dict[int, list[float]],
    page_dir: Direction,
    texts: dict[int, str] | None = None,
    unit: float | None = None,
    ink: Mapping[int, tuple[float, float]] | None = None,
) -> list[list[list[int]]]:
    """Blocks in reading order; each block a list of lines; each line a list of span indices.
    ``unit``, the line height, is the median height of ``items`` unless given; ``ink``, the
    shares of each box's width before and after its ink (``order_spans``)."""
    unit = unit or statistics.median(boxes[m][3] - boxes[m][1] for m in items) or 1.0
    # each box cut in width to its ink, once for every cut that measures a gap between the ink
    inked = {m: _inked(boxes[m], ink.get(m)) for m in items} if ink else boxes
    blocks: list[list[list[int]]] = []
    # spans ending in a page number, counted at every cut: an index's are half its spans
    numbered = {m for m in items if texts is not None and _ends_in_number(texts[m])}
    rows_of: dict[tuple[int, ...], list[list[int]]] = {}
    word_counts = {m: _word_count(texts[m]) for m in items} if texts is not None else {}

    def lines(side: list[int]) -> list[list[int]]:
        """``side`` grouped into lines (``_lines_in``), once for each set of spans: the tests
        of every gap tried at a region group the same sides again."""
        key = tuple(side)
        if key not in rows_of:
            rows_of[key] = _lines_in(side, boxes)
        return rows_of[key]

    def is_column(members: list[int]) -> bool:
        # Prose columns are wide and several lines tall; a narrow strip beside text (prices,
        # values) is not a column of its own but the end of each row, and a gap between
        # two words of one line is no gutter.
        width = max(boxes[m][2] for m in members) - min(boxes[m][0] for m in members)
        height = max(boxes[m][3] for m in members) - min(boxes[m][1] for m in members)
        return width >= COLUMN_WIDTH * unit and height >= COLUMN_HEIGHT * unit

    def fill(side: list[int]) -> float:
        """How much of its side's width a typical line takes: prose lines fill their column."""
        extent = max(boxes[m][2] for m in side) - min(boxes[m][0] for m in side)
        return statistics.median(boxes[m][2] - boxes[m][0] for m in side) / max(extent, 1e-6)

    def rows_pair(left: list[int], right: list[int]) -> bool:
        """Nearly every line of either side stands level with a line of the other."""

        def paired(a: list[int], b: list[int]) -> float:
            # only the lines of ``b`` whose tops lie within its tallest line's height above a
            # line's top, and above its foot, can stand level with it (a long table's rows
            # are paired at every region the cut makes)
            by_top = sorted(b, key=lambda n: boxes[n][1])
            tops = [boxes[n][1] for n in by_top]
            reach = max(boxes[n][3] - boxes[n][1] for n in b)
            hits = 0
            for m in a:
                near = by_top[
                    bisect.bisect_left(tops, boxes[m][1] - reach) : bisect.bisect_right(
                        tops, boxes[m][3]
                    )
                ]
                hits += any(vertical_overlap(boxes[m], boxes[n]) >= LINE_OVERLAP for n in near)
            return hits / len(a)

        return min(paired(left, right), paired(right, left)) >= GRID_PAIRED

    grids: dict[tuple[tuple[int, ...], tuple[int, ...]], bool] = {}

    def is_grid(left: list[int], right: list[int]) -> bool:
        """Whether ``left`` and ``right`` are a form's or a table's columns, worked out once for
        each pair of sides (the gap between the boxes and the gap between their ink often part
        a region alike)."""
        key = (tuple(left), tuple(right))
        if key not in grids:
            grids[key] = grid(left, right)
        return grids[key]

    def grid(left: list[int], right: list[int]) -> bool:
        # A form or a table: short items on both sides that pair up row by row are read a
        # row at a time; prose columns fill their width even when their rows line up.
        def cell_like(side: list[int]) -> bool:
            # Table cells hold a word or two a row; a form's labels end in a colon. Narrow
            # ragged prose columns also leave their width unfilled, but hold phrases.
            if texts is None:
                return True
            colons = sum(1 for m in side if ":" in texts[m]) / len(side)
            return words(lines(side)) <= 2 or colons >= 0.5

        return (
            rows_pair(left, right)
            and max(fill(left), fill(right)) < GRID_FILL
            and (cell_like(left) or cell_like(right))
        )

    def is_running_text(rows: list[list[int]]) -> bool:
        # Columns of running text are what a reader follows top to bottom before moving
        # across; labels beside their values, table columns and receipt fields are read a
        # row at a time, so a gutter between them is no column break.
        if texts is None:
            return True
        if len(rows) < TEXT_ROWS:
            return False
        return words(rows) >= TEXT_WORDS and leading(rows) <= TEXT_LEADING

    def words(rows: list[list[int]]) -> float:
        """The words on a typical one of ``rows``."""
        return statistics.median(sum(word_counts[m] for m in row) for row in rows)

    def leading(rows: list[list[int]]) -> float:
        """The usual distance between ``rows``' centres, in line heights (two rows or more)."""
        centres = sorted(_row_centre(row, boxes) for row in rows)
        return statistics.median(b - a for a, b in itertools.pairwise(centres)) / unit

    def runs_on(side: list[int], rows: list[list[int]]) -> bool | None:
        # Sentences running from line to line: in a script with capitals, a paragraph's
        # lines often start in lower case; a list's items, labels, a form's values and table
        # rows do not. None where the side has no lower case (a caseless script, capitals).
        if texts is None or not any(ch.islower() for m in side for ch in texts[m]):
            return None
        rows = sorted(rows, key=lambda row: min(boxes[m][1] for m in row))
        firsts = [texts[min(row, key=lambda m: boxes[m][0])].lstrip("\"'“‘(") for row in rows[1:]]
        # an e-mail or web address is written in lower case wherever it stands
        lower = [f for f in firsts if f[:1].islower() and not ADDRESS.match(f)]
        return len(lower) >= RUNS_ON * max(len(firsts), 1)

    def text_column_beside(left: list[int], right: list[int]) -> bool:
        # Running text on both sides (newspaper columns), or a paragraph beside a list of
        # short items (a sidebar of facts): either way a reader finishes one side first.
        # Rows of a form can look like running text (a few words each, close together):
        # where letters have case, one side at least must hold sentences that run on.
        sides = [(side, lines(side)) for side in (left, right)]
        runs = [runs_on(side, rows) for side, rows in sides]
        running = [is_running_text(rows) for _, rows in sides]
        if all(running):
            # A dictionary's or a verse anthology's columns start most rows with a capital
            # (a headword, a line of verse) and run long. A long form's fields do too (a real
            # booking sheet's, 21 rows a side), but stand level across the gap row by row:
            # level sides are columns only where their lines are long and fill them, where a
            # form's cells hold a few words each and leave most of their sides empty.
            return runs != [False, False] or (
                min(len(rows) for _, rows in sides) >= LONG_ROWS
                and (
                    not rows_pair(left, right)
                    or (
                        max(fill(left), fill(right)) >= GRID_FILL
                        and min(words(rows) for _, rows in sides) >= LONG_WORDS
                    )
                )
            )
        # A list of terms beside their descriptions (a program's options, a glossary) is a
        # two-column table: each description stands level with its term, and the
        # descriptions, ragged, leave their width unfilled, where a paragraph's lines fill
        # theirs whether or not a sidebar's items stand level with them.
        level = rows_pair(left, right)
        return any(
            r and run and (not level or fills_lines(rows))
            for (_, rows), r, run in zip(sides, running, runs)
        )

    def fills_lines(rows: list[list[int]]) -> bool:
        """A paragraph's lines fill its width, all but its last."""
        return fills_rows(sorted(rows, key=lambda row: _row_centre(row, boxes))[:-1], rows)

    def fills_rows(rows: list[list[int]], among: list[list[int]] | None = None) -> bool:
        """The median of ``rows`` fills the width of ``among`` (``rows`` themselves)."""
        if not rows:
            return False
        extent = _extent(among or rows, boxes)
        widths = [_extent([row], boxes) for row in rows]
        median = statistics.median(w[2] - w[0] for w in widths)
        return median >= PROSE_FILL * max(extent[2] - extent[0], 1e-6)

    def gaps(
        members: list[int], axis: int, of: dict[int, list[float]] = boxes
    ) -> list[tuple[float, float]]:
        """(gap size, cut position) of every empty stretch along an axis, in position order."""
        ranges = sorted((of[m][axis], of[m][axis + 2]) for m in members)
        found, reach = [], ranges[0][1]
        for start, end in ranges[1:]:
            if start > reach:
                found.append((start - reach, (start + reach) / 2))
            reach = max(reach, end)
        return found

    def widest_gap(
        members: list[int], axis: int, of: dict[int, list[float]] = boxes
    ) -> tuple[float, float]:
        """(gap size, cut position) of the widest empty stretch along an axis (the first of
        equals)."""
        return max(gaps(members, axis, of), key=lambda g: g[0], default=(0.0, 0.0))

    def parted(
        members: list[int], at: float, of: Mapping[int, list[float]] = boxes
    ) -> tuple[list[int], list[int]]:
        """The spans of ``members`` whose boxes (or ``of``: their ink) start before ``at``, and
        the others."""
        return [m for m in members if of[m][0] < at], [m for m in members if of[m][0] >= at]

    def widest_band(members: list[int]) -> tuple[float, float]:
        """(height, cut position) of the widest empty band across ``members``: the first of
        those as tall, or where many are (a long table's or list's evenly set rows), the middle
        one, so that the region is halved rather than cut a row at a time."""
        bands = gaps(members, 1)
        widest = max((g for g, _ in bands), default=0.0)
        tied = [b for b in bands if b[0] == widest]
        if len(tied) >= TIED_BANDS:
            return tied[len(tied) // 2]
        return tied[0] if tied else (0.0, 0.0)

    def entry_gutter(members: list[int]) -> tuple[float, list[int], list[int]] | None:
        # An index's columns each hold a column of page numbers set apart from the names:
        # the gap before those numbers can be wider than the gutter, so the narrower gaps
        # are tried too, for a gutter with entries on both sides.
        if texts is None:
            return None
        if sum(m in numbered for m in members) < ENTRY_SPANS * len(members):
            return None  # cheap first: most pages hold few numbers
        for gap, at in sorted(gaps(members, 0), key=lambda g: -g[0])[1:]:
            if gap < COLUMN_GAP * unit:
                break
            left, right = parted(members, at)
            if is_column(left) and is_column(right) and entry_columns(left, right):
                return gap, left, right
        return None

    def body_sized_edges(left: list[int], right: list[int], at: float, gap: float) -> bool:
        # The lines that border a narrow gap on either side: a display line (a title, a drop
        # cap) among them has a box padded wider than its ink, and the gap is no gutter.
        near = [m for m in left if boxes[m][2] >= at - gap / 2 - unit / 2] + [
            m for m in right if boxes[m][0] <= at + gap / 2 + unit / 2
        ]
        return all(boxes[m][3] - boxes[m][1] < TALL_SPAN * unit for m in near)

    def display_beside_body(left: list[int], right: list[int], at: float, gap: float) -> bool:
        # A display line bordering the gap, level with a column's opening lines across it: a
        # title set beside the start of the first column is read before it. A headline beside
        # a column that began above it (a front page's next article) or beside another
        # headline is no such title.
        near = (
            [m for m in left if boxes[m][2] >= at - gap / 2 - unit / 2],
            [m for m in right if boxes[m][0] <= at + gap / 2 + unit / 2],
        )
        for one, other in ((near[0], right), (near[1], left)):
            body = [b for b in other if boxes[b][3] - boxes[b][1] < TALL_SPAN * unit]
            for t in one:
                if boxes[t][3] - boxes[t][1] < TALL_SPAN * unit:
                    continue
                if any(boxes[b][3] <= boxes[t][1] for b in body):
                    continue
                if any(vertical_overlap(boxes[t], boxes[b]) > 0 for b in body):
                    return True
        return False

    def columns_beside(left: list[int], right: list[int]) -> bool:
        if not (is_column(left) and is_column(right)):
            return False
        if entry_columns(left, right) or contact_blocks(left, right):
            return True
        return (
            not is_grid(left, right)
            and not labels_beside(left, right)
            and text_column_beside(left, right)
        )

    def labels_beside(left: list[int], right: list[int]) -> bool:
        # A CV's or a report's headings set in a column of their own, each level with the
        # first line of its paragraph: a reader takes each with its paragraph. A sidebar's
        # items and a margin note are set at the text's own leading, not paragraphs apart.
        if texts is None:
            return False
        rows = [
            sorted(lines(side), key=lambda row: _row_centre(row, boxes)) for side in (left, right)
        ]
        # the labels stand first in the reading direction, before the text they head
        heads, body = rows if page_dir == "ltr" else rows[::-1]
        if len(heads) < LABELS or len(body) < len(heads):
            return False
        if any(boxes[m][3] - boxes[m][1] >= TALL_SPAN * unit for row in heads for m in row):
            return False  # a title, a logo: display lines are no labels
        if any(sum(ch.isalpha() for m in row for ch in texts[m]) < LABEL_LETTERS for row in heads):
            return False  # nor pieces of a formula
        centres = [_row_centre(row, boxes) for row in heads]
        pitch = statistics.median(b - a for a, b in itertools.pairwise(centres))
        # a line height at least: pieces of rows set half a row apart halve the leading
        lead = max(leading(body), 1.0) * unit
        if pitch < LABEL_PITCH * lead:
            return False
        # labels stand level with blocks' first rows (the row above set further off, or ending
        # short: a paragraph's last line): a column of contents entries or a list set beside
        # running text stands level with its rows too, but mid-paragraph
        extent = _extent(body, boxes)
        opening = [body[0]] + [
            row
            for above, row in itertools.pairwise(body)
            if _row_centre(row, boxes) - _row_centre(above, boxes) >= LABEL_BREAK * lead
            or _extent([above], boxes)[2] - extent[0] < PROSE_FILL * (extent[2] - extent[0])
        ]

        def level(a: list[int], rows: list[list[int]]) -> bool:
            return any(
                vertical_overlap(_extent([a], boxes), _extent([b], boxes)) >= LINE_OVERLAP
                for b in rows
            )

        openers = sum(level(a, opening) for a in heads)
        return all(level(a, body) for a in heads) and openers >= LABEL_OPENING * len(heads)

    def contact_blocks(left: list[int], right: list[int]) -> bool:
        # A paper's authors (name, affiliation, e-mail address), or a letter's sender beside
        # its addressee, stand in blocks side by side whose lines are level across the gap, as
        # a table's rows are; but a block is one person and a row one kind of line (the names,
        # then the addresses), so each block is read whole. A table holds its addresses down a
        # column: in every row of one side, not in one row of each. A side holding two rows of
        # blocks, names between their addresses, is cut across first: blocks go row by row.
        if texts is None:
            return False
        marked = []
        for side in (left, right):
            rows = sorted(lines(side), key=lambda row: _row_centre(row, boxes))
            at = [k for k, row in enumerate(rows) if any(ADDRESS.search(texts[m]) for m in row)]
            if not at or 2 * len(at) > len(rows) or at[-1] - at[0] >= len(at):
                return False
            marked.append([rows[k] for k in at])
        return any(
            vertical_overlap(_extent([a], boxes), _extent([b], boxes)) >= LINE_OVERLAP
            for a in marked[0]
            for b in marked[1]
        )

    def entry_columns(left: list[int], right: list[int]) -> bool:
        # A two-column index or contents page: on both sides nearly every row is an entry
        # ending in its page number, set flush right (after leaders), so the rows fill their
        # side; a reader goes down one column before the next. A table's rows fill its columns
        # unevenly, and a column of numbers alone holds no entries.
        if texts is None or page_dir != "ltr":
            return False
        for side in (left, right):
            # cheap first: an index's numbers are spans of their own or end their entries'
            if sum(m in numbered for m in side) < ENTRY_SPANS * len(side):
                return False
            # a one-word row is a heading between the entries (an index's letters); a row of
            # figures alone is no entry (a table's columns beside its first)
            rows = []
            for row in lines(side):
                row_text = " ".join(texts[m] for m in sorted(row, key=lambda m: boxes[m][0]))
                if len(row_text.split()) >= 2 and sum(word_counts[m] for m in row) >= 1:
                    rows.append((row, _ends_in_number(row_text)))
            entries = sum(numbered_row for _, numbered_row in rows)
            if entries < max(TEXT_ROWS, ENTRY_ROWS * len(rows)):
                return False
            if not fills_rows([row for row, _ in rows]):
                return False
        return True

    def side_by_side(left: list[int], right: list[int], rows: list[list[list[int]]]) -> bool:
        # Two documents side by side (two receipts, two forms): tall on both sides, their
        # lines falling where they will across the gap, where a table's rows line up.
        if min(len(r) for r in rows) < SIDE_BY_SIDE_ROWS or not (
            is_column(left) and is_column(right)
        ):
            return False
        return rows_aligned(rows) < SIDE_BY_SIDE_ALIGNED

    def rows_aligned(rows: list[list[list[int]]]) -> float:
        """The share of the shorter side's rows whose centre lies level with one of the other
        side's (within ``ALIGN_TOLERANCE`` line heights)."""
        fewer, more = ([_row_centre(row, boxes) for row in r] for r in sorted(rows, key=len))
        aligned = sum(1 for c in fewer if any(abs(c - d) <= ALIGN_TOLERANCE * unit for d in more))
        return aligned / max(len(fewer), 1)

    def far_apart(rows: list[list[list[int]]]) -> bool:
        # Two narrow columns far apart whose rows fall where they will across the gap (a
        # chart's tick labels and its legend): no row of one belongs to the other.
        return min(len(r) for r in rows) >= TEXT_ROWS and rows_aligned(rows) < FAR_APART_ALIGNED

    def breaks_alike(quarters: list[list[int]], band: float) -> bool:
        # Columns whose paragraph breaks happen to line up (an index's letter groups): on
        # one side of the band both sides are columns, on the other both go on for two lines
        # or more, and the band is no taller than a break either column has on its own. A
        # running head or a footer is one line on each side, and set further off.
        top_left, bottom_left, top_right, bottom_right = quarters
        for cols, rest in (
            ((top_left, top_right), (bottom_left, bottom_right)),
            ((bottom_left, bottom_right), (top_left, top_right)),
        ):
            if not all(side and is_column(side) for side in cols):
                continue
            if not all(side and len(lines(side)) >= 2 for side in rest):
                continue
            inner = max(widest_gap(side, 1)[0] for side in cols)
            if band <= inner:
                return True
        return False

    def goes_on(quarters: list[list[int]]) -> bool:
        # Columns of unequal height: one ends above the band (or starts below it) and the
        # other, prose in one measure, goes on across it. The band is a paragraph
        # break in the longer column beside the shorter one's end, no break across the page:
        # cut there, the longer column's foot was read after the shorter column.
        top_left, bottom_left, top_right, bottom_right = quarters
        for (above, below), (other_above, other_below) in (
            ((top_left, bottom_left), (top_right, bottom_right)),
            ((top_right, bottom_right), (top_left, bottom_left)),
        ):
            if not (above and below and is_column(above) and is_column(below)):
                continue
            if not all(prose(part) for part in (above, below)):
                continue
            upper, lower = _extent([above], boxes), _extent([below], boxes)
            narrower = min(upper[2] - upper[0], lower[2] - lower[0])
            if _h_overlap(upper, lower) < SAME_MEASURE * narrower:
                continue
            if bool(other_above) != bool(other_below):
                other = other_above or other_below
                if is_column(other) and prose(other):
                    return True
        return False

    def prose(side: list[int]) -> bool:
        """Running text whose lines fill their width, as a paragraph's do (a list of short
        items or a code listing leaves it ragged)."""
        rows = lines(side)
        return is_running_text(rows) and fills_lines(rows)

    def split(
        members: list[int], overfull: bool = True
    ) -> tuple[float, list[int], list[int]] | None:
        """(gutter width, left side, right side) of the columns ``members`` stand in, if any
        (``overfull``: also where one line set too long for its column narrows the gutter)."""
        x_gap, x_at = widest_gap(members, 0)
        left, right = parted(members, x_at)
        if (
            x_gap >= COLUMN_GAP * unit
            or (x_gap >= BODY_GAP * unit and body_sized_edges(left, right, x_at, x_gap))
        ) and columns_beside(left, right):
            return x_gap, left, right
        if x_gap >= SIDE_BY_SIDE_GAP * unit and left and right:
            rows = [lines(side) for side in (left, right)]
            if side_by_side(left, right, rows) or (
                x_gap >= FAR_APART_GAP * unit and far_apart(rows)
            ):
                return x_gap, left, right
        entries = entry_gutter(members)
        if entries is not None:
            return entries
        if ink:
            # The detector pads small text by more of its height: where its boxes close a
            # gutter, the gap between the lines' ink may still hold one.
            ink_gap, ink_at = widest_gap(members, 0, inked)
            ink_left, ink_right = parted(members, ink_at, inked)
            if (
                ink_left
                and ink_right
                and (
                    (
                        ink_gap >= COLUMN_GAP * unit
                        and not display_beside_body(ink_left, ink_right, ink_at, ink_gap)
                    )
                    or (
                        ink_gap >= INK_GAP * unit
                        and body_sized_edges(ink_left, ink_right, ink_at, ink_gap)
                    )
                )
                and columns_beside(ink_left, ink_right)
            ):
                return ink_gap, ink_left, ink_right
        found = narrower_gutter(members)
        if found is None and overfull:
            found = beside_overfull(members, x_gap, x_at)
        return found

    def beside_overfull(
        members: list[int], x_gap: float, x_at: float
    ) -> tuple[float, list[int], list[int]] | None:
        """(gap, left, right) of columns whose gutter one line narrows: a line set too long for
        its column (an overfull line, a long command in a paper) reaches into the gutter up to
        the next column's edge, and no gap as wide as a gutter runs the region's height. The
        line joins the side it stands on; it must not reach into the other side's text."""
        if not x_gap or x_gap >= BODY_GAP * unit or len(members) < 2 * TEXT_ROWS:
            return None  # cheap first: a gap narrowed to less than a gutter, in a tall region
        left, right = parted(members, x_at)
        if not left or not right:
            return None
        # the line that sets each edge of the narrow gap
        for line in (max(left, key=lambda m: boxes[m][2]), min(right, key=lambda m: boxes[m][0])):
            if boxes[line][3] - boxes[line][1] >= TALL_SPAN * unit:
                continue  # a title across the columns is no line of one of them
            rest = [m for m in members if m != line]
            found = split(rest, overfull=False)
            if found is None:
                continue
            gap, side_l, side_r = found
            centre = (boxes[line][0] + boxes[line][2]) / 2
            edge_r = min(boxes[m][0] for m in side_r)
            edge_l = max(boxes[m][2] for m in side_l)
            if centre < edge_r and boxes[line][2] <= edge_r:
                return gap, sorted([*side_l, line]), side_r
            if centre > edge_l and boxes[line][0] >= edge_l:
                return gap, side_l, sorted([*side_r, line])
        return None

    def narrower_gutter(members: list[int]) -> tuple[float, list[int], list[int]] | None:
        """(gap, left, right) at a gutter the widest gap is not: a table's own gap between its
        labels and its figures can be wider than the gutter between the table and what stands
        beside it."""
        # on a page scanned at low resolution the boxes close the gutter, the ink leaves it:
        # its gaps are tried for blocks apart too
        for of in (boxes, inked) if ink else (boxes,):
            widest = sorted(gaps(members, 0, of), key=lambda g: -g[0])[: 1 + NARROWER_GAPS]
            for n, (gap, at) in enumerate(widest):
                if gap < COLUMN_GAP * unit:
                    break
                left, right = parted(members, at, of)
                # between the lines' ink, a gutter runs down columns that both stand most of
                # the region's height (a table's last column, filled on a few rows, is none),
                # and beside a display line only where no title's
                if (
                    n
                    and columns_beside(left, right)
                    and (
                        of is boxes
                        or (
                            not display_beside_body(left, right, at, gap)
                            and all(tall_side(side, members) for side in (left, right))
                        )
                    )
                ):
                    return gap, left, right
                if apart(left, right):
                    return gap, left, right
        return None

    def tall_side(side: list[int], members: list[int]) -> bool:
        """Whether ``side`` stands ``TALL_SIDE`` of the height of ``members`` or more."""
        region = _extent([members], boxes)
        own = _extent([side], boxes)
        return own[3] - own[1] >= TALL_SIDE * (region[3] - region[1])

    def apart(left: list[int], right: list[int]) -> bool:
        # Rows of one table or form share its pitch, and most stand level across its gaps
        # (a value on its label's line). Rows set at another pitch and mostly not level with
        # them (a sidebar's notes beside a table's rows) belong to another block, read whole.
        if not (is_column(left) and is_column(right)) or rows_pair(left, right):
            return False  # cheap first: a table's rows pair across every one of its gaps
        rows = [lines(side) for side in (left, right)]
        if min(len(r) for r in rows) < APART_ROWS:
            return False
        closer, wider = sorted(leading(r) for r in rows)
        return wider >= OTHER_PITCH * closer and rows_aligned(rows) < SIDE_BY_SIDE_ALIGNED

    def gap_down(members: list[int]) -> bool:
        """Whether a gap as wide as a gutter beside body text runs down ``members``, between
        their boxes or their ink: the cheap test before looking for columns."""
        return (
            widest_gap(members, 0)[0] >= BODY_GAP * unit
            or widest_gap(members, 0, inked)[0] >= INK_GAP * unit
        )

    def crosses(row: list[int], x: float) -> bool:
        """Whether a span of ``row`` runs across the vertical line at ``x``."""
        return any(boxes[m][0] < x < boxes[m][2] for m in row)

    def peeled(members: list[int]) -> tuple[list[int], list[int], list[int]] | None:
        """(the first row, the rest, the last row), either row maybe empty, where the rest
        stands in columns the rows run across: a byline or a headline over the columns, or a
        line under them, whose box the detector padded until it touches theirs, leaves no
        empty band to cut at."""
        if len(members) < 2 * TEXT_ROWS or widest_gap(members, 0)[0] >= BODY_GAP * unit:
            return None  # cheap first: where a gap already runs the whole height, no row closes it
        # cheap too: without the spans near the top and the foot, a gap must open
        top = min(boxes[m][1] for m in members) + 1.5 * unit
        foot = max(boxes[m][3] for m in members) - 1.5 * unit
        inner = [m for m in members if boxes[m][1] >= top and boxes[m][3] <= foot]
        if not inner:
            return None
        if not gap_down(inner):
            return None
        rows = lines(members)
        if len(rows) < 2 * TEXT_ROWS:
            return None
        for first, last in ((1, 0), (0, 1), (1, 1)):
            rest = [m for r in rows[first : len(rows) - last] for m in r]
            ends = rows[:first] + rows[len(rows) - last :]
            # cheap first: the rows must cross the rest's widest gap, between boxes or ink
            # (a long receipt's rows are tried at every cut)
            at = [widest_gap(rest, 0)[1]]
            if ink:
                at.append(widest_gap(rest, 0, inked)[1])
            if not any(crosses(row, x) for row in ends for x in at):
                continue
            found = split(rest)
            if found is None:
                continue
            _, left, right = found
            gutter = (max(boxes[m][2] for m in left) + min(boxes[m][0] for m in right)) / 2
            if not all(crosses(row, gutter) for row in ends):
                continue  # a row of the columns' own
            # running text on both sides: a sidebar of short items beside a paragraph (a
            # masthead's ears, a weather box) is no pair of columns under a line
            if all(is_running_text(lines(side)) for side in (left, right)):
                head = rows[0] if first else []
                return head, rest, rows[-1] if last else []
        return None

    def heads_off(members: list[int], at: float) -> tuple[list[int], list[int], list[int]] | None:
        """(the rows over, the rest, the rows under) where the rest, between bands above and
        below ``at`` (the widest band), among the first ``HEAD_BANDS`` from each end, stands in
        columns; either end maybe empty."""
        bands = [b for gap, b in gaps(members, 1) if gap > PARAGRAPH_GAP * unit]
        tops = [None] + [b for b in bands if b < at][:HEAD_BANDS]
        foots = [None] + [b for b in reversed(bands) if b > at][:HEAD_BANDS]
        for top, foot in itertools.product(tops, foots):
            if top is None and foot is None:
                continue
            head = [m for m in members if top is not None and boxes[m][1] < top]
            tail = [m for m in members if foot is not None and boxes[m][1] >= foot]
            taken = set(head) | set(tail)
            rest = [m for m in members if m not in taken]
            if not rest:
                continue
            if not gap_down(rest):
                continue  # cheap first: no gap down the rest, no columns
            if split(rest) is not None:
                return head, rest, tail
        return None

    def cut(members: list[int], new_block: bool) -> None:
        if new_block or not blocks:
            blocks.append([])
        if len(members) == 1:
            blocks[-1].append(members)
            return
        found = split(members)
        y_gap, y_at = widest_band(members)
        # A band of empty rows wider than the gutter (a section break, a footer) is cut
        # before columns, or a footer would be read as part of the first column; a
        # paragraph break that happens to line up across columns is narrower than the gutter.
        section_break = False
        if found is not None:
            x_gap, left, right = found
            section_break = y_gap > SECTION_GAP * unit and y_gap >= x_gap
        if found is not None and section_break:
            # Columns that go on, tall, on both sides of the empty band: the band is a
            # paragraph break in each column, not a break across the page.
            quarters = [
                [m for m in side if (boxes[m][1] < y_at) == above]
                for side in (left, right)
                for above in (True, False)
            ]
            section_break = not all(q and is_column(q) for q in quarters)
            if section_break:
                section_break = not breaks_alike(quarters, y_gap) and not goes_on(quarters)
        peel = peeled(members) if found is None and y_gap <= SECTION_GAP * unit else None
        ends = heads_off(members, y_at) if found is None and peel is None and y_gap > 0 else None
        if found is not None and not section_break:
            first, second = (right, left) if page_dir == "rtl" else (left, right)
            cut(first, True)
            cut(second, True)
        elif (trimmed := peel or ends) is not None:
            head, rest, tail = trimmed
            if head:
                cut(head, False)
            cut(rest, bool(head))
            if tail:
                cut(tail, True)
        elif y_gap > 0:
            top = [m for m in members if boxes[m][1] < y_at]
            bottom = [m for m in members if boxes[m][1] >= y_at]
            current = len(blocks) - 1
            cut(top, False)
            mark = (len(blocks), len(blocks[-1]))
            cut(bottom, y_gap > PARAGRAPH_GAP * unit)
            if len(blocks) == mark[0] and current < mark[0] - 1:
                _continue_column(blocks, current, mark[1], boxes)
        else:  # spans side by side that no cut separates (a table row, a receipt line)
            blocks[-1].extend(_cell_rows(_lines_in(members, boxes, page_dir), boxes))

    cut(items, True)
    return [b for b in blocks if b]
