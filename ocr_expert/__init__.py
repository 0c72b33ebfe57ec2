"""The OCR expert: read text off an image, in reading order, with a choice of engines.

>>> import ocr_expert
>>> print(ocr_expert.read("receipt.png").text)                          # doctest: +SKIP
>>> ocr_expert.read("sign.png", engine="tesseract", lang="ara").lines   # doctest: +SKIP
"""

import functools
import json
from typing import Any

from ocr_expert.engines.base import OCREngine, OCREngineError
from ocr_expert.expert import OCRExpert
from ocr_expert.image_io import ImageHandle, ImageInputError, LoadedImage, load_image
from ocr_expert.types import Line, OCRResult, Span


@functools.lru_cache(maxsize=8)
def _shared_expert(engine: str, options: str) -> OCRExpert:
    return OCRExpert(engine, **json.loads(options))


def read(image: Any, engine: str = "ppocr", *, mode: str = "auto", **options: Any) -> OCRResult:
    """Read one image with a shared, cached expert: the one-line entry point.

    Engines are built once per (engine, options) and reused across calls, so models load
    once; results are cached on disk as with ``OCRExpert``.
    """
    expert = _shared_expert(engine, json.dumps(options, sort_keys=True, default=str))
    return expert.read(image, mode=mode)  # type: ignore[arg-type]


__all__ = [
    "ImageHandle",
    "ImageInputError",
    "Line",
    "LoadedImage",
    "OCREngine",
    "OCREngineError",
    "OCRExpert",
    "OCRResult",
    "Span",
    "load_image",
    "read",
]
