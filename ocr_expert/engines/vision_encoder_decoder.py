"""A transformers ``VisionEncoderDecoderModel`` recognizer run on a detector's text boxes.

TrOCR (``microsoft/trocr-base-printed`` and kin) and Qalam (``UBC-NLP/Qalam``, Arabic: a
SwinV2 encoder with a RoBERTa decoder) read one line crop at a time and find nothing on
their own, so a page is read in two steps: a detector engine (PP-OCR by default) gives the
boxes, and this model reads the crops in batches. A crop (a word or a line) is read directly.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image
from pydantic import Field

from ocr_expert.engines import build_detector, register_engine
from ocr_expert.engines.base import OCREngineError
from ocr_expert.engines.hf_models import (
    PathText,
    cannot_load,
    end_token_ids,
    load_model,
    mean_until_end,
    model_identity,
    torch_device,
)
from ocr_expert.engines.roles import Recognition
from ocr_expert.engines.two_stage import RegionOptions, RegionReader
from ocrvqa.hf import greedy, run_batched

ENGINE_NAME = "vision-encoder-decoder"
DEFAULT_MODEL = "microsoft/trocr-base-printed"
PROCESSOR_FILE = "preprocessor_config.json"


class VisionEncoderDecoderOptions(RegionOptions):
    """The ``vision-encoder-decoder`` engine's options (see ``VisionEncoderDecoderEngine``)."""

    model: PathText = DEFAULT_MODEL
    processor: PathText | None = None
    revision: str | None = None
    batch_size: int = Field(16, ge=1)
    max_new_tokens: int = Field(64, ge=1)
    num_beams: int = Field(1, ge=1)
    device: str | None = None
    dtype: str | None = None
    language: str | None = None


