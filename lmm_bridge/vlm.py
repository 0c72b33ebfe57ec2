"""``OCRAugmentedVLM``: give it an image and a question, get an answer, with or without
the OCR expert's transcription in the prompt."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmm_bridge.backends import Backend, BackendError, load_backend
from lmm_bridge.config import DEFAULT_MODEL, DEFAULT_VARIANTS, BridgeConfig
from lmm_bridge.context import ContextInfo, assemble_text, build_context
from lmm_bridge.messages import GenerationRequest, Message, message_text
from lmm_bridge.sanitize import (
    OCR_END,
    OCR_START,
    check_prompt,
    find_control_strings,
    neutralize_marked,
    sanitize,
)
from lmm_bridge.variants import BUILTIN_VARIANTS, VariantSpec, get_variant, parse_variants
from ocr_expert.image_io import ImageSource
from ocr_expert.types import OCRResult

_OCR_SPAN = re.compile(f"{OCR_START}[^{OCR_END}]*{OCR_END}")
#: tokens the whole prompt may take beyond its parts counted apart (the separator before
#: the context, tokens merging where the context meets the question); within this margin
#: of the window the prompt is counted whole
_JOIN_SLACK = 16


#: ``ocr=`` not given to ``ask``/``ask_batch`` (None is a value there: no OCR variant)
_UNSET: Any = object()


def _variant_argument(variant: Any, ocr: Any, method: str) -> Any:
    """The variant an ``ask`` call picks: ``variant``, or ``ocr`` where an old caller gave it.

    ``ocr=`` is accepted, with a warning, for old callers; the name reads as the
    constructor's ``ocr=``, which picks the OCR engine, hence ``variant=``.
    """
    if ocr is _UNSET:
        return variant
    warnings.warn(
        f"OCRAugmentedVLM.{method}(ocr=...) is deprecated: the prompt variant is variant=...",
        DeprecationWarning,
        stacklevel=3,
    )
    return ocr


@dataclass(frozen=True)
class PreparedPrompt:
    """Everything about one prompt: the message the backend is given, and the exact
    model input."""

    variant: str
    #: the image (as the backend takes it, see ``Backend.prepare_image``), then the text
    message: Message
    full_prompt: str  # the exact string the model is given (image as its path or placeholder)
    context: ContextInfo = field(default_factory=ContextInfo)

    @property
    def text(self) -> str:
        """Question, OCR context and instruction: what follows the image."""
        return message_text(self.message)


@dataclass
class Answer:
    text: str
    variant: str
    prompt: PreparedPrompt
    ocr: OCRResult | None
    timings: dict[str, float]  # seconds: ocr, prompt, generate, total


class OCRAugmentedVLM:
    """A vision-language model with an OCR expert in front of it.

    ``model`` is a hub id or a local folder; ``backend`` a registered name, a ``Backend``
    instance, or None to follow the model's ``config.json`` (``model_type: qwen`` is
    Qwen-VL-Chat's remote code, anything else the transformers-native backend).
    ``ocr`` is an engine name, an ``OCRExpert``, or None for no OCR. ``variants`` are the
    prompt variants this instance knows by name (built-ins are always known). Other
    keyword arguments are the backend's options (its ``options_model``: ``batch_size``,
    Qwen-VL-Chat's ``mode`` and ``image_dir``, ``model_options`` for the model's
    ``from_pretrained``, ...), checked when the backend is built.
    """

    def __init__(
        self,
        model: str | None = DEFAULT_MODEL,
        backend: str | Backend | None = None,
        ocr: Any = "ppocr",
        variants: Sequence[Any] | None = None,
        device: str | None = None,
        dtype: Any = None,
        max_new_tokens: int = 64,
        ocr_options: dict[str, Any] | None = None,
        **backend_options: Any,
    ) -> None:
        if isinstance(backend, Backend):
            given = {
                **backend_options,
                **{k: v for k, v in (("device", device), ("dtype", dtype)) if v is not None},
            }
            if given:
                raise BackendError(
                    f"backend options {', '.join(sorted(given))} given with a "
                    "backend instance: set them when building the backend"
                )
            self.backend = backend
        else:
            self.backend = load_backend(
                backend, model, device=device, dtype=dtype, **backend_options
            )
        self.variants = parse_variants(list(variants or DEFAULT_VARIANTS))
        self.max_new_tokens = max_new_tokens
        self._ocr_spec, self._ocr_options = ocr, dict(ocr_options or {})
        self._ocr_expert: Any = None if isinstance(ocr, str) or ocr is None else ocr
        # Read once: tokenizers can be slow to list their added tokens.
        self._controls = (list(self.backend.control_strings), list(self.backend.control_patterns))

    @classmethod
    def from_config(cls, config: dict[str, Any] | str | Path, **overrides: Any) -> OCRAugmentedVLM:
        """Build from a ``BridgeConfig``: a mapping or a YAML file (``overrides`` are keys
        of it). Unknown keys are refused; ``backend_options`` are the backend's own."""
        checked = BridgeConfig.load(config, **overrides)
        return cls(
            **checked.model_dump(exclude={"backend_options", "variants"}),
            variants=checked.variants,
            **checked.backend_options,
        )

    # -- pieces ----------------------------------------------------------------------
    @property
    def ocr_expert(self) -> Any:
        """The OCR expert, built on first use."""
        if self._ocr_expert is None:
            if self._ocr_spec is None:
                raise ValueError(
                    "this model was built with ocr=None: pass an OCRResult or variant=False"
                )
            from ocr_expert import OCRExpert

            self._ocr_expert = OCRExpert(engine=self._ocr_spec, **self._ocr_options)
        return self._ocr_expert

    def variant(self, spec: str | VariantSpec | dict[str, Any] | bool) -> VariantSpec:
        """Resolve ``True`` (the first OCR variant), ``False`` ("none"), a name or a spec."""
        if spec is True:
            return next((v for v in self.variants if v.uses_ocr), BUILTIN_VARIANTS["tokens"])
        if spec is False or spec is None:
            return next((v for v in self.variants if not v.uses_ocr), BUILTIN_VARIANTS["none"])
        if isinstance(spec, str):
            for v in self.variants:
                if v.name == spec:
                    return v
        return get_variant(spec)

    def read(self, image: ImageSource) -> OCRResult:
        """Run the OCR expert on ``image``."""
        return self.ocr_expert.read(image)

    def prepare(
        self,
        image: ImageSource,
        question: str,
        ocr: OCRResult | None,
        variant: VariantSpec | str | dict[str, Any] = "none",
        instruction: str | None = None,
        max_new_tokens: int | None = None,
    ) -> PreparedPrompt:
        """Build the prompt for one sample: the image as the backend takes it, sanitized
        and budgeted OCR context, and the exact string the model will see.

        The context's budget is the variant's ``budget_tokens``, and never more than the
        model's window (``Backend.context_window``) leaves after the image, the template,
        the question and ``max_new_tokens``: the prompt and answer fit the window."""
        spec = self.variant(variant)
        image = self.backend.prepare_image(image)
        n = max_new_tokens or self.max_new_tokens
        window = self.backend.context_window if spec.uses_ocr and ocr is not None else None
        # what the window leaves once image, template, question and answer are counted
        fixed = (
            0
            if window is None
            else self.backend.prompt_tokens(
                GenerationRequest.one_image(
                    image, assemble_text(question, "", spec, instruction), n
                )
            )
        )
        room = None if window is None else max(window - n - fixed, 0)
        while True:
            context, text = self._text(question, ocr, spec, instruction, room)
            request = GenerationRequest.one_image(image, text, n)
            if (
                window is None
                or not context.text
                or fixed + context.n_tokens + _JOIN_SLACK + n <= window
            ):
                break
            # the exact count: tokens may merge where the context meets the question
            excess = self.backend.prompt_tokens(request) + n - window
            if excess <= 0:
                break
            room = max(min(room or 0, context.n_tokens) - excess, 0)
        full_prompt = self.backend.render_prompt(request)
        if context.marked and find_control_strings(full_prompt, *self._controls):
            # the final prompt may hold no control string that the same prompt without OCR
            # lacks (a prompt without any holds none: no reference to build)
            reference = assemble_text(
                question, _OCR_SPAN.sub("", context.marked), spec, instruction
            )
            check_prompt(
                full_prompt,
                self.backend.render_prompt(GenerationRequest.one_image(image, reference, n)),
                self._controls[0],
                self._controls[1],
            )
        return PreparedPrompt(spec.name, request.message, full_prompt, context)

    def _text(
        self,
        question: str,
        ocr: OCRResult | None,
        spec: VariantSpec,
        instruction: str | None,
        room: int | None,
    ) -> tuple[ContextInfo, str]:
        """The context within ``room`` tokens (and the variant's budget), and the sanitized
        text after the image."""
        controls, patterns = self._controls
        context = build_context(
            ocr,
            spec,
            count_tokens=self.backend.count_tokens,
            control_strings=controls,
            control_patterns=patterns,
            box_style=self.backend.box_style,
            count_tokens_many=self.backend.count_tokens_many,
            question=question,
            window_budget=room,
        )
        marked = assemble_text(question, context.marked or context.text, spec, instruction)
        # again over the whole text: OCR text next to the lead-in, question or label
        text = neutralize_marked(marked, controls, patterns)
        if context.marked:
            # The variant's own pieces can still meet to form a control string (a question
            # ending in "<" before a separator "im" and a label "g>"): with OCR context, only
            # the tags the context itself uses (the boxes format's <ref>/<box>) may stand.
            keep = {m.lower() for m in find_control_strings(context.text, controls, patterns)}
            text = sanitize(text, [c for c in controls if c.lower() not in keep], patterns)
        return context, text

    def generate(
        self, prepared: Sequence[PreparedPrompt], max_new_tokens: int | None = None
    ) -> list[str]:
        """Greedy answers for prepared prompts, in one batched backend call."""
        n = max_new_tokens or self.max_new_tokens
        return self.backend.generate([GenerationRequest(p.message, n) for p in prepared])

    def stream(self, prepared: PreparedPrompt, max_new_tokens: int | None = None) -> Iterator[str]:
        """Pieces of the answer as the model produces them."""
        n = max_new_tokens or self.max_new_tokens
        yield from self.backend.stream(GenerationRequest(prepared.message, n))

    # -- one call --------------------------------------------------------------------
    def prepare_ask(
        self,
        image: ImageSource,
        question: str,
        variant: Any = True,
        *,
        instruction: str | None = None,
        ocr_result: OCRResult | None = None,
        max_new_tokens: int | None = None,
    ) -> tuple[PreparedPrompt, OCRResult | None, dict[str, float]]:
        """OCR (when the variant uses it) and prompt building for ``ask``/``stream``."""
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"question must be a non-empty string, got {question!r}")
        spec = self.variant(variant)
        t0 = time.perf_counter()
        result = ocr_result
        if spec.uses_ocr and result is None:
            result = self.read(image)
        t1 = time.perf_counter()
        prepared = self.prepare(
            image, question, result if spec.uses_ocr else None, spec, instruction, max_new_tokens
        )
        t2 = time.perf_counter()
        return prepared, result, {"ocr": t1 - t0, "prompt": t2 - t1}

    def ask(
        self,
        image: ImageSource,
        question: str,
        variant: Any = True,
        max_new_tokens: int | None = None,
        instruction: str | None = None,
        ocr_result: OCRResult | None = None,
        *,
        ocr: Any = _UNSET,
    ) -> Answer:
        """Answer ``question`` about ``image``; ``variant`` is True (the first OCR variant),
        False (no OCR) or a variant name. ``ocr=`` is a deprecated spelling of ``variant=``."""
        return self.ask_batch(
            [image],
            [question],
            variant=_variant_argument(variant, ocr, "ask"),
            max_new_tokens=max_new_tokens,
            instruction=instruction,
            ocr_results=None if ocr_result is None else [ocr_result],
        )[0]

    def ask_batch(
        self,
        images: Sequence[ImageSource],
        questions: Sequence[str],
        variant: Any = True,
        max_new_tokens: int | None = None,
        instruction: str | None = None,
        ocr_results: Sequence[OCRResult | None] | None = None,
        *,
        ocr: Any = _UNSET,
    ) -> list[Answer]:
        """``ask`` for many samples, with one batched generation call."""
        variant = _variant_argument(variant, ocr, "ask_batch")
        if len(images) != len(questions):
            raise ValueError(f"{len(images)} images but {len(questions)} questions")
        results = list(ocr_results) if ocr_results is not None else [None] * len(images)
        if len(results) != len(images):
            raise ValueError(f"{len(images)} images but {len(results)} OCR results")
        steps = [
            self.prepare_ask(
                img,
                q,
                variant,
                instruction=instruction,
                ocr_result=r,
                max_new_tokens=max_new_tokens,
            )
            for img, q, r in zip(images, questions, results)
        ]
        t0 = time.perf_counter()
        texts = self.generate([p for p, _, _ in steps], max_new_tokens)
        per_sample = (time.perf_counter() - t0) / max(len(steps), 1)
        answers = []
        for text, (prepared, result, timings) in zip(texts, steps):
            timings = {**timings, "generate": per_sample}
            timings["total"] = sum(timings.values())
            answers.append(Answer(text, prepared.variant, prepared, result, timings))
        return answers


__all__ = ["DEFAULT_MODEL", "Answer", "OCRAugmentedVLM", "PreparedPrompt"]
