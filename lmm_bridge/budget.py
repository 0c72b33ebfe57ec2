"""Fitting OCR context into a token budget counted with the model's own tokenizer.

Units are dropped whole (a word is never cut), least useful first: duplicates of a unit
seen earlier, then low-confidence ones, then tiny ones (small boxes are often noise or
fine print), then the rest by ascending score, later in reading order first. Given a
priority per unit (``select.question_priority``), units of lower priority go first and
that order holds among equals.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lmm_bridge.formats import Unit

# Drop reasons, in the order units are dropped.
DUPLICATE, LOW_SCORE, TINY, OVER_BUDGET = "duplicate", "low_score", "tiny", "over_budget"
_RANK = {DUPLICATE: 0, LOW_SCORE: 1, TINY: 2, OVER_BUDGET: 3}
#: how many dropped units to try adding back once the exact count is known
_ADD_BACK_TRIES = 8


@dataclass(frozen=True)
class BudgetResult:
    kept: list[Unit]  # in reading order
    dropped: list[tuple[Unit, str]]  # in the order they were dropped
    n_tokens: int  # tokens of the rendered context
    text: str = ""  # the rendered context, render(kept)
    n_full: int = 0  # tokens of the context with every unit, before the budget


def drop_reasons(units: list[Unit], low_score: float, tiny_fraction: float) -> list[str]:
    """Why each unit would be dropped early (``over_budget`` for ordinary units)."""
    heights = [u.box[3] - u.box[1] for u in units if u.box is not None]
    median = statistics.median(heights) if heights else 0.0
    seen: set[str] = set()
    reasons = []
    for u in units:
        key = u.text.casefold()
        if key in seen:
            reasons.append(DUPLICATE)
        elif u.score < low_score:
            reasons.append(LOW_SCORE)
        elif u.box is not None and median > 0 and (u.box[3] - u.box[1]) < tiny_fraction * median:
            reasons.append(TINY)
        else:
            reasons.append(OVER_BUDGET)
        seen.add(key)
    return reasons


def fit_budget(
    units: list[Unit],
    budget: int | None,
    render: Callable[[list[Unit]], str],
    render_one: Callable[[Unit], str],
    count_tokens: Callable[[str], int],
    low_score: float = 0.5,
    tiny_fraction: float = 0.5,
    count_tokens_many: Callable[[list[str]], list[int]] | None = None,
    priority: Sequence[float] | None = None,
) -> BudgetResult:
    """Keep as many of the most useful units as fit in ``budget`` tokens of ``render(kept)``.

    Per-unit costs give a first cut; the rendered block is then counted for real and units
    keep being dropped until it fits, so the budget holds exactly even where tokenization
    is not additive. Each distinct unit is counted once, all in one call of
    ``count_tokens_many`` where given (a batched tokenizer call); it must agree with
    ``count_tokens`` text by text. ``priority`` (one number per unit, higher kept longer)
    comes before the usefulness order above (a word seen earlier, "billion" of "4.3
    billion", is no less needed beside the question's label).
    """
    full = render(units)
    n_full = count_tokens(full) if full else 0
    if budget is None or n_full <= budget:
        return BudgetResult(list(units), [], n_full, full, n_full)

    reasons = drop_reasons(units, low_score, tiny_fraction)
    first = list(priority) if priority is not None else [0.0] * len(units)
    drop_order = sorted(
        range(len(units)),
        key=lambda i: (first[i], _RANK[reasons[i]], units[i].score, -units[i].order),
    )
    pieces = [render_one(u) for u in units]
    distinct = list(dict.fromkeys(pieces))  # words repeat: "the", "total", ...
    counted = (
        count_tokens_many(distinct)
        if count_tokens_many is not None
        else [count_tokens(p) for p in distinct]
    )
    if len(counted) != len(distinct):
        raise ValueError(f"count_tokens_many gave {len(counted)} counts for {len(distinct)} texts")
    n_piece = dict(zip(distinct, counted))
    overhead = count_tokens(render(units[:1])) - n_piece[pieces[0]]
    costs = [n_piece[p] + 1 for p in pieces]  # +1: the separator
    total = max(overhead, 0) + sum(costs)
    kept = set(range(len(units)))
    dropped: list[tuple[Unit, str]] = []
    pos = 0

    def drop_next() -> None:
        nonlocal pos, total
        i = drop_order[pos]
        pos += 1
        kept.discard(i)
        dropped.append((units[i], reasons[i]))
        total -= costs[i]

    while pos < len(drop_order) and total > budget:  # cheap estimate first
        drop_next()

    def exact(selection: set[int]) -> tuple[list[Unit], str, int]:
        chosen = [units[j] for j in sorted(selection)]
        text = render(chosen)
        return chosen, text, count_tokens(text) if text else 0

    current, text, n = exact(kept)
    while n > budget:  # then exact counts; an empty block costs nothing, so this ends
        drop_next()
        current, text, n = exact(kept)
    # The estimate may have dropped a little too much: take back the most useful ones while
    # they fit, stopping at the first that does not (a less useful unit never displaces a
    # more useful one). A unit longer than the whole budget displaces nothing: it is passed
    # over (else one long line, kept first, would leave the context empty).
    back, tries = len(dropped) - 1, 0
    while back >= 0 and tries < _ADD_BACK_TRIES:
        i = drop_order[back]
        if max(overhead, 0) + costs[i] > budget:
            back -= 1
            continue
        tries += 1
        trial, trial_text, m = exact(kept | {i})
        if m > budget:
            break
        kept.add(i)
        del dropped[back]
        current, text, n = trial, trial_text, m
        back -= 1
    return BudgetResult(current, dropped, n, text, n_full)


__all__ = [
    "DUPLICATE",
    "LOW_SCORE",
    "OVER_BUDGET",
    "TINY",
    "BudgetResult",
    "drop_reasons",
    "fit_budget",
]
