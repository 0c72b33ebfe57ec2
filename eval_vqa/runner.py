"""One evaluation run: every benchmark, every sample, every prompt variant, one model load.

For each batch of samples the OCR stage (read ahead on threads, cached on disk) gives one
OCR result per image; each variant turns it into a prompt, the model answers the batch,
and every answer is scored. All variants see the same samples, so their differences are
paired. Each finished sample is appended to the log at once; a run started again skips
what the log holds, broken samples included unless it is asked to retry them
(``retry_errors``). A broken sample's error has a ``kind`` (data, image, ocr, generation,
oom); a batch that runs out of memory is halved and tried again before any sample of it
is given up. Several processes (``accelerate launch``) split the samples and the
main one merges the logs and writes the report.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from eval_vqa.batch_job import BenchmarkJob
from eval_vqa.benchmarks import BenchmarkSpec
from eval_vqa.config import BenchmarkConfig, ConfigError, RunConfig, load_plugins
from eval_vqa.log import (
    LogBusyError,
    SampleLog,
    busy_message,
    busy_shards,
    quarantine_damaged,
    read_records,
    record_key,
    shard_files,
    shard_path,
    write_merged,
    write_selection,
)
from eval_vqa.ocr_stage import CheckedImages, ImageMemo, read_ahead
from eval_vqa.records import SampleRecord
from eval_vqa.roles import BenchmarkTable, ModelLike, OcrReaderLike
from eval_vqa.run_folder import (
    check_resumable,
    new_run_file,
    prepare_run_dir,
    read_log,
    write_run_file,
)
from eval_vqa.sample_flow import SampleReader
from eval_vqa.sharding import Shard, current_shard, process_device

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eval_vqa.data.loader import BenchmarkData
    from eval_vqa.data.types import Sample
    from lmm_bridge.profiles import PromptProfile

T = TypeVar("T")


@dataclass
class RunSummary:
    """What one process did in a run."""

    run_dir: Path
    rank: int = 0
    world_size: int = 1
    written: int = 0  # samples this process evaluated now
    skipped: int = 0  # samples already in the log (resumed)
    errors: int = 0  # broken samples this process recorded
    broken_in_log: int = 0  # broken samples of earlier runs, skipped (not retried)
    retried: int = 0  # broken samples of earlier runs evaluated again
    recovered: int = 0  # of those, the ones that answered this time
    elapsed_s: float = 0.0
    report: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class ResumeState:
    """What the log already holds, as a run started again on the folder uses it."""

    done: set[str]  # keys not to evaluate again
    attempts: dict[str, int]  # earlier attempts of the broken samples evaluated again
    skipped_broken: set[str]  # broken samples left as they are (no retry asked)

    @classmethod
    def of(cls, logged: Sequence[SampleRecord], retry_errors: bool) -> ResumeState:
        broken = {rec.key: rec.attempt for rec in logged if rec.broken}
        return cls(
            done={rec.key for rec in logged if not (retry_errors and rec.key in broken)},
            attempts=broken if retry_errors else {},
            skipped_broken=set() if retry_errors else set(broken),
        )


def run(
    config: RunConfig,
    *,
    shard: Shard | None = None,
    vlm: ModelLike | None = None,
    report: bool = True,
    retry_errors: bool = False,
) -> RunSummary:
    """Evaluate ``config``; resumes from the log in its run folder. With ``retry_errors``
    the samples logged as broken are evaluated again (and only those, besides the ones not
    done yet). Returns this process's summary."""
    start = time.perf_counter()
    shard = shard or current_shard()
    load_plugins(config)
    run_dir = config.run_dir
    prepare_run_dir(run_dir)
    # claim this process's shard first: a second run on the folder stops here, before any work
    with SampleLog(shard_path(run_dir, shard.rank)) as log:
        shard.barrier()
        if shard.is_main:
            busy = busy_shards(run_dir, ignore=range(shard.world_size))
            if busy:
                raise LogBusyError(busy_message(run_dir, busy))
            ours = {shard_path(run_dir, rank) for rank in range(shard.world_size)}
            for path in (
                set(shard_files(run_dir)) - ours
            ):  # shards of earlier, wider runs: nobody writes them
                quarantine_damaged(path)  # (each process of this run cleans its own on opening it)
        shard.barrier()
        logged = read_records(
            run_dir
        )  # every process reads the same log before anyone appends to it
        if shard.is_main:
            check_resumable(run_dir, config, has_log=bool(logged))
        shard.barrier()
        resume = ResumeState.of(logged, retry_errors)

        # every benchmark opened and checked before the model loads: data mistakes cost seconds
        checked = CheckedImages()  # the images the checks decode, kept for their samples
        opened = [open_checked(config, bench, shard, checked) for bench in config.benchmarks]
        expert = make_expert(config) if any(v.uses_ocr for v in config.variants) else None
        if vlm is None:
            from eval_vqa.presets import resolve_model
            from lmm_bridge import OCRAugmentedVLM

            vlm = OCRAugmentedVLM(
                model=config.model if is_remote(config.backend) else resolve_model(config.model),
                backend=config.backend,
                ocr=expert,
                variants=config.variants,
                device=process_device(config.device, shard),
                dtype=config.dtype,
                **{"batch_size": config.batch_size, **config.model_kwargs},
            )
        profile = resolve_run_profile(config, vlm)
        if shard.is_main:
            record_run(config, vlm, profile, opened)
        summary = RunSummary(run_dir=run_dir, rank=shard.rank, world_size=shard.world_size)
        for bench, data in zip(config.benchmarks, opened):
            memo = ImageMemo(expert, config.ocr.mode, checked)
            _run_benchmark(config, bench, data, vlm, memo, shard, log, resume, summary, profile)
    shard.barrier()
    if shard.is_main:
        logged_run = read_log(run_dir, config.benchmark_names)  # read once: merge and report
        write_merged(run_dir, logged_run.records)
        if report:
            from eval_vqa.report import build_report

            summary.report = build_report(run_dir, logged_run)
    shard.barrier()
    summary.elapsed_s = time.perf_counter() - start
    return summary


