"""Question-aware selection: which OCR units serve the question, to keep them first.

``question_priority`` gives each unit a priority (0: nothing links it to the question); the
budget (``budget.fit_budget``) drops units of lower priority first and, among equals, as it
always has (duplicates, low confidence, tiny, later in reading order). What links a unit to
the question, strongest first:

- its words match the question's words: case-folded, fuzzily (``rapidfuzz``) for words of
  four letters or more, exactly for short words and numbers, scored as BM25 scores a line
  against a query: a question word weighs by how rare it is on the page (a word on every
  line weighs little), and a long line that matches weighs less than a short one (a chart's
  title that repeats the question's words, beside the bar label the question names);
- it sits on the same line as a match (word units), or on a line beside, below or above a
  matching line: a value sits next to its label (a form's field, a chart's bar label beside
  its number, a total under its heading);
- it is near a match in reading order, or in the same layout block (region).

Nothing here knows a page type: the links are geometric and lexical only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from lmm_bridge.formats import Unit

#: similarity (0..100) a page word needs to a question word of five letters or more, and
#: of four (one letter misread)
MIN_SIMILARITY, MIN_SIMILARITY_SHORT = 80.0, 75.0
#: similarity of a word found inside a longer one
INSIDE = 0.85
#: weight of a question word that is a preposition or the like: it may be a form's label
#: ("To:", "From:", "No.") but is mostly glue
WEAK = 0.3
#: how much a link passes on of the match it links to
SAME_LINE, BESIDE, BELOW, ABOVE, NEXT_IN_ORDER, SAME_BLOCK = 0.9, 0.9, 0.8, 0.7, 0.6, 0.3
#: BM25's term-frequency saturation and length normalization
K1, B = 1.2, 0.75
#: how many lines beside / below / above a match are linked to it
NEIGHBOURS = 2

_WORD = re.compile(r"[^\W_]+")
# Question words, articles, auxiliaries, pronouns: they say what is asked, not where.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "done",
        "has",
        "have",
        "had",
        "having",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "there",
        "their",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "him",
        "we",
        "our",
        "you",
        "your",
        "i",
        "me",
        "my",
        "so",
        "if",
        "yes",
        "all",
        "any",
        "some",
        "each",
        "every",
        "much",
        "many",
        "more",
        "most",
        "less",
        "least",
        "very",
        "also",
        "only",
        "just",
        "according",
        "shown",
        "given",
        "mentioned",
        "written",
        "stated",
        "listed",
        "displayed",
        "seen",
        "used",
        "called",
        "named",
        "known",
        "say",
        "says",
        "said",
        "tell",
        "image",
        "picture",
        "photo",
        "than",
        "then",
    ]
)
# Prepositions and the like: kept, weighing little (see WEAK).
_WEAK_WORDS = frozenset(
    [
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "without",
        "about",
        "into",
        "onto",
        "over",
        "under",
        "and",
        "or",
        "nor",
        "but",
        "not",
        "no",
        "as",
        "per",
    ]
)


@dataclass(frozen=True)
class _Lines:
    """The OCR lines the units came from, in reading order."""

    line_of: np.ndarray  # per unit: its line
    boxes: np.ndarray  # per line: x0, y0, x1, y1 (NaN: no box)
    blocks: np.ndarray  # per line: its layout block (-1: unknown)

    def __len__(self) -> int:
        return len(self.blocks)


def question_terms(question: str) -> list[str]:
    """The question's content words, case-folded, in order, each once."""
    words = (w.casefold() for w in _WORD.findall(question))
    return list(dict.fromkeys(w for w in words if w not in _STOPWORDS))


def _term_weight(term: str) -> float:
    return WEAK if term in _WEAK_WORDS else 1.0


def question_priority(units: Sequence[Unit], question: str) -> list[float]:
    """A priority per unit (higher: kept first); all 0 when nothing matches."""
    terms = question_terms(question)
    if not terms or not units:
        return [0.0] * len(units)
    words = [_WORD.findall(u.text.casefold()) for u in units]
    similarity = _similarity(terms, sorted({w for ws in words for w in ws}))
    if not similarity:
        return [0.0] * len(units)
    # page word -> [(index of the question word, similarity)], for the words that match
    matches: dict[str, list[tuple[int, float]]] = {}
    index = {t: k for k, t in enumerate(terms)}
    for (term, w), sim in similarity.items():
        matches.setdefault(w, []).append((index[term], sim))
    # term frequencies (similarities summed) per unit, then per line
    tf = np.zeros((len(units), len(terms)))
    for i, ws in enumerate(words):
        for w in ws:
            for k, sim in matches.get(w, ()):
                tf[i, k] += sim
    lines = _lines(units)
    line_of = lines.line_of
    length = np.array([len(ws) for ws in words], dtype=float)
    line_tf = np.zeros((len(lines), len(terms)))
    np.add.at(line_tf, line_of, tf)
    line_length = np.bincount(line_of, weights=length, minlength=len(lines))
    # idf of each question word over the page's lines (BM25's form: never negative)
    df = (line_tf > 0).sum(axis=0)
    weights = np.array([_term_weight(t) for t in terms])
    idf = weights * np.log(1 + (len(lines) - df + 0.5) / (df + 0.5))
    mean_length = max(float(line_length.mean()), 1.0)

    def bm25(f: np.ndarray, n: np.ndarray) -> np.ndarray:
        norm = K1 * (1 - B + B * n / mean_length)
        return (idf * f * (K1 + 1) / (f + norm[:, None])).sum(axis=1)

    own = bm25(tf, length)
    line_priority = np.asarray(_spread(lines, bm25(line_tf, line_length).tolist()))
    # a unit that is a whole line: its own match is the line's; a word: its line's match
    # passes to the words beside it (the value after the label)
    sizes = np.bincount(line_of, minlength=len(lines))
    passed = np.where(sizes[line_of] > 1, SAME_LINE, 1.0) * line_priority[line_of]
    return np.maximum(own, passed).tolist()


