"""Line numbers down a margin: a manuscript's, a draft's, a pleading's.

A page numbered line by line for review or as a pleading carries a column of small whole
numbers down its margin, on a grid: one every baseline of the page, whether a line of text
stands level with it or not. Grouped into rows with the text, each number opens the line level
with it, the numbers beside blank space or display matter become lines of their own (`2`,
`3 BEN TROVATO...`, `4`), and a two-column page numbered down both sides is read with its
numbers glued to its columns' lines, across the gutter. Read as a column of their own, before
the page's text, they are what ACM's and the AMS's PDFs hold in their text layers and what
Tesseract's page layout reads; the text is then ordered as without them.

A table's column of row numbers, a numbered list and a form's numbered fields also count down
a column, but each of their numbers stands on its row, beside the row's text: the numbers are
taken for a margin's only where some of them stand beside no text. Numbers that follow the
text's own lines (AASTeX's: each on its line's baseline, further apart where the leading
opens) stand on no grid; each stays with its line, as that layer holds them.
"""

from __future__ import annotations

import collections
import itertools
import math
import re
import statistics
from collections.abc import Sequence

#: a margin's line numbers: at least this many whole numbers down one column ...
NUMBERED_LINES = 8
#: ... each the one above it plus one to this many (numbers the detector missed; a page
#: numbered every fifth line) ...
NUMBER_STEP = 10
#: ... most of them by the same step (a contents page's page numbers rise unevenly) ...
STEADY = 0.7
#: ... each below the one before it by this many times the typical distance a number or more
#: (lines are set no closer than the page's leading; a contents page's numbers rising by two
#: or three from one row to the next come closer) ...
CLOSEST = 0.75
#: ... and by this many times or less (a display or a figure between two numbered lines
#: stretches their distance) ...
SPREAD = 3.0
#: ... holding at least this share of the whole numbers over its height in its strip (at 100
#: dpi the detector misreads many small numbers: `160` as `100`) ...
COUNTED = 0.6
#: ... on a grid: the distance from each to the next, a number, within this share of the
#: typical one, for all but this share of them (a misread number) ...
GRID = 0.2
OFF_GRID = 0.05
#: ... running down at least this share of the height of the page's text ...
NUMBERED_HEIGHT = 0.5
#: ... and at least this many of them, and this share, beside no text (``_alone``): a margin's
#: numbers run on down blank lines and beside headings and display matter set to their own
#: spacing, where a table's, a list's or a form's numbers each stand on their row
UNPAIRED = 2
UNPAIRED_SHARE = 0.05
#: a span lies in the column's strip when it covers more than this share of its width or of
#: its own ...
IN_STRIP = 0.5
#: ... and one there no wider than this many times the strip is one of its numbers, misread or
#: read twice
STRAY_WIDTH = 1.5
#: a number is level with a span when they share this share of the number's height ...
LEVEL = 0.5
#: ... and stands beside no text where the nearest span level with it lies this many times
#: further from it than a number's nearest typically does (or its own height, if more)
ALONE = 4.0
#: a whole number as a line number is written: digits alone
WHOLE_NUMBER = re.compile(r"\d{1,4}")


