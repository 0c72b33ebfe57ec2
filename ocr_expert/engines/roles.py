"""The two roles of a two-step OCR pipeline, after docTR's ``ocr_predictor(det_arch, reco_arch)``.

A ``TextDetector`` finds where text is (regions with boxes or polygons, no text); a
``TextRecognizer`` reads crops that hold one line or word each. Any detector works with any
recognizer (see ``ocr_expert.engines.two_stage``). Engines take a role by implementing its
method: ``ppocr`` does both, ``tesseract`` and ``vision-encoder-decoder`` recognize.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from PIL import Image

from ocr_expert.types import Span


@dataclass(frozen=True)
class Recognition:
    """What a recognizer read off one crop."""

    text: str
    #: how sure it was, 0..1 (the recognizer's own measure: mean token probability, ...)
    score: float
    #: how closely another reading of the same crop (another view of it) agrees with this one,
    #: 0..1 (normalized edit similarity); None where the crop was read once
    agreement: float | None = None
    #: the reading ``score`` and ``agreement`` were measured on, where ``text`` was chosen
    #: among more readings than that (None: ``text`` itself); a caller weighing the evidence
    #: judges this reading and uses ``text``
    judged: str | None = None
    #: how closely the closest of all the crop's readings agrees with ``judged`` (or ``text``),
    #: readings that only choose the text included; None where there are none such. Weaker
    #: evidence than ``agreement``: the more readings, the likelier two junk ones agree
    support: float | None = None


@runtime_checkable
class TextDetector(Protocol):
    """Finds text regions in a page image."""

    def config(self) -> dict[str, Any]:
        """What changes the regions found (it keys the OCR cache)."""

    def detect(self, image: Image.Image) -> list[Span]:
        """Text regions of an RGB image: spans with a box (and a polygon where known) and no
        text."""


@runtime_checkable
class TextRecognizer(Protocol):
    """Reads crops holding one line or one word each."""

    def config(self) -> dict[str, Any]:
        """What changes the text read (it keys the OCR cache)."""

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        """One reading per crop, in order."""


class PageDetector:
    """Any OCR engine as a detector: the spans of its page reading, their text dropped.

    For engines that find text but offer no detection alone (test doubles, third-party
    engines registered by name).
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def config(self) -> dict[str, Any]:
        return self.engine.config()

    def detect(self, image: Image.Image) -> list[Span]:
        found = self.engine.read_page(image)
        spans = getattr(found, "spans", found)  # a PageLayout carries its spans
        return [Span(text="", box=s.box, score=s.score, polygon=s.polygon) for s in spans]


def as_detector(engine: Any) -> TextDetector:
    """``engine`` itself when it detects, else its page reading as regions."""
    return engine if isinstance(engine, TextDetector) else PageDetector(engine)


__all__ = ["PageDetector", "Recognition", "TextDetector", "TextRecognizer", "as_detector"]
