"""OCR engines by name. ``get_engine("ppocr", text_score=0.6)`` builds one.

Engine modules register themselves with ``@register_engine(name)``; the built-in ones are
imported lazily so that, say, a missing Tesseract binary never stops PP-OCR from working.
Each engine declares its options (``Options``, a pydantic model): ``check_options`` refuses a
wrong or unknown one before any model loads. ``build_detector`` and ``build_recognizer``
build the two roles of a two-step pipeline (``ocr_expert.engines.roles``) by engine name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocr_expert.engines.base import EngineOptions, OCREngine, OCREngineError
from ocr_expert.engines.roles import TextDetector, TextRecognizer, as_detector
from ocrvqa.registry import Registry

#: Engine classes by name; the built-in ones are imported on first use.
ENGINES: Registry[type[OCREngine]] = Registry(
    "OCR engine",
    error=OCREngineError,
    known_label="available",
    lazy={
        "ppocr": "ocr_expert.engines.ppocr:PPOCREngine",
        "tesseract": "ocr_expert.engines.tesseract:TesseractEngine",
        "vision-encoder-decoder": (
            "ocr_expert.engines.vision_encoder_decoder:VisionEncoderDecoderEngine"
        ),
        "dataset": "ocr_expert.engines.dataset:DatasetTokensEngine",
        "got-ocr2": "ocr_expert.engines.got_ocr2:GotOcr2Engine",
        "vlm-ocr": "ocr_expert.engines.vlm_ocr:VLMOCREngine",
        "openai-ocr": "ocr_expert.engines.openai_ocr:OpenAIOCREngine",
        "two-stage": "ocr_expert.engines.two_stage:TwoStageEngine",
    },
)
#: engines that take each role (a registered engine takes one by having the role's method)
DETECTORS = ("ppocr",)
RECOGNIZERS = ("ppocr", "tesseract", "vision-encoder-decoder")
ROLES = {"detector": DETECTORS, "recognizer": RECOGNIZERS}


def register_engine(name: str) -> Callable[[type[OCREngine]], type[OCREngine]]:
    """Class decorator adding an engine to the registry under ``name``."""

    def decorate(cls: type[OCREngine]) -> type[OCREngine]:
        cls.name = name
        return ENGINES.register(name, cls)

    return decorate


def engine_names() -> list[str]:
    """Every engine name that can be asked for, built-in or registered."""
    return ENGINES.names()


def get_engine_class(name: str) -> type[OCREngine]:
    """The engine class called ``name`` (its module imported on first use); an unknown name
    raises ``OCREngineError`` listing the known ones."""
    return ENGINES.get(name)


def check_options(engine: str, options: dict[str, Any]) -> EngineOptions | None:
    """``options`` checked against what engine ``engine`` declares, loading nothing.

    Raises ``OCREngineError`` in one line naming the first wrong key and the engine's known
    options. Returns the validated options (None for an engine that declares none).
    """
    cls = get_engine_class(engine)
    return None if cls.Options is None else cls.parse_options(options)


def get_engine(name: str, **options: Any) -> OCREngine:
    """Build the engine called ``name`` with its options (see each engine's docstring)."""
    cls = get_engine_class(name)
    check_options(name, options)
    try:
        return cls(**options)
    except TypeError as exc:  # an option an engine without an options model does not take
        raise OCREngineError(f"bad options for OCR engine {name!r}: {exc}") from exc


def check_role(role: str, engine: Any, options: dict[str, Any]) -> None:
    """Check a ``"detector"`` or ``"recognizer"`` given by name (an engine that takes the role,
    with the right options) before anything loads; options with an object are refused."""
    if not isinstance(engine, str):
        if options:
            raise OCREngineError(f"{role}_options apply only when the {role} is given by name")
        return
    names = ROLES[role]
    builtin = get_engine_class(engine).__module__.startswith("ocr_expert.")
    if engine not in names and builtin:  # engines registered elsewhere are taken on trust
        raise OCREngineError(
            f"OCR engine {engine!r} cannot be a {role}; {role}s: {', '.join(names)}"
        )
    check_options(engine, options)


def _role_engine(role: str, engine: Any, options: dict[str, Any] | None) -> Any:
    check_role(role, engine, options or {})
    return get_engine(engine, **(options or {})) if isinstance(engine, str) else engine


def build_detector(detector: str | Any, options: dict[str, Any] | None = None) -> TextDetector:
    """A text detector: an engine name from ``DETECTORS`` (or a registered engine) built with
    ``options``, or an object given as is; an engine without ``detect`` detects through its
    page reading."""
    return as_detector(_role_engine("detector", detector, options))


def build_recognizer(
    recognizer: str | Any, options: dict[str, Any] | None = None
) -> TextRecognizer:
    """A text recognizer: an engine name from ``RECOGNIZERS`` (or a registered engine with
    ``recognize``) built with ``options``, or an object given as is."""
    built = _role_engine("recognizer", recognizer, options)
    if not isinstance(built, TextRecognizer):
        raise OCREngineError(
            f"{getattr(built, 'name', built)!r} cannot recognize crops (it has no recognize())"
        )
    return built


__all__ = [
    "DETECTORS",
    "ENGINES",
    "RECOGNIZERS",
    "EngineOptions",
    "OCREngine",
    "OCREngineError",
    "build_detector",
    "build_recognizer",
    "check_options",
    "check_role",
    "engine_names",
    "get_engine",
    "get_engine_class",
    "register_engine",
]
