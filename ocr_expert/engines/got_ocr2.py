"""GOT-OCR 2.0 through transformers' native ``GotOcr2ForConditionalGeneration`` (4.49+).

``stepfun-ai/GOT-OCR-2.0-hf`` reads a whole page at 1024x1024 (SAM-style encoder, Qwen2
decoder) and writes its text out: plain, or formatted (Mathpix Markdown / LaTeX: titles,
tables, formulas). Large dense pages can be read as tiles plus a thumbnail (``patches``).
With a ``detector`` it reads each detected region, either cut out (``region_mode="crop"``)
or named by its coordinates in the prompt over the whole page (``region_mode="box"``,
GOT's fine-grained OCR), so every line has a box.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from ocr_expert.engines import register_engine
from ocr_expert.engines.base import OCREngineError
from ocr_expert.engines.generative import GenerativeOCREngine, GenerativeOptions, Query, plain_lines
from ocr_expert.engines.hf_models import PathText, cannot_load

ENGINE_NAME = "got-ocr2"
DEFAULT_MODEL = "stepfun-ai/GOT-OCR-2.0-hf"


class GotOcr2Options(GenerativeOptions):
    """The ``got-ocr2`` engine's options (see ``GotOcr2Engine``)."""

    model: PathText = DEFAULT_MODEL
    format: bool = False
    patches: bool = False
    max_patches: int = Field(6, ge=1)
    max_new_tokens: int = Field(4096, ge=1)
    language: str | None = "ch+en"
    #: "crop" cuts a detected region out; "box" shows the whole page with its coordinates in the
    #: prompt
    region_mode: Literal["crop", "box"] = "crop"


@register_engine(ENGINE_NAME)
class GotOcr2Engine(GenerativeOCREngine):
    """GOT-OCR 2.0 as the OCR expert.

    Options:
        model: a Hub id or a local folder saved with ``save_pretrained`` (model + processor).
        revision: a Hub branch, tag or commit.
        format: ask for formatted output ("OCR with format"); it is turned into plain lines
            (LaTeX/Markdown markup removed, table cells joined with `` | ``).
        patches: read a page as up to ``max_patches`` tiles plus a thumbnail (dense or very
            large pages); word and line crops are always read whole.
        region_mode: with a detector, ``crop`` cuts each region out, ``box`` puts its
            coordinates in the prompt over the whole page.
        max_new_tokens: the longest transcription (GOT's own limit is 4096).
        detector, detector_options, crop_padding, batch_size, revision, device, dtype,
            language: as every generative engine takes them (``GenerativeOptions``).
    """

    Options = GotOcr2Options

    opts: GotOcr2Options
    # the encoder's input side and the image tokens per picture, from the model's config on load
    _image_side = 1024
    _image_tokens = 256

    def _settings(self) -> dict[str, Any]:
        return {
            "format": self.opts.format,
            "patches": self.opts.patches,
            "max_patches": self.opts.max_patches if self.opts.patches else None,
        }

    def parse(self, text: str) -> list[str]:
        return formatted_lines(text) if self.opts.format else plain_lines(text)

    def _load_model(self) -> tuple[Any, Any]:
        from transformers import AutoConfig, AutoProcessor, GotOcr2ForConditionalGeneration

        hub = self._hub
        try:
            model_type = AutoConfig.from_pretrained(self.model_name, **hub).model_type
        except Exception as exc:
            raise OCREngineError(
                cannot_load(self.model_name, "GOT-OCR2 model", exc, ENGINE_NAME)
            ) from exc
        if model_type != "got_ocr2":
            raise OCREngineError(
                f"{ENGINE_NAME}: {self.model_name!r} is a {model_type!r} model, not GOT-OCR2 "
                f"(got_ocr2); give a GOT-OCR2 folder or {DEFAULT_MODEL}, or use the vlm-ocr engine "
                "for other models"
            )
        model = self._load_weights(
            GotOcr2ForConditionalGeneration.from_pretrained, "GOT-OCR2 model"
        )
        try:
            # the PIL image processor: the fast one needs torchvision, which CPU installs often lack
            processor = AutoProcessor.from_pretrained(self.model_name, use_fast=False, **hub)
        except Exception as exc:
            raise OCREngineError(
                cannot_load(self.model_name, "GOT-OCR2 processor", exc, ENGINE_NAME)
            ) from exc
        if not hasattr(processor, "image_processor") or not hasattr(processor, "tokenizer"):
            raise OCREngineError(
                f"{ENGINE_NAME}: {self.model_name!r} has no GOT-OCR2 processor (image processor + "
                "tokenizer); save one beside the model with processor.save_pretrained(folder)"
            )
        vision = model.config.vision_config
        # The encoder has absolute position embeddings for one input size, and the projector's
        # two stride-2 convolutions set the image tokens: both follow from the config, not
        # from the processor's defaults (256 tokens at 1024 px, GOT's own).
        self._image_side = int(vision.image_size)
        self._image_tokens = image_token_count(self._image_side, int(vision.patch_size))
        self._processor = processor
        return model, processor.tokenizer

    def _inputs(self, queries: Sequence[Query]) -> Any:
        # Tiles only for whole pages: a word or line crop, or a region, is read whole.
        patches = self.opts.patches and all(q.region is None and q.box is None for q in queries)
        extra = {"crop_to_patches": True, "max_patches": self.opts.max_patches} if patches else {}
        return self._processor(
            images=[q.image.convert("RGB") for q in queries],
            # the processor scales each [x0, y0, x1, y1] to 0..1000 of its image, in place
            box=[list(q.box) if q.box is not None else [None] for q in queries],
            format=self.opts.format,
            num_image_tokens=self._image_tokens,
            size={"height": self._image_side, "width": self._image_side},
            padding=True,
            return_tensors="pt",
            **extra,
        )


def image_token_count(image_size: int, patch_size: int) -> int:
    """Image tokens per picture: the encoder's grid, halved twice by the projector's
    stride-2, padding-1 convolutions (1024 px / 16 px patches -> 64 -> 32 -> 16: 256)."""
    side = image_size // patch_size
    for _ in range(2):
        side = (side + 1) // 2
    return side * side


_LATEX_WRAPPERS = re.compile(
    r"\\(?:title|section\*?|subsection\*?|subsubsection\*?|textbf|textit|text|underline|emph|mathrm)\{([^{}]*)\}"
)
_LATEX_DROP = re.compile(
    r"\\(?:begin|end)\{[^{}]*\}(?:\{[^{}]*\})?|\\hline|\\cline\{[^{}]*\}|\\(?:\(|\)|\[|\])"
)
_MULTICOLUMN = re.compile(r"\\multi(?:column|row)\{[^{}]*\}\{[^{}]*\}\{([^{}]*)\}")


def formatted_lines(text: str) -> list[str]:
    """Plain lines from GOT's formatted output (Mathpix Markdown with LaTeX): wrappers
    such as ``\\title{..}`` and ``\\textbf{..}`` keep their text, environments and rules go,
    each table row (``\\\\``) is a line with its cells (``&``) joined by `` | ``."""
    text = _MULTICOLUMN.sub(r"\1", text)
    for _ in range(3):  # nested wrappers, innermost first
        text = _LATEX_WRAPPERS.sub(r"\1", text)
    text = _LATEX_DROP.sub(" ", text)
    text = re.sub(r"\\\\", "\n", text)
    text = re.sub(r"(?<!\\)&", " | ", text)
    return plain_lines(text)


__all__ = ["GotOcr2Engine", "formatted_lines", "image_token_count"]