def _similarity(terms: list[str], vocabulary: list[str]) -> dict[tuple[str, str], float]:
    """(question word, page word) -> similarity in 0..1, for the pairs that match: equal
    words; words of four letters or more one or two edits apart (OCR misreads one letter:
    "Totai"); one such word inside the other (OCR runs words together: "INVOICENO")."""
    if not vocabulary:
        return {}
    close = process.cdist(terms, vocabulary, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY_SHORT)
    inside = process.cdist(terms, vocabulary, scorer=fuzz.partial_ratio, score_cutoff=100)
    out: dict[tuple[str, str], float] = {}
    for a, term in enumerate(terms):
        for b in np.flatnonzero((close[a] > 0) | (inside[a] > 0)):
            word = vocabulary[b]
            if word == term:
                out[(term, word)] = 1.0
            elif len(term) < 4 or len(word) < 4 or any(ch.isdigit() for ch in term + word):
                continue  # short words and numbers match exactly: 2019 is not 2018
            else:
                cutoff = MIN_SIMILARITY_SHORT if len(term) == 4 else MIN_SIMILARITY
                sim = float(close[a][b]) if close[a][b] >= cutoff else 0.0
                out[(term, word)] = max(sim / 100.0, INSIDE if inside[a][b] else 0.0)
                if not out[(term, word)]:
                    del out[(term, word)]
    return out


def _lines(units: Sequence[Unit]) -> _Lines:
    """Units grouped by the OCR line they came from (consecutive units of one line; a unit
    without one is its own line), each line's box the union of its units' boxes."""
    keys = np.array([u.line if u.line >= 0 else -1 - i for i, u in enumerate(units)])
    first = np.r_[True, keys[1:] != keys[:-1]]
    starts = np.flatnonzero(first)
    nan = (np.nan,) * 4
    boxes = np.array([u.box if u.box is not None else nan for u in units], dtype=float)
    # fmin/fmax pass over units without a box; a line with none stays NaN
    union = np.hstack(
        [np.fmin.reduceat(boxes[:, :2], starts), np.fmax.reduceat(boxes[:, 2:], starts)]
    )
    return _Lines(np.cumsum(first) - 1, union, np.array([units[int(k)].block for k in starts]))


def _spread(lines: _Lines, match: list[float]) -> list[float]:
    """Each line's priority: its own match, or the most a matching line passes on to it."""
    score = np.asarray(match, dtype=float)
    rows = np.flatnonzero(score > 0)
    if not rows.size:
        return list(match)
    weight = _link_weights(lines, rows)
    passed = (score[rows, None] * weight).max(axis=0)
    return np.maximum(score, passed).tolist()


def _link_weights(lines: _Lines, rows: np.ndarray) -> np.ndarray:
    """weight[r, k]: how much matching line ``rows[r]`` passes on to line ``k`` (0: no link).
    All pairs at once: a page has hundreds of lines and a common word matches many."""
    n = len(lines)
    weight = np.zeros((rows.size, n))
    every = np.arange(rows.size)
    for step in (1, 2):  # lines are in reading order
        for k in (rows - step, rows + step):
            inside = (k >= 0) & (k < n)
            weight[every[inside], k[inside]] = NEXT_IN_ORDER / step
    blocks = lines.blocks
    same_block = (blocks[rows, None] == blocks[None, :]) & (blocks[rows, None] >= 0)
    weight[same_block] = np.maximum(weight[same_block], SAME_BLOCK)
    x0, y0, x1, y1 = (lines.boxes[:, i] for i in range(4))
    height = np.maximum(y1 - y0, 1.0)
    mx0, my0, mx1, my1, mh = (
        x0[rows, None],
        y0[rows, None],
        x1[rows, None],
        y1[rows, None],
        height[rows, None],
    )
    v_overlap = np.minimum(my1, y1) - np.maximum(my0, y0)
    h_overlap = np.minimum(mx1, x1) - np.maximum(mx0, x0)
    with np.errstate(invalid="ignore"):  # lines without a box compare False
        beside = v_overlap >= 0.5 * np.minimum(mh, height)
        below = ~beside & (h_overlap > 0) & (y0 >= my0 + 0.5 * mh)
        above = ~beside & (h_overlap > 0) & (y1 <= my1 - 0.5 * mh)
        gaps = (np.maximum(np.maximum(x0 - mx1, mx0 - x1), 0.0), y0 - my1, my0 - y1)
    for found, gap, link in zip((beside, below, above), gaps, (BESIDE, BELOW, ABOVE)):
        found[every, rows] = False
        distance = np.where(found, gap, np.inf)
        nearest = np.argsort(distance, axis=1, kind="stable")[:, :NEIGHBOURS]
        for n_th in range(nearest.shape[1]):
            k = nearest[:, n_th]
            ok = np.isfinite(distance[every, k])
            weight[every[ok], k[ok]] = np.maximum(weight[every[ok], k[ok]], link / (n_th + 1))
    weight[every, rows] = 0.0  # a line's own match is its score
    return weight


__all__ = ["question_priority", "question_terms"]
