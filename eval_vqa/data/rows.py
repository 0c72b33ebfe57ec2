"""Turning source rows (dicts) into :class:`Sample` records.

The same code serves every source: Hugging Face datasets, our jsonl/parquet layout,
Qwen-VL's evaluation jsonl (``image``, ``question``, ``question_id``, ``answer`` as a
string or a list), LLaVA-style question files, and the official JSON files with a
``data`` list (TextVQA, DocVQA, ST-VQA).

Qwen-VL's ``textvqa_val.jsonl`` carries one answer per question (the most common of the
ten); its ten answers live in ``textvqa_val_annotations.json``. With one answer,
``vqa_accuracy`` falls back to the ST-VQA rule, so TextVQA accuracy comparable with the
official numbers needs the ten answers: the Hugging Face copy or ``TextVQA_0.5.1_val.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from eval_vqa.benchmarks import BenchmarkSpec
from eval_vqa.data.types import Sample

#: Column names tried, in order, for each of our fields when the benchmark's own
#: ``fields`` entry is absent from a source.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "question_id": ("question_id", "questionId", "qid", "id", "image_id", "index"),
    "image": (
        "image",
        "image_path",
        "img",
        "file_path",
        "path",
        "imgname",
        "file_name",
        "filename",
        "image_local_name",
        "image_id",
    ),
    "question": ("question", "query", "questions"),
    "answers": ("answers", "answer", "annotation", "label", "labels", "gt_answers"),
    "ocr_tokens": ("ocr_tokens",),
}

# Large or redundant columns never copied into ``Sample.meta``.
_META_SKIP = {"ocr_info", "ocr", "question_tokens", "image_classes"}


@dataclass(frozen=True)
class FieldMap:
    """Which source column feeds each of our fields (None: absent)."""

    question_id: str | None
    image: str | None
    question: str | None
    answers: str | None
    ocr_tokens: str | None

    def used(self) -> set[str]:
        return {
            c
            for c in (self.question_id, self.image, self.question, self.answers, self.ocr_tokens)
            if c
        }


def resolve_fields(columns: Iterable[str], spec: BenchmarkSpec) -> FieldMap:
    """Match the benchmark's field names, then the aliases, against ``columns``."""
    cols = list(columns)
    present = set(cols)
    chosen: dict[str, str | None] = {}
    for name, aliases in FIELD_ALIASES.items():
        preferred = spec.fields.get(name)
        candidates = ([preferred] if preferred else []) + list(aliases)
        chosen[name] = next((c for c in candidates if c in present), None)
    return FieldMap(**chosen)


def as_text_list(value: Any) -> list[str]:
    """An answers/tokens cell as a list of strings: a string is one item; None is none."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _json_safe(value: Any) -> Any | None:
    """Small scalar or list-of-scalar values go into ``meta``; anything else is dropped."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= 300 else None
    if isinstance(value, (list, tuple)) and len(value) <= 50:
        items = [_json_safe(v) for v in value]
        if all(i is None or isinstance(i, (bool, int, float, str)) for i in items):
            return items
    return None


def resolve_image(value: Any, roots: Sequence[Path]) -> str | bytes | Image.Image | None:
    """An image cell as a path, bytes or PIL image.

    Hugging Face image cells decoded lazily are ``{"bytes": ..., "path": ...}``: the bytes
    win. A relative path is looked up under each root, then by its file name alone (LLaVA
    question files name the image only; Qwen-VL's name it from their own working folder).
    A path that exists nowhere is returned as the first candidate, so the runner can
    report that sample as broken.
    """
    if value is None:
        return None
    if isinstance(value, Image.Image):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, dict):
        if value.get("bytes"):
            return bytes(value["bytes"])
        return resolve_image(value.get("path"), roots)
    if isinstance(value, (str, Path)):
        text = str(value)
        if not text:
            return None
        path = Path(text).expanduser()
        if path.is_absolute():
            return str(path)
        candidates = [root / path for root in roots] + [root / path.name for root in roots]
        for c in candidates:
            if c.exists():
                return str(c)
        return str(candidates[0]) if candidates else text
    raise TypeError(f"unsupported image cell of type {type(value).__name__}")


def _cell(row: dict[str, Any], column: str | None) -> Any:
    """The row's value in ``column``; None when the source has no such column."""
    return None if column is None else row.get(column)


def row_to_samples(
    row: dict[str, Any],
    position: int,
    fields: FieldMap,
    spec: BenchmarkSpec,
    roots: Sequence[Path],
) -> list[Sample]:
    """The sample(s) of one source row. Rows of an ``explode`` benchmark (OCR-VQA) hold
    parallel lists of questions and answers and give one sample per question."""
    image = resolve_image(row.get(fields.image) if fields.image else None, roots)
    if fields.image == "image_id" and isinstance(image, str) and not Path(image).suffix:
        image = resolve_image(f"{row['image_id']}.jpg", roots)  # TextVQA names images so
    ocr = as_text_list(row.get(fields.ocr_tokens)) if fields.ocr_tokens else None
    meta = {
        k: v
        for k, v in (
            (k, _json_safe(v))
            for k, v in row.items()
            if k not in fields.used() and k not in _META_SKIP
        )
        if v is not None
    }
    meta["row"] = position
    base_id = row.get(fields.question_id) if fields.question_id else None
    base_id = str(position) if base_id is None or base_id == "" else str(base_id)

    if spec.explode:
        questions = as_text_list(_cell(row, fields.question))
        answers = as_text_list(row.get(fields.answers)) if fields.answers else []
        out = []
        for k, question in enumerate(questions):
            # In OCR-VQA each question has exactly one answer, at the same index.
            ans = [answers[k]] if k < len(answers) and answers[k] != "" else []
            out.append(
                Sample(spec.name, f"{base_id}-{k}", image, question, ans, ocr, {**meta, "sub": k})
            )
        return out

    cell = _cell(row, fields.question)
    text = "" if cell is None else str(cell)
    answers = as_text_list(row.get(fields.answers)) if fields.answers else []
    if answers and all(a == "" for a in answers):
        answers = []  # unanswered splits ship empty strings
    return [Sample(spec.name, base_id, image, text, answers, ocr, meta)]


def question_count(row: dict[str, Any], fields: FieldMap, spec: BenchmarkSpec) -> int:
    """How many samples a row yields (one, or the number of questions when exploding)."""
    if not spec.explode:
        return 1
    return len(as_text_list(_cell(row, fields.question)))
