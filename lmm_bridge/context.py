"""From an ``OCRResult`` to the text the model sees after the image.

``build_context`` picks units, lower-cases, sanitizes, fits the budget and renders;
``assemble_text`` places the context relative to the question as the variant says.
Each unit is sanitized alone, and the rendered block is sanitized again with the OCR text
marked (``ContextInfo.marked``), so units joined by the template cannot form a control
string either; the prompt builder repeats that over the whole text after the image.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lmm_bridge.budget import fit_budget
from lmm_bridge.formats import Unit, extract_units, render_items, render_unit
from lmm_bridge.sanitize import mark_ocr, neutralize_marked, sanitizer
from lmm_bridge.select import question_priority
from lmm_bridge.variants import UnitKind, VariantSpec
from ocr_expert.types import OCRResult

BELOW_MIN_SCORE = "below_min_score"
#: ``ContextInfo.note`` when a ``boxes`` variant had no boxes to show
NO_BOXES_NOTE = "no boxes in the OCR result: the boxes format fell back to lines"


@dataclass(frozen=True)
class ContextInfo:
    """The OCR context of one prompt and what the budget did to it."""

    text: str = ""
    n_tokens: int = 0
    kept: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (unit text, reason)
    #: ``text`` before the final pass, OCR text between ``sanitize.OCR_START``/``OCR_END``
    marked: str = field(default="", repr=False, compare=False)
    note: str | None = None  # what the format had to change, e.g. boxes rendered as lines
    budget: int | None = None  # the most tokens the context could take (None: no limit)
    full_tokens: int = 0  # tokens the context would take with every unit


def build_context(
    result: OCRResult | None,
    variant: VariantSpec,
    *,
    count_tokens: Callable[[str], int],
    control_strings: Iterable[str],
    control_patterns: Iterable[str] = (),
    box_style: str = "plain",
    count_tokens_many: Callable[[list[str]], list[int]] | None = None,
    question: str = "",
    window_budget: int | None = None,
) -> ContextInfo:
    """Render ``result`` as ``variant`` says, within its token budget.

    ``box_style`` is the backend's native form for the ``boxes`` format ("qwen-vl" or
    "plain"); a variant's own ``box_style`` other than "auto" overrides it.
    ``count_tokens_many`` counts a list of texts in one call (see ``fit_budget``).
    ``window_budget`` is what the model's window leaves for the context: the budget is the
    smaller of it and the variant's ``budget_tokens``. With ``select: question`` the units
    that serve ``question`` are kept first (``lmm_bridge.select``).
    """
    if not variant.uses_ocr or result is None:
        return ContextInfo()
    control_strings, control_patterns = tuple(control_strings), tuple(control_patterns)
    clean = sanitizer(control_strings, control_patterns)
    style = box_style if variant.box_style == "auto" else variant.box_style
    size = (result.width, result.height)
    lowercase = variant.option("lowercase")

    note = None
    cleaned = _cleaned_units(result, variant.option("unit"), lowercase, clean)
    if variant.format == "boxes" and cleaned and all(u.box is None for u in cleaned):
        # An engine that writes text out (got-ocr2, vlm-ocr on whole pages) gives no positions:
        # lines under a "with positions" label would mislead the model.
        variant, note = variant.replace(format="lines"), NO_BOXES_NOTE
    units: list[Unit] = []
    dropped: list[tuple[str, str]] = []
    for u in cleaned:
        if variant.min_score is not None and u.score < variant.min_score:
            dropped.append((u.text, BELOW_MIN_SCORE))
            continue
        units.append(u)

    def render(selected: list[Unit]) -> str:
        return render_items(
            variant, [u.text for u in selected], [u.box for u in selected], size, style
        )

    def render_one(unit: Unit) -> str:
        return render_unit(variant, unit.text, unit.box, size, style)

    limits = [b for b in (variant.budget_tokens, window_budget) if b is not None]
    budget = min(limits) if limits else None
    priority = question_priority(units, question) if variant.select == "question" else None
    fitted = fit_budget(
        units,
        budget,
        render,
        render_one,
        count_tokens,
        low_score=variant.low_score,
        tiny_fraction=variant.tiny_fraction,
        count_tokens_many=count_tokens_many,
        priority=priority,
    )
    dropped += [(u.text, reason) for u, reason in fitted.dropped]
    # the block as the model sees it, checked whole: units joined by the template
    marked = render_items(
        variant,
        [mark_ocr(u.text) for u in fitted.kept],
        [u.box for u in fitted.kept],
        size,
        style,
    )
    text = neutralize_marked(marked, control_strings, control_patterns)
    n_tokens = fitted.n_tokens if text == fitted.text else count_tokens(text)
    return ContextInfo(
        text,
        n_tokens,
        len(fitted.kept),
        dropped,
        marked=marked,
        note=note,
        budget=budget,
        full_tokens=fitted.n_full,
    )


#: the units of the last few OCR results, extracted and sanitised: every variant of a sample
#: (and every question on the same page) reads the same result, and extracting and cleaning
#: its units costs more than rendering them. Keyed by the result's identity; an entry holds
#: the result, so its identity cannot pass to another object while the entry lives.
_KEPT = 128
_kept_lock = threading.Lock()
_kept: OrderedDict[tuple[Any, ...], tuple[OCRResult, list[Unit]]] = OrderedDict()


def _units_of(
    result: OCRResult, key: tuple[Any, ...], make: Callable[[], list[Unit]]
) -> list[Unit]:
    """``make()``, kept for ``result`` under ``key``; the list is shared, never changed."""
    full = (id(result), *key)
    with _kept_lock:
        entry = _kept.get(full)
        if entry is not None and entry[0] is result:
            _kept.move_to_end(full)
            return entry[1]
    units = make()
    with _kept_lock:
        _kept[full] = (result, units)
        _kept.move_to_end(full)
        while len(_kept) > _KEPT:
            _kept.popitem(last=False)
    return units


def _cleaned_units(
    result: OCRResult, kind: UnitKind, lowercase: bool, clean: Callable[[str], str]
) -> list[Unit]:
    """``extract_units(result, kind)``, each unit's text lower-cased (``lowercase``) and
    passed through ``clean`` (one sanitiser per set of control strings, see ``sanitizer``)."""

    def extracted() -> list[Unit]:
        return _units_of(result, (kind,), lambda: extract_units(result, kind))

    return _units_of(
        result,
        (kind, lowercase, clean),
        lambda: [u.with_text(clean(u.text.lower() if lowercase else u.text)) for u in extracted()],
    )


def assemble_text(
    question: str, context: str, variant: VariantSpec, instruction: str | None = None
) -> str:
    """The text after the image: lead-in, question and context in the variant's order,
    then the instruction."""
    if not context:
        body = question
    elif variant.position == "before":
        body = context + variant.separator + question
    else:
        body = question + variant.separator + context
    text = variant.lead_in + body
    if instruction:
        text += variant.instruction_separator + instruction
    return text


__all__ = ["BELOW_MIN_SCORE", "NO_BOXES_NOTE", "ContextInfo", "assemble_text", "build_context"]
