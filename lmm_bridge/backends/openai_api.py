"""Any OpenAI-compatible server as the answering model: ``vllm serve``, SGLang, LMDeploy,
``transformers serve`` or a hosted API, through chat completions.

Each prompt is one user message of image and text parts, the images as base64 ``data:``
URLs at full detail; answers are greedy (temperature 0, ``max_tokens`` from the variant).
The server applies the model's chat template, so the prompt logged is the message as
sent (images shown as a placeholder). A request that still fails after its retries fails
alone: the others of the batch keep their answers (``SomeRequestsFailed``).

Token counts for the OCR budget come from the model's tokenizer when ``tokenizer`` names
one (a local folder or hub id), else from an estimate (a word or a punctuation mark, or
four characters, per token, whichever is more).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any, ClassVar

from lmm_bridge.backends import register_backend
from lmm_bridge.backends.base import (
    Backend,
    BackendError,
    BackendOptions,
    GenerationRequest,
    SomeRequestsFailed,
    require_model,
)
from lmm_bridge.backends.tokenizer_info import tokenizer_control_strings
from lmm_bridge.messages import ImagePart
from lmm_bridge.sanitize import QWEN_VL_CONTROL_STRINGS
from ocr_expert.image_io import ImageHandle, ImageSource
from ocrvqa.openai_api import (
    ChatClient,
    EndpointError,
    EndpointSettings,
    image_data_url,
    image_part,
)

#: what stands for an image in the logged prompt (the data itself is megabytes of base64)
IMAGE_PLACEHOLDER = "data:image;base64,..."
#: control strings of common chat templates, neutralized in OCR text when no tokenizer is given
GENERIC_CONTROL_STRINGS = sorted({*QWEN_VL_CONTROL_STRINGS, "<image>", "<s>", "</s>"})
_WORD_OR_MARK = re.compile(r"\w+|[^\w\s]")


class OpenAIOptions(BackendOptions, EndpointSettings):
    """Options of the ``openai`` backend: the server (``EndpointSettings``) and these."""

    system: str | None = None
    #: a tokenizer (local folder or hub id) to count prompt tokens with; None: an estimate
    tokenizer: str | None = None


@register_backend("openai")
class OpenAIBackend(Backend):
    """Chat completions from a model on an OpenAI-compatible server (``model`` is the
    server's name for it)."""

    options_model: ClassVar[type[BackendOptions]] = OpenAIOptions
    remote = True

    def __init__(
        self, model: str | None, device: str | None = None, dtype: Any = None, **options: Any
    ) -> None:
        """``options`` are ``OpenAIOptions``; device and precision are the server's business."""
        super().__init__(model, **options)
        opts: OpenAIOptions = self.options
        try:
            self.client = ChatClient(opts, require_model(model, self.name))
        except EndpointError as exc:
            raise BackendError(f"model_kwargs.{exc}") from None
        self.system = opts.system
        self.tokenizer: Any = None
        if opts.tokenizer is not None:
            from transformers import AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(opts.tokenizer)
        self._urls: OrderedDict[str, str] = OrderedDict()  # data URLs of recent images

    # -- tokens ----------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        if self.tokenizer is not None:
            return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        return max(len(_WORD_OR_MARK.findall(text)), math.ceil(len(text) / 4))

    @property
    def control_strings(self) -> list[str]:
        if self.tokenizer is None:
            return GENERIC_CONTROL_STRINGS
        return sorted(set(GENERIC_CONTROL_STRINGS) | set(tokenizer_control_strings(self.tokenizer)))

    # -- messages --------------------------------------------------------------------
    def messages(self, request: GenerationRequest, image_url: Any = None) -> list[dict[str, Any]]:
        """The chat messages of ``request``: its parts in order, each image given by
        ``image_url(image)`` (the placeholder when None)."""
        detail = self.options.detail
        content = [
            image_part(IMAGE_PLACEHOLDER if image_url is None else image_url(part.image), detail)
            if isinstance(part, ImagePart)
            else {"type": "text", "text": part.text}
            for part in request.message
        ]
        system = [] if self.system is None else [{"role": "system", "content": self.system}]
        return system + [{"role": "user", "content": content}]

    def render_prompt(self, request: GenerationRequest) -> str:
        """The messages as sent, as JSON, each image's data replaced by a placeholder."""
        return json.dumps(self.messages(request), ensure_ascii=False)

    def image_url(self, image: ImageSource) -> str:
        """The image's ``data:`` URL; the last few are kept, as each variant sends the same
        image."""
        key = _image_key(image)
        if key is not None and key in self._urls:
            self._urls.move_to_end(key)
            return self._urls[key]
        from ocr_expert.image_io import load_image, with_min_side

        url = image_data_url(
            with_min_side(load_image(image).image), self.options.max_side, self.options.image_format
        )
        if key is not None:
            self._urls[key] = url
            while len(self._urls) > 4 * self.options.batch_size:
                self._urls.popitem(last=False)
        return url

    # -- generation ------------------------------------------------------------------
    def generate(self, requests: list[GenerationRequest]) -> list[str]:
        conversations = [self.messages(r, self.image_url) for r in requests]
        results = self.client.complete_many(conversations, [r.max_new_tokens for r in requests])
        if any(isinstance(r, EndpointError) for r in results):
            raise SomeRequestsFailed(
                [None if isinstance(r, EndpointError) else r.strip() for r in results],
                [f"EndpointError: {r}" if isinstance(r, EndpointError) else None for r in results],
            )
        return [r.strip() for r in results]  # type: ignore[union-attr]


def _image_key(image: ImageSource) -> str | None:
    """What identifies an image for reuse: its path, or a hash of its bytes."""
    if isinstance(image, ImageHandle):
        given = image.source
        return f"path:{given}" if isinstance(given, (str, Path)) else f"sha256:{image.digest}"
    if isinstance(image, (str, Path)):
        return f"path:{image}"
    if isinstance(image, (bytes, bytearray)):
        return "sha1:" + hashlib.sha1(image).hexdigest()
    return None


__all__ = ["GENERIC_CONTROL_STRINGS", "IMAGE_PLACEHOLDER", "OpenAIBackend", "OpenAIOptions"]
