"""Two readings of one page combined: a detector's lines re-read from a page reader's words.

Measured on real scans (book pages, a court filing, journal pages, forms, receipts), neither
reader is best everywhere. PP-OCR's detector finds the lines of forms, receipts and photos
that Tesseract's page layout misses or garbles, and reads most lines as well; Tesseract reads
the lines PP-OCR is unsure of (a running head in a small font, a faint line) and, on dense
prose, finds lines the detector missed. So the detector's lines keep their place; a line
PP-OCR read with less than ``UNSURE_BELOW`` confidence takes the page reader's words that lie
on it when they were read with confidence and cover the line's text; and a line of the page
reader's that lies outside every detected line is added when it was read with confidence.
Where both are sure, PP-OCR's reading stays: on real pages the two disagreed on a word or two,
each right as often as the other. Lines another recognizer already re-read (Arabic lines
routed to an Arabic reader) are left alone.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rapidfuzz.distance import Levenshtein

from ocr_expert.engines.base import PageLayout
from ocr_expert.engines.script_route import Candidate
from ocr_expert.types import Box, common_area

#: a line read with less confidence than this is offered the page reader's words ...
UNSURE_BELOW = 0.9
#: ... which replace its reading when their confidence is at least this ...
MIN_CONFIDENCE = 0.9
#: ... and they hold at least this share of the line's characters (a reading that covers only
#: part of the line would drop the rest)
MIN_COVER = 0.8
#: a word belongs to a line when its centre lies within this share of the line's height from
#: the line's centre; further off, it sits on a line the detector missed
CENTRE_BAND = 0.3
#: a word lies outside the detected lines when less than this share of it is inside any of them
MISSED_INSIDE = 0.5
#: a missed line is added when it has at least this many letters or digits (not a speck)
MIN_CHARACTERS = 3
#: on a line PP-OCR is sure of, a word Tesseract reads otherwise with at least this confidence
#: takes Tesseract's reading ...
SURE_WORD = 0.95
#: ... when the two readings are this alike (a misread letter, a curly quote, a missing space:
#: the same word read two ways, not two different words)
ALIKE = 0.6
#: ... or, where Tesseract reads several words for one of PP-OCR's, their letters this alike
SPLIT_ALIKE = 0.9
#: where Tesseract reads several words whose characters are exactly PP-OCR's one word, a space
#: between a number and a letter is put back when the words either side of it were read with
#: this confidence: PP-OCR drops the space after a list's number (``1History``, ``4.4Pre-``
#: in a real printout's contents, 11 of its 19 entries). Between two letters Tesseract's
#: breaks at this confidence are right and wrong alike (``itself into``, ``GlobEnt ry:``),
#: beside punctuation often wrong on receipts (``37. 55``), between two digits they split a
#: number: those are left to the sure words above.
SPACE_SURE = 0.5
#: a detected line holding the words of two or more of the page reader's lines, side by side,
#: is cut between them (``bridged_pieces``): the detector joins a line to the one level with it
#: across a narrow gutter (a column's first line and the heading opening the column beside it,
#: a poster's boxes set close), where the page reader's layout keeps the columns apart. Each
#: piece holds at least this many letters or digits ...
BRIDGE_CHARACTERS = 2
#: ... read with this confidence (the page reader's noise beside a line is no line of its own)
BRIDGE_CONFIDENCE = 0.6
#: ... and the pieces' words stand at least this many times their typical height apart (a
#: gutter: a paper's, one em, leaves 1.4 times its words' typical height between their ink, a
#: word space under half that; the page reader also parts a word at a faint letter, `autho`
#: `ization`)
BRIDGE_GAP = 0.8
#: ... and the lines above and below it, within this many of its heights, leave as wide a gap
#: round the cut, with words on both sides of it (a gutter goes on down the page)
BRIDGE_REACH = 1.5


@dataclass(frozen=True)
class _Word:
    text: str
    box: Box
    score: float
    line: int  # the page reader's line number


def _words(page: PageLayout) -> list[_Word]:
    words = []
    for line_no, members in enumerate(page.lines):
        for i in members:
            span = page.spans[i]
            if span.box is not None and span.text.strip():
                words.append(_Word(span.text.strip(), span.box, span.score, line_no))
    return words


def _bounds(candidate: Candidate) -> Box:
    xs = [p[0] for p in candidate.polygon]
    ys = [p[1] for p in candidate.polygon]
    return (min(xs), min(ys), max(xs), max(ys))


def _home(word: _Word, boxes: list[Box | None]) -> int | None:
    """The detected line ``word`` lies on: its centre inside the line's box and near the
    line's centre (the nearest such line), or None."""
    cx, cy = (word.box[0] + word.box[2]) / 2, (word.box[1] + word.box[3]) / 2
    best, best_off = None, 0.0
    for i, box in enumerate(boxes):
        if box is None or not (box[0] <= cx <= box[2] and box[1] <= cy <= box[3]):
            continue
        off = abs((box[1] + box[3]) / 2 - cy)
        if off <= CENTRE_BAND * (box[3] - box[1]) and (best is None or off < best_off):
            best, best_off = i, off
    return best


