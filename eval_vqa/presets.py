"""Model presets: a model name a run config may use that stands for more than a checkpoint.

A preset says how its model is built (locally, with no download), which recipe version the
build is, which backend runs it and how long its answers may be. The bundled smoke model
(``tiny-random-llava``, :mod:`eval_vqa.tiny_model`) is one; the runner and the config
checks look a model name up here instead of knowing any preset by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ocrvqa.files import cache_dir
from ocrvqa.registry import Registry


@dataclass(frozen=True)
class ModelPreset:
    """A model built here rather than downloaded, and how runs treat it."""

    name: str
    #: writes the model (weights, processor) into the folder it is given
    build: Callable[[Path], object]
    #: recipe version: bumped whenever the recipe changes what the model answers; a run
    #: records it, and a folder built by another version is rebuilt
    build_version: int
    #: the backend that runs it
    backend: str = "hf"
    #: answer length at most, unless a config sets one (None: the benchmark's)
    max_new_tokens: int | None = None


#: Presets by model name; each is imported from its module on first use.
MODEL_PRESETS: Registry[ModelPreset] = Registry(
    "model preset", lazy={"tiny-random-llava": "eval_vqa.tiny_model:TINY_LLAVA"}
)


def preset_of(model: str | None) -> ModelPreset | None:
    """The preset called ``model``; None for any other model name."""
    return MODEL_PRESETS.get(model, None) if isinstance(model, str) else None


def models_dir() -> Path:
    """Where built models are kept (``$OCRVQA_MODELS``, else the cache folder's ``models``)."""
    return cache_dir("models", "OCRVQA_MODELS")


def resolve_model(model: str) -> str:
    """A preset's folder (built if missing or built by another recipe version); any other
    model name is returned as it is."""
    preset = preset_of(model)
    if preset is None:
        return model
    folder = models_dir() / model
    folder.parent.mkdir(parents=True, exist_ok=True)
    stamp = folder / "ocrvqa-build.json"
    with FileLock(str(folder) + ".lock"):  # several processes of a sharded run build it once
        built = stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None
        if not (folder / "model.safetensors").is_file() or built != str(preset.build_version):
            preset.build(folder)
            stamp.write_text(str(preset.build_version), encoding="utf-8")
    return str(folder)


__all__ = ["MODEL_PRESETS", "ModelPreset", "models_dir", "preset_of", "resolve_model"]
