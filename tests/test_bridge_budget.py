"""The OCR context fits its token budget, counted with the model's own tokenizer."""

import json
import os
import re

import pytest

from eval_vqa.tiny_models import cached_model, make_ocr_result
from lmm_bridge.context import build_context
from lmm_bridge.variants import VariantSpec

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module", params=["qwen-vl-chat", "qwen2vl"])
def backend(request, tmp_path_factory):
    from lmm_bridge import load_backend

    return load_backend(None, str(cached_model(tmp_path_factory.getbasetemp(), request.param)))


def page():
    """A document page: ordinary lines, a duplicate, a low-confidence line, fine print."""
    rows = [
        ("Invoice number 2024-0042", 0.97, 30),
        ("Date of issue 12 March 2024", 0.95, 30),
        ("Total amount due 1,250.00 EUR", 0.96, 30),
        ("Invoice number 2024-0042", 0.97, 30),  # duplicate
        ("xq#~ smudge", 0.21, 30),  # low confidence
        ("printed by a tiny footer service", 0.93, 8),  # tiny
        ("Please pay within thirty days", 0.94, 30),
    ]
    lines, y = [], 0
    for text, score, height in rows:
        lines.append([(text, (10, y, 10 + 12 * len(text), y + height), score)])
        y += height + 10
    return make_ocr_result(lines, width=600, height=y)


def items(fmt, text):
    """The units a rendered context lists."""
    if not text:
        return []
    body = text.split(": ", 1)[1] if fmt in ("tokens", "llava") else text.split("\n", 1)[1]
    if fmt == "tokens":
        return json.loads(body)
    if fmt == "llava":
        return body.split(", ")
    if fmt == "lines":
        return body.split("\n")
    return [
        re.sub(r"^<ref>(.*)</ref><box>.*$|^(.*) \[[\d,]+\]$", r"\1\2", line)
        for line in body.split("\n")
    ]


def info(backend, variant):
    return build_context(
        page(),
        variant,
        count_tokens=backend.count_tokens,
        control_strings=backend.control_strings,
        control_patterns=backend.control_patterns,
        box_style=backend.box_style,
    )


@pytest.mark.parametrize("fmt", ["tokens", "llava", "lines", "boxes"])
@pytest.mark.parametrize("budget", [0, 5, 12, 25, 40, 80])
def test_budget_is_respected_and_words_stay_whole(backend, fmt, budget):
    full = info(backend, VariantSpec(name="full", format=fmt, lowercase=False))
    cut = info(backend, VariantSpec(name="cut", format=fmt, lowercase=False, budget_tokens=budget))
    assert cut.n_tokens == (backend.count_tokens(cut.text) if cut.text else 0)
    assert cut.n_tokens <= budget
    # Nothing is cut in half: every item shown is a whole word (or line) of the page.
    whole = {w for line in page().lines for w in line.text.split()} | {
        line.text for line in page().lines
    }
    shown = items(fmt, cut.text)
    assert len(shown) == cut.kept and set(shown) <= whole
    assert cut.kept + len(cut.dropped) == full.kept
    if full.n_tokens <= budget:
        assert cut.text == full.text and not cut.dropped


def test_least_useful_lines_go_first(backend):
    full = info(backend, VariantSpec(name="full", format="lines"))
    cut = info(backend, VariantSpec(name="cut", format="lines", budget_tokens=full.n_tokens - 1))
    assert cut.dropped[0] == ("Invoice number 2024-0042", "duplicate")
    tighter = info(
        backend, VariantSpec(name="cut", format="lines", budget_tokens=max(cut.n_tokens - 12, 1))
    )
    reasons = [reason for _, reason in tighter.dropped]
    assert reasons[:3] == ["duplicate", "low_score", "tiny"]
    assert ("xq#~ smudge", "low_score") in tighter.dropped
    assert ("printed by a tiny footer service", "tiny") in tighter.dropped
    # What is kept stays in reading order.
    kept = tighter.text.split("\n")[1:]
    order = [line.text for line in page().lines]
    assert kept == sorted(kept, key=order.index)


def test_no_budget_keeps_everything(backend):
    full = info(backend, VariantSpec(name="full", format="llava"))
    assert full.kept == len(page().words) and full.dropped == []


@pytest.mark.parametrize("fmt", ["tokens", "lines"])
@pytest.mark.parametrize("budget", [5, 25, 60])
def test_batched_counting_keeps_the_same_units(backend, fmt, budget):
    """Counting every distinct unit in one batched call gives the context that counting
    them one by one gives, and no text is counted twice for the unit costs."""
    variant = VariantSpec(name="cut", format=fmt, lowercase=False, budget_tokens=budget)
    batches = []

    def count_many(texts):
        batches.append(list(texts))
        return backend.count_tokens_many(texts)

    batched = build_context(
        page(),
        variant,
        count_tokens=backend.count_tokens,
        count_tokens_many=count_many,
        control_strings=backend.control_strings,
        control_patterns=backend.control_patterns,
        box_style=backend.box_style,
    )
    assert batched == info(backend, variant)
    assert len(batches) == 1 and len(set(batches[0])) == len(batches[0])
    assert backend.count_tokens_many(batches[0]) == [backend.count_tokens(t) for t in batches[0]]
