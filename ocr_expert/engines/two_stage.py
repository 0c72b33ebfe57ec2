"""Any text detector with any text recognizer: the ``two-stage`` engine.

The detector finds the text regions of a page; each region is cut out (straightened when
tilted, with a margin) and the recognizer reads the crops in one call. A crop (a word or a
line) skips detection. In a run config::

    ocr:
      engine: two-stage
      options: {detector: ppocr, recognizer: tesseract, recognizer_options: {lang: eng}}

and from Python ``OCRExpert("two-stage", detector="ppocr", recognizer="tesseract")``, where
detector and recognizer may also be objects (``TextDetector``, ``TextRecognizer``).
"""

from __future__ import annotations

from typing import Any

from PIL import Image
from pydantic import Field, model_validator

from ocr_expert.engines import (
    build_detector,
    build_recognizer,
    check_role,
    get_engine_class,
    register_engine,
)
from ocr_expert.engines.base import EngineOptions, OCREngine, OCREngineError
from ocr_expert.engines.crops import crop_region
from ocr_expert.engines.roles import TextDetector, TextRecognizer
from ocr_expert.types import Span

ENGINE_NAME = "two-stage"


class RegionOptions(EngineOptions):
    """Options of every engine that reads the regions a detector finds."""

    #: the detector: an engine name (``ppocr``) or an object; ``detector_options`` go to it by name
    detector: str | TextDetector | OCREngine = "ppocr"
    detector_options: dict[str, Any] = Field(default_factory=dict)
    #: margin added around each region, as a fraction of its height
    crop_padding: float = Field(0.1, ge=0.0, le=2.0)

    @model_validator(mode="after")
    def _check_detector(self) -> RegionOptions:
        if self.detector is None:  # engines that read whole pages unless given one
            if self.detector_options:
                raise OCREngineError("detector_options need a detector (e.g. detector=ppocr)")
        else:
            check_role("detector", self.detector, self.detector_options)
        return self


class TwoStageOptions(RegionOptions):
    """The ``two-stage`` engine's options (see ``TwoStageEngine``)."""

    #: the recognizer: an engine name (``ppocr``, ``tesseract``, ``vision-encoder-decoder``) or an
    #: object
    recognizer: str | TextRecognizer = "ppocr"
    recognizer_options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_recognizer(self) -> TwoStageOptions:
        check_role("recognizer", self.recognizer, self.recognizer_options)
        return self


class RegionReader(OCREngine):
    """Reads a page as the recognizer reads the crops of the detector's regions, in the
    detector's order, each span keeping its region's box and polygon. Subclasses set
    ``detector``, ``recognizer`` and ``crop_padding``."""

    detector: TextDetector
    recognizer: TextRecognizer
    crop_padding: float

    def read_page(self, image: Image.Image) -> list[Span]:
        regions: list[Span] = []
        crops: list[Image.Image] = []
        for region in self.detector.detect(image):
            crop = crop_region(image, region, self.crop_padding)
            if crop is not None:
                regions.append(region)
                crops.append(crop)
        return [
            Span(text=read.text, box=region.box, score=read.score, polygon=region.polygon)
            for region, read in zip(regions, self.recognizer.recognize(crops))
            if read.text
        ]

    def read_crop(self, image: Image.Image) -> list[Span]:
        (read,) = self.recognizer.recognize([image])
        if not read.text:
            return []
        return [
            Span(
                text=read.text,
                box=(0.0, 0.0, float(image.width), float(image.height)),
                score=read.score,
            )
        ]


@register_engine(ENGINE_NAME)
class TwoStageEngine(RegionReader):
    """A detector's regions read by a recognizer (docTR's detection + recognition split).

    Options:
        detector: who finds the text regions: ``"ppocr"`` (default) or a ``TextDetector``.
        detector_options: options of the detector engine, when given by name.
        recognizer: who reads each region: ``"ppocr"`` (default), ``"tesseract"`` (its
            single-line mode), ``"vision-encoder-decoder"`` (TrOCR, Qalam), or a ``TextRecognizer``.
        recognizer_options: options of the recognizer engine, when given by name.
        crop_padding: margin added around each region, as a fraction of its height.

    Unlike the ``ppocr`` engine (its own crops, word boxes, Arabic routing), each region is
    one span here, cut with ``crop_padding``.
    """

    Options = TwoStageOptions

    def __init__(self, **options: Any) -> None:
        opts: TwoStageOptions = self.parse_options(options)
        self.detector = build_detector(opts.detector, opts.detector_options)
        self.recognizer = build_recognizer(opts.recognizer, opts.recognizer_options)
        self.crop_padding = opts.crop_padding
        self.language = getattr(self.recognizer, "language", None)

    @classmethod
    def uses_torch_for(cls, options: dict[str, Any]) -> bool:
        roles = (options.get("detector", "ppocr"), options.get("recognizer", "ppocr"))
        return any(get_engine_class(r).uses_torch for r in roles if isinstance(r, str))

    def config(self) -> dict[str, Any]:
        return {
            "engine": ENGINE_NAME,
            "detector": self.detector.config(),
            "recognizer": self.recognizer.config(),
            "crop_padding": self.crop_padding,
        }


__all__ = ["RegionOptions", "RegionReader", "TwoStageEngine", "TwoStageOptions"]
