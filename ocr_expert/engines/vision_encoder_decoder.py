"""A transformers ``VisionEncoderDecoderModel`` recogniser run on a detector's text boxes.

TrOCR (``microsoft/trocr-base-printed`` and kin) and Qalam (``UBC-NLP/Qalam``, Arabic: a
SwinV2 encoder with a RoBERTa decoder) read one line crop at a time and find nothing on
their own, so a page is read in two steps: a detector engine (PP-OCR by default) gives the
boxes, and this model reads the crops in batches. A crop (a word or a line) is read directly.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from ocr_expert.engines import get_engine, register_engine
from ocr_expert.engines.base import OCREngine, OCREngineError
from ocr_expert.types import Span

ENGINE_NAME = "vision-encoder-decoder"
DEFAULT_MODEL = "microsoft/trocr-base-printed"
PROCESSOR_FILE = "preprocessor_config.json"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
_DTYPES = {
    "float32": "float32",
    "fp32": "float32",
    "float": "float32",
    "float16": "float16",
    "fp16": "float16",
    "half": "float16",
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
}
#: a polygon whose top edge leans more than this (degrees) is straightened before reading
_MAX_TILT_DEG = 2.0


@dataclass(frozen=True)
class Recognised:
    text: str
    score: float  # mean probability of the generated tokens, end-of-sequence included


@register_engine(ENGINE_NAME)
class VisionEncoderDecoderEngine(OCREngine):
    """Detector boxes read by a transformers encoder-decoder recogniser (TrOCR, Qalam).

    Options:
        model: a Hugging Face Hub id or a local folder with config.json, the weights and the
            processor files (image processor + tokenizer).
        processor: where to load the image processor and tokenizer from, if not ``model``.
        revision: a Hub branch, tag or commit of ``model``.
        detector: the engine that finds text boxes: a name (``"ppocr"``, ``"tesseract"``) or
            an ``OCREngine``; ``detector_options`` are passed to it when built by name.
        batch_size: crops per forward pass.
        max_new_tokens, num_beams: generation settings (decoding is always greedy/beam,
            never sampled).
        device: ``"cuda"`` when available, else ``"cpu"``.
        dtype: ``"float32"``, ``"float16"`` or ``"bfloat16"``; default float16 on GPU,
            float32 on CPU.
        language: what the model reads (``"ara"`` for Qalam, ``"eng"`` for TrOCR); guessed
            from the model name when not given.
        crop_padding: margin added around each box, as a fraction of the box height.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        detector: str | OCREngine = "ppocr",
        detector_options: dict[str, Any] | None = None,
        processor: str | None = None,
        revision: str | None = None,
        batch_size: int = 16,
        max_new_tokens: int = 64,
        num_beams: int = 1,
        device: str | None = None,
        dtype: str | None = None,
        language: str | None = None,
        crop_padding: float = 0.1,
    ) -> None:
        if int(batch_size) < 1 or int(max_new_tokens) < 1 or int(num_beams) < 1:
            raise OCREngineError(
                f"batch_size, max_new_tokens and num_beams must be at least 1 "
                f"(got {batch_size}, {max_new_tokens}, {num_beams})"
            )
        if not 0.0 <= float(crop_padding) <= 2.0:
            raise OCREngineError(f"crop_padding must be between 0 and 2, not {crop_padding}")
        self.model_name = str(model)
        self.processor_name = str(processor) if processor else None
        self.revision = revision
        self.batch_size = int(batch_size)
        self.max_new_tokens = int(max_new_tokens)
        self.num_beams = int(num_beams)
        self.crop_padding = float(crop_padding)
        self.device = _resolve_device(device)
        self.dtype = _resolve_dtype(dtype, self.device)
        self.language = language or _guess_language(self.model_name)
        self.detector = _build_detector(detector, detector_options or {})
        # Resolving the model now (a few small files) fails early and fingerprints it for the cache.
        self._model_identity = model_identity(self.model_name, revision)
        self._processor_identity = (
            model_identity(self.processor_name, None, PROCESSOR_FILE)
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

    def read_page(self, image: Image.Image) -> list[Span]:
        regions = self._detect(image)
        kept: list[Span] = []
        crops: list[Image.Image] = []
        for region in regions:
            crop = crop_region(image, region, self.crop_padding)
            if crop is not None:
                kept.append(region)
                crops.append(crop)
        spans = []
        for region, read in zip(kept, self.recognise(crops)):
            if read.text:
                spans.append(
                    Span(text=read.text, box=region.box, score=read.score, polygon=region.polygon)
                )
        return spans

    def read_crop(self, image: Image.Image) -> list[Span]:
        (read,) = self.recognise([image])
        if not read.text:
            return []
        return [
            Span(
                text=read.text,
                box=(0.0, 0.0, float(image.width), float(image.height)),
                score=read.score,
            )
        ]

    # --- recognition --------------------------------------------------------------------

    def recognise(self, crops: list[Image.Image]) -> list[Recognised]:
        """Read each crop (one line or word) in batches of ``batch_size``, in order."""
        if not crops:
            return []
        import torch

        self._load()
        results: list[Recognised] = []
        for start in range(0, len(crops), self.batch_size):
            batch = [c.convert("RGB") for c in crops[start : start + self.batch_size]]
            pixels = self._image_processor(images=batch, return_tensors="pt").pixel_values
            pixels = pixels.to(self.device, dtype=getattr(torch, self.dtype))
            with torch.inference_mode():
                out = self._model.generate(
                    pixels,
                    max_new_tokens=self._max_new_tokens,
                    num_beams=self.num_beams,
                    do_sample=False,
                    output_scores=True,
                    return_dict_in_generate=True,
                )
                scores = self._sequence_scores(out)
            texts = self._tokenizer.batch_decode(out.sequences, skip_special_tokens=True)
            results.extend(Recognised(" ".join(t.split()), s) for t, s in zip(texts, scores))
        return results

    def _sequence_scores(self, out: Any) -> list[float]:
        """Mean probability of each sequence's generated tokens, up to its first end token."""
        beam_indices = getattr(out, "beam_indices", None)
        # Greedy scores are processed logits (normalised here); beam scores are log-probs already.
        transition = self._model.compute_transition_scores(
            out.sequences, out.scores, beam_indices, normalize_logits=beam_indices is None
        )
        probs = transition.float().exp().cpu()
        generated = out.sequences[:, -probs.shape[1] :].cpu().tolist()
        eos = self._model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
        scores = []
        for row, tokens in zip(probs, generated):
            length = next((i + 1 for i, t in enumerate(tokens) if t in eos_ids), len(tokens))
            scores.append(float(row[:length].mean()) if length else 0.0)
        return scores

    def _detect(self, image: Image.Image) -> list[Span]:
        # A detector may offer detection alone (no recognition to throw away); else read the page.
        detect = getattr(self.detector, "detect", None)
        return list(detect(image) if callable(detect) else self.detector.read_page(image))

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            self._model, self._image_processor, self._tokenizer = load_recogniser(
                self.model_name, self.processor_name, self.revision, self.device, self.dtype
            )
            self._max_new_tokens = min(self.max_new_tokens, decoder_token_limit(self._model))


# --- loading ----------------------------------------------------------------------------


def load_recogniser(
    model: str, processor: str | None, revision: str | None, device: str, dtype: str
) -> tuple[Any, Any, Any]:
    """(model, image processor, tokenizer) from the Hub or a local folder, ready for inference.

    The image processor and tokenizer are loaded directly rather than through
    ``TrOCRProcessor``/``AutoProcessor`` (which only pairs the same two): this way the
    PIL-based image processor the models were trained with is asked for explicitly.
    """
    import torch
    from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel

    hub = {} if Path(model).expanduser().is_dir() else {"revision": revision}
    # A separate processor repository has revisions of its own: its default branch is used.
    source = processor or model
    source_hub = {} if processor or Path(source).expanduser().is_dir() else {"revision": revision}
    try:
        net = VisionEncoderDecoderModel.from_pretrained(
            model, torch_dtype=getattr(torch, dtype), **hub
        )
    except Exception as exc:  # transformers raises OSError, ValueError, KeyError, ...
        raise OCREngineError(_cannot_load(model, "model", exc)) from exc
    try:
        image_processor = AutoImageProcessor.from_pretrained(source, use_fast=False, **source_hub)
        tokenizer = AutoTokenizer.from_pretrained(source, **source_hub)
    except Exception as exc:
        raise OCREngineError(
            _cannot_load(source, "image processor and tokenizer", exc)
            + " If the model folder has no processor files, pass processor=<hub id or folder>."
        ) from exc
    net.to(device).eval()
    return net, image_processor, tokenizer


def decoder_token_limit(model: Any) -> int:
    """How many tokens the decoder can generate before it runs out of position embeddings.

    RoBERTa and TrOCR decoders number positions from 2 (after the padding index), and the
    start token takes one more: asking for more would fail inside the embedding lookup.
    """
    positions = getattr(model.config.decoder, "max_position_embeddings", None)
    return max(1, int(positions) - 3) if positions else 1 << 30


def model_identity(
    model: str, revision: str | None = None, key_file: str = "config.json", engine: str = ENGINE_NAME
) -> dict[str, Any]:
    """What identifies a model's weights (or a processor's files), for the cache key,
    without loading them.

    A local folder: its path, a hash of its JSON configuration files and each weight file's
    size and modification time. A Hub id: the commit its files resolve to. ``key_file`` is
    the file that must be there (``preprocessor_config.json`` for a processor).
    """
    what = "model" if key_file == "config.json" else "image processor and tokenizer"
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / key_file).is_file():
            raise OCREngineError(
                f"{what} folder {model!r} has no {key_file}: it is not a saved transformers {what}"
            )
        configs = hashlib.sha256()
        for name in sorted(p.name for p in path.glob("*.json")):
            configs.update(name.encode() + b"\0" + (path / name).read_bytes())
        weights = [
            {"file": p.name, "size": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns}
            for p in sorted(path.iterdir())
            if p.suffix in _WEIGHT_SUFFIXES
        ]
        return {
            "path": str(path.resolve()),
            "configs_sha256": configs.hexdigest(),
            "weights": weights,
        }
    try:
        from huggingface_hub import hf_hub_download

        config_file = hf_hub_download(model, key_file, revision=revision)
    except Exception as exc:  # network, missing repo, bad id, offline without a cached copy
        raise OCREngineError(_cannot_load(model, what, exc, engine)) from exc
    # The Hub cache keeps files under snapshots/<commit>/, so the folder name is the commit.
    return {
        "hub_id": model,
        "revision": revision or "main",
        "commit": Path(config_file).parent.name,
    }


