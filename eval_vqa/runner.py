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

import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from eval_vqa.benchmarks import BenchmarkSpec
from eval_vqa.config import BenchmarkConfig, ConfigError, RunConfig, load_plugins
from eval_vqa.errors import is_out_of_memory
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
from eval_vqa.ocr_stage import ImageMemo, ReadSample, read_ahead
from eval_vqa.recall import answer_in_context
from eval_vqa.records import THUMB_SIDE, OcrSummary, SampleError, SampleRecord, VariantResult
from eval_vqa.run_folder import (
    check_resumable,
    new_run_file,
    prepare_run_dir,
    read_log,
    write_run_file,
)
from eval_vqa.sharding import Shard, current_shard, process_device
from lmm_bridge.backends.base import SomeRequestsFailed
from ocrvqa.files import write_atomic

if TYPE_CHECKING:
    from eval_vqa.data.loader import BenchmarkData
    from eval_vqa.data.types import Sample
    from lmm_bridge import Backend
    from lmm_bridge.context import ContextInfo
    from lmm_bridge.profiles import PromptProfile
    from lmm_bridge.variants import VariantSpec
    from ocr_expert import OCRResult
    from ocr_expert.expert import Mode
    from ocr_expert.image_io import ImageSource

OCR_DIR = "ocr"
IMAGE_DIR = "images"

T = TypeVar("T")


class PromptLike(Protocol):
    """A prepared prompt as the runner logs it."""

    @property
    def full_prompt(self) -> str: ...

    @property
    def context(self) -> ContextInfo | None: ...


class ModelLike(Protocol):
    """What the runner calls on the model (``lmm_bridge.OCRAugmentedVLM``)."""

    backend: Backend  # named in run.json; the prompt profile follows it

    def prepare(
        self,
        image: ImageSource,
        question: str,
        *,
        ocr: OCRResult | None,
        variant: VariantSpec,
        instruction: str | None,
        max_new_tokens: int | None,
    ) -> PromptLike: ...

    def generate(self, prompts: Sequence[Any], *, max_new_tokens: int | None) -> Sequence[str]: ...


class OcrReaderLike(Protocol):
    """The OCR expert as the run's OCR stage uses it (``ocr_expert.OCRExpert``)."""

    @property
    def engine_name(self) -> str: ...

    def read(self, image: ImageSource, *, mode: Mode, tokens: list[str] | None) -> OCRResult: ...


class BenchmarkTable(Protocol):
    """An opened benchmark: its spec, the selected question ids, samples read by position."""

    @property
    def spec(self) -> BenchmarkSpec: ...

    @property
    def ids(self) -> Sequence[str]: ...

    def __getitem__(self, index: int) -> Sample: ...

    def __iter__(self) -> Iterator[Sample]: ...