def _inside(word: _Word, boxes: list[Box | None]) -> float:
    """The largest share of ``word``'s box that lies inside one of ``boxes``."""
    x0, y0, x1, y1 = word.box
    area = max((x1 - x0) * (y1 - y0), 1e-6)
    return max((common_area(word.box, b) / area for b in boxes if b is not None), default=0.0)


def confidence(words: list[_Word]) -> float:
    """Character-weighted mean confidence of some words; 0 for none."""
    chars = sum(len(w.text) for w in words)
    return sum(w.score * len(w.text) for w in words) / chars if chars else 0.0


def fuse_page(
    candidates: list[Candidate],
    page: PageLayout,
    *,
    min_confidence: float = MIN_CONFIDENCE,
    keep_words: bool = False,
) -> list[Candidate]:
    """``candidates`` (a detector's lines as its recognizer read them) with the words of a
    second reading of the same page (``page``: Tesseract's words and lines).

    Each line read with less than ``UNSURE_BELOW`` confidence whose words from ``page`` are
    read with at least ``min_confidence`` and hold at least ``MIN_COVER`` of its characters
    takes them as its text (with their boxes as its words when ``keep_words``); lines of
    ``page`` whose words lie outside every detected line are added after the others when read
    with that confidence. Rerouted candidates are left as they are,
    and nothing is added on a page that has any (the second reader may not read that script).
    """
    usable = [not c.rerouted for c in candidates]
    boxes: list[Box | None] = [_bounds(c) if ok else None for c, ok in zip(candidates, usable)]
    on_line: dict[int, list[_Word]] = {}
    missed: dict[int, list[_Word]] = {}
    for word in _words(page):
        home = _home(word, boxes)
        if home is not None:
            on_line.setdefault(home, []).append(word)
        elif _inside(word, boxes) < MISSED_INSIDE:
            missed.setdefault(word.line, []).append(word)
    fused = []
    for i, cand in enumerate(candidates):
        words = sorted(on_line.get(i, []), key=lambda w: w.box[0])
        text = " ".join(w.text for w in words)
        score = confidence(words)
        unsure = cand.score < UNSURE_BELOW
        if (
            unsure
            and words
            and score >= min_confidence
            and len(text) >= MIN_COVER * len(cand.text.strip())
        ):
            cand = replace(
                cand,
                text=text,
                score=score,
                words=[(w.text, w.box, w.score) for w in words] if keep_words else [],
            )
        elif usable[i] and words:
            cand = _corrected(cand, words)
        fused.append(cand)
    if all(usable):
        for words in missed.values():
            text = " ".join(w.text for w in words)
            score = confidence(words)
            if score >= min_confidence and sum(ch.isalnum() for ch in text) >= MIN_CHARACTERS:
                x0 = min(w.box[0] for w in words)
                y0 = min(w.box[1] for w in words)
                x1 = max(w.box[2] for w in words)
                y1 = max(w.box[3] for w in words)
                polygon = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
                line_words = [(w.text, w.box, w.score) for w in words] if keep_words else []
                fused.append(Candidate(polygon, text, score, words=line_words))
    return fused