@register_engine(ENGINE_NAME)
class VisionEncoderDecoderEngine(RegionReader):
    """Detector boxes read by a transformers encoder-decoder recognizer (TrOCR, Qalam).

    The engine is a two-stage reader whose recognizer is itself (``recognize``): it can also
    be the recognizer of the ``two-stage`` engine or of PP-OCR's Arabic lines.

    Options:
        model: a Hugging Face Hub id or a local folder with config.json, the weights and the
            processor files (image processor + tokenizer).
        processor: where to load the image processor and tokenizer from, if not ``model``.
        revision: a Hub branch, tag or commit of ``model``.
        detector: the engine that finds text boxes: a name (``"ppocr"``) or a detector
            object; ``detector_options`` are passed to it when built by name.
        batch_size: crops per forward pass.
        max_new_tokens, num_beams: generation settings (decoding is always greedy/beam,
            never sampled).
        device: ``"cuda"`` when available, else ``"cpu"``.
        dtype: ``"float32"``, ``"float16"`` or ``"bfloat16"``; default float16 on GPU,
            float32 on CPU (``ocrvqa.devices.resolve_device``).
        language: what the model reads (``"ara"`` for Qalam, ``"eng"`` for TrOCR); guessed
            from the model name when not given.
        crop_padding: margin added around each box, as a fraction of the box height.
    """

    Options = VisionEncoderDecoderOptions
    uses_torch = True

    def __init__(self, **options: Any) -> None:
        opts: VisionEncoderDecoderOptions = self.parse_options(options)
        self.model_name = opts.model
        self.processor_name = opts.processor or None
        self.revision = opts.revision
        # crops per forward pass; the engine reads one image per call (``OCREngine.batch_size``)
        self.crop_batch_size = opts.batch_size
        self.max_new_tokens = opts.max_new_tokens
        self.num_beams = opts.num_beams
        self.crop_padding = opts.crop_padding
        # TrOCR and Qalam were trained in float16 on GPUs: that is their GPU default
        self.device, self.dtype = torch_device(opts.device, opts.dtype, gpu_dtype="float16")
        self.language = opts.language or _guess_language(self.model_name)
        self.detector = build_detector(opts.detector, opts.detector_options)
        self.recognizer = self
        # Resolving the model now (a few small files) fails early and fingerprints it for the cache.
        self._model_identity = model_identity(self.model_name, self.revision, engine=ENGINE_NAME)
        self._processor_identity = (
            model_identity(self.processor_name, None, PROCESSOR_FILE, engine=ENGINE_NAME)
            if self.processor_name
            else None
        )
        self._model: Any = None
        self._max_new_tokens = self.max_new_tokens
        self._image_processor: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    # --- OCREngine ----------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        return {
            "engine": ENGINE_NAME,
            "model": self._model_identity,
            "processor": self._processor_identity,
            "dtype": self.dtype,
            "max_new_tokens": self.max_new_tokens,
            "num_beams": self.num_beams,
            "crop_padding": self.crop_padding,
            "language": self.language,
            "detector": self.detector.config(),
        }

    # --- recognition --------------------------------------------------------------------

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        """Read each crop (one line or word) in batches of ``crop_batch_size``, in order."""
        if not crops:
            return []
        self._load()
        return run_batched(crops, self.crop_batch_size, self._recognize_batch)

    def _recognize_batch(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        import torch

        batch = [c.convert("RGB") for c in crops]
        pixels = self._image_processor(images=batch, return_tensors="pt").pixel_values
        pixels = pixels.to(self.device, dtype=getattr(torch, self.dtype))
        with torch.inference_mode():
            out = self._model.generate(
                pixels,
                **greedy(
                    self._max_new_tokens,
                    num_beams=self.num_beams,  # beam search where the options ask for it
                    output_scores=True,
                    return_dict_in_generate=True,
                ),
            )
            scores = self._sequence_scores(out)
        texts = self._tokenizer.batch_decode(out.sequences, skip_special_tokens=True)
        return [Recognition(" ".join(t.split()), s) for t, s in zip(texts, scores)]

    def _sequence_scores(self, out: Any) -> list[float]:
        """Mean probability of each sequence's generated tokens, up to its first end token."""
        beam_indices = getattr(out, "beam_indices", None)
        # Greedy scores are processed logits (normalized here); beam scores are log-probs already.
        transition = self._model.compute_transition_scores(
            out.sequences, out.scores, beam_indices, normalize_logits=beam_indices is None
        )
        probs = transition.float().exp().cpu()
        generated = out.sequences[:, -probs.shape[1] :].cpu().tolist()
        eos_ids = end_token_ids(self._model.generation_config)
        return [mean_until_end(row, tokens, eos_ids) for row, tokens in zip(probs, generated)]

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            self._model, self._image_processor, self._tokenizer = load_recognizer(
                self.model_name, self.processor_name, self.revision, self.device, self.dtype
            )
            self._max_new_tokens = min(self.max_new_tokens, decoder_token_limit(self._model))


# --- loading ----------------------------------------------------------------------------


def load_recognizer(
    model: str, processor: str | None, revision: str | None, device: str, dtype: str
) -> tuple[Any, Any, Any]:
    """(model, image processor, tokenizer) from the Hub or a local folder, ready for inference.

    The image processor and tokenizer are loaded directly rather than through
    ``TrOCRProcessor``/``AutoProcessor`` (which only pairs the same two): this way the
    PIL-based image processor the models were trained with is asked for explicitly.
    """
    from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel

    hub = {} if Path(model).expanduser().is_dir() else {"revision": revision}
    # A separate processor repository has revisions of its own: its default branch is used.
    source = processor or model
    source_hub = {} if processor or Path(source).expanduser().is_dir() else {"revision": revision}
    net = load_model(
        VisionEncoderDecoderModel.from_pretrained,
        model,
        "model",
        engine=ENGINE_NAME,
        device=device,
        dtype=dtype,
        **hub,
    )
    try:
        image_processor = AutoImageProcessor.from_pretrained(source, use_fast=False, **source_hub)
        tokenizer = AutoTokenizer.from_pretrained(source, **source_hub)
    except Exception as exc:
        raise OCREngineError(
            cannot_load(source, "image processor and tokenizer", exc, ENGINE_NAME)
            + " If the model folder has no processor files, pass processor=<hub id or folder>."
        ) from exc
    return net, image_processor, tokenizer


def decoder_token_limit(model: Any) -> int:
    """How many tokens the decoder can generate before it runs out of position embeddings.

    RoBERTa and TrOCR decoders number positions from 2 (after the padding index), and the
    start token takes one more: asking for more would fail inside the embedding lookup.
    """
    positions = getattr(model.config.decoder, "max_position_embeddings", None)
    return max(1, int(positions) - 3) if positions else 1 << 30


def _guess_language(model: str) -> str | None:
    name = model.lower()
    if "qalam" in name:
        return "ara"
    if "trocr" in name:
        return "eng"
    return None
