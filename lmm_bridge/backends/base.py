"""The interface every model backend implements, and the constructor they share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lmm_bridge.messages import GenerationRequest
from lmm_bridge.sanitize import PIPE_TOKEN_PATTERN
from ocr_expert.image_io import ImageSource
from ocrvqa.devices import resolve_device
from ocrvqa.errors import OcrvqaError
from ocrvqa.hf import load_pretrained
from ocrvqa.validation import error_lines


class BackendError(OcrvqaError, ValueError):
    """A backend cannot be found, chosen or set up; the message names the backend or model."""


class SomeRequestsFailed(OcrvqaError, RuntimeError):
    """Some requests of a ``generate`` call failed for good, each alone (a server that gave
    up on one request): the answers of the others, and why each failed one did."""

    def __init__(self, answers: list[str | None], errors: list[str | None]) -> None:
        failed = [e for e in errors if e]
        super().__init__(
            f"{len(failed)} of {len(errors)} requests failed; first: {failed[0] if failed else '-'}"
        )
        self.answers, self.errors = answers, errors


class BackendOptions(BaseModel):
    """The options a backend takes besides model, device and dtype. A backend declares its
    own as a subclass (``Backend.options_model``); unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: requests per generate call (the evaluation passes its batch size to every backend)
    batch_size: int = Field(default=8, ge=1)
    #: tokens the model takes in all (prompt, image and answer); None: read off the model
    context_window: int | None = Field(default=None, gt=0)


class PretrainedOptions(BackendOptions):
    """Options of a backend that loads a checkpoint with ``from_pretrained``."""

    model_config = ConfigDict(protected_namespaces=())

    revision: str | None = None
    #: keyword arguments for the model's ``from_pretrained`` (``attn_implementation``,
    #: ``device_map="auto"`` across GPUs, ...); they win over the backend's own
    model_options: dict[str, Any] = Field(default_factory=dict)


def require_model(model: str | None, backend: str) -> str:
    """``model``, checked: a backend that loads weights cannot start without one (else
    ``from_pretrained(None)`` fails later with a misleading hub or network error)."""
    if not model:
        raise BackendError(f"the {backend!r} backend needs a model: a hub id or a local folder")
    return model


class Backend(ABC):
    """A vision-language model behind one small interface.

    Subclasses register with ``@register_backend("name")``; ``model_types`` lists the
    ``config.json`` ``model_type`` values for which the backend is picked automatically.
    Options besides model, device and dtype are checked against ``options_model`` once,
    here, and kept as ``self.options``.
    """

    name: ClassVar[str] = ""
    model_types: ClassVar[tuple[str, ...]] = ()
    #: native form of the ``boxes`` format: "qwen-vl" (<ref>/<box> tags) or "plain"
    box_style: str = "plain"
    #: what this backend's options are
    options_model: ClassVar[type[BackendOptions]] = BackendOptions
    #: the prompt profile (``lmm_bridge.profiles``) this family was evaluated with
    prompt_profile: str = "short-answer"
    #: the model runs elsewhere (a server): ``model`` is its name there, no weights load here
    remote: ClassVar[bool] = False

    def __init__(
        self, model: str | None, device: str | None = None, dtype: Any = None, **options: Any
    ) -> None:
        self.model_name = model
        try:
            self.options: Any = self.options_model(**options)
        except ValidationError as exc:
            raise BackendError(
                f"{self.name or type(self).__name__} backend options: "
                + "; ".join(error_lines(exc))
            ) from None
        self.batch_size = self.options.batch_size

    def prepare_image(self, image: ImageSource) -> ImageSource:
        """The image as this backend takes it, made once per prompt: as given by default
        (a backend that needs a file writes one here)."""
        return image

    @abstractmethod
    def generate(self, requests: list[GenerationRequest]) -> list[str]:
        """Greedy answers, one per request, in order (batched as the backend can)."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes with the model's own tokenizer."""

    @property
    def context_window(self) -> int | None:
        """Tokens the model takes in all, prompt and answer: the ``context_window`` option,
        else what the model says (``model_window``); None when unknown (no limit)."""
        return self.options.context_window or self.model_window()

    def model_window(self) -> int | None:
        """The window the loaded model was built for; None when the backend cannot tell."""
        return None

    def prompt_tokens(self, request: GenerationRequest) -> int:
        """Tokens of the model input for ``request``, image tokens included. By default the
        rendered prompt counted as text (right where the tokenizer expands the image)."""
        return self.count_tokens(self.render_prompt(request))

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        """``count_tokens`` of each text; backends with a batching tokenizer count them
        in one call."""
        return [self.count_tokens(t) for t in texts]

    @property
    def control_strings(self) -> list[str]:
        """Strings the sanitizer must neutralize in OCR text."""
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


