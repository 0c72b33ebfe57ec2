"""Loading and fingerprinting transformers models, shared by the engines that run one.

The vision-encoder-decoder, GOT-OCR2 and VLM engines (and ``lmm_bridge``'s ``hf`` backend,
which imports downward) name their model the same way, resolve the device the same way and
word a failed load the same way; the end-of-text bookkeeping of their generation is here too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator

from ocr_expert.engines.base import OCREngineError
from ocrvqa.hf import load_pretrained

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")

#: a model given as a path is kept as text
PathText = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, Path) else v)]


def model_identity(
    model: str, revision: str | None = None, key_file: str = "config.json", *, engine: str
) -> dict[str, Any]:
    """What identifies a model's weights (or a processor's files), for the cache key,
    without loading them.

    A local folder: its path, a hash of its JSON configuration files and each weight file's
    size and modification time. A Hub id: the commit its files resolve to. ``key_file`` is
    the file that must be there (``preprocessor_config.json`` for a processor).
    """
    what = "model" if key_file == "config.json" else "image processor and tokenizer"
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / key_file).is_file():
            raise OCREngineError(
                f"{what} folder {model!r} has no {key_file}: it is not a saved transformers {what}"
            )
        configs = hashlib.sha256()
        for name in sorted(p.name for p in path.glob("*.json")):
            configs.update(name.encode() + b"\0" + (path / name).read_bytes())
        weights = [
            {"file": p.name, "size": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns}
            for p in sorted(path.iterdir())
            if p.suffix in _WEIGHT_SUFFIXES
        ]
        return {
            "path": str(path.resolve()),
            "configs_sha256": configs.hexdigest(),
            "weights": weights,
        }
    try:
        from huggingface_hub import hf_hub_download

        config_file = hf_hub_download(model, key_file, revision=revision)
    except Exception as exc:  # network, missing repo, bad id, offline without a cached copy
        raise OCREngineError(cannot_load(model, what, exc, engine)) from exc
    # The Hub cache keeps files under snapshots/<commit>/, so the folder name is the commit.
    return {
        "hub_id": model,
        "revision": revision or "main",
        "commit": Path(config_file).parent.name,
    }


def load_model(
    load: Callable[..., Any],
    model: str,
    what: str,
    *,
    engine: str,
    device: str,
    dtype: str,
    **hub: Any,
) -> Any:
    """``ocrvqa.hf.load_pretrained(load, model, ...)`` (``hub``: the revision), a failure
    raised as an ``OCREngineError`` worded by :func:`cannot_load` for the ``what`` it is."""
    try:
        return load_pretrained(load, model, device=device, dtype=dtype, **hub)
    except Exception as exc:  # transformers raises OSError, ValueError, KeyError, ...
        raise OCREngineError(cannot_load(model, what, exc, engine)) from exc


def cannot_load(model: str, what: str, exc: Exception, engine: str) -> str:
    """The message for a model (or its processor) that failed to load, naming the engine."""
    detail = " ".join(str(exc).split()).rstrip(".")  # one line, whatever the library wrote
    return (
        f"cannot load the {what} {model!r} for the {engine} engine: "
        f"{type(exc).__name__}: {detail}. Weights are downloaded from the "
        "Hugging Face Hub on first use (this needs network access once); a local folder "
        "holding config.json, the weights and the processor files can be given as model= instead."
    )


def torch_device(
    device: str | None, dtype: str | None, gpu_dtype: str | None = None
) -> tuple[str, str]:
    """(device, dtype name) from ``ocrvqa.devices.resolve_device``: the GPU when there is one,
    ``gpu_dtype`` there by default (bf16 where supported, else fp16), float32 on CPU."""
    from ocrvqa.devices import resolve_device

    try:
        resolved, torch_dtype = resolve_device(device, dtype, gpu_dtype=gpu_dtype)
    except ValueError as exc:
        raise OCREngineError(str(exc)) from None
    return resolved, str(torch_dtype).removeprefix("torch.")


def end_token_ids(generation_config: Any) -> set[int]:
    """The end-of-text token ids a generation config names (one id, a list, or none)."""
    eos = generation_config.eos_token_id
    return set(eos if isinstance(eos, list) else [] if eos is None else [eos])


def mean_until_end(probs: Any, tokens: Sequence[int], eos_ids: set[int]) -> float:
    """Mean of a sequence's token probabilities up to and including its first end token
    (all of them when it has none); 0.0 for an empty sequence."""
    length = next((i + 1 for i, t in enumerate(tokens) if t in eos_ids), len(tokens))
    length = min(length, probs.shape[0])
    return float(probs[:length].mean()) if length else 0.0


def load_processor(model: str, **kwargs: Any) -> Any:
    """``AutoProcessor.from_pretrained``; where that fails only because the video processor
    needs torchvision (CPU machines often lack it), the same processor class without its
    video part, which image questions never use."""
    from transformers import AutoConfig, AutoProcessor

    try:
        return AutoProcessor.from_pretrained(model, **kwargs)
    except ImportError as exc:
        if "torchvision" not in str(exc).lower():
            raise
        from transformers.models.auto.processing_auto import (
            PROCESSOR_MAPPING_NAMES,
            processor_class_from_name,
        )

        model_type = AutoConfig.from_pretrained(model, revision=kwargs.get("revision")).model_type
        name = PROCESSOR_MAPPING_NAMES.get(model_type)
        cls = processor_class_from_name(name) if name else None
        if cls is None or "video_processor" not in getattr(cls, "attributes", []):
            raise
        # A class made at run time: its from_pretrained is the processor class's own.
        images_only: Any = type(
            cls.__name__,
            (cls,),
            {"attributes": [a for a in cls.attributes if a != "video_processor"]},
        )
        return images_only.from_pretrained(model, **kwargs)


__all__ = [
    "PathText",
    "cannot_load",
    "end_token_ids",
    "load_processor",
    "mean_until_end",
    "model_identity",
    "torch_device",
]