def bridged_pieces(
    candidates: list[Candidate], page: PageLayout, level: Sequence[bool]
) -> dict[int, list[Box]]:
    """The pieces to cut each detected line of ``candidates`` set ``level`` into where it holds
    the words of two or more of ``page``'s lines side by side, by the candidate's index: each
    piece reaches half-way to the next and stands as tall as its own words, padded by the share
    of their height the detector padded the line's words by (a column's line cut from the
    heading beside it is no taller than a line of the column). Lines rerouted to another
    recognizer are left whole."""
    boxes: list[Box | None] = [
        _bounds(c) if not c.rerouted and flat else None for c, flat in zip(candidates, level)
    ]
    words = _words(page)
    on_line: dict[int, dict[int, list[_Word]]] = {}
    for word in words:
        home = _home(word, boxes)
        if home is not None:
            on_line.setdefault(home, {}).setdefault(word.line, []).append(word)
    cuts: dict[int, list[Box]] = {}
    for i, lines in on_line.items():
        box = boxes[i]
        if len(lines) < 2 or box is None:
            continue
        pieces = sorted(lines.values(), key=lambda ws: min(w.box[0] for w in ws))
        if not all(_piece(ws) for ws in pieces):
            continue
        height = statistics.median(w.box[3] - w.box[1] for ws in pieces for w in ws)
        ends = [(min(w.box[0] for w in ws), max(w.box[2] for w in ws)) for ws in pieces]
        if any(left[1] > right[0] for left, right in itertools.pairwise(ends)):
            continue  # their words interleave: no two lines side by side
        # cut only where a gap as wide as a gutter runs on past the line; the pieces between
        # are read whole
        kept: list[list[_Word]] = [pieces[0]]
        inner: list[float] = []
        for (left, right), ws in zip(itertools.pairwise(ends), pieces[1:]):
            x = (left[1] + right[0]) / 2
            gap = BRIDGE_GAP * height
            if right[0] - left[1] >= gap and _gutter(x, box, words, lines, gap):
                inner.append(x)
                kept.append(list(ws))
            else:
                kept[-1] = kept[-1] + ws
        if not inner:
            continue
        pieces = kept
        xs = [box[0], *inner, box[2]]
        top = min(w.box[1] for ws in pieces for w in ws)
        foot = max(w.box[3] for ws in pieces for w in ws)
        pad = ((top - box[1]) + (box[3] - foot)) / 2 / max(foot - top, 1.0)
        cuts[i] = []
        for ws, x0, x1 in zip(pieces, xs, xs[1:]):
            own_top, own_foot = min(w.box[1] for w in ws), max(w.box[3] for w in ws)
            margin = max(pad, 0.0) * (own_foot - own_top)
            cuts[i].append((x0, max(box[1], own_top - margin), x1, min(box[3], own_foot + margin)))
    return cuts


def _gutter(
    x: float, box: Box, words: list[_Word], own: dict[int, list[_Word]], width: float
) -> bool:
    """Whether the page reader's words on the lines just above and below ``box`` (a detected
    line; ``own``, its words by line) leave a gap at least ``width`` wide round ``x``, with
    words on both sides of it: a gutter runs on down the page, where a word the page reader
    parted inside a line stands alone, and a word space under it is no gutter."""
    reach = BRIDGE_REACH * (box[3] - box[1])
    near = [
        w
        for w in words
        if w.line not in own and box[1] - reach <= (w.box[1] + w.box[3]) / 2 <= box[3] + reach
    ]
    if any(w.box[0] < x < w.box[2] for w in near):
        return False
    before = [w.box[2] for w in near if w.box[2] <= x]
    after = [w.box[0] for w in near if w.box[0] >= x]
    return bool(before and after) and min(after) - max(before) >= width


def _piece(words: list[_Word]) -> bool:
    """Whether the words of one of the page reader's lines make a piece of a detected line."""
    letters = sum(ch.isalnum() for w in words for ch in w.text)
    return letters >= BRIDGE_CHARACTERS and confidence(words) >= BRIDGE_CONFIDENCE


