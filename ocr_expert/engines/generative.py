"""What engines whose model *writes* the text out share (GOT-OCR2, VLM transcribers).

Such a model reads a whole page (or a detector's region of it) and answers with text, so:
images are read in batches (``read_batch``, which ``OCRExpert.read_many`` uses across
images); the answer is parsed into lines that are already in reading order and carry no
boxes; and with a ``detector`` the model reads each detected region instead, which gives
every line a box (what the ``boxes`` context format needs). A line's score is the mean
probability of the tokens generated for it, recorded step by step during greedy decoding
(keeping ``output_scores`` for thousands of steps over a 150k vocabulary would not fit).
"""

from __future__ import annotations

import re
import threading
from abc import abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image
from pydantic import Field

from ocr_expert.engines import build_detector
from ocr_expert.engines.base import BatchOCREngine, OCREngine, OCREngineError, ReadMode
from ocr_expert.engines.crops import crop_region
from ocr_expert.engines.hf_models import (
    PathText,
    end_token_ids,
    load_model,
    mean_until_end,
    model_identity,
    torch_device,
)
from ocr_expert.engines.roles import TextDetector
from ocr_expert.engines.two_stage import RegionOptions
from ocr_expert.types import Box, Span
from ocrvqa.hf import greedy, run_batched


@dataclass(frozen=True)
class Query:
    """One generation: an image; ``box``, a region of it named in the prompt (GOT-OCR2's
    box-conditioned OCR); ``region``, where on the page the answer's text lies."""

    image: Image.Image
    box: Box | None = None
    region: Box | None = None


@dataclass(frozen=True)
class Transcript:
    text: str
    score: float  # mean probability of the generated tokens, end token included


class GenerativeOptions(RegionOptions):
    """Options every generative engine takes (``got-ocr2`` and ``vlm-ocr`` add their own).

    ``model``: a Hub id or a local folder; ``revision``: a Hub branch, tag or commit;
    ``batch_size``: pages (or regions) per generate call; ``max_new_tokens``: the longest
    transcription; ``device``, ``dtype``: ``cuda`` and bfloat16/float16 when a GPU is present,
    else CPU float32; ``detector``, ``detector_options``, ``crop_padding``: read each region a
    detector engine (``ppocr``) finds, cut out, so every line has a box; ``language``: what
    the model reads, recorded in the result.
    """

    model: PathText
    revision: str | None = None
    batch_size: int = Field(4, ge=1)
    max_new_tokens: int = Field(1024, ge=1)
    device: str | None = None
    dtype: str | None = None
    # pydantic lets a subclass widen a field (RegionOptions' check takes None); mypy does not
    detector: str | TextDetector | OCREngine | None = None  # type: ignore[assignment]
    language: str | None = None