def is_remote(backend: str | None) -> bool:
    """Whether the named backend asks a server (``model`` is the server's name for the model,
    never a bundled tiny model to build here)."""
    from lmm_bridge.backends import get_backend_class

    return backend is not None and get_backend_class(backend).remote


def make_expert(config: RunConfig) -> OcrReaderLike:
    """The OCR expert of the run: one engine, its disk cache shared by every variant."""
    from ocr_expert import OCRExpert

    return OCRExpert(
        engine=config.ocr.engine,
        cache_dir=config.ocr.cache_dir,
        use_cache=config.ocr.use_cache,
        **config.ocr.options,
    )


def _run_benchmark(
    config: RunConfig,
    bench: BenchmarkConfig,
    data: BenchmarkTable,
    vlm: ModelLike,
    memo: ImageMemo,
    shard: Shard,
    log: SampleLog,
    resume: ResumeState,
    summary: RunSummary,
    profile: PromptProfile,
) -> None:
    from tqdm.auto import tqdm

    spec = data.spec
    # (log key, position): samples are read from the table only once this process has its share
    keyed = [(record_key(spec.name, qid), i) for i, qid in enumerate(data.ids)]
    if shard.is_main:
        write_selection(config.run_dir, spec.name, [key for key, _ in keyed])
    todo = [item for item in keyed if item[0] not in resume.done]
    summary.skipped += len(keyed) - len(todo)
    summary.broken_in_log += sum(1 for key, _ in keyed if key in resume.skipped_broken)
    mine = shard.split(todo)
    job = BenchmarkJob(
        spec=spec,
        variants=config.variants,
        vlm=vlm,
        run_dir=config.run_dir,
        rank=shard.rank,
        attempts=resume.attempts,
        instruction=profile.instruction(spec.instruction, bench.instruction),
        max_new_tokens=bench.max_new_tokens
        or config.generation.max_new_tokens
        or default_max_new_tokens(config, spec),
    )
    bar = tqdm(
        total=len(mine),
        desc=f"{spec.name} [{shard.rank}/{shard.world_size}]"
        if shard.world_size > 1
        else spec.name,
        unit="sample",
        disable=not (config.progress and shard.is_main),
        dynamic_ncols=True,
    )
    running: dict[str, list[float]] = {v.name: [] for v in config.variants}
    metric = spec.primary_metric

    stream = read_ahead(
        mine,
        SampleReader(data, memo, config.run_dir),
        overlap=config.ocr.overlap,
        workers=config.ocr.workers,
        window=config.ocr.lookahead * config.batch_size,
        batch_size=config.batch_size,
    )
    with bar:
        for batch in batched(stream, config.batch_size):
            records = job.run_batch(batch)
            log.write_many(records)
            for record in records:
                summary.written += 1
                if record.attempt > 1:
                    summary.retried += 1
                    summary.recovered += not record.broken
                if record.broken:
                    summary.errors += 1
                else:
                    for name, out in record.variants.items():
                        running[name].append(out.scores.get(metric, 0.0))
                bar.update(1)
            bar.set_postfix_str(
                " ".join(f"{n}={100 * sum(s) / len(s):.1f}" for n, s in running.items() if s),
                refresh=False,
            )