def _corrected(cand: Candidate, words: list[_Word]) -> Candidate:
    """``cand`` (a line PP-OCR read) with the words Tesseract reads otherwise, surely, in place
    of PP-OCR's.

    The two readings are aligned word by word. Where they differ on as many words, each of
    Tesseract's words read with ``SURE_WORD`` confidence or more and ``ALIKE`` PP-OCR's takes
    its place; where PP-OCR read one word and Tesseract several (PP-OCR drops the space between
    small Latin words), Tesseract's words take its place when all are that sure and together
    that alike. Words one reader found and the other did not are left as PP-OCR read them.
    Measured on the words of the 23 real scans where the two disagree: Tesseract is right 15
    times and wrong once at that confidence (curly quotes and apostrophes, ``2O79``,
    ``Appéndix``, ``indicatingproce-``), against right 54, wrong 70 at 0.8. A word Tesseract
    reads alike but for curly quotes where PP-OCR's are straight (``_curled``) takes them at
    any confidence: its confidence is that of its letters (on the real scans 39 quotes were
    curled so on a magazine page, a report, a journal page, a court filing and a book page,
    each page reading better, and no form or receipt changed).
    """
    tokens = cand.text.split()
    own = list(cand.words) if len(cand.words) == len(tokens) else None
    out: list[tuple[str, tuple[str, Box, float] | None]] = [
        (t, own[k] if own else None) for k, t in enumerate(tokens)
    ]
    changed = False
    # from the end, so that a block replaced by more words leaves earlier indices in place
    for start, end, first, last in reversed(_differing(tokens, [w.text for w in words])):
        mine, theirs = tokens[start:end], words[first:last]
        if len(mine) == len(theirs):
            for k, (a, b) in enumerate(zip(mine, theirs)):
                if (b.score >= SURE_WORD and _likely(a, b.text, ALIKE)) or _curled(a, b.text):
                    out[start + k] = (b.text, (b.text, b.box, b.score))
                    changed = True
        elif (
            len(mine) == 1
            and all(w.score >= SURE_WORD for w in theirs)
            and _likely(mine[0], "".join(w.text for w in theirs), SPLIT_ALIKE)
        ):
            out[start:end] = [(w.text, (w.text, w.box, w.score)) for w in theirs]
            changed = True
        elif len(mine) == 1 and (spaced := _spaced(mine[0], theirs)) != mine[0]:
            box = out[start][1]  # PP-OCR's own box for the word, where it has one
            out[start] = (spaced, (spaced, box[1], box[2]) if box else None)
            changed = True
    if not changed:
        return cand
    line_words = [w for _, w in out] if own else []
    return replace(
        cand,
        text=" ".join(t for t, _ in out),
        words=[w for w in line_words if w is not None],
    )


def _spaced(mine: str, theirs: list[_Word]) -> str:
    """PP-OCR's word ``mine`` with a space put back at each of Tesseract's word breaks that
    falls between a number and a letter, where a run of Tesseract's words (``theirs``) holds
    exactly its characters and the two beside the break were read with ``SPACE_SURE``
    confidence (words beside that run, such as a bullet PP-OCR did not read, are left out);
    ``mine`` unchanged otherwise."""
    # a bullet PP-OCR read into the word (``■4.4Application``) stays in front of it
    core = mine.lstrip("■□●•◆▪▫-–*·")
    bullet = mine[: len(mine) - len(core)]
    # the run of Tesseract's words that holds exactly PP-OCR's characters: Tesseract also reads
    # a list's bullet PP-OCR left out (``=``, ``1``, ``History`` for ``1History``)
    runs = (
        theirs[i:j]
        for i in range(len(theirs))
        for j in range(i + 2, len(theirs) + 1)
        if "".join(w.text for w in theirs[i:j]) == core
    )
    theirs = next(runs, [])
    if not core or not theirs:
        return mine
    mine, out, at = core, bullet + theirs[0].text, len(theirs[0].text)
    for before, word in itertools.pairwise(theirs):
        left, right = mine[at - 1], mine[at]
        if (
            {left.isdigit(), right.isdigit()} == {True, False}
            and left.isalnum()
            and right.isalnum()
            and min(before.score, word.score) >= SPACE_SURE
        ):
            out += " "
        out += word.text
        at += len(word.text)
    return out


#: curly quotes and apostrophes, and the straight mark each is written as on a keyboard
_STRAIGHT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _curled(mine: str, theirs: str) -> bool:
    """Whether Tesseract's ``theirs`` is PP-OCR's ``mine`` with curly quotes where it has
    straight ones, and nothing else changed."""
    return theirs != mine and theirs.translate(_STRAIGHT) == mine


def _likely(mine: str, theirs: str, alike: float) -> bool:
    """Whether Tesseract's reading ``theirs`` of a word is the same word as PP-OCR's ``mine``
    read better: this alike, and no shorter (where Tesseract reads fewer characters, it has
    dropped a faint colon or the end of the word, not corrected PP-OCR)."""
    return len(theirs) >= len(mine) and Levenshtein.normalized_similarity(mine, theirs) >= alike


def _differing(mine: list[str], theirs: list[str]) -> list[tuple[int, int, int, int]]:
    """The stretches where two word sequences differ, as (start, end) in ``mine`` and (first,
    last) in ``theirs``: runs of edits between the words they share."""
    blocks: list[tuple[int, int, int, int]] = []
    for op in Levenshtein.opcodes(mine, theirs):
        if op.tag == "equal":
            continue
        if blocks and blocks[-1][1] == op.src_start and blocks[-1][3] == op.dest_start:
            blocks[-1] = (blocks[-1][0], op.src_end, blocks[-1][2], op.dest_end)
        else:
            blocks.append((op.src_start, op.src_end, op.dest_start, op.dest_end))
    return blocks


__all__ = ["MIN_CONFIDENCE", "bridged_pieces", "confidence", "fuse_page"]
