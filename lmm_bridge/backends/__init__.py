"""Backend registry: a new model is one small module with ``@register_backend``.

``load_backend`` also accepts ``"package.module:ClassName"``, so a config can name a
backend that lives outside this package without any registration code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lmm_bridge.backends import base
from lmm_bridge.backends.base import *  # noqa: F403  (the backend interface, re-exported whole)
from lmm_bridge.backends.base import Backend, BackendError
from ocrvqa.registry import Registry, import_target

#: Backend classes by name.
BACKENDS: Registry[type[Backend]] = Registry(
    "backend", error=BackendError, known_label="registered backends"
)
#: backend used for models whose type no backend claims (transformers-native VLMs)
DEFAULT_BACKEND = "hf"


def register_backend(name: str):
    """Class decorator adding a ``Backend`` subclass to the registry under ``name``."""

    def deco(cls: type[Backend]) -> type[Backend]:
        if not (isinstance(cls, type) and issubclass(cls, Backend)):
            raise TypeError(f"@register_backend({name!r}) needs a Backend subclass, got {cls!r}")
        cls.name = name
        return BACKENDS.register(name, cls)

    return deco


def get_backend_class(name: str) -> type[Backend]:
    """The class registered as ``name``, or imported from ``"module:Class"``."""
    if name in BACKENDS or ":" not in name:
        return BACKENDS.get(name)
    try:
        cls = import_target(name)
    except (ImportError, AttributeError) as exc:
        raise BackendError(f"cannot import backend {name!r}: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise BackendError(f"backend {name!r} is not a Backend subclass")
    return cls


def load_backend(name: str | None, model: str | None, **kwargs: Any) -> Backend:
    """Instantiate a backend; ``name=None`` infers it from the model's config."""
    if name is None:
        if model is None:
            raise BackendError("give a model or a backend name")
        name = infer_backend(model)
    return get_backend_class(name)(model, **kwargs)


def model_type_of(model: str) -> str | None:
    """``model_type`` from the model's ``config.json`` (local folder or hub id)."""
    folder = Path(model)
    if folder.is_dir():
        config = folder / "config.json"
        if not config.is_file():
            raise BackendError(f"model folder {model} has no config.json")
    elif os.path.isabs(model) or model.startswith("."):
        raise BackendError(f"model folder not found: {model}")
    else:
        from huggingface_hub import hf_hub_download

        try:
            config = Path(hf_hub_download(model, "config.json"))
        except Exception as exc:  # offline, gated, or no such repo
            raise BackendError(
                f"cannot read config.json of model {model!r} ({exc}); pass backend= explicitly "
                "or a local folder"
            ) from exc
    try:
        return json.loads(config.read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError) as exc:
        raise BackendError(f"cannot read {config}: {exc}") from exc


def infer_backend(model: str) -> str:
    """The backend that claims the model's ``model_type``, else the transformers-native one."""
    model_type = model_type_of(model)
    for name, cls in BACKENDS.items():
        if model_type in cls.model_types:
            return name
    return DEFAULT_BACKEND


# Built-in backends register themselves on import (their heavy imports are deferred).
from lmm_bridge.backends import hf as _hf  # noqa: E402,F401
from lmm_bridge.backends import openai_api as _openai_api  # noqa: E402,F401
from lmm_bridge.backends import qwen_vl_chat as _qwen_vl_chat  # noqa: E402,F401
from lmm_bridge.backends import vllm_backend as _vllm_backend  # noqa: E402,F401

__all__ = [
    "BACKENDS",
    "get_backend_class",
    "infer_backend",
    "load_backend",
    "model_type_of",
    "register_backend",
]
__all__ += base.__all__
