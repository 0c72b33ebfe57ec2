"""Running a transformers model the one way every backend and OCR engine runs it: where the
weights go, how a model decodes, what a chat model's processor must have, and what happens
when a batch does not fit in memory. torch, transformers and accelerate are imported only
when asked.

- Weights load straight onto the resolved device (``device_map``, never through host memory
  first); a caller's own ``device_map`` (``"auto"`` across GPUs) wins.
- Decoding is greedy, with the sampling knobs a model's generation config may set
  (``top_p``, ``top_k``, ``temperature``) switched off: answers and transcriptions are
  reproducible.
- A batch that runs out of accelerator memory is retried in halves
  (``accelerate.utils.find_executable_batch_size``), keeping what already ran.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: greedy decoding, the sampling settings of the model's generation config switched off
GREEDY: Mapping[str, Any] = MappingProxyType(
    {"do_sample": False, "num_beams": 1, "top_p": None, "top_k": None, "temperature": None}
)


def greedy(max_new_tokens: int, **extra: Any) -> dict[str, Any]:
    """``generate`` keyword arguments: :data:`GREEDY` for ``max_new_tokens`` at most, then
    ``extra`` (end tokens, padding, a beam width where an engine offers one), which win."""
    return {"max_new_tokens": max_new_tokens, **GREEDY, **extra}


def load_pretrained(
    load: Callable[..., Any], name: str, *, device: str, dtype: Any = None, **kwargs: Any
) -> Any:
    """``load(name, ...)`` (a model class's ``from_pretrained``) in eval mode, its weights
    placed straight on ``device`` in ``dtype`` (a torch dtype or its name; None: the
    loader's default). ``kwargs`` go to the loader and win, ``device_map`` included."""
    if isinstance(dtype, str):
        import torch

        dtype = getattr(torch, dtype)
    placement: dict[str, Any] = {"device_map": device}
    if dtype is not None:
        placement["torch_dtype"] = dtype
    return load(name, **{**placement, **kwargs}).eval()


def chat_tokenizer(processor: Any, error: Callable[[str], Exception], what: str) -> Any:
    """The tokenizer of a processor that renders chat prompts; ``error`` (a message naming
    ``what``, the model) when the processor lacks a tokenizer or a chat template."""
    tokenizer = getattr(processor, "tokenizer", None)
    if tokenizer is None or not getattr(processor, "chat_template", None):
        raise error(f"{what}: its processor needs a tokenizer and a chat template")
    return tokenizer


def run_batched(
    items: Sequence[T], batch_size: int, run: Callable[[Sequence[T]], Sequence[R]]
) -> list[R]:
    """``run`` over ``items`` ``batch_size`` at a time, the results in order.

    A batch that runs out of memory (an error ``accelerate`` recognizes as such) frees the
    accelerator's cache and is tried again at half the size, down to one item; the batches
    that ran are kept. An item that does not fit alone raises its out-of-memory error.
    """
    from accelerate.utils import find_executable_batch_size
    from accelerate.utils.memory import should_reduce_batch_size

    done: list[R] = []
    failure: list[BaseException] = []

    def through(size: int) -> None:
        while len(done) < len(items):
            start = len(done)
            try:
                done.extend(run(items[start : start + size]))
            except Exception as exc:
                failure[:] = [exc]
                raise

    try:
        through(batch_size)
        return done
    except Exception as exc:
        if not should_reduce_batch_size(exc) or batch_size == 1:
            raise
    size = batch_size

    def halve() -> int:
        nonlocal size
        size //= 2
        return size

    try:
        find_executable_batch_size(
            through, starting_batch_size=halve(), reduce_batch_size_fn=halve
        )()
    except RuntimeError:
        if size == 0 and failure:  # accelerate's "reached zero": the memory error says more
            raise failure[0] from None
        raise
    return done


def free_memory(*objects: Any) -> None:
    """Drop ``objects`` and hand the accelerator's cached memory back
    (``accelerate.utils.release_memory``)."""
    from accelerate.utils import release_memory

    release_memory(*objects)


__all__ = [
    "GREEDY",
    "chat_tokenizer",
    "free_memory",
    "greedy",
    "load_pretrained",
    "run_batched",
]
