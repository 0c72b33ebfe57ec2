"""OCR engines by name. ``get_engine("ppocr", text_score=0.6)`` builds one.

Engine modules register themselves with ``@register_engine(name)``; the built-in ones are
imported lazily so that, say, a missing Tesseract binary never stops PP-OCR from working.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ocr_expert.engines.base import OCREngine, OCREngineError

ENGINES: dict[str, type[OCREngine]] = {}

# name -> module that registers it, imported on first use
_BUILTIN_MODULES = {
    "ppocr": "ocr_expert.engines.ppocr",
    "tesseract": "ocr_expert.engines.tesseract",
    "vision-encoder-decoder": "ocr_expert.engines.vision_encoder_decoder",
    "dataset": "ocr_expert.engines.dataset",
    "got-ocr2": "ocr_expert.engines.got_ocr2",
    "vlm-ocr": "ocr_expert.engines.vlm_ocr",
}


def register_engine(name: str) -> Callable[[type[OCREngine]], type[OCREngine]]:
    """Class decorator adding an engine to the registry under ``name``."""

    def decorate(cls: type[OCREngine]) -> type[OCREngine]:
        cls.name = name
        ENGINES[name] = cls
        return cls

    return decorate


def engine_names() -> list[str]:
    """Every engine name that can be asked for, built-in or registered."""
    return sorted(set(_BUILTIN_MODULES) | set(ENGINES))


def get_engine_class(name: str) -> type[OCREngine]:
    if name not in ENGINES and name in _BUILTIN_MODULES:
        importlib.import_module(_BUILTIN_MODULES[name])
    try:
        return ENGINES[name]
    except KeyError:
        raise OCREngineError(
            f"unknown OCR engine {name!r}; available: {', '.join(engine_names())}"
        ) from None


def get_engine(name: str, **options: Any) -> OCREngine:
    """Build the engine called ``name`` with its options (see each engine's docstring)."""
    cls = get_engine_class(name)
    try:
        return cls(**options)
    except TypeError as exc:  # an option the engine does not take
        raise OCREngineError(f"bad options for OCR engine {name!r}: {exc}") from exc


__all__ = [
    "ENGINES",
    "OCREngine",
    "OCREngineError",
    "engine_names",
    "get_engine",
    "get_engine_class",
    "register_engine",
]
