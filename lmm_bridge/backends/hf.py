"""Transformers-native image-text-to-text models (Qwen2-VL, Qwen2.5-VL, and any model
whose processor carries a chat template), batched with left padding, greedy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from pydantic import Field

from lmm_bridge.backends import register_backend
from lmm_bridge.backends.base import (
    BackendError,
    PretrainedBackend,
    PretrainedOptions,
    generate_grouped,
    lstrip_stream,
)
from lmm_bridge.backends.tokenizer_info import (
    single_token_ids,
    tokenizer_control_strings,
    window_length,
)
from lmm_bridge.messages import GenerationRequest, ImagePart
from ocr_expert.engines.hf_models import load_processor
from ocr_expert.image_io import ImageSource
from ocrvqa.hf import chat_tokenizer, greedy


class HFOptions(PretrainedOptions):
    """Options of the ``hf`` backend."""

    system: str | None = None
    use_fast: bool | None = None
    #: keyword arguments for ``AutoProcessor.from_pretrained`` (for Qwen2-VL, ``min_pixels``
    #: / ``max_pixels`` bound the image tokens of large pages)
    processor_options: dict[str, Any] = Field(default_factory=dict)


def chat_messages(request: GenerationRequest, system: str | None) -> list[dict[str, Any]]:
    """The chat-template messages of ``request``: its parts in order, images as
    placeholders (the processor is given the images themselves)."""
    content = [
        {"type": "image"} if isinstance(part, ImagePart) else {"type": "text", "text": part.text}
        for part in request.message
    ]
    return ([] if system is None else [{"role": "system", "content": system}]) + [
        {"role": "user", "content": content}
    ]


def render_chat(processor: Any, request: GenerationRequest, system: str | None) -> str:
    """The prompt string the processor's chat template makes of ``request``."""
    return processor.apply_chat_template(
        chat_messages(request, system), tokenize=False, add_generation_prompt=True
    )