def line_number_columns(
    members: Sequence[int], boxes: dict[int, list[float]], texts: dict[int, str]
) -> list[list[int]]:
    """The columns of line numbers among ``members`` (indices into ``boxes`` and ``texts``,
    boxes as ``[x0, y0, x1, y1]`` on a level page), each from the top down, left to right.

    A column is a stack of whole numbers sharing a strip of the page's width, counting up down
    the page by a steady step (gaps allowed where numbers were missed; most numbers of the
    strip), on a grid (``_on_a_grid``), running down half the height of the text or more, with
    no text crossing its strip anywhere on the page, and a few of its numbers beside no text
    (``_alone``; ``UNPAIRED``, ``UNPAIRED_SHARE``) or on the grid of a column that has them.
    """
    numbers = {
        m: int(texts[m].strip()) for m in members if WHOLE_NUMBER.fullmatch(texts[m].strip())
    }
    if len(numbers) < NUMBERED_LINES:
        return []
    top = min(boxes[m][1] for m in members)
    height = max(boxes[m][3] for m in members) - top
    candidates = []
    for stack in _stacks(sorted(numbers), boxes):
        chain = _counting_down(stack, numbers, boxes)
        if len(chain) < NUMBERED_LINES:
            continue
        strip = [min(boxes[m][0] for m in chain), max(boxes[m][2] for m in chain)]
        reach = [boxes[chain[0]][1], boxes[chain[-1]][3]]
        if reach[1] - reach[0] < NUMBERED_HEIGHT * height:
            continue
        # a number misread (`l7`) or read twice stays in the column; anything wider, over the
        # numbers or above or below them, is text crossing the strip: the numbers stand inside
        # the text's measure (a code listing's), in no margin
        crossing = [m for m in members if _in_strip(boxes[m], strip, [top, top + height])]
        if any(boxes[m][2] - boxes[m][0] > STRAY_WIDTH * (strip[1] - strip[0]) for m in crossing):
            continue
        in_strip = [m for m in crossing if _in_strip(boxes[m], strip, reach)]
        # a run that leaves out many numbers of its strip is a pick from a column of figures
        if len(chain) < COUNTED * sum(m in numbers for m in in_strip):
            continue
        pitch = _pitch(chain, numbers, boxes)
        if not _on_a_grid(chain, numbers, boxes, pitch):
            continue
        candidates.append((chain, set(chain) | set(in_strip), pitch))
    # the text beside the numbers: not the numbers down another margin
    numbered = {m for _, column, _ in candidates for m in column}
    others = [m for m in members if m not in numbered]
    margins = [
        _alone(chain, others, boxes) >= max(UNPAIRED, UNPAIRED_SHARE * len(chain))
        for chain, _, _ in candidates
    ]
    # a page numbered down both margins numbers both on one grid: beside a dense column, where
    # few lines are blank, the numbers of the other margin vouch for it
    columns = [
        sorted(column, key=lambda m: boxes[m][1] + boxes[m][3])
        for k, (_, column, pitch) in enumerate(candidates)
        if margins[k]
        or any(
            margins[j] and abs(other - pitch) <= GRID * other
            for j, (_, _, other) in enumerate(candidates)
        )
    ]
    return sorted(columns, key=lambda column: boxes[column[0]][0])


def _stacks(members: list[int], boxes: dict[int, list[float]]) -> list[list[int]]:
    """``members`` grouped into stacks: spans whose boxes overlap horizontally, one stack's
    strip to the next's (numbers of one or more digits set flush right share a strip)."""
    stacks: list[list[int]] = []
    right = float("-inf")
    for m in sorted(members, key=lambda m: boxes[m][0]):
        if stacks and boxes[m][0] < right:
            stacks[-1].append(m)
            right = max(right, boxes[m][2])
        else:
            stacks.append([m])
            right = boxes[m][2]
    return stacks


def _counting_down(
    stack: list[int], numbers: dict[int, int], boxes: dict[int, list[float]]
) -> list[int]:
    """The longest run of ``stack``'s numbers counting up from the top down, each the one above
    it plus 1 to ``NUMBER_STEP``, below it by ``CLOSEST`` to ``SPREAD`` times the typical
    distance a number, and most of them by one step (``STEADY``: 1, or 5 where every fifth line
    is numbered; a number missed doubles a step); empty where the run counts unevenly (a
    contents page's page numbers)."""
    ordered = sorted(stack, key=lambda m: boxes[m][1] + boxes[m][3])
    centres = [(boxes[m][1] + boxes[m][3]) / 2 for m in ordered]
    values = [numbers[m] for m in ordered]
    pitches = [
        (centres[k + 1] - centres[k]) / (values[k + 1] - values[k])
        for k in range(len(ordered) - 1)
        if 1 <= values[k + 1] - values[k] <= NUMBER_STEP and centres[k + 1] > centres[k]
    ]
    if len(pitches) < NUMBERED_LINES - 1:
        return []
    pitch = statistics.median(pitches)

    def follows(i: int, j: int) -> bool:
        step = values[j] - values[i]
        return (
            1 <= step <= NUMBER_STEP
            and CLOSEST * pitch * step <= centres[j] - centres[i] <= SPREAD * pitch * step
        )

    # the longest chain, each number following the one before it (a misread number skipped)
    length = [1] * len(ordered)
    before = [-1] * len(ordered)
    for j in range(len(ordered)):
        for i in range(j):
            if length[i] + 1 > length[j] and follows(i, j):
                length[j], before[j] = length[i] + 1, i
    end = max(range(len(ordered)), key=lambda k: length[k])
    chain = []
    while end >= 0:
        chain.append(end)
        end = before[end]
    chain.reverse()
    steps = [values[b] - values[a] for a, b in itertools.pairwise(chain)]
    if not steps or max(collections.Counter(steps).values()) < STEADY * len(steps):
        return []
    return [ordered[k] for k in chain]