class GenerativeOCREngine(BatchOCREngine):
    """Base of engines that generate a transcription with a transformers model.

    Subclasses load the model (``_load_model``), turn queries into model inputs
    (``_inputs``) and, if their output has markup, override ``parse``.
    """

    #: spans without boxes are lines already in reading order (see ``OCRExpert``)
    lines_in_order = True
    uses_torch = True

    def __init__(self, **options: Any) -> None:
        opts: GenerativeOptions = self.parse_options(options)
        self.opts = opts
        self.model_name = opts.model
        self.revision = opts.revision
        self.batch_size = opts.batch_size
        self.max_new_tokens = opts.max_new_tokens
        # bf16 where the GPU has it: fp16 activations of long generations can overflow
        self.device, self.dtype = torch_device(opts.device, opts.dtype)
        self.detector = (
            None if opts.detector is None else build_detector(opts.detector, opts.detector_options)
        )
        self.region_mode = getattr(opts, "region_mode", "crop")  # only got-ocr2 has another
        self.crop_padding = opts.crop_padding
        self.language = opts.language
        # A few small files now: a wrong path fails at once, and the weights key the cache.
        self._model_identity = model_identity(self.model_name, self.revision, engine=self.name)
        self._model: Any = None
        self._tokenizer: Any = None
        self._processor: Any = None  # a subclass's processor, loaded with the model
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()  # one generate at a time per engine: memory stays bounded

    # --- what subclasses provide ----------------------------------------------------------

    @abstractmethod
    def _load_model(self) -> tuple[Any, Any]:
        """(model on ``self.device`` in eval mode, tokenizer) for ``self.model_name``; the
        model loads through ``_load_weights``."""

    @property
    def _hub(self) -> dict[str, Any]:
        """``from_pretrained`` keyword arguments for the model's files: its revision, if any."""
        return {"revision": self.revision} if self.revision else {}

    def _load_weights(self, load: Callable[..., Any], what: str) -> Any:
        """The model through ``load`` (a model class's ``from_pretrained``) on the engine's
        device in its precision; a failure names ``what`` was loading."""
        return load_model(
            load,
            self.model_name,
            what,
            engine=self.name,
            device=self.device,
            dtype=self.dtype,
            **self._hub,
        )

    @abstractmethod
    def _inputs(self, queries: Sequence[Query]) -> Any:
        """The batch of model inputs (left-padded) for ``queries``."""

    def _settings(self) -> dict[str, Any]:
        """The subclass's options that change the output (they key the cache)."""
        return {}

    def parse(self, text: str) -> list[str]:
        """The lines of a transcription, without markup."""
        return plain_lines(text)

    # --- OCREngine ----------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        return {
            "engine": self.name,
            "model": self._model_identity,
            "dtype": self.dtype,
            "max_new_tokens": self.max_new_tokens,
            **self._settings(),
            "detector": None if self.detector is None else self.detector.config(),
            "region_mode": None if self.detector is None else self.region_mode,
            "crop_padding": None if self.detector is None else self.crop_padding,
            "language": self.language,
        }

    def read_batch(
        self, images: Sequence[Image.Image], mode: ReadMode = "page"
    ) -> list[list[Span]]:
        """Spans of each image; the model reads them (or their regions) ``batch_size`` at a
        time. A word crop is read as any crop: the model has no word mode."""
        crop = mode != "page"
        if crop or self.detector is None:
            # a crop's text lies in the whole crop; a page's lines have no box of their own
            reads = self.transcribe(
                [Query(image, region=_full_box(image) if crop else None) for image in images]
            )
            return [
                self._whole_image_spans(image, read, crop) for image, read in zip(images, reads)
            ]
        queries: list[Query] = []
        owners: list[int] = []
        for k, image in enumerate(images):
            for region in self.detector.detect(image):
                query = self._region_query(image, region)
                if query is not None:
                    queries.append(query)
                    owners.append(k)
        out: list[list[Span]] = [[] for _ in images]
        for k, query, read in zip(owners, queries, self.transcribe(queries)):
            text = " ".join(self.parse(read.text))
            if text:
                out[k].append(Span(text=text, box=query.region, score=read.score))
        return out

    # --- generation ---------------------------------------------------------------------

    def transcribe(self, queries: Sequence[Query]) -> list[Transcript]:
        """The model's raw text for each query, in order, in batches of ``batch_size``."""
        if not queries:
            return []
        self._load()
        with self._run_lock:
            return run_batched(queries, self.batch_size, self._transcribe_batch)

    def _transcribe_batch(self, queries: Sequence[Query]) -> list[Transcript]:
        import torch
        from transformers import LogitsProcessorList

        inputs = self._inputs(queries).to(self._model.device)
        # some tokenizers add them; decoder-only models refuse them
        inputs.pop("token_type_ids", None)
        if "pixel_values" in inputs and torch.is_floating_point(inputs["pixel_values"]):
            inputs["pixel_values"] = inputs["pixel_values"].to(self._model.dtype)
        confidence = StepConfidence()
        with torch.inference_mode():
            out = self._model.generate(
                **inputs,
                **greedy(
                    self.max_new_tokens,
                    eos_token_id=sorted(self._eos_ids),
                    pad_token_id=self._pad_id,
                    logits_processor=LogitsProcessorList([confidence]),
                ),
            )
        new = out[:, inputs["input_ids"].shape[1] :]
        texts = self._tokenizer.batch_decode(new, skip_special_tokens=True)
        scores = confidence.sequence_scores(new.cpu().tolist(), self._eos_ids)
        return [Transcript(t.strip(), s) for t, s in zip(texts, scores)]

    def _load(self) -> None:
        with self._load_lock:
            if self._model is not None:
                return
            model, tokenizer = self._load_model()
            tokenizer.padding_side = (
                "left"  # decoder-only: generation continues from the last position
            )
            eos_ids = end_token_ids(model.generation_config)
            # Chat-trained models end their turn with <|im_end|> even where the config names another
            # end token.
            for token in ("<|im_end|>", tokenizer.eos_token):
                token_id = tokenizer.convert_tokens_to_ids(token) if token else None
                if isinstance(token_id, int) and token_id != tokenizer.unk_token_id:
                    eos_ids.add(token_id)
            if not eos_ids:
                raise OCREngineError(
                    f"{self.name}: model {self.model_name!r} names no end-of-text token"
                )
            pad = tokenizer.pad_token_id
            if pad is None:
                tokenizer.pad_token_id = pad = min(eos_ids)
            self._eos_ids, self._pad_id = eos_ids, pad
            self._tokenizer, self._model = tokenizer, model

    # --- regions ------------------------------------------------------------------------

    def _region_query(self, image: Image.Image, region: Span) -> Query | None:
        if region.box is None:
            return None
        if self.region_mode == "box":
            return Query(image, region.box, region.box)
        crop = crop_region(image, region, self.crop_padding)
        return None if crop is None else Query(crop, None, region.box)

    def _whole_image_spans(self, image: Image.Image, read: Transcript, crop: bool) -> list[Span]:
        lines = self.parse(read.text)
        if crop and len(lines) == 1:  # a word or line crop: the line is the whole image
            return [Span(text=lines[0], box=_full_box(image), score=read.score)]
        return [Span(text=line, box=None, score=read.score) for line in lines]


