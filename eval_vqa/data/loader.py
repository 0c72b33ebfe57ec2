"""``load_samples``: a benchmark's questions as :class:`Sample` records, from any source."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from eval_vqa.benchmarks import BenchmarkSpec, DerivedSplit, get_benchmark
from eval_vqa.data.rows import (
    FieldMap,
    as_text_list,
    question_count,
    resolve_fields,
    row_to_samples,
)
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


def _keys(table: Table, fields: FieldMap, spec: BenchmarkSpec) -> list[tuple[int, int, str]]:
    """(row, question-in-row, id) for every sample, read from text columns only."""
    ids = table.column(fields.question_id) if fields.question_id else [None] * table.num_rows
    if spec.explode:
        question_col = fields.question
        assert question_col is not None, "load_samples checks the question column first"
        counts = [
            question_count({question_col: q}, fields, spec) for q in table.column(question_col)
        ]
    else:
        counts = [1] * table.num_rows
    keys = []
    for row, (rid, count) in enumerate(zip(ids, counts)):
        base = str(row) if rid is None or rid == "" else str(rid)
        for k in range(count):
            keys.append((row, k, f"{base}-{k}" if spec.explode else base))
    return keys


@dataclass
class BenchmarkData(Sequence[Sample]):
    """The selected samples of a benchmark as a lazily indexed table.

    Selection reads text columns only (ids, questions); a sample's row, and with it its
    image bytes, is read when the sample is asked for, so a process holds only the rows it
    is working on and ``limit``/``subset`` touch only the rows they select.
    """

    spec: BenchmarkSpec
    source: str
    split: str
    config: str | None
    where: str
    table: Table
    fields: FieldMap
    keys: list[tuple[int, int, str]]  # (row, question-in-row, id) of every sample in the source
    chosen: list[int]  # positions into keys, in source order
    ids: list[str] = field(init=False)  # unique question id of each chosen sample

    def __post_init__(self) -> None:
        seen: dict[str, int] = {}
        self.ids = []
        for pos in self.chosen:
            qid = self.keys[pos][2]
            seen[qid] = seen.get(qid, 0) + 1
            self.ids.append(qid if seen[qid] == 1 else f"{qid}#{seen[qid]}")

    def __len__(self) -> int:
        return len(self.chosen)

    @overload
    def __getitem__(self, index: int) -> Sample: ...
    @overload
    def __getitem__(self, index: slice) -> list[Sample]: ...

    def __getitem__(self, index: int | slice) -> Sample | list[Sample]:
        if isinstance(index, slice):
            return self.samples(list(range(len(self)))[index])
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"sample {index} of {len(self)}")
        return self.samples([index])[0]

    def __iter__(self) -> Iterator[Sample]:
        step = 16  # rows read together: few reads, little held
        for start in range(0, len(self), step):
            yield from self.samples(list(range(start, min(start + step, len(self)))))

    def samples(self, indices: Sequence[int]) -> list[Sample]:
        """The samples at ``indices`` (positions in this selection), reading only their rows."""
        want = [(self.keys[self.chosen[i]], i) for i in indices]
        rows = sorted({k[0] for k, _ in want})
        by_row = dict(zip(rows, self.table.rows(rows)))
        cache: dict[int, list[Sample]] = {}
        out = []
        for (row, sub, _), i in want:
            if row not in cache:
                cache[row] = row_to_samples(
                    by_row[row], row, self.fields, self.spec, self.table.roots
                )
            made = cache[row][sub] if self.spec.explode else cache[row][0]
            sample = Sample(
                made.benchmark,
                made.question_id,
                made.image,
                made.question,
                list(made.answers),
                made.ocr_tokens,
                dict(made.meta),
            )
            sample.meta.update(source=self.source, split=self.split)
            if self.ids[i] != sample.question_id:
                sample.meta["original_question_id"] = sample.question_id
                sample.question_id = self.ids[i]
            out.append(sample)
        return out

    def answered(self) -> list[bool]:
        """Whether each selected question has a ground-truth answer (read from the answers
        column alone)."""
        if self.fields.answers is None:
            return [False] * len(self)
        column = self.table.column(self.fields.answers)
        out = []
        for pos in self.chosen:
            row, sub, _ = self.keys[pos]
            answers = as_text_list(column[row])
            if self.spec.explode:  # one answer per question of the row
                out.append(sub < len(answers) and answers[sub] != "")
            else:
                out.append(any(a != "" for a in answers))
        return out


def open_benchmark(
    benchmark: BenchmarkSpec | str,
    source: Any = None,
    image_root: str | Path | None = None,
    split: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    subset: int | None = None,
    seed: int = 0,
    *,
    config: str | None = None,
    require_answers: bool = True,
) -> BenchmarkData:
    """Open a benchmark's source and select its samples without reading any image.

    ``source``: None for the benchmark's own source (its Hugging Face copy, tried under
    its older ids when the current one cannot be loaded, or the bundled files of the mini
    benchmarks); a Hugging Face dataset id; a local ``.jsonl``, ``.json``, ``.tsv`` or
    ``.parquet`` file, a ``save_to_disk`` folder, or a local clone of a dataset
    repository; or a ``datasets.Dataset`` / ``IterableDataset`` object. Relative image
    paths are looked up under ``image_root`` and then next to the source file.

    ``split`` defaults to the benchmark's split (``config`` to its ``hf_config`` for its own
    source and for local dataset folders); a split the benchmark derives (ST-VQA's
    ``val``) is its fixed draw from another split. Selection is deterministic: ``subset``
    samples chosen by ``seed`` (see :func:`eval_vqa.data.select.select_positions`), then
    ``offset`` and ``limit``, in source order.

    Raises :class:`DataLoadError` naming the benchmark, the source and the fix when the
    source cannot be opened, its columns do not map, or (with ``require_answers``) it has
    no answers column.
    """
    where_from = _resolve(benchmark, source, split, config)
    spec, where = where_from.spec, where_from.where
    try:
        select_positions(
            [], subset=subset, seed=seed, offset=offset, limit=limit
        )  # before any download
    except ValueError as e:
        raise DataLoadError(f"{where}: {e}") from None
    table, label = _open_table(where_from, image_root)
    fields = _check_columns(table, where_from, require_answers)
    keys = _keys(table, fields, spec)
    chosen = _select(keys, where_from, subset=subset, seed=seed, offset=offset, limit=limit)
    return BenchmarkData(
        spec, label, where_from.split, where_from.config, where, table, fields, keys, chosen
    )


@dataclass(frozen=True)
class _Origin:
    """Where a benchmark's data comes from: the source, the split asked for and the split read
    (a derived split's base), the dataset config, and how messages name it all."""

    spec: BenchmarkSpec
    source: Any
    own: bool  # the benchmark's own source (its hub copy, tried under older ids, or bundled files)
    split: str
    derived: DerivedSplit | None
    config: str | None
    where: str

    @property
    def load_split(self) -> str:
        return self.derived.base if self.derived else self.split


def _resolve(
    benchmark: BenchmarkSpec | str, source: Any, split: str | None, config: str | None
) -> _Origin:
    """The benchmark's spec and where its data comes from, before anything is opened."""
    try:
        spec = get_benchmark(benchmark)
    except KeyError as e:
        raise DataLoadError(str(e.args[0])) from None
    own = source is None
    if own:
        source = spec.default_source or spec.hf_path
        if source is None:
            raise DataLoadError(f"benchmark {spec.name!r} has no default source; pass source=...")
    split = split or spec.split
    if (
        config is None
        and isinstance(source, (str, Path))
        and (str(source) == spec.hf_path or Path(str(source)).expanduser().is_dir())
    ):
        config = spec.hf_config
    where = _where(spec, source_label(source), config, split)
    return _Origin(spec, source, own, split, spec.derived_splits.get(split), config, where)


def _open_table(origin: _Origin, image_root: str | Path | None) -> tuple[Table, str]:
    """The source's table and its label, trying the benchmark's older hub ids after its own."""
    spec, source, where = origin.spec, origin.source, origin.where
    candidates: list[Any] = [source]
    if origin.own and spec.hf_path and source == spec.hf_path:
        candidates += list(spec.hf_fallbacks)  # older copies of the same data
    failures: list[str] = []
    for candidate in candidates:
        try:
            table = open_source(
                candidate,
                split=origin.load_split,
                config=origin.config,
                image_root=image_root,
                # the pinned commit is one of hf_path's; a fallback is another repository
                revision=spec.revision if candidate == spec.hf_path else None,
            )
        except FileNotFoundError as e:
            if isinstance(candidate, (str, Path)) and looks_like_path(str(candidate)):
                raise DataLoadError(
                    f"{where}: {e}. Check the path, or pass a Hugging Face id."
                ) from None
            failures.append(f"{source_label(candidate)}: {type(e).__name__}: {str(e)[:600]}")
        except Exception as e:  # datasets raises many types: network, config, split, schema
            failures.append(f"{source_label(candidate)}: {type(e).__name__}: {str(e)[:600]}")
        else:
            if failures:
                # stacklevel: the caller of open_benchmark
                warnings.warn(
                    f"{where}: loaded the older copy {source_label(candidate)} ({failures[0]})",
                    stacklevel=3,
                )
            return table, source_label(candidate)
    detail = "; ".join(failures)
    hint = "" if not isinstance(source, str) or looks_like_path(source) else " " + _OFFLINE_HINT
    notes = f" Note: {spec.notes}" if spec.notes else ""
    raise DataLoadError(f"{where}: could not load it: {detail}.{hint}{notes}")


def _check_columns(table: Table, origin: _Origin, require_answers: bool) -> FieldMap:
    """The source's columns for our fields; an image and a question column are required, and
    an answers column too unless ``require_answers`` is false."""
    spec, where = origin.spec, origin.where
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
    return fields


def _select(
    keys: list[tuple[int, int, str]],
    origin: _Origin,
    *,
    subset: int | None,
    seed: int,
    offset: int,
    limit: int | None,
) -> list[int]:
    """Positions into ``keys`` of the chosen samples: the derived split's draw, then the run's
    subset, offset and limit, in source order."""
    ids = [k[2] for k in keys]
    base = list(range(len(keys)))
    derived, where = origin.derived, origin.where
    if derived is not None:
        if len(keys) < derived.size:
            raise DataLoadError(
                f"{where}: split {origin.split!r} is {derived.size} questions drawn from split "
                f"{derived.base!r}, which holds only {len(keys)}: use a complete copy of it"
            )
        base = select_positions(ids, subset=derived.size, seed=derived.seed)
    picked = select_positions(
        [ids[p] for p in base], subset=subset, seed=seed, offset=offset, limit=limit
    )
    chosen = [base[i] for i in picked]
    if not chosen:
        raise DataLoadError(
            f"{where}: nothing selected ({len(base)} samples in the source; "
            f"subset={subset}, offset={offset}, limit={limit})"
        )
    return chosen


def source_label(source: Any) -> str:
    """How messages and records name a source: its path or id, or the type of an object."""
    if isinstance(source, (str, Path)):
        return str(source)
    return f"<{type(source).__name__} object>"


def load_samples(benchmark: BenchmarkSpec | str, *args: Any, **kwargs: Any) -> list[Sample]:
    """A benchmark's selected samples as a list (arguments as :func:`open_benchmark`,
    which reads rows only when asked).

    Questions without answers are dropped with a warning; a source with no answers at all
    raises :class:`DataLoadError` unless ``require_answers=False``. Every failure raises
    :class:`DataLoadError` naming the benchmark, the source and what to do.
    """
    data = open_benchmark(benchmark, *args, **kwargs)
    samples = list(data)
    if kwargs.get("require_answers", True):
        samples = _drop_unanswered(samples, data)
    _check_images(samples, data.where)
    return samples


def _drop_unanswered(samples: list[Sample], data: BenchmarkData) -> list[Sample]:
    """The samples with answers; the others are dropped with a warning, and none at all raises."""
    unanswered = [s for s in samples if not s.answers]
    if not unanswered:
        return samples
    if len(unanswered) == len(samples):
        raise DataLoadError(
            f"{data.where}: none of the {len(samples)} selected questions has an answer, so "
            f"they cannot be scored. {data.spec.notes or 'Use a split with ground truth.'}"
        )
    warnings.warn(
        f"{data.where}: dropping {len(unanswered)} of {len(samples)} questions without "
        f"answers (e.g. {unanswered[0].question_id})",
        stacklevel=3,  # the caller of load_samples
    )
    return [s for s in samples if s.answers]


def _check_images(samples: list[Sample], where: str) -> None:
    """Raise when no image file exists or no sample has an image; warn when some lack one."""
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
            stacklevel=3,  # the caller of load_samples
        )