def open_selected(config: RunConfig, bench: BenchmarkConfig) -> BenchmarkData:
    """The benchmark's selected samples as a lazy table (no image read yet). Questions without
    answers stay in, to be logged as broken samples the report counts, rather than dropped
    where nobody sees it."""
    from eval_vqa.data import open_benchmark

    return open_benchmark(
        bench.name,
        source=bench.source,
        image_root=bench.image_root,
        split=bench.split,
        limit=bench.limit or config.limit,
        offset=bench.offset if bench.offset is not None else config.offset,
        subset=bench.subset or config.subset,
        seed=config.seed,
        config=bench.config,
        require_answers=False,
    )


def open_checked(
    config: RunConfig, bench: BenchmarkConfig, shard: Shard, checked: CheckedImages | None = None
) -> BenchmarkTable:
    """``open_selected``, checked before any model loads (see :mod:`eval_vqa.preflight`);
    the images the check decodes are kept in ``checked`` for their samples."""
    from eval_vqa.preflight import check_benchmark

    data = open_selected(config, bench)
    check_benchmark(data, config, shard, checked.load if checked is not None else None)
    return data


def load_benchmark(config: RunConfig, bench: BenchmarkConfig) -> list[Sample]:
    """The benchmark's selected samples, each read (image included): for the OCR pre-pass
    and the benchmarks, which need every image anyway."""
    return list(open_selected(config, bench))  # rows read in groups, not one by one


def default_max_new_tokens(config: RunConfig, spec: BenchmarkSpec) -> int:
    """The benchmark's answer length, capped where the model's preset caps it (the random-weight
    smoke model, whose long answers are noise)."""
    from eval_vqa.presets import preset_of

    preset = preset_of(config.model)
    if preset is not None and preset.max_new_tokens is not None:
        return min(spec.max_new_tokens, preset.max_new_tokens)
    return spec.max_new_tokens


def batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last one shorter)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def resolve_run_profile(config: RunConfig, vlm: ModelLike) -> PromptProfile:
    """The run's prompt profile: the config's, or with ``auto`` the model backend's own."""
    from lmm_bridge.profiles import resolve_profile

    try:
        return resolve_profile(config.prompt_profile, getattr(vlm, "backend", None))
    except ValueError as exc:
        raise ConfigError(f"prompt_profile: {exc}") from None


def record_run(
    config: RunConfig, vlm: ModelLike, profile: PromptProfile, opened: Sequence[BenchmarkTable]
) -> None:
    """Write run.json: the config, the backend the model actually runs on (inferred when the
    config leaves it out), the prompt profile it was given, and the provenance."""
    from eval_vqa.provenance import collect

    backend = getattr(vlm, "backend", None)
    provenance = collect(config.model, backend, opened)  # type: ignore[arg-type]
    run_file = new_run_file(
        config,
        backend=getattr(backend, "name", None) or config.backend,
        prompt_profile=profile.to_dict(),
        provenance=provenance,
    )
    write_run_file(config.run_dir, run_file)
