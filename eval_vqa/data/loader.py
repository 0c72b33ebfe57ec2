"""``load_samples``: a benchmark's questions as :class:`Sample` records, from any source."""

from __future__ import annotations

import warnings
from pathlib import Path

from eval_vqa.benchmarks import BenchmarkSpec, get_benchmark
from eval_vqa.data.rows import FieldMap, question_count, resolve_fields, row_to_samples
from eval_vqa.data.select import select_positions
from eval_vqa.data.sources import Table, looks_like_path, open_source
from eval_vqa.data.types import DataLoadError, Sample

_OFFLINE_HINT = (
    "No network? Fetch it where there is one and bring it over: a clone of the dataset "
    "repository or a folder written by datasets' save_to_disk, then pass source=<that "
    "folder>; or pass a local .jsonl/.parquet file (fields question_id, image, question, "
    "answers) with image_root=<image folder>."
)


def _where(spec: BenchmarkSpec, source: str, config: str | None, split: str) -> str:
    parts = [f"source={source!r}"]
    if config:
        parts.append(f"config={config!r}")
    parts.append(f"split={split!r}")
    return f"benchmark {spec.name!r} ({', '.join(parts)})"


def _unique_ids(samples: list[Sample]) -> None:
    """Make question ids unique in place: resuming a run keys on them."""
    seen: dict[str, int] = {}
    for s in samples:
        n = seen.get(s.question_id, 0) + 1
        seen[s.question_id] = n
        if n > 1:
            s.meta["original_question_id"] = s.question_id
            s.question_id = f"{s.question_id}#{n}"


def _keys(table: Table, fields: FieldMap, spec: BenchmarkSpec) -> list[tuple[int, int, str]]:
    """(row, question-in-row, id) for every sample, read from text columns only."""
    ids = table.column(fields.question_id) if fields.question_id else [None] * table.num_rows
    if spec.explode:
        question_col = fields.question
        assert question_col is not None, "load_samples checks the question column first"
        counts = [question_count({question_col: q}, fields, spec) for q in table.column(question_col)]
    else:
        counts = [1] * table.num_rows
    keys = []
    for row, (rid, count) in enumerate(zip(ids, counts)):
        base = str(row) if rid is None or rid == "" else str(rid)
        for k in range(count):
            keys.append((row, k, f"{base}-{k}" if spec.explode else base))
    return keys


def load_samples(
    benchmark: BenchmarkSpec | str,
    source: str | Path | None = None,
    image_root: str | Path | None = None,
    split: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    subset: int | None = None,
    seed: int = 0,
    *,
    config: str | None = None,
    require_answers: bool = True,
) -> list[Sample]:
    """Load a benchmark's samples.

    ``source``: None for the benchmark's own source (its Hugging Face copy, or the bundled
    files of the mini benchmarks); a Hugging Face dataset id; or a local ``.jsonl``,
    ``.json`` or ``.parquet`` file, a ``save_to_disk`` folder, or a local clone of a dataset
    repository. Relative image paths are looked up under ``image_root`` and then next to
    the source file.

    ``split`` defaults to the benchmark's split (``config`` to its ``hf_config`` for its own
    source and for local dataset folders). Selection is deterministic: ``subset`` samples
    chosen by ``seed`` (see :func:`eval_vqa.data.select.select_positions`), then ``offset``
    and ``limit``, in source order.

    Questions without answers are dropped with a warning; a source with no answers at all
    raises :class:`DataLoadError` unless ``require_answers=False``. Every failure raises
    :class:`DataLoadError` naming the benchmark, the source and what to do.
    """
    try:
        spec = get_benchmark(benchmark)
    except KeyError as e:
        raise DataLoadError(str(e.args[0])) from None

    if source is None:
        source = spec.default_source or spec.hf_path
        if source is None:
            raise DataLoadError(f"benchmark {spec.name!r} has no default source; pass source=...")
    source = str(source)
    split = split or spec.split
    if config is None and (source == spec.hf_path or Path(source).expanduser().is_dir()):
        config = spec.hf_config
    where = _where(spec, source, config, split)

    def select(keys: list[str]) -> list[int]:
        return select_positions(keys, subset=subset, seed=seed, offset=offset, limit=limit)

    try:
        select([])  # validate before any download
    except ValueError as e:
        raise DataLoadError(f"{where}: {e}") from None

    try:
        table = open_source(source, split=split, config=config, image_root=image_root)
    except FileNotFoundError as e:
        raise DataLoadError(f"{where}: {e}. Check the path, or pass a Hugging Face id.") from None
    except Exception as e:  # datasets raises many types: network, config, split, schema
        detail = f"{type(e).__name__}: {str(e)[:600]}"
        hint = "" if looks_like_path(source) else " " + _OFFLINE_HINT
        notes = f" Note: {spec.notes}" if spec.notes else ""
        raise DataLoadError(f"{where}: could not load it: {detail}.{hint}{notes}") from e

    fields = resolve_fields(table.columns, spec)
    missing = [n for n in ("image", "question") if getattr(fields, n) is None]
    if missing:
        raise DataLoadError(
            f"{where}: no column for {', '.join(missing)} among {table.columns}. "
            "Rename the columns (question_id, image, question, answers, ocr_tokens) "
            "or register a BenchmarkSpec whose fields name them."
        )
    if fields.answers is None and require_answers:
        raise DataLoadError(
            f"{where}: the source has no answers column (columns: {table.columns}), so "
            f"it cannot be scored. {spec.notes or 'Use a split with ground truth.'}"
        )

    keys = _keys(table, fields, spec)
    chosen = select([k[2] for k in keys])
    if not chosen:
        raise DataLoadError(
            f"{where}: nothing selected ({len(keys)} samples in the source; "
            f"subset={subset}, offset={offset}, limit={limit})"
        )
    wanted = {(keys[i][0], keys[i][1]) for i in chosen}
    row_ids = sorted({keys[i][0] for i in chosen})
    samples: list[Sample] = []
    for row_index, row in zip(row_ids, table.rows(row_ids)):
        for s in row_to_samples(row, row_index, fields, spec, table.roots):
            if (row_index, s.meta.get("sub", 0)) in wanted:
                s.meta.update(source=source, split=split)
                samples.append(s)

    unanswered = [s for s in samples if not s.answers]
    if unanswered and require_answers:
        if len(unanswered) == len(samples):
            raise DataLoadError(
                f"{where}: none of the {len(samples)} selected questions has an answer, so "
                f"they cannot be scored. {spec.notes or 'Use a split with ground truth.'}"
            )
        warnings.warn(
            f"{where}: dropping {len(unanswered)} of {len(samples)} questions without "
            f"answers (e.g. {unanswered[0].question_id})",
            stacklevel=2,
        )
        samples = [s for s in samples if s.answers]

    paths = [s.image for s in samples if isinstance(s.image, str)]
    if paths and not any(Path(p).exists() for p in paths):
        raise DataLoadError(
            f"{where}: none of the {len(paths)} image files exists (e.g. {paths[0]}); "
            "pass image_root=<folder holding the images>"
        )
    missing_image = [s.question_id for s in samples if s.image is None]
    if missing_image and len(missing_image) == len(samples):
        raise DataLoadError(f"{where}: no selected question has an image (e.g. {missing_image[0]})")
    if missing_image:
        # One row without an image fails its own sample in the runner, not the benchmark.
        warnings.warn(
            f"{where}: {len(missing_image)} question(s) without an image "
            f"(e.g. {missing_image[0]}); they will be recorded as broken samples",
            stacklevel=2,
        )
    _unique_ids(samples)
    return samples