@register_backend("hf")
class HFBackend(PretrainedBackend):
    box_style = "plain"
    options_model = HFOptions

    def load(self) -> None:
        """The processor and the weights, as ``HFOptions`` say."""
        import torch  # noqa: F401  (fail early with a clear import error)
        from transformers import AutoModelForImageTextToText

        opts: HFOptions = self.options
        self.system = opts.system
        processor_kwargs = self.hub_kwargs(**opts.processor_options)
        if opts.use_fast is not None:
            processor_kwargs["use_fast"] = opts.use_fast
        self.processor = load_processor(self.model_path, **processor_kwargs)
        self.tokenizer: Any = chat_tokenizer(
            self.processor, BackendError, f"model {self.model_path}"
        )
        # Decoder-only generation continues from the last position: pad on the left.
        self.tokenizer.padding_side = "left"
        self.model = self.load_model(AutoModelForImageTextToText.from_pretrained, self.dtype)
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else self.tokenizer.eos_token_id
        self._image_tokens: dict[tuple[int, int], int] = {}  # by image size

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def model_window(self) -> int | None:
        return window_length(self.model.config, self.tokenizer)

    def prompt_tokens(self, request: GenerationRequest) -> int:
        """The rendered prompt's tokens, each image placeholder counted as the tokens the
        processor expands it to (which depend on the image's size only)."""
        return self.count_tokens(self.render_prompt(request)) + sum(
            self.image_tokens(image) for image in request.images
        )

    def image_tokens(self, image: ImageSource) -> int:
        """Tokens an image adds beyond its placeholder in the rendered prompt."""
        from PIL import Image

        from ocr_expert.image_io import with_min_side

        size = image_size(image)
        if min(size) < 64:  # as the image is given to the processor (tiny ones enlarged)
            size = with_min_side(Image.new("RGB", size)).size
        if size not in self._image_tokens:
            self._image_tokens[size] = self._count_image_tokens(size)
        return self._image_tokens[size]

    def _count_image_tokens(self, size: tuple[int, int]) -> int:
        from PIL import Image

        # the processor's own arithmetic where it has it (its placeholder token becomes these)
        count = getattr(self.processor, "_get_num_multimodal_tokens", None)
        if count is not None:
            try:
                return int(count(image_sizes=[(size[1], size[0])]).num_image_tokens[0]) - 1
            except Exception:  # a processor whose arithmetic needs more: count it for real
                pass
        blank = Image.new("RGB", size)
        text = self.render_prompt(GenerationRequest.one_image(blank, "", 1))
        ids = self.processor(text=[text], images=[blank])["input_ids"][0]
        return len(ids) - self.count_tokens(text)

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        # One batched call: the Rust tokenizer encodes the list at once.
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def token_ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def control_strings(self) -> list[str]:
        extra = [getattr(self.processor, a, None) for a in ("image_token", "video_token")]
        return sorted(set(tokenizer_control_strings(self.tokenizer)) | {e for e in extra if e})

    def control_token_ids(self) -> set[int]:
        return single_token_ids(self.tokenizer, self.control_strings)

    def messages(self, request: GenerationRequest) -> list[dict[str, Any]]:
        """The chat-template messages of ``request`` (see ``chat_messages``)."""
        return chat_messages(request, self.system)

    def render_prompt(self, request: GenerationRequest) -> str:
        return render_chat(self.processor, request, self.system)

    def _inputs(self, requests: list[GenerationRequest]) -> Any:
        from ocr_expert.image_io import load_image, with_min_side

        texts = [self.render_prompt(r) for r in requests]
        # decoded once, here, or taken as decoded from an ImageHandle (one decode for OCR
        # and every prompt variant); EXIF orientation applied as for OCR. A 1x1 image is
        # still a question to answer; processors misread the channels of tiny ones.
        images = [with_min_side(load_image(image).image) for r in requests for image in r.images]
        return self.processor(
            text=texts, images=images or None, padding=True, return_tensors="pt"
        ).to(self.model.device)

    def _generate_kwargs(self, max_new_tokens: int) -> dict[str, Any]:
        return greedy(max_new_tokens, pad_token_id=self.pad_id)

    def generate(self, requests: list[GenerationRequest]) -> list[str]:
        return generate_grouped(requests, self.batch_size, self._generate_batch)

    def _generate_batch(self, requests: list[GenerationRequest], max_new: int) -> list[str]:
        import torch

        inputs = self._inputs(requests)
        with torch.inference_mode():
            out = self.model.generate(**inputs, **self._generate_kwargs(max_new))
        new = out[:, inputs["input_ids"].shape[1] :]
        return [text.strip() for text in self.tokenizer.batch_decode(new, skip_special_tokens=True)]

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        yield from lstrip_stream(self._stream(request))

    def _stream(self, request: GenerationRequest) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        inputs = self._inputs([request])
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with torch.inference_mode():
                    self.model.generate(
                        **inputs, streamer=streamer, **self._generate_kwargs(request.max_new_tokens)
                    )
            except BaseException as exc:  # re-raised in the caller's thread
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        yield from streamer
        thread.join()
        if errors:
            raise errors[0]


def image_size(image: ImageSource) -> tuple[int, int]:
    """Width and height of an image as it will be shown (EXIF orientation applied), read
    from the file's header where it is a file or bytes: nothing is decoded."""
    import io
    from pathlib import Path

    import numpy as np
    from PIL import Image

    from ocr_expert.image_io import ImageHandle, LoadedImage

    if isinstance(image, ImageHandle):  # its pixels where decoded already, else its source
        image = image.load() if image.decoded else image.source
    if isinstance(image, LoadedImage):  # orientation applied already
        return image.image.size
    if isinstance(image, np.ndarray):
        return int(image.shape[1]), int(image.shape[0])
    if isinstance(image, Image.Image):
        return _shown_size(image)
    if not isinstance(image, (str, Path, bytes, bytearray)):
        raise TypeError(f"not an image source: {type(image).__name__}")
    try:
        with Image.open(
            io.BytesIO(image) if isinstance(image, (bytes, bytearray)) else Path(image)
        ) as opened:
            return _shown_size(opened)
    except OSError:  # not an image file Pillow opens (a PDF): as the model will get it
        from ocr_expert.image_io import load_image

        return load_image(image).image.size


def _shown_size(image: Any) -> tuple[int, int]:
    width, height = image.size
    # orientations 5 to 8 turn the picture a quarter: width and height swap
    if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
        width, height = height, width
    return width, height


__all__ = ["HFBackend", "HFOptions", "chat_messages", "image_size", "load_processor", "render_chat"]