def _full_box(image: Image.Image) -> Box:
    return (0.0, 0.0, float(image.width), float(image.height))


class StepConfidence:
    """A logits processor that records, at each greedy step, the probability of the token
    about to be chosen (the largest), and changes nothing."""

    def __init__(self) -> None:
        self.steps: list[Any] = []

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        self.steps.append(scores.float().softmax(-1).amax(-1).cpu())
        return scores

    def sequence_scores(self, generated: list[list[int]], eos_ids: set[int]) -> list[float]:
        """Mean recorded probability of each sequence, up to and including its first end token."""
        if not self.steps:
            return [0.0] * len(generated)
        import torch

        probs = torch.stack(self.steps, dim=1)
        return [
            round(mean_until_end(row, tokens, eos_ids), 6) for row, tokens in zip(probs, generated)
        ]


# --- parsing ------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```[\w-]*\s*$")
_TAG = re.compile(r"<[^<>\n]{1,200}>")
_MD_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+(?=\S)|\d+[.)]\s+(?=\S))")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINE_BREAK_TAGS = re.compile(
    r"<\s*(br|/p|/div|/tr|/h\d|/li|/title|/text|/section_header|/caption)\s*/?>", re.I
)


def plain_lines(text: str) -> list[str]:
    """The text lines of a transcription written as plain text, Markdown, HTML or DocTags.

    Code fences, Markdown heading/list/quote markers and emphasis, table rules and tags
    go; table rows keep their cells, separated by `` | ``; blank lines go.
    """
    text = _LINE_BREAK_TAGS.sub("\n", text)
    lines: list[str] = []
    for raw in text.splitlines():
        if _FENCE.match(raw) or _TABLE_RULE.match(raw):
            continue
        line = _TAG.sub(" ", raw)
        line = _MD_PREFIX.sub("", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        if line.strip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            line = " | ".join(c for c in cells if c)
        line = " ".join(line.split())
        if line:
            lines.append(line)
    return lines


__all__ = [
    "GenerativeOCREngine",
    "GenerativeOptions",
    "Query",
    "StepConfidence",
    "Transcript",
    "plain_lines",
]