def _on_a_grid(
    chain: list[int], numbers: dict[int, int], boxes: dict[int, list[float]], pitch: float
) -> bool:
    """Whether ``chain``'s numbers stand on a grid, each at ``pitch`` a number from the one
    before it (within ``GRID``, all but ``OFF_GRID`` of them), as a ruler's marks do, whatever
    the text beside them does: a page's furniture, printed whether a line stands level with a
    number or not. Numbers that follow the text's own lines, further apart where its leading
    opens (a list, a paragraph break, a display), each belong to their line."""
    pitches = _pitches(chain, numbers, boxes)
    off = sum(abs(p - pitch) > GRID * pitch for p in pitches)
    return off <= OFF_GRID * len(pitches)


def _pitches(
    chain: list[int], numbers: dict[int, int], boxes: dict[int, list[float]]
) -> list[float]:
    """The distance, a number, from each of ``chain``'s numbers to the next."""
    centres = [(boxes[m][1] + boxes[m][3]) / 2 for m in chain]
    return [
        (centres[k + 1] - centres[k]) / (numbers[chain[k + 1]] - numbers[chain[k]])
        for k in range(len(chain) - 1)
    ]


def _pitch(chain: list[int], numbers: dict[int, int], boxes: dict[int, list[float]]) -> float:
    """The typical distance, a number, between ``chain``'s numbers (its grid's pitch)."""
    return statistics.median(_pitches(chain, numbers, boxes))


def _in_strip(box: list[float], strip: list[float], reach: list[float]) -> bool:
    """Whether ``box`` lies inside the strip ``strip`` (x0, x1) over ``reach`` (y0, y1), across
    more than ``IN_STRIP`` of the strip's width or its own (a line beside the numbers whose
    padded box grazes their strip lies outside it; a digit in a strip of two-digit numbers
    inside)."""
    across = min(box[2], strip[1]) - max(box[0], strip[0])
    narrower = min(strip[1] - strip[0], box[2] - box[0])
    return across > IN_STRIP * narrower and min(box[3], reach[1]) > max(box[1], reach[0])


def _alone(chain: list[int], others: list[int], boxes: dict[int, list[float]]) -> int:
    """How many numbers of ``chain`` stand beside no text: the nearest span level with each
    (``LEVEL``) lies more than ``ALONE`` times further from it than a number's nearest
    typically does (the lower quartile: where half a page's rows are blank beside the numbers,
    the median is a blank row's), or there is none. On a page of two columns the other
    column's lines, level with a blank line of this one, lie several gutters away; a table's
    ragged names before their numbers lie about as far from each."""
    distances = []
    for n in chain:
        number = boxes[n]
        height = number[3] - number[1]
        level = [
            max(other[0] - number[2], number[0] - other[2])
            for other in (boxes[m] for m in others)
            if min(number[3], other[3]) - max(number[1], other[1]) >= LEVEL * height
        ]
        distances.append((min(level) if level else math.inf, height))
    near = sorted(d for d, _ in distances if d < math.inf)
    typical = near[len(near) // 4] if near else 0.0
    return sum(d > ALONE * max(typical, height) for d, height in distances)
