"""Choosing device and precision from what the machine has: one resolver for OCR engines and
model backends alike (torch is imported only when asked)."""

from __future__ import annotations

import warnings
from typing import Any

_DTYPES = {
    "bf16": "bfloat16",
    "bfloat16": "bfloat16",
    "fp16": "float16",
    "float16": "float16",
    "half": "float16",
    "fp32": "float32",
    "float32": "float32",
    "float": "float32",
}


def resolve_device(
    device: str | None = None, dtype: Any = None, *, gpu_dtype: str | None = None
) -> tuple[str, Any]:
    """``(device, torch dtype)``: CUDA with bf16 (fp16 where bf16 is unsupported) when a
    GPU is present, else CPU with fp32. Explicit values are checked, not second-guessed.

    ``gpu_dtype``: the dtype a model prefers on a GPU when none is asked for (fp16 for
    models trained in it); CPU stays fp32 whatever it says.
    """
    import torch

    if device is None or device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        check_device(str(device))
    if dtype is None or dtype == "auto":
        if str(device).startswith("cuda") and gpu_dtype is not None:
            dtype = getattr(torch, _DTYPES[gpu_dtype])
        elif str(device).startswith("cuda"):
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        else:
            dtype = torch.float32
    elif isinstance(dtype, str):
        if dtype not in _DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}: use one of {', '.join(sorted(_DTYPES))}")
        dtype = getattr(torch, _DTYPES[dtype])
    if str(device) == "cpu" and dtype == torch.float16:
        warnings.warn(
            "float16 on CPU is slow and some layers (convolutions) may not run; "
            "float32 is the usual choice there",
            stacklevel=2,
        )
    return str(device), dtype


def check_device(device: str) -> None:
    """Refuse a device this machine does not have, in one line that says what to use
    (``auto``, whatever the machine has, is always fine)."""
    if device == "auto":
        return
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(
            f"unknown device {device!r} ({exc}): use cpu, cuda, cuda:N or auto"
        ) from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            why = (
                "this PyTorch is built without CUDA"
                if torch.version.cuda is None
                else "no GPU is visible"
            )
            raise ValueError(
                f"device {device!r} asked for, but {why}: use device=cpu, or leave the device out"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {device!r}: this machine has {torch.cuda.device_count()} GPU(s)"
            )


__all__ = ["check_device", "resolve_device"]
