"""The variant loop of a run: a batch of read samples becomes one log record each.

Every variant prompts the model with the same samples (their image handles shared, so the
model input is decoded once for all variants); a sample that fails at any stage is left
out of every variant, keeping the variants paired. A batch that runs out of memory is halved
and tried again before any sample of it is given up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from eval_vqa.errors import is_out_of_memory
from eval_vqa.ocr_stage import ReadSample
from eval_vqa.recall import answer_in_context
from eval_vqa.records import OcrSummary, SampleError, SampleRecord, VariantResult
from eval_vqa.sample_flow import save_ocr
from lmm_bridge.backends.base import SomeRequestsFailed

if TYPE_CHECKING:
    from eval_vqa.benchmarks import BenchmarkSpec
    from eval_vqa.data.types import Sample
    from eval_vqa.roles import ModelLike, PromptLike
    from lmm_bridge.variants import VariantSpec
    from ocr_expert import OCRResult


@dataclass
class BenchmarkJob:
    """Turns batches of read samples into log records for one benchmark."""

    spec: BenchmarkSpec
    variants: list[VariantSpec]
    vlm: ModelLike
    run_dir: Path
    rank: int
    instruction: str | None
    max_new_tokens: int
    attempts: dict[str, int] = field(default_factory=dict)  # earlier attempts of retried samples
    ocr_files: dict[str, str] = field(default_factory=dict)  # digest -> its OCR file, written

    def run_batch(self, batch: Sequence[ReadSample]) -> list[SampleRecord]:
        records = {id(x): self._base_record(x) for x in batch}
        live = [x for x in batch if not records[id(x)].broken]
        scored: dict[tuple[int, str], dict[str, float]] = {}
        for variant in self.variants:
            prompts, ready = [], []
            for x in live:
                image = x.model_image
                assert image is not None  # a sample without an image is broken, never live
                try:
                    prompts.append(
                        self.vlm.prepare(
                            image,
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
                # variants that give a sample the same answer get the same scores: scored once
                scores = scored.get((id(x), answer))
                if scores is None:
                    scores = scored[id(x), answer] = self._scores(answer, x.sample.answers)
                records[id(x)].variants[variant.name] = self._variant_result(
                    variant, x, prompt, answer, dict(scores), seconds
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
            file=self._ocr_file(x.digest, ocr) if x.digest else None,
            answer_in_ocr=answer_in_context(x.sample.answers, ocr.text),
        )

    def _ocr_file(self, digest: str, ocr: OCRResult) -> str:
        """The run-folder file of an image's OCR result, written once per image (questions on
        one page share it)."""
        rel = self.ocr_files.get(digest)
        if rel is None:
            rel = self.ocr_files[digest] = save_ocr(self.run_dir, digest, ocr)
        return rel

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
                from ocrvqa.hf import free_memory

                free_memory()  # cached accelerator memory back before the halves run
                half = len(chosen) // 2
                return self._answer(chosen[:half], prompts, records) + self._answer(
                    chosen[half:], prompts, records
                )
            return [a for i in chosen for a in self._answer([i], prompts, records)]

    @cached_property
    def _metrics(self) -> list[tuple[str, Callable[[str, list[str]], float]]]:
        """The benchmark's metrics, looked up once."""
        from eval_vqa.metrics import METRICS

        return [(m, METRICS[m]) for m in self.spec.metrics]

    def _scores(self, answer: str, answers: Sequence[str]) -> dict[str, float]:
        """Each metric's score of ``answer`` against the ground truth."""
        truth = list(answers)
        return {m: float(fn(answer, truth)) for m, fn in self._metrics}

    def _variant_result(
        self,
        variant: VariantSpec,
        x: ReadSample,
        prompt: PromptLike,
        answer: str,
        scores: dict[str, float],
        seconds: float,
    ) -> VariantResult:
        answers = list(x.sample.answers)
        context = prompt.context
        injected = context.text if context is not None else ""
        return VariantResult(
            prompt=prompt.full_prompt,
            prediction=answer,
            scores=scores,
            context_tokens=context.n_tokens if context is not None else 0,
            context_budget=getattr(context, "budget", None),
            context_full_tokens=getattr(context, "full_tokens", None) if variant.uses_ocr else None,
            context_kept=context.kept if context is not None else 0,
            context_dropped=len(context.dropped) if context is not None else 0,
            context_note=getattr(context, "note", None),
            answer_in_context=answer_in_context(answers, injected) if variant.uses_ocr else None,
            generate_s=round(seconds, 6),
        )


def _part(spec: BenchmarkSpec, sample: Sample) -> str | None:
    """The part of the benchmark a sample belongs to (ChartQA: human / augmented), if any."""
    if not spec.part_field:
        return None
    value = sample.meta.get(spec.part_field)
    return None if value is None else str(value)


def _error_of(stage: str, exc: BaseException) -> SampleError:
    return SampleError.of(stage, f"{type(exc).__name__}: {exc}")
