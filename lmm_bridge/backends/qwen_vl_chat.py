"""Qwen-VL-Chat through its own remote code (``trust_remote_code=True``).

Only the surface the released remote code documents is used: ``tokenizer(text)``,
``tokenizer.tokenize``, ``tokenizer.convert_tokens_to_ids``, ``tokenizer.decode``,
``tokenizer.from_list_format``, ``model.generate`` and ``model.chat``. Precision is chosen
with the remote code's own ``bf16`` / ``fp16`` / ``fp32`` flags.

Two prompt modes:
  ``vqa``  the official evaluation prompt ``<img>{path}</img>{text} Answer:``, batched with
           left padding by the ``<|endoftext|>`` id, greedy, the answer decoded after the
           input length (as ``eval_mm/evaluate_vqa.py`` does). Generation also stops on
           ``<|im_end|>``, which the chat model may close an answer with.
  ``chat`` ChatML through ``model.chat`` with greedy settings passed explicitly (the model's
           own generation config samples with ``top_p``), one request at a time.

The model opens its images itself, by the path in ``<img>...</img>``: ``prepare_image``
gives each image a path it can read back (``lmm_bridge.image_files``), writing a file
where the image is not one already.

What the released code does that shapes this module:
  - ``model.chat_stream`` goes through ``transformers_stream_generator``, which does not
    fit the transformers versions this package supports (and, where it runs, always
    samples). Streaming therefore passes a streamer to ``model.chat`` instead: the same
    prompt, stop words and greedy settings, token by token.
  - ``model.chat`` drops the last generated token when an answer reaches
    ``max_new_tokens`` without closing its turn; the generated ids are collected through
    the streamer and decoded here, so answers keep every token and equal the stream.
  - the tokenizer raises on an ``<img>`` without ``</img>``, when encoding and decoding:
    control ids are removed before decoding generated ids, and control ids are looked up
    with ``convert_tokens_to_ids`` rather than by encoding the bare tags.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from lmm_bridge.backends import register_backend
from lmm_bridge.backends.base import (
    BackendError,
    PretrainedBackend,
    PretrainedOptions,
    generate_grouped,
    lstrip_stream,
)
from lmm_bridge.backends.tokenizer_info import tokenizer_control_strings, window_length
from lmm_bridge.image_files import image_path_for
from lmm_bridge.messages import GenerationRequest, ImagePart
from lmm_bridge.sanitize import QWEN_VL_CONTROL_STRINGS
from ocr_expert.image_io import ImageSource
from ocrvqa.hf import greedy

DEFAULT_SYSTEM = "You are a helpful assistant."
ENDOFTEXT, IM_START, IM_END = "<|endoftext|>", "<|im_start|>", "<|im_end|>"


class QwenVLChatOptions(PretrainedOptions):
    """Options of the ``qwen-vl-chat`` backend."""

    mode: Literal["vqa", "chat"] = "vqa"
    system: str = DEFAULT_SYSTEM
    #: where images that cannot be given as they are get written (``lmm_bridge.image_files``)
    image_dir: Path | None = None


@register_backend("qwen-vl-chat")
class QwenVLChatBackend(PretrainedBackend):
    model_types = ("qwen",)
    box_style = "qwen-vl"
    options_model = QwenVLChatOptions

    def load(self) -> None:
        """The tokenizer and the weights, as ``QwenVLChatOptions`` say."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        opts: QwenVLChatOptions = self.options
        self.mode, self.system, self.image_dir = opts.mode, opts.system, opts.image_dir
        # vqa mode is eval_mm's prompt, to which the official numbers belong: nothing added
        self.prompt_profile = "qwen-vl-vqa" if self.mode == "vqa" else "short-answer"
        precision = {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32"}
        if self.dtype not in precision:
            raise BackendError(f"Qwen-VL-Chat runs in bf16, fp16 or fp32, not {self.dtype}")
        self.tokenizer = AutoTokenizer.from_pretrained(
            self.model_path, **self.hub_kwargs(trust_remote_code=True)
        )
        # precision goes through the remote code's own flags, not torch_dtype
        self.model = self.load_model(
            AutoModelForCausalLM.from_pretrained,
            trust_remote_code=True,
            **{precision[self.dtype]: True},
        )
        self.pad_id = self._id(ENDOFTEXT)
        if self.pad_id is None:
            raise BackendError(f"model {self.model_path}: its tokenizer has no {ENDOFTEXT} token")
        # Stop on the ChatML end too: the chat model closes its turn with <|im_end|>.
        self.stop_ids = [self.pad_id] + [i for i in [self._id(IM_END)] if i is not None]
        # model.chat ends the answer at the first ChatML tag it generates.
        self.chat_stop_ids = {i for i in (self._id(IM_START), self._id(IM_END)) if i is not None}
        self._control_ids = self.control_token_ids()

    # -- tokenizer facts -------------------------------------------------------------
    def _id(self, token: str) -> int | None:
        value = self.tokenizer.convert_tokens_to_ids(token)
        return None if value is None else int(value)

    def count_tokens(self, text: str) -> int:
        # tokenize() gives one token per id, without building a model input around them;
        # an <img>path</img> counts as the 256 image tokens and two tags it becomes.
        return len(self.tokenizer.tokenize(text))

    def model_window(self) -> int | None:
        # seq_length: the length it was trained at (2048), below its position table (8192)
        return window_length(
            self.model.config, self.tokenizer, ("seq_length", "max_position_embeddings")
        )

    def token_ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text)["input_ids"])

    @property
    def control_strings(self) -> list[str]:
        return sorted(set(QWEN_VL_CONTROL_STRINGS) | set(tokenizer_control_strings(self.tokenizer)))

    def control_token_ids(self) -> set[int]:
        # Not by encoding each string: the tokenizer raises on a bare "<img>".
        ids = (self._id(s) for s in self.control_strings)
        return {i for i in ids if i is not None}

    def decode(self, ids: list[int]) -> str:
        """Text of generated ids, control tokens left out (as ``skip_special_tokens``
        does, but without the tokenizer's image-tag pass, which raises on a lone
        ``<img>``)."""
        kept = [i for i in ids if i not in self._control_ids]
        return self.tokenizer.decode(kept, skip_special_tokens=True, errors="replace")

    # -- prompts ---------------------------------------------------------------------
    def prepare_image(self, image: ImageSource) -> str:
        """A path the model can open itself (see ``lmm_bridge.image_files``)."""
        return image_path_for(image, self.image_dir)

    def query(self, request: GenerationRequest) -> str:
        """What goes into the user turn (chat) or before `` Answer:`` (vqa)."""
        # a path prepare_image gave comes back unchanged (a cached check, no decoding)
        parts = [
            {"image": self.prepare_image(p.image)} if isinstance(p, ImagePart) else {"text": p.text}
            for p in request.message
        ]
        if self.mode == "chat":
            return self.tokenizer.from_list_format(parts)
        # eval_mm's "<img>{}</img>{} Answer:", its parts in order
        return (
            "".join(f"<img>{p['image']}</img>" if "image" in p else p["text"] for p in parts)
            + " Answer:"
        )

    def render_prompt(self, request: GenerationRequest) -> str:
        query = self.query(request)
        if self.mode == "vqa":
            return query
        # The ChatML string model.chat builds from (system, query) with no history.
        return (
            f"{IM_START}system\n{self.system}{IM_END}\n"
            f"{IM_START}user\n{query}{IM_END}\n{IM_START}assistant\n"
        )

    # -- generation ------------------------------------------------------------------
    def generate(self, requests: list[GenerationRequest]) -> list[str]:
        if self.mode == "chat":
            return [self._chat(r) for r in requests]
        return generate_grouped(requests, self.batch_size, self._vqa_batch)

    def _vqa_batch(self, requests: list[GenerationRequest], max_new_tokens: int) -> list[str]:
        import torch

        encoded = [self.token_ids(self.query(r)) for r in requests]
        width = max(len(ids) for ids in encoded)
        input_ids = torch.tensor([[self.pad_id] * (width - len(ids)) + ids for ids in encoded])
        attention = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in encoded])
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=input_ids.to(self.model.device),
                attention_mask=attention.to(self.model.device),
                **greedy(
                    max_new_tokens,
                    min_new_tokens=1,
                    length_penalty=1,
                    num_return_sequences=1,
                    use_cache=True,
                    pad_token_id=self.pad_id,
                    eos_token_id=self.stop_ids,
                ),
            )
        return [self.decode(row[width:].tolist()).strip() for row in out]

    def _run_chat(self, request: GenerationRequest, streamer: _IdStreamer) -> None:
        import torch

        with torch.inference_mode():
            self.model.chat(
                self.tokenizer,
                self.query(request),
                history=None,
                system=self.system,
                streamer=streamer,
                **greedy(request.max_new_tokens),
            )

    def _chat_text(self, ids: list[int]) -> str:
        """The answer in generated ids: up to the first ChatML tag, as ``model.chat`` cuts it."""
        end = next((k for k, i in enumerate(ids) if i in self.chat_stop_ids), len(ids))
        return self.decode(ids[:end])

    def _chat(self, request: GenerationRequest) -> str:
        streamer = _IdStreamer()
        self._run_chat(request, streamer)
        return self._chat_text(streamer.ids).strip()

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """New text as ``model.chat`` generates it (vqa mode: the whole answer at once)."""
        if self.mode != "chat":
            yield from super().stream(request)
            return
        yield from lstrip_stream(self._chat_stream(request))

    def _chat_stream(self, request: GenerationRequest) -> Iterator[str]:
        streamer = _IdStreamer(queue.Queue())
        errors: list[BaseException] = []

        def run() -> None:
            try:
                self._run_chat(request, streamer)
            except BaseException as exc:  # re-raised in the caller's thread
                errors.append(exc)
            finally:
                streamer.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        shown = ""
        for ids in streamer:
            text = self._chat_text(ids)
            # A character split across tokens decodes as U+FFFD until its last byte comes.
            if text.startswith(shown) and not text.endswith("\ufffd"):
                yield text[len(shown) :]
                shown = text
        thread.join()
        if errors:
            raise errors[0]
        text = self._chat_text(streamer.ids)
        if text.startswith(shown):
            yield text[len(shown) :]


class _IdStreamer:
    """A ``generate`` streamer that keeps the generated ids (the prompt, which
    ``generate`` puts first, is skipped) and, given a queue, hands over the ids so far
    after each step for another thread to read by iterating."""

    def __init__(self, channel: queue.Queue[list[int] | None] | None = None) -> None:
        self.ids: list[int] = []
        self._prompt_seen = False
        self._channel = channel

    def put(self, value: Any) -> None:
        if not self._prompt_seen:
            self._prompt_seen = True
            return
        self.ids.extend(int(v) for v in value.reshape(-1).tolist())
        if self._channel is not None:
            self._channel.put(list(self.ids))

    def end(self) -> None:
        """Called by ``generate`` when done; the reader stops at ``close``."""

    def close(self) -> None:
        if self._channel is not None:
            self._channel.put(None)

    def __iter__(self) -> Iterator[list[int]]:
        assert self._channel is not None, "iterate only a streamer built with a queue"
        while (ids := self._channel.get()) is not None:
            yield ids


__all__ = ["DEFAULT_SYSTEM", "QwenVLChatBackend", "QwenVLChatOptions"]
