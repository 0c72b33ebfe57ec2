"""Qwen-VL-Chat through its own remote code (``trust_remote_code=True``).

Only the surface the released remote code documents is used: ``tokenizer(text)``,
``tokenizer.decode``, ``tokenizer.from_list_format``, ``model.generate``, ``model.chat``
and ``model.chat_stream``. Precision is chosen with the remote code's own ``bf16`` /
``fp16`` / ``fp32`` flags.

Two prompt modes:
  ``vqa``  the official evaluation prompt ``<img>{path}</img>{text} Answer:``, batched with
           left padding by the ``<|endoftext|>`` id, greedy.
  ``chat`` ChatML through ``model.chat`` with greedy settings passed explicitly (the model's
           own generation config samples with ``top_p``), one request at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lmm_bridge.backends import register_backend
from lmm_bridge.backends.base import Backend, GenerationRequest, batches, lstrip_stream
from lmm_bridge.backends.tokenizer_info import single_token_ids, tokenizer_control_strings
from lmm_bridge.devices import resolve_device
from lmm_bridge.image_files import MAX_PATH_BYTES
from lmm_bridge.sanitize import QWEN_VL_CONTROL_STRINGS

DEFAULT_SYSTEM = "You are a helpful assistant."
ENDOFTEXT, IM_START, IM_END = "<|endoftext|>", "<|im_start|>", "<|im_end|>"
#: greedy decoding, with the sampling knobs of the model's generation config switched off
GREEDY = {"do_sample": False, "num_beams": 1, "top_p": None, "top_k": None}


@register_backend("qwen-vl-chat")
class QwenVLChatBackend(Backend):
    model_types = ("qwen",)
    box_style = "qwen-vl"

    def __init__(self, model: str | None = "Qwen/Qwen-VL-Chat", device: str | None = None,
                 dtype: Any = None, mode: str = "vqa", system: str = DEFAULT_SYSTEM,
                 batch_size: int = 8, revision: str | None = None, **kwargs: Any) -> None:
        super().__init__(model)
        if mode not in ("vqa", "chat"):
            raise ValueError(f"qwen-vl-chat mode must be 'vqa' or 'chat', got {mode!r}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device, self.dtype = resolve_device(device, dtype)
        self.mode, self.system, self.batch_size = mode, system, batch_size
        precision = {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32"}
        if self.dtype not in precision:
            raise ValueError(f"Qwen-VL-Chat runs in bf16, fp16 or fp32, not {self.dtype}")
        common = {"trust_remote_code": True, "revision": revision}
        self.tokenizer = AutoTokenizer.from_pretrained(model, **common)
        self.model = AutoModelForCausalLM.from_pretrained(
            model, device_map=self.device, **{precision[self.dtype]: True}, **common, **kwargs
        ).eval()
        self.pad_id = self._id(ENDOFTEXT)
        # Stop on the ChatML end too: the chat model closes its turn with <|im_end|>.
        self.stop_ids = [self.pad_id] + [i for i in [self._id(IM_END)] if i is not None]

    # -- tokenizer facts -------------------------------------------------------------
    def _id(self, token: str) -> int | None:
        value = self.tokenizer.convert_tokens_to_ids(token)
        return None if value is None else int(value)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text)["input_ids"])

    def token_ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text)["input_ids"])

    @property
    def control_strings(self) -> list[str]:
        return sorted(set(QWEN_VL_CONTROL_STRINGS) | set(tokenizer_control_strings(self.tokenizer)))

    def control_token_ids(self) -> set[int]:
        return single_token_ids(self.tokenizer, self.control_strings)

    # -- prompts ---------------------------------------------------------------------
    def query(self, request: GenerationRequest) -> str:
        """What goes into the user turn (chat) or before `` Answer:`` (vqa)."""
        _check_path(request.image_path)
        if self.mode == "chat":
            return self.tokenizer.from_list_format([{"image": request.image_path},
                                                    {"text": request.text}])
        return f"<img>{request.image_path}</img>{request.text} Answer:"

    def render_prompt(self, request: GenerationRequest) -> str:
        query = self.query(request)
        if self.mode == "vqa":
            return query
        # The ChatML string model.chat builds from (system, query) with no history.
        return (f"{IM_START}system\n{self.system}{IM_END}\n"
                f"{IM_START}user\n{query}{IM_END}\n{IM_START}assistant\n")

    # -- generation ------------------------------------------------------------------
    def generate(self, requests: list[GenerationRequest]) -> list[str]:
        if self.mode == "chat":
            return [self._chat(r) for r in requests]
        answers = [""] * len(requests)
        for max_new, chunk in batches(requests, self.batch_size):
            for i, text in zip(chunk, self._vqa_batch([requests[i] for i in chunk], max_new)):
                answers[i] = text
        return answers

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
                max_new_tokens=max_new_tokens, min_new_tokens=1, length_penalty=1,
                num_return_sequences=1, use_cache=True,
                pad_token_id=self.pad_id, eos_token_id=self.stop_ids, **GREEDY,
            )
        return [self.tokenizer.decode(row[width:].tolist(), skip_special_tokens=True).strip()
                for row in out]

    def _chat(self, request: GenerationRequest) -> str:
        import torch

        with torch.inference_mode():
            response, _ = self.model.chat(self.tokenizer, self.query(request), history=None,
                                          system=self.system,
                                          max_new_tokens=request.max_new_tokens, **GREEDY)
        return response.strip()

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """New text as ``chat_stream`` produces it (it yields the answer so far each step)."""
        if self.mode != "chat":
            yield from super().stream(request)
            return
        yield from lstrip_stream(self._chat_stream(request))

    def _chat_stream(self, request: GenerationRequest) -> Iterator[str]:
        import torch

        shown = ""
        with torch.inference_mode():
            for so_far in self.model.chat_stream(self.tokenizer, self.query(request), history=None,
                                                 system=self.system,
                                                 max_new_tokens=request.max_new_tokens, **GREEDY):
                if so_far.startswith(shown):
                    piece, shown = so_far[len(shown):], so_far
                    yield piece


def _check_path(path: str) -> None:
    if len(path.encode("utf-8")) > MAX_PATH_BYTES:
        raise ValueError(f"image path is over {MAX_PATH_BYTES} bytes, which Qwen-VL refuses: {path}")
    if any(c in path for c in "<>\n"):
        raise ValueError(f"image path holds characters that would break the <img> tag: {path!r}")


__all__ = ["DEFAULT_SYSTEM", "QwenVLChatBackend"]
