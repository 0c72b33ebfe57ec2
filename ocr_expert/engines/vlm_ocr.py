"""Any transformers image-text-to-text model as the OCR expert, asked to transcribe.

Document-OCR VLMs (olmOCR, Nanonets-OCR, SmolDocling, Qwen2.5-VL itself) read a page when
asked in their chat template; their answer (plain text, Markdown, HTML tables or DocTags)
is parsed into plain lines in the order written. The prompt is an option, since each of
these models was trained on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field, field_validator

from ocr_expert.engines import register_engine
from ocr_expert.engines.base import OCREngineError
from ocr_expert.engines.generative import GenerativeOCREngine, GenerativeOptions, Query
from ocr_expert.engines.hf_models import cannot_load, load_processor
from ocrvqa.hf import chat_tokenizer

ENGINE_NAME = "vlm-ocr"
DEFAULT_PROMPT = (
    "Transcribe all the text in this image, line by line, in reading order. "
    "Write only the text, as plain text."
)


def non_empty_prompt(prompt: str) -> str:
    """``prompt``, refused when blank: the model would be asked nothing."""
    if not prompt.strip():
        raise ValueError("prompt is empty; give the instruction the model reads")
    return prompt


class VLMOCROptions(GenerativeOptions):
    """The ``vlm-ocr`` engine's options (see ``VLMOCREngine``)."""

    prompt: str = DEFAULT_PROMPT
    system: str | None = None
    processor_options: dict[str, Any] = Field(default_factory=dict)

    _instruction = field_validator("prompt")(non_empty_prompt)


@register_engine(ENGINE_NAME)
class VLMOCREngine(GenerativeOCREngine):
    """A vision-language model that writes out the text it sees.

    Options:
        model: a Hub id or a local folder of an image-text-to-text model whose processor has a
            chat template (loaded with ``AutoModelForImageTextToText``/``AutoProcessor``).
        prompt: the instruction sent with each image; ``system``: an optional system message.
        processor_options: passed to ``AutoProcessor.from_pretrained`` (for Qwen2-VL models,
            ``min_pixels``/``max_pixels`` bound a page's image tokens).
        detector, detector_options, crop_padding, batch_size, max_new_tokens, revision,
            device, dtype, language: as every generative engine takes them (``GenerativeOptions``).
    """

    Options = VLMOCROptions

    opts: VLMOCROptions

    def _settings(self) -> dict[str, Any]:
        return {
            "prompt": self.opts.prompt,
            "system": self.opts.system,
            "processor_options": self.opts.processor_options,
        }

    def _load_model(self) -> tuple[Any, Any]:
        from transformers import AutoModelForImageTextToText

        model = self._load_weights(
            AutoModelForImageTextToText.from_pretrained, "image-text-to-text model"
        )
        try:
            processor = load_processor(self.model_name, **self._hub, **self.opts.processor_options)
        except Exception as exc:
            raise OCREngineError(
                cannot_load(self.model_name, "processor", exc, ENGINE_NAME)
            ) from exc
        tokenizer = chat_tokenizer(
            processor, OCREngineError, f"{ENGINE_NAME}: model {self.model_name!r}"
        )
        self._processor = processor
        return model, tokenizer

    def _inputs(self, queries: Sequence[Query]) -> Any:
        system = (
            [] if self.opts.system is None else [{"role": "system", "content": self.opts.system}]
        )
        messages = system + [
            {
                "role": "user",
                "content": [{"type": "image"}, {"type": "text", "text": self.opts.prompt}],
            }
        ]
        text = self._processor.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )
        return self._processor(
            text=[text] * len(queries),
            images=[q.image.convert("RGB") for q in queries],
            padding=True,
            return_tensors="pt",
        )


__all__ = ["DEFAULT_PROMPT", "VLMOCREngine", "non_empty_prompt"]
