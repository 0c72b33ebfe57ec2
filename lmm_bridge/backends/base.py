"""The interface every model backend implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from lmm_bridge.sanitize import PIPE_TOKEN_PATTERN


@dataclass(frozen=True)
class GenerationRequest:
    """One image and the text that follows it; the backend wraps it in its own template."""

    image_path: str
    text: str
    max_new_tokens: int = 32


class Backend(ABC):
    """A vision-language model behind one small interface.

    Subclasses register with ``@register_backend("name")``; ``model_types`` lists the
    ``config.json`` ``model_type`` values for which the backend is picked automatically.
    """

    name: ClassVar[str] = ""
    model_types: ClassVar[tuple[str, ...]] = ()
    #: native form of the ``boxes`` format: "qwen-vl" (<ref>/<box> tags) or "plain"
    box_style: ClassVar[str] = "plain"
    #: the prompt profile (``lmm_bridge.profiles``) this family was evaluated with
    prompt_profile: str = "short-answer"

    def __init__(self, model: str | None, device: str | None = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        self.model_name = model

    @abstractmethod
    def generate(self, requests: list[GenerationRequest]) -> list[str]:
        """Greedy answers, one per request, in order (batched as the backend can)."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes with the model's own tokenizer."""

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        """``count_tokens`` of each text; backends with a batching tokenizer count them
        in one call."""
        return [self.count_tokens(t) for t in texts]

    @property
    def control_strings(self) -> list[str]:
        """Strings the sanitiser must neutralise in OCR text."""
        return []

    @property
    def control_patterns(self) -> list[str]:
        """Regular expressions for families of control strings (``<|extra_N|>``)."""
        return [PIPE_TOKEN_PATTERN]

    def render_prompt(self, request: GenerationRequest) -> str:
        """The exact string the model is given for ``request`` (image as its placeholder)."""
        return request.text

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Pieces of the answer as they are generated; by default the whole answer at once."""
        yield self.generate([request])[0]

    def token_ids(self, text: str) -> list[int]:
        """Ids of ``text`` as the model's tokenizer encodes a prompt (for checks)."""
        raise NotImplementedError

    def control_token_ids(self) -> set[int]:
        """Ids of the control tokens (for checking that OCR text produced none)."""
        raise NotImplementedError


def batches(requests: list[GenerationRequest], batch_size: int) -> Iterator[tuple[int, list[int]]]:
    """``(max_new_tokens, indices)`` chunks of at most ``batch_size`` requests sharing a
    length limit (benchmarks differ in answer length, one generate call has one limit)."""
    by_length: dict[int, list[int]] = {}
    for i, r in enumerate(requests):
        by_length.setdefault(r.max_new_tokens, []).append(i)
    for max_new, indices in by_length.items():
        for start in range(0, len(indices), batch_size):
            yield max_new, indices[start:start + batch_size]


def lstrip_stream(pieces: Iterator[str]) -> Iterator[str]:
    """Drop leading whitespace of a streamed answer, as non-streamed answers are stripped."""
    started = False
    for piece in pieces:
        if not started:
            piece = piece.lstrip()
            started = bool(piece)
        if piece:
            yield piece


__all__ = ["Backend", "GenerationRequest", "batches", "lstrip_stream"]