def _cannot_load(model: str, what: str, exc: Exception, engine: str = ENGINE_NAME) -> str:
    detail = " ".join(str(exc).split()).rstrip(".")  # one line, whatever the library wrote
    return (
        f"cannot load the {what} {model!r} for the {engine} engine: "
        f"{type(exc).__name__}: {detail}. Weights are downloaded from the "
        "Hugging Face Hub on first use (this needs network access once); a local folder "
        "holding config.json, the weights and the processor files can be given as model= instead."
    )


def _resolve_device(device: str | None) -> str:
    if device:
        return str(device)
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _resolve_dtype(dtype: str | None, device: str) -> str:
    on_gpu = not device.startswith("cpu")
    if dtype in (None, "auto"):
        return "float16" if on_gpu else "float32"
    try:
        resolved = _DTYPES[str(dtype).lower()]
    except KeyError:
        raise OCREngineError(
            f"unknown dtype {dtype!r}: choose float32, float16 or bfloat16"
        ) from None
    if resolved == "float16" and not on_gpu:
        raise OCREngineError("dtype float16 does not run on CPU: use float32 or bfloat16")
    return resolved


def _guess_language(model: str) -> str | None:
    name = model.lower()
    if "qalam" in name:
        return "ara"
    if "trocr" in name:
        return "eng"
    return None


