"""Checks a benchmark passes before any model loads, so a data mistake costs seconds.

Opening the benchmark (:func:`eval_vqa.data.open_benchmark`) already proves the source
resolves and its columns map. Here: the selection has answers (a test split whose
answers are withheld is named as such), the OCR engine finds what it needs in the source
(``dataset`` reads the OCR tokens a source ships), and the first images decode. Each
failure is one :class:`DataLoadError` line naming benchmark, source and fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eval_vqa.data import BenchmarkData, DataLoadError

#: images decoded up front; a few, so a wrong image_root fails now and one bad file does not
FIRST_IMAGES = 3


def check_answers(data: BenchmarkData) -> None:
    """Refuse a selection in which no question has a ground-truth answer."""
    answered = data.answered()
    if any(answered):
        return
    spec, split = data.spec, data.split
    if "test" in split.lower():
        raise DataLoadError(
            f"{data.where}: split {split!r} is a test split whose answers are withheld, so its "
            f"{len(data)} questions cannot be scored; "
            + (spec.notes or "score the validation split (split=validation) or a copy with answers")
        )
    raise DataLoadError(
        f"{data.where}: none of the {len(data)} selected questions has a ground-truth answer, so "
        "they cannot be scored; "
        + (
            spec.notes
            or "use a split with answers (e.g. validation), or a local copy that has them"
        )
    )


def check_ocr_source(data: BenchmarkData, engine: str, uses_ocr: bool) -> None:
    """An engine that replays the source's own OCR tokens (``ocr.engine=dataset``) needs a
    source that has them."""
    from ocr_expert.engines import get_engine_class

    if uses_ocr and get_engine_class(engine).takes_tokens and data.fields.ocr_tokens is None:
        raise DataLoadError(
            f"{data.where}: ocr.engine={engine} reads the OCR tokens a source ships, and this one "
            f"has no ocr_tokens column (columns: {', '.join(data.table.columns)}); use "
            "ocr.engine=ppocr or tesseract, or a source that ships tokens (TextVQA's)"
        )


def check_first_images(
    data: BenchmarkData, indices: list[int], load: Callable[[Any], Any] | None = None
) -> None:
    """Decode the images of the first samples at ``indices``; refuse when none decodes.
    ``load``: how to decode one (default ``load_image``; a run passes its own, which keeps
    the decoded image for the sample's turn)."""
    from ocr_expert.image_io import load_image

    load = load or load_image
    failures = []
    tried = 0
    for sample in data.samples(indices[:FIRST_IMAGES]):
        if sample.image is None:
            continue
        tried += 1
        try:
            load(sample.image)
            return
        except Exception as exc:  # any reason the image cannot be read is the same refusal
            failures.append(f"{sample.question_id}: {exc}")
    if tried:
        raise DataLoadError(
            f"{data.where}: none of the first {tried} images decodes ({failures[0]}); check "
            "image_root=<folder holding the images> or the source's image column"
        )


def check_benchmark(
    data: BenchmarkData,
    config: Any,
    shard: Any = None,
    load: Callable[[Any], Any] | None = None,
) -> None:
    """Every check above for one benchmark of a run; images from this process's share,
    decoded with ``load`` (see ``check_first_images``)."""
    check_answers(data)
    uses_ocr = any(v.uses_ocr for v in config.variants)
    check_ocr_source(data, config.ocr.engine, uses_ocr)
    positions = list(range(len(data)))
    mine = shard.split(positions) if shard is not None else positions
    check_first_images(data, mine or positions, load)


__all__ = ["check_answers", "check_benchmark", "check_first_images", "check_ocr_source"]
