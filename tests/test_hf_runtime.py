"""How every transformers backend and generative OCR engine runs its model (``ocrvqa.hf``)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import pytest
import torch

from ocrvqa import hf
from ocrvqa.hf import GREEDY, greedy, run_batched


class FlakyRun:
    """Runs out of CUDA memory on any batch larger than ``fits``, as torch reports it."""

    def __init__(self, fits: int) -> None:
        self.fits = fits
        self.sizes: list[int] = []

    def __call__(self, batch: Sequence[int]) -> list[int]:
        self.sizes.append(len(batch))
        if len(batch) > self.fits:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [x * 10 for x in batch]


def test_out_of_memory_retries_with_a_smaller_batch() -> None:
    run = FlakyRun(fits=2)
    assert run_batched(list(range(7)), 8, run) == [x * 10 for x in range(7)]
    # the first call fails at 8; halves until it fits, then keeps that size
    assert run.sizes == [7, 4, 2, 2, 2, 1]


def test_batches_that_ran_are_kept() -> None:
    calls: list[list[int]] = []

    def run(batch: Sequence[int]) -> list[int]:
        calls.append(list(batch))
        if len(calls) == 2:  # the second batch runs out of memory once
            raise torch.cuda.OutOfMemoryError("CUDA out of memory.")
        return list(batch)

    assert run_batched(list(range(6)), 3, run) == list(range(6))
    assert calls == [[0, 1, 2], [3, 4, 5], [3], [4], [5]]


def test_an_item_that_never_fits_raises_its_memory_error() -> None:
    with pytest.raises(torch.cuda.OutOfMemoryError, match="out of memory"):
        run_batched([1, 2], 2, FlakyRun(fits=0))


def test_other_errors_are_not_retried() -> None:
    sizes: list[int] = []

    def run(batch: Sequence[int]) -> list[int]:
        sizes.append(len(batch))
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        run_batched([1, 2, 3, 4], 4, run)
    assert sizes == [4]


@pytest.mark.parametrize(
    "module",
    [
        "lmm_bridge.backends.hf",
        "lmm_bridge.backends.qwen_vl_chat",
        "ocr_expert.engines.generative",
        "ocr_expert.engines.vision_encoder_decoder",
    ],
)
def test_backends_and_engines_decode_with_the_same_greedy_settings(module: str) -> None:
    assert importlib.import_module(module).greedy is hf.greedy


def test_greedy_settings_switch_sampling_off_and_let_callers_add() -> None:
    from lmm_bridge.backends.hf import HFBackend

    backend = object.__new__(HFBackend)
    backend.pad_id = 0
    kwargs = backend._generate_kwargs(5)
    assert kwargs == {"max_new_tokens": 5, **GREEDY, "pad_token_id": 0}
    assert GREEDY["do_sample"] is False and GREEDY["num_beams"] == 1
    assert greedy(3, num_beams=4)["num_beams"] == 4  # an engine's beam option wins


def test_load_pretrained_places_weights_on_the_device_and_lets_the_caller_override() -> None:
    seen: dict[str, object] = {}

    class Model:
        def eval(self) -> Model:
            seen["eval"] = True
            return self

    def load(name: str, **kwargs: object) -> Model:
        seen.update(name=name, **kwargs)
        return Model()

    hf.load_pretrained(load, "m", device="cpu", dtype="float32")
    assert seen == {"name": "m", "device_map": "cpu", "torch_dtype": torch.float32, "eval": True}
    seen.clear()
    hf.load_pretrained(load, "m", device="cuda", device_map="auto")
    assert seen["device_map"] == "auto" and "torch_dtype" not in seen
