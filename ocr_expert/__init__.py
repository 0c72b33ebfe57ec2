"""The OCR expert: read text off an image, in reading order, with a choice of engines.

>>> from ocr_expert import OCRExpert
>>> result = OCRExpert().read("receipt.png")      # doctest: +SKIP
>>> print(result.text)                            # doctest: +SKIP
"""

from ocr_expert.engines.base import OCREngine, OCREngineError
from ocr_expert.expert import OCRExpert
from ocr_expert.image_io import ImageInputError, LoadedImage, load_image
from ocr_expert.types import Line, OCRResult, Span

__all__ = [
    "ImageInputError",
    "Line",
    "LoadedImage",
    "OCREngine",
    "OCREngineError",
    "OCRExpert",
    "OCRResult",
    "Span",
    "load_image",
]
