"""Answer recall of the OCR context under a token budget: ``select: question`` beside
``select: confidence``.

The share of questions whose answer is still in the context the model would see, per
budget, for each selection, side by side:

- the bundled mini benchmark (its questions and answers);
- label -> value questions derived from a ``labels.jsonl`` of real pages with their text
  in reading order (``--labels``): a line ``Label: value``, a line ``Label:`` followed by
  its value, or a label followed by a number on its line (``TOTAL 39.90``) becomes "What is
  the <label>?" with the value as its answer. A label seen with two values on one page is
  ambiguous and left out.

OCR is the project's default engine (``OCRExpert("ppocr")``, cached on disk); tokens are
counted with the tokenizer of ``--tokenizer`` (a local folder, or a bundled tiny model's
name: built offline on first use).

    python bench/context_recall.py [--labels PATH/labels.jsonl] [--formats lines tokens]
        [--budgets 32 64 128 256 full] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# the checkout this file is in, before any installed copy of the package
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval_vqa.recall import answer_in_context, normalize
from lmm_bridge.context import build_context
from lmm_bridge.variants import get_variant
from ocrvqa.files import read_jsonl

SELECTIONS = ("confidence", "question")
# "Label: value" (the label has letters, the value something after the colon)
_COLON = re.compile(r"^(?P<label>[^\W\d_][^:]{0,40}?)\s*:\s*(?P<value>\S.*)$")
# "Label:" alone on its line: the value is the next line
_LABEL_ONLY = re.compile(r"^(?P<label>[^\W\d_][^:]{0,40}?)\s*:$")
# "LABEL 39.90": words without digits, then one token with digits
_TRAILING_NUMBER = re.compile(r"^(?P<label>[^\W\d_][^\d:]{1,40}?)\s+(?P<value>[^\s:]*\d[^\s:]*)$")


@dataclass(frozen=True)
class Question:
    """One question about one image, with its answers."""

    image: str
    question: str
    answers: tuple[str, ...]
    source: str  # which set it belongs to


def label_value_pairs(text: str) -> list[tuple[str, str]]:
    """(label, value) pairs of a page's text in reading order, each label once; labels seen
    with two different values are left out."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found: dict[str, set[str]] = {}  # label -> its values, normalized
    fields: dict[str, tuple[str, str]] = {}  # label -> (label, value) as first written
    for k, line in enumerate(lines):
        pair = None
        if m := _LABEL_ONLY.match(line):
            if k + 1 < len(lines) and not _LABEL_ONLY.match(lines[k + 1]):
                pair = (m["label"], lines[k + 1])
        elif (m := _COLON.match(line)) or (m := _TRAILING_NUMBER.match(line)):
            pair = (m["label"], m["value"])
        if pair is None:
            continue
        label, value = pair[0].strip(" .-#"), pair[1].strip()
        # a field is short: a label of a few words, a value of a few more (not prose)
        if (
            len(normalize(label)) < 2
            or not normalize(value)
            or len(label.split()) > 5
            or len(value.split()) > 6
            or len(value) > 40
        ):
            continue
        key = normalize(label)
        found.setdefault(key, set()).add(normalize(value))
        fields.setdefault(key, (label, value))
    return [fields[k] for k, values in found.items() if len(values) == 1]


def label_questions(labels: Path) -> Iterator[Question]:
    """Label -> value questions for every image of ``labels`` (a labels.jsonl)."""
    for _, row in read_jsonl(labels):
        image = labels.parent / row["image"]
        for label, value in label_value_pairs(row.get("text", "")):
            yield Question(str(image), f"What is the {label}?", (value,), str(labels))


def mini_questions() -> Iterator[Question]:
    """The bundled mini benchmark's questions."""
    from eval_vqa.data import load_samples

    for name in ("mini_scene", "mini_doc"):
        for sample in load_samples(name):
            yield Question(str(sample.image), sample.question, tuple(sample.answers), "mini")


def load_tokenizer(name: str):
    """A tokenizer from a local folder or a bundled tiny model's name."""
    from transformers import AutoTokenizer

    from eval_vqa.presets import resolve_model

    return AutoTokenizer.from_pretrained(resolve_model(name))


def measure(
    questions: list[Question],
    fmt: str,
    budgets: list[int | None],
    tokenizer,
) -> dict[str, dict[str, list[bool]]]:
    """Per budget and selection, whether each question's answer is in the context; also
    ``all OCR`` (everything the engine read)."""
    from ocr_expert import OCRExpert

    expert = OCRExpert("ppocr")

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def count_many(texts: list[str]) -> list[int]:
        return (
            [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
            if texts
            else []
        )

    hits: dict[str, dict[str, list[bool]]] = {}
    for q in questions:
        result = expert.read(q.image)
        hits.setdefault("all OCR", {}).setdefault("all", []).append(
            answer_in_context(q.answers, result.text)
        )
        for budget in budgets:
            row = hits.setdefault("full" if budget is None else str(budget), {})
            for select in SELECTIONS:
                variant = get_variant(
                    {"name": "v", "base": fmt, "budget_tokens": budget, "select": select}
                )
                context = build_context(
                    result,
                    variant,
                    count_tokens=count,
                    count_tokens_many=count_many,
                    control_strings=(),
                    question=q.question,
                )
                row.setdefault(select, []).append(answer_in_context(q.answers, context.text))
    return hits


def _pct(flags: list[bool]) -> str:
    return f"{100 * sum(flags) / len(flags):5.1f} % ({sum(flags)}/{len(flags)})" if flags else "–"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--labels",
        type=Path,
        default=None,
        help="a labels.jsonl of real pages with their text in reading order",
    )
    ap.add_argument(
        "--formats",
        nargs="+",
        default=["lines", "tokens"],
        help="context formats (lines, tokens, llava, boxes)",
    )
    ap.add_argument("--budgets", nargs="+", default=["32", "64", "128", "256", "full"])
    ap.add_argument(
        "--tokenizer",
        default="tiny-random-llava",
        help="a tokenizer folder, or a bundled tiny model's name",
    )
    ap.add_argument("--no-mini", action="store_true", help="leave out the mini benchmark")
    ap.add_argument("--json", type=Path, default=None, help="write every number here")
    args = ap.parse_args()
    budgets = [None if b == "full" else int(b) for b in args.budgets]
    sets: dict[str, list[Question]] = {}
    if not args.no_mini:
        sets["mini benchmark"] = list(mini_questions())
    if args.labels is not None:
        if not args.labels.is_file():
            print(f"error: --labels: no such file {args.labels}", file=sys.stderr)
            return 2
        sets[f"pages of {args.labels}, label -> value"] = list(label_questions(args.labels))
    tokenizer = load_tokenizer(args.tokenizer)
    report: dict[str, dict[str, dict[str, list[bool]]]] = {}
    for name, questions in sets.items():
        for fmt in args.formats:
            start = time.perf_counter()
            hits = report[f"{name}, {fmt}"] = measure(questions, fmt, budgets, tokenizer)
            print(
                f"\n{name}: {len(questions)} questions, format {fmt}, "
                f"tokens of {args.tokenizer} ({time.perf_counter() - start:.1f} s)"
            )
            print(f"  {'budget':>8}  {'confidence':>20}  {'question':>20}")
            for budget, row in hits.items():
                if budget != "all OCR":
                    print(
                        f"  {budget:>8}  {_pct(row['confidence']):>20}  {_pct(row['question']):>20}"
                    )
            print(f"  {'all OCR':>8}  {_pct(hits['all OCR']['all']):>20}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