class PretrainedBackend(Backend):
    """A backend that loads weights: the model is required, device and precision are
    resolved once (``ocrvqa.devices.resolve_device``), then ``load`` reads the tokenizer or
    processor and the weights, with ``from_pretrained`` keyword arguments from
    ``hub_kwargs``/``pretrained_kwargs``."""

    options_model: ClassVar[type[BackendOptions]] = PretrainedOptions

    def __init__(
        self, model: str | None, device: str | None = None, dtype: Any = None, **options: Any
    ) -> None:
        super().__init__(model, **options)
        self.model_path = require_model(model, self.name)
        self.device, self.dtype = resolve_device(device, dtype)
        self.load()

    @abstractmethod
    def load(self) -> None:
        """Load what the model runs with (called once by the constructor, after the options,
        the device and the precision are set)."""

    def load_model(self, load: Callable[..., Any], dtype: Any = None, **defaults: Any) -> Any:
        """The weights through ``load`` (a model class's ``from_pretrained``), in eval mode
        on the backend's device in ``dtype``, with ``pretrained_kwargs(**defaults)``."""
        return load_pretrained(
            load,
            self.model_path,
            device=self.device,
            dtype=dtype,
            **self.pretrained_kwargs(**defaults),
        )

    def hub_kwargs(self, **extra: Any) -> dict[str, Any]:
        """Keyword arguments of a tokenizer's or processor's ``from_pretrained``."""
        return {"revision": self.options.revision, **extra}

    def pretrained_kwargs(self, **defaults: Any) -> dict[str, Any]:
        """Keyword arguments of the model's ``from_pretrained``: the backend's ``defaults``
        (weights straight to the device, its precision), then the caller's
        ``model_options``, which win."""
        return {**self.hub_kwargs(**defaults), **self.options.model_options}


def length_groups(requests: list[GenerationRequest]) -> dict[int, list[int]]:
    """Indices of the requests sharing each length limit (benchmarks differ in answer
    length, one generate call has one limit), in order of first appearance."""
    by_length: dict[int, list[int]] = {}
    for i, r in enumerate(requests):
        by_length.setdefault(r.max_new_tokens, []).append(i)
    return by_length


def generate_grouped(
    requests: list[GenerationRequest],
    batch_size: int,
    generate: Callable[[list[GenerationRequest], int], Sequence[str]],
) -> list[str]:
    """Answers of ``generate(chunk, max_new_tokens)`` over chunks of at most ``batch_size``
    requests sharing a length limit, in the requests' order; a chunk that runs out of memory
    is tried again in halves (``ocrvqa.hf.run_batched``)."""
    from ocrvqa.hf import run_batched

    answers: list[str] = [""] * len(requests)
    for max_new, indices in length_groups(requests).items():

        def run(chunk: Sequence[GenerationRequest], n: int = max_new) -> list[str]:
            return list(generate(list(chunk), n))

        texts = run_batched([requests[i] for i in indices], batch_size, run)
        for i, text in zip(indices, texts):
            answers[i] = text
    return answers


def lstrip_stream(pieces: Iterator[str]) -> Iterator[str]:
    """Drop leading whitespace of a streamed answer, as non-streamed answers are stripped."""
    started = False
    for piece in pieces:
        if not started:
            piece = piece.lstrip()
            started = bool(piece)
        if piece:
            yield piece


__all__ = [
    "Backend",
    "BackendError",
    "BackendOptions",
    "GenerationRequest",
    "PretrainedBackend",
    "PretrainedOptions",
    "SomeRequestsFailed",
    "generate_grouped",
    "length_groups",
    "lstrip_stream",
    "require_model",
]
