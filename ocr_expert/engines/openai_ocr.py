"""Any served OCR model as the expert: chat completions against an OpenAI-compatible server.

The document-OCR models users pick (olmOCR, dots.ocr, PaddleOCR-VL, DeepSeek-OCR, LightOnOCR,
granite-docling, Qwen2.5-VL) are served by vLLM or SGLang, often with a newer transformers
than this package can load beside Qwen-VL-Chat; over HTTP their pins never meet ours. Each
image is sent at full detail with the transcription prompt, greedy; the answer (plain,
Markdown, HTML, DocTags) is parsed into lines as ``vlm-ocr`` parses it. Results are cached
like every engine's, keyed by the server's address, the model, the prompt and the request
settings, never by the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from PIL import Image
from pydantic import Field, field_validator

from ocr_expert.engines import register_engine
from ocr_expert.engines.base import BatchOCREngine, EngineOptions, OCREngineError, ReadMode
from ocr_expert.engines.generative import plain_lines
from ocr_expert.engines.vlm_ocr import DEFAULT_PROMPT, non_empty_prompt
from ocr_expert.types import Span
from ocrvqa.openai_api import (
    ChatClient,
    EndpointError,
    EndpointSettings,
    image_data_url,
    image_part,
)

ENGINE_NAME = "openai-ocr"
#: the score of a served line: the server reports no confidence, and all lines weigh alike
SERVED_SCORE = 1.0


class OpenAIOCROptions(EngineOptions, EndpointSettings):
    """The ``openai-ocr`` engine's options: the server (``EndpointSettings``: ``base_url``,
    ``api_key_env``, ``timeout``, ``retries``, ``concurrency``, ``max_side``, ...) and these."""

    #: the server's name for the OCR model
    model: str
    prompt: str = DEFAULT_PROMPT
    system: str | None = None
    max_new_tokens: int = Field(default=1024, ge=1)
    #: images handed to the server together (``concurrency`` of them in flight)
    batch_size: int = Field(default=8, ge=1)
    language: str | None = None

    _instruction = field_validator("prompt")(non_empty_prompt)


@register_engine(ENGINE_NAME)
class OpenAIOCREngine(BatchOCREngine):
    """A served model that writes out the text it sees. Lines come in the order written,
    without boxes (as ``vlm-ocr`` without a detector)."""

    Options = OpenAIOCROptions
    lines_in_order = True

    def __init__(self, **options: Any) -> None:
        self.opts: OpenAIOCROptions = self.parse_options(options)
        try:
            self.client = ChatClient(self.opts, self.opts.model)
        except EndpointError as exc:
            raise OCREngineError(f"{ENGINE_NAME}: {exc}") from None
        self.batch_size = self.opts.batch_size
        self.language = self.opts.language
        # answers of a batch in which some image failed: the expert then reads the images one
        # by one, and those already answered are not sent again
        self._answered: dict[str, str] = {}

    def config(self) -> dict[str, Any]:
        opts = self.opts
        return {
            "engine": ENGINE_NAME,
            "model": opts.model,
            **opts.request_fields(),
            "prompt": opts.prompt,
            "system": opts.system,
            "max_new_tokens": opts.max_new_tokens,
            "language": opts.language,
        }

    def read_batch(
        self, images: Sequence[Image.Image], mode: ReadMode = "page"
    ) -> list[list[Span]]:
        """Spans of each image, ``concurrency`` requests in flight; an image the server
        failed on raises ``OCREngineError`` saying why."""
        urls = [
            image_data_url(image, self.opts.max_side, self.opts.image_format) for image in images
        ]
        keys = [hashlib.sha1(url.encode()).hexdigest() for url in urls]
        todo = [k for k, key in enumerate(keys) if key not in self._answered]
        found = self.client.complete_many(
            [self._messages(urls[k]) for k in todo], [self.opts.max_new_tokens] * len(todo)
        )
        failed = [r for r in found if isinstance(r, EndpointError)]
        for k, answer in zip(todo, found):
            if isinstance(answer, str):
                self._answered[keys[k]] = answer
        if failed:
            raise OCREngineError(f"{ENGINE_NAME}: {failed[0]}")
        answers = [self._answered[key] for key in keys]
        for key in keys:
            self._answered.pop(key, None)
        return [
            self._spans(image, text, crop=mode != "page") for image, text in zip(images, answers)
        ]

    def _messages(self, url: str) -> list[dict[str, Any]]:
        system = (
            [] if self.opts.system is None else [{"role": "system", "content": self.opts.system}]
        )
        content = [image_part(url, self.opts.detail), {"type": "text", "text": self.opts.prompt}]
        return system + [{"role": "user", "content": content}]

    def _spans(self, image: Image.Image, text: str, crop: bool) -> list[Span]:
        lines = plain_lines(text)
        if crop and len(lines) == 1:  # a word or line crop: the line is the whole image
            return [
                Span(
                    text=lines[0],
                    box=(0.0, 0.0, float(image.width), float(image.height)),
                    score=SERVED_SCORE,
                )
            ]
        return [Span(text=line, box=None, score=SERVED_SCORE) for line in lines]


__all__ = ["OpenAIOCREngine", "OpenAIOCROptions"]
