"""A realistic, seeded page set with ground truth, for measuring OCR where layouts are hard.

    from ocr_expert.synthetic import make_page_set
    labels = make_page_set("pages/", size="ci", seed=0)      # -> pages/labels.jsonl
    python -m ocr_expert.synthetic pages/ --size bench

Every image is rendered with Pillow and the DejaVu fonts matplotlib ships, then degraded as
scans and photographs are (150-300 dpi, skew up to 2 degrees, blur, noise, JPEG, uneven light,
low contrast). ``labels.jsonl`` holds one line per image::

    {"image": "007_page_eng_two_column.png", "text": "...", "kind": "page", "lang": "eng",
     "layout": "two_column", "dpi": 200, "degradation": {...}}

``text`` is the ground truth in human reading order, one line per text line: a whole column
before the next (right to left on Arabic pages), a drop cap joined to its word, a table row's
cells in order. ``image`` and ``text`` are what ``ocrvqa ocr-score`` reads.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ocr_expert.synthetic import layouts, scenes
from ocr_expert.synthetic import text as T
from ocr_expert.synthetic.canvas import Canvas
from ocr_expert.synthetic.degrade import Degradation, apply, encode

__all__ = ["KINDS", "LANGS", "LAYOUTS", "LabelRecord", "make_page_set", "page_set_specs"]

KINDS = ("word", "line", "page", "sign")
LANGS = ("eng", "ara", "mix")
LAYOUTS = (
    "single_column",
    "two_column",
    "three_column",
    "drop_cap",
    "sidebar",
    "table_ruled",
    "table_unruled",
    "receipt",
    "poster",
    "form",
    "bilingual",
    "sign",
    "line",
    "word",
)
Size = Literal["ci", "bench"]


@dataclass(frozen=True)
class Spec:
    """One image to render: what it is, and whether it stays clean."""

    kind: str
    lang: str
    layout: str
    clean: bool = False


@dataclass(frozen=True)
class LabelRecord:
    """One line of ``labels.jsonl``."""

    image: str
    text: str
    kind: str
    lang: str
    layout: str
    dpi: int | None
    degradation: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)


# One of each thing the set must hold; "clean" entries are undegraded references.
_CI: tuple[tuple[Spec, int], ...] = (
    (Spec("page", "eng", "single_column", clean=True), 1),
    (Spec("page", "eng", "single_column"), 1),
    (Spec("page", "eng", "two_column"), 1),
    (Spec("page", "eng", "three_column"), 1),
    (Spec("page", "eng", "drop_cap"), 1),
    (Spec("page", "eng", "sidebar"), 1),
    (Spec("page", "eng", "table_ruled"), 1),
    (Spec("page", "eng", "table_unruled"), 1),
    (Spec("page", "eng", "receipt"), 1),
    (Spec("page", "eng", "poster"), 1),
    (Spec("page", "eng", "form"), 1),
    (Spec("page", "ara", "single_column"), 1),
    (Spec("page", "ara", "two_column"), 1),
    (Spec("page", "mix", "bilingual"), 1),
    (Spec("sign", "eng", "sign"), 3),
    (Spec("sign", "ara", "sign"), 1),
    (Spec("sign", "mix", "bilingual"), 1),
    (Spec("line", "eng", "line", clean=True), 2),
    (Spec("line", "eng", "line"), 4),
    (Spec("line", "ara", "line", clean=True), 1),
    (Spec("line", "ara", "line"), 3),
    (Spec("word", "eng", "word"), 6),
    (Spec("word", "ara", "word"), 2),
)
# The bench set: the same mix, pages x2, signs x4, crops x10.
_BENCH_FACTOR = {"page": 2, "sign": 4, "line": 10, "word": 10}


def page_set_specs(size: Size = "ci") -> list[Spec]:
    """The images of a set, in file order."""
    if size not in ("ci", "bench"):
        raise ValueError(f"size must be 'ci' or 'bench', not {size!r}")
    specs: list[Spec] = []
    for spec, count in _CI:
        factor = 1 if size == "ci" else _BENCH_FACTOR[spec.kind]
        specs.extend([spec] * (count * factor))
    return specs


def _render(spec: Spec, rng: random.Random, dpi: int) -> Canvas:
    pages: dict[str, Callable[[], Canvas]] = {
        "single_column": lambda: layouts.prose_page(
            rng,
            dpi,
            lang=spec.lang,
            columns=1,
            footnote=rng.random() < 0.5,
            justify=rng.random() < 0.6,
        ),
        "two_column": lambda: layouts.prose_page(
            rng, dpi, lang=spec.lang, columns=2, justify=rng.random() < 0.7
        ),
        "three_column": lambda: layouts.prose_page(rng, dpi, columns=3, footnote=True),
        "drop_cap": lambda: layouts.prose_page(rng, dpi, columns=rng.choice((1, 2)), drop_cap=True),
        "sidebar": lambda: layouts.prose_page(rng, dpi, sidebar=True, justify=rng.random() < 0.5),
        "table_ruled": lambda: layouts.table_page(rng, dpi, ruled=True),
        "table_unruled": lambda: layouts.table_page(rng, dpi, ruled=False),
        "receipt": lambda: layouts.receipt(rng, dpi),
        "poster": lambda: layouts.poster(rng, dpi),
        "form": lambda: layouts.form(rng, dpi),
        "bilingual": lambda: layouts.bilingual_document(rng, dpi),
    }
    if spec.kind == "page":
        return pages[spec.layout]()
    if spec.kind == "sign":
        return scenes.sign(rng, spec.lang)
    rtl = spec.lang == "ara"
    if spec.kind == "line":
        text = scenes.arabic_line(rng) if rtl else scenes.english_line(rng)
    else:
        text = rng.choice(T.ARABIC_WORDS) if rtl else T.english_word(rng)
    return scenes.text_crop(rng, text, rtl=rtl, word=spec.kind == "word")


def make_page_set(out_dir: str | Path, size: Size = "ci", seed: int = 0) -> Path:
    """Render the ``size`` set (``ci``: 37 images; ``bench``: 228) into ``out_dir``.

    The same ``seed`` gives byte-identical files. Returns the path of ``labels.jsonl``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records = []
    for index, spec in enumerate(page_set_specs(size)):
        # Each image has its own stream, so adding kinds later leaves earlier images unchanged.
        item_seed = zlib.crc32(f"{seed}:{index}:{spec.kind}:{spec.lang}:{spec.layout}".encode())
        rng = random.Random(item_seed)
        dpi = rng.choice((150, 200, 250, 300)) if spec.kind == "page" else None
        if spec.layout in ("poster",):
            dpi = rng.choice((100, 150))  # posters are photographed small, not scanned
        canvas = _render(spec, rng, dpi or 0)
        degradation = Degradation() if spec.clean else Degradation.sample(rng, spec.kind)
        image = apply(canvas.image, degradation, item_seed)
        data, ext = encode(image, degradation)
        name = f"{index:03d}_{spec.kind}_{spec.lang}_{spec.layout}{ext}"
        (out / name).write_bytes(data)
        records.append(
            LabelRecord(
                name,
                "\n".join(canvas.lines),
                spec.kind,
                spec.lang,
                spec.layout,
                dpi,
                degradation.to_dict(),
            )
        )
    labels = out / "labels.jsonl"
    labels.write_text("".join(r.to_json() + "\n" for r in records), encoding="utf-8")
    return labels