class SampleTag(NamedTuple):
    """What the runner keeps with a sample through the OCR stage."""

    key: str  # its log key
    # the field shadows tuple.index, which mypy reports; the name is part of the record
    index: int  # type: ignore[assignment]  # its position in the benchmark's selection
    image: str | None  # the image file, or the run folder's copy of an in-memory image


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
    recovered: int = 0  # of those, the ones that are no longer broken
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
        opened = [open_checked(config, bench, shard) for bench in config.benchmarks]
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
            _run_benchmark(config, bench, data, vlm, expert, shard, log, resume, summary, profile)
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
    expert: OcrReaderLike | None,
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
    job = _BenchmarkJob(
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

    memo = ImageMemo(expert, config.ocr.mode)

    def read(item: tuple[str, int]) -> ReadSample:
        out = memo(data[item[1]])  # the row, and its image, read here: per batch, in this process
        # on the read-ahead threads too: copying an in-memory image hides behind generation
        out.tag = SampleTag(item[0], item[1], image_reference(config.run_dir, out))
        return out

    stream = read_ahead(
        mine,
        read,
        overlap=config.ocr.overlap,
        workers=config.ocr.workers,
        window=config.ocr.lookahead * config.batch_size,
        batch_size=config.batch_size,
    )
    with bar:
        for batch in batched(stream, config.batch_size):
            for record in job.run_batch(batch):
                log.write(record)
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


def open_checked(config: RunConfig, bench: BenchmarkConfig, shard: Shard) -> BenchmarkTable:
    """``open_selected``, checked before any model loads (see :mod:`eval_vqa.preflight`)."""
    from eval_vqa.preflight import check_benchmark

    data = open_selected(config, bench)
    check_benchmark(data, config, shard)
    return data


def load_benchmark(config: RunConfig, bench: BenchmarkConfig) -> list[Sample]:
    """The benchmark's selected samples, each read (image included): for the OCR pre-pass
    and the benchmarks, which need every image anyway."""
    return list(open_selected(config, bench))  # rows read in groups, not one by one


@dataclass
class _BenchmarkJob:
    """Turns batches of read samples into log records for one benchmark."""

    spec: BenchmarkSpec
    variants: list[VariantSpec]
    vlm: ModelLike
    run_dir: Path
    rank: int
    instruction: str | None
    max_new_tokens: int
    attempts: dict[str, int] = field(default_factory=dict)  # earlier attempts of retried samples

    def run_batch(self, batch: Sequence[ReadSample]) -> list[SampleRecord]:
        records = {id(x): self._base_record(x) for x in batch}
        live = [x for x in batch if not records[id(x)].broken]
        for variant in self.variants:
            prompts, ready = [], []
            for x in live:
                try:
                    prompts.append(
                        self.vlm.prepare(
                            x.sample.image,
                            x.sample.question,
                            ocr=x.ocr,
                            variant=variant,
                            instruction=self.instruction,
                            # the window must hold the answer too
                            max_new_tokens=self.max_new_tokens,
                        )
                    )
                    ready.append(x)
                except Exception as exc:  # e.g. the image cannot be written for the model
                    records[id(x)].fail(_error_of("prompt", exc))
            live = ready
            answers, seconds = self._generate(prompts, [records[id(x)] for x in live])
            kept = []
            for x, prompt, answer in zip(live, prompts, answers):
                if answer is None:
                    continue
                records[id(x)].variants[variant.name] = self._variant_result(
                    variant, x, prompt, answer, seconds
                )
                kept.append(x)
            live = kept
        out = []
        for x in batch:
            rec = records[id(x)]
            if rec.broken:
                # a broken sample is excluded from every variant, keeping pairs intact
                rec.variants = {}
            out.append(rec)
        return out

    def _base_record(self, x: ReadSample) -> SampleRecord:
        sample, tag = x.sample, x.tag
        rec = SampleRecord(
            key=tag.key,
            index=tag.index,
            benchmark=self.spec.name,
            question_id=str(sample.question_id),
            question=sample.question,
            answers=list(sample.answers),
            part=_part(self.spec, sample),
            status="ok",
            rank=self.rank,
            variants={},
            ocr=self._ocr_summary(x) if x.ocr is not None else None,
            timings={k: round(v, 6) for k, v in x.timings.items()},
            attempt=self.attempts.get(tag.key, 0) + 1,
            image=tag.image,
        )
        if x.error is not None:
            rec.fail(SampleError.of(x.error["stage"], x.error["reason"]))
        elif not sample.answers:
            rec.fail(SampleError.of("data", "no ground-truth answers"))
        elif not str(sample.question or "").strip():
            rec.fail(SampleError.of("data", "empty question"))
        return rec

    def _ocr_summary(self, x: ReadSample) -> OcrSummary:
        ocr = x.ocr
        return OcrSummary(
            engine=ocr.engine,
            n_spans=len(ocr.spans),
            n_lines=len(ocr.lines),
            n_words=len(ocr.words),
            mean_score=round(ocr.mean_score, 4),
            language=ocr.language,
            elapsed_s=round(ocr.elapsed_s, 4),
            file=save_ocr(self.run_dir, x.digest, ocr) if x.digest else None,
            answer_in_ocr=answer_in_context(x.sample.answers, ocr.text),
        )

    def _generate(
        self, prompts: list[PromptLike], records: list[SampleRecord]
    ) -> tuple[list[str | None], float]:
        """Answers for a batch, None for a sample that failed alone (its record says why)."""
        if not prompts:
            return [], 0.0
        start = time.perf_counter()
        answers = self._answer(list(range(len(prompts))), prompts, records)
        return answers, (time.perf_counter() - start) / len(prompts)

    def _answer(
        self, chosen: list[int], prompts: list[PromptLike], records: list[SampleRecord]
    ) -> list[str | None]:
        """Answers for ``prompts[i]``, i in ``chosen``. Out of memory: the two halves one after
        the other; another failure: each sample alone, so one bad sample breaks only itself."""
        try:
            answers: list[str | None] = list(
                self.vlm.generate([prompts[i] for i in chosen], max_new_tokens=self.max_new_tokens)
            )
            if len(answers) != len(chosen):
                raise RuntimeError(
                    f"backend returned {len(answers)} answers for {len(chosen)} prompts"
                )
            return answers
        except (
            SomeRequestsFailed
        ) as exc:  # each failed alone (a server gave up on it): the rest stand
            for i, reason in zip(chosen, exc.errors):
                if reason is not None:
                    records[i].fail(SampleError.of("generate", reason))
            return list(exc.answers)
        except Exception as exc:
            if len(chosen) == 1:
                records[chosen[0]].fail(_error_of("generate", exc))
                return [None]
            if is_out_of_memory(exc):
                free_accelerator_memory()
                half = len(chosen) // 2
                return self._answer(chosen[:half], prompts, records) + self._answer(
                    chosen[half:], prompts, records
                )
            return [a for i in chosen for a in self._answer([i], prompts, records)]

    def _variant_result(
        self, variant: VariantSpec, x: ReadSample, prompt: PromptLike, answer: str, seconds: float
    ) -> VariantResult:
        from eval_vqa.metrics import METRICS

        answers = list(x.sample.answers)
        context = prompt.context
        injected = context.text if context is not None else ""
        return VariantResult(
            prompt=prompt.full_prompt,
            prediction=answer,
            scores={m: float(METRICS[m](answer, answers)) for m in self.spec.metrics},
            context_tokens=context.n_tokens if context is not None else 0,
            context_budget=getattr(context, "budget", None),
            context_full_tokens=getattr(context, "full_tokens", None) if variant.uses_ocr else None,
            context_kept=context.kept if context is not None else 0,
            context_dropped=len(context.dropped) if context is not None else 0,
            context_note=getattr(context, "note", None),
            answer_in_context=answer_in_context(answers, injected) if variant.uses_ocr else None,
            generate_s=round(seconds, 6),
        )


def default_max_new_tokens(config: RunConfig, spec: BenchmarkSpec) -> int:
    """The benchmark's answer length, capped where the model's preset caps it (the random-weight
    smoke model, whose long answers are noise)."""
    from eval_vqa.presets import preset_of

    preset = preset_of(config.model)
    if preset is not None and preset.max_new_tokens is not None:
        return min(spec.max_new_tokens, preset.max_new_tokens)
    return spec.max_new_tokens


def _part(spec: BenchmarkSpec, sample: Sample) -> str | None:
    """The part of the benchmark a sample belongs to (ChartQA: human / augmented), if any."""
    if not spec.part_field:
        return None
    value = sample.meta.get(spec.part_field)
    return None if value is None else str(value)


def _error_of(stage: str, exc: BaseException) -> SampleError:
    return SampleError.of(stage, f"{type(exc).__name__}: {exc}")


def free_accelerator_memory() -> None:
    """Hand cached GPU memory back before a smaller batch is tried."""
    import gc

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


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


def save_ocr(run_dir: Path, digest: str, ocr: OCRResult) -> str:
    """Keep the OCR result in the run folder (content-addressed) so reports need no OCR engine."""
    rel = f"{OCR_DIR}/{digest}.json"
    path = Path(run_dir) / rel
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, ocr.to_json())
    return rel


def image_reference(run_dir: Path, x: ReadSample) -> str | None:
    """What the record names as the sample's image: its file, or for an image held in memory
    (dataset bytes, a PIL image) a small JPEG copy kept in the run folder (content-addressed),
    so the report page can show every sample. None when the image cannot be read."""
    image = x.sample.image
    if isinstance(image, (str, Path)):
        return str(image)
    if image is None or x.digest is None or (x.error or {}).get("stage") == "image":
        return None
    rel = f"{IMAGE_DIR}/{x.digest}.jpg"
    path = Path(run_dir) / rel
    if not path.is_file():
        from ocr_expert.image_io import ImageInputError, load_image

        try:
            thumb = load_image(image).image
        except ImageInputError:  # the sample is logged as broken; it has no image to show
            return None
        thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
        path.parent.mkdir(parents=True, exist_ok=True)
        # whole or absent: a copy cut short by a kill would be shown as it is
        write_atomic(path, lambda f: thumb.save(f, format="JPEG", quality=80))
    return rel


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
