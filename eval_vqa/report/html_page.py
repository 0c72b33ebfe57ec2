"""The error-analysis page: per sample the image with OCR boxes, the question, the ground
truth and each variant's answer and score, with filters for "OCR helped" and "OCR hurt".

The page is the Jinja2 template ``templates/page.html.j2`` (autoescaped) filled with view
objects built here from the run's records; the records themselves are not changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, Template

from eval_vqa.records import THUMB_SIDE, SampleError, SampleRecord
from eval_vqa.report.table import score_tables
from ocrvqa.files import write_atomic

#: the page's filters, in button order: (tag, button label)
FILTERS = (
    ("all", "all"),
    ("helped", "OCR helped"),
    ("hurt", "OCR hurt"),
    ("broken", "broken samples"),
)


@dataclass(frozen=True)
class VariantRow:
    """One variant's line in a sample's table."""

    name: str
    prediction: str
    score: float  # on the main metric, 0..1
    css: str  # "up" / "down": above / below the baseline
    recall: str  # answer in the injected context: yes / no / – (no context)
    context_tokens: int
    prompt: str


@dataclass(frozen=True)
class SampleCard:
    """What the page shows of one sample."""

    record: SampleRecord
    tags: list[str]  # sorted: helped, hurt, broken
    image: str | None  # page-relative thumbnail, None when the image cannot be shown
    truth: list[str]  # the ground-truth answers, each once
    error: SampleError | None
    metric: str
    rows: list[VariantRow]


@dataclass(frozen=True)
class FilterButton:
    tag: str
    label: str
    count: int


@cache
def _template() -> Template:
    env = Environment(
        loader=PackageLoader("eval_vqa.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("page.html.j2")


def error_page(
    results: dict[str, Any],
    records: list[SampleRecord],
    run_dir: str | Path,
    out_dir: str | Path,
    limit: int,
) -> Path:
    """Write ``index.html`` (and its images under ``images/``) into ``out_dir``, showing at
    most ``limit`` samples (the config's ``report.html_samples``)."""
    run_dir, out_dir = Path(run_dir), Path(out_dir)
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    run = results["run"]
    chosen = pick_samples(records, run, limit)
    cards = [_card(r, tags, run, run_dir, out_dir) for r, tags in chosen]
    filters = [
        FilterButton(
            tag, label, len(cards) if tag == "all" else sum(1 for c in cards if tag in c.tags)
        )
        for tag, label in FILTERS
    ]
    chart = "../chart.png" if (run_dir / "chart.png").is_file() else None
    page = _template().render(
        run=run,
        cards=cards,
        filters=filters,
        total=len(records),
        limit=limit,
        tables=score_tables(results),
        chart=chart,
    )
    return write_atomic(out_dir / "index.html", page)


def sample_tags(record: SampleRecord, run: dict[str, Any]) -> set[str]:
    """``helped`` / ``hurt`` when an OCR variant beats / trails the baseline on the main metric;
    ``broken`` for a sample left out (the README's ``#broken`` link)."""
    if record.broken:
        return {"broken"}
    base = run.get("baseline")
    entries = record.variants
    if base not in entries:
        return set()
    metric = _main_metric(record, run)
    ref = entries[base].scores[metric]
    tags = set()
    for name, entry in entries.items():
        if name != base:
            delta = entry.scores[metric] - ref
            tags |= {"helped"} if delta > 0 else {"hurt"} if delta < 0 else set()
    return tags


def pick_samples(
    records: list[SampleRecord], run: dict[str, Any], limit: int
) -> list[tuple[SampleRecord, set[str]]]:
    """Samples for the page, each with its tags: those where the variants disagree, then
    broken ones, then the rest."""
    tagged = [(r, sample_tags(r, run)) for r in records]

    def rank(item: tuple[SampleRecord, set[str]]) -> int:
        tags = item[1]
        return 0 if tags & {"helped", "hurt"} else 1 if "broken" in tags else 2

    return sorted(tagged, key=rank)[:limit]


def _main_metric(record: SampleRecord, run: dict[str, Any]) -> str:
    scores = next(iter(record.variants.values())).scores
    metric = run["table_metric"]
    return metric if metric in scores else next(iter(scores))


def _card(
    r: SampleRecord, tags: set[str], run: dict[str, Any], run_dir: Path, out_dir: Path
) -> SampleCard:
    metric, rows = "", []
    if not r.broken:
        base = run.get("baseline")
        metric = _main_metric(r, run)
        ref = r.variants[base].scores.get(metric) if base in r.variants else None
        for name, e in r.variants.items():
            score = e.scores[metric]
            css = (
                ""
                if ref is None or name == base
                else "up"
                if score > ref
                else "down"
                if score < ref
                else ""
            )
            rows.append(
                VariantRow(
                    name=name,
                    prediction=e.prediction,
                    score=score,
                    css=css,
                    recall={True: "yes", False: "no", None: "–"}[e.answer_in_context],
                    context_tokens=e.context_tokens,
                    prompt=e.prompt,
                )
            )
    return SampleCard(
        record=r,
        tags=sorted(tags),
        image=_thumbnail(r, run_dir, out_dir),
        truth=list(dict.fromkeys(r.answers)),
        error=r.error if r.broken else None,
        metric=metric,
        rows=rows,
    )


def _thumbnail(r: SampleRecord, run_dir: Path, out_dir: Path) -> str | None:
    """The sample's image with its OCR boxes drawn, shrunk and saved once per image; its
    page-relative path."""
    src = r.image
    if not src:
        return None
    ocr_file = r.ocr.file if r.ocr else None
    name = hashlib.sha1(f"{src}|{ocr_file}".encode()).hexdigest()[:20] + ".jpg"
    dest = out_dir / "images" / name
    if not dest.is_file():
        try:
            from ocr_expert.image_io import display_pixels

            # a copy the run kept of an in-memory image is named relative to the run folder
            kept = run_dir / src
            image = display_pixels(kept if not Path(src).is_absolute() and kept.is_file() else src)
            if ocr_file and (run_dir / ocr_file).is_file():
                from ocr_expert import OCRResult
                from ocr_expert.draw import draw_result

                result = OCRResult.from_dict(
                    json.loads((run_dir / ocr_file).read_text(encoding="utf-8"))
                )
                image = draw_result(image, result)  # boxes scaled to the image, a copy's too
            image.thumbnail((THUMB_SIDE, THUMB_SIDE))
            # whole or absent: a thumbnail cut short by a kill would be reused as it is
            rgb = image.convert("RGB")
            write_atomic(dest, lambda f: rgb.save(f, format="JPEG", quality=80))
        except Exception:  # a missing or moved image should not stop the page
            return None
    return f"images/{name}"