def _build_detector(detector: str | OCREngine, options: dict[str, Any]) -> OCREngine:
    if isinstance(detector, OCREngine):
        if options:
            raise OCREngineError("detector_options apply only when the detector is given by name")
        return detector
    if detector == ENGINE_NAME:
        raise OCREngineError(f"the {ENGINE_NAME} engine cannot be its own detector")
    return get_engine(str(detector), **options)


# --- cropping ---------------------------------------------------------------------------


def crop_region(image: Image.Image, region: Span, padding: float) -> Image.Image | None:
    """The part of ``image`` a detected span covers, with a margin, kept within the image.

    A tilted four-point polygon is straightened (perspective transform) so the recogniser
    sees horizontal text; anything else is cut along its axis-aligned box. No box: the whole
    image. A box with no area inside the image gives None.
    """
    if (
        region.polygon is not None
        and len(region.polygon) == 4
        and _tilt_deg(region.polygon) > _MAX_TILT_DEG
    ):
        return _quad_crop(image, region.polygon, padding)
    if region.box is None:
        return image
    x0, y0, x1, y1 = region.box
    pad = padding * max(y1 - y0, 1.0)
    left, top = max(0, math.floor(x0 - pad)), max(0, math.floor(y0 - pad))
    right, bottom = min(image.width, math.ceil(x1 + pad)), min(image.height, math.ceil(y1 + pad))
    if right <= left or bottom <= top:
        return None
    return image.crop((left, top, right, bottom))


def _tilt_deg(polygon: tuple[tuple[float, float], ...]) -> float:
    (x0, y0), (x1, y1) = polygon[0], polygon[1]
    return abs(math.degrees(math.atan2(y1 - y0, x1 - x0)))


def _quad_crop(
    image: Image.Image, polygon: tuple[tuple[float, float], ...], padding: float
) -> Image.Image | None:
    """Warp a quadrilateral (corners clockwise from top-left) to an upright rectangle."""
    tl, tr, br, bl = polygon
    width = max(math.dist(tl, tr), math.dist(bl, br))
    height = max(math.dist(tl, bl), math.dist(tr, br))
    if width < 1 or height < 1:
        return None
    pad = padding * height
    u = ((tr[0] - tl[0]) / math.dist(tl, tr), (tr[1] - tl[1]) / math.dist(tl, tr))  # along the text
    v = ((bl[0] - tl[0]) / math.dist(tl, bl), (bl[1] - tl[1]) / math.dist(tl, bl))  # down the text

    def moved(p: tuple[float, float], su: float, sv: float) -> tuple[float, float]:
        x = p[0] + pad * (su * u[0] + sv * v[0])
        y = p[1] + pad * (su * u[1] + sv * v[1])
        return (min(max(x, 0.0), image.width), min(max(y, 0.0), image.height))

    # PIL's QUAD takes the source corners as upper-left, lower-left, lower-right, upper-right.
    corners = (moved(tl, -1, -1), moved(bl, -1, 1), moved(br, 1, 1), moved(tr, 1, -1))
    size = (max(1, round(width + 2 * pad)), max(1, round(height + 2 * pad)))
    return image.transform(
        size,
        Image.Transform.QUAD,
        [c for p in corners for c in p],
        resample=Image.Resampling.BILINEAR,
    )
