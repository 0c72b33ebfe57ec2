"""OCR tokens shipped with a dataset (TextVQA's Rosetta ``ocr_tokens``), as an engine.

It reads nothing itself: the tokens (and boxes, where the dataset has them) are handed to
``OCRExpert.read(image, tokens=..., token_boxes=...)``, so that they can be compared with
the other engines through the same prompt formats and metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image

from ocr_expert.engines import register_engine
from ocr_expert.engines.base import EngineOptions, OCREngine, OCREngineError
from ocr_expert.types import Box, Span


class DatasetOptions(EngineOptions):
    """``source``: a free label recorded in the result (e.g. ``"rosetta-en"``)."""

    source: str = "dataset"


@register_engine("dataset")
class DatasetTokensEngine(OCREngine):
    """Options: ``source``, a free label recorded in the result (e.g. ``"rosetta-en"``)."""

    Options = DatasetOptions
    cacheable = False
    takes_tokens = True

    def __init__(self, **options: Any) -> None:
        self.source = self.parse_options(options).source

    def config(self) -> dict[str, Any]:
        return {"engine": "dataset", "source": self.source}

    def spans_from_tokens(
        self,
        tokens: Sequence[str],
        boxes: Sequence[Sequence[float]] | None,
        size: tuple[int, int],
        scores: Sequence[float] | None = None,
    ) -> list[Span]:
        """Spans for the tokens; boxes may be in pixels or normalized to 0..1."""
        if boxes is not None and len(boxes) != len(tokens):
            raise OCREngineError(f"dataset OCR has {len(tokens)} tokens but {len(boxes)} boxes")
        spans = []
        for i, token in enumerate(tokens):
            text = str(token).strip()
            if not text:
                continue
            box = _pixel_box(boxes[i], size) if boxes is not None else None
            score = float(scores[i]) if scores is not None else 1.0
            spans.append(Span(text=text, box=box, score=score))
        return spans

    def read_page(self, image: Image.Image) -> list[Span]:
        raise OCREngineError(
            "the dataset engine reads no images: pass the sample's tokens, "
            "OCRExpert.read(image, tokens=[...])"
        )

    read_crop = read_page


def _pixel_box(box: Sequence[float], size: tuple[int, int]) -> Box:
    x0, y0, x1, y1 = (float(v) for v in box[:4])
    if max(x0, y0, x1, y1) <= 1.0:  # normalized coordinates, as in TextVQA's ocr_info
        w, h = size
        return (x0 * w, y0 * h, x1 * w, y1 * h)
    return (x0, y0, x1, y1)
