"""Tesseract through ``pytesseract``: English, Arabic, or both (``lang="eng+ara"``).

Needs the ``tesseract`` binary and its language data, e.g. on Debian/Ubuntu:
``apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-ara``.
"""

from __future__ import annotations

import functools
from typing import Any

from PIL import Image

from ocr_expert.engines import register_engine
from ocr_expert.engines.base import OCREngine, OCREngineError
from ocr_expert.types import Span

#: per-image limit: a degenerate image (a 20000x10 strip) can keep Tesseract busy for minutes
DEFAULT_TIMEOUT_S = 60.0

_INSTALL_HINT = (
    "install Tesseract and its language data (Debian/Ubuntu: apt-get install tesseract-ocr "
    "tesseract-ocr-eng tesseract-ocr-ara) and pytesseract (pip install 'ocrvqa[tesseract]')"
)


@register_engine("tesseract")
class TesseractEngine(OCREngine):
    """Tesseract's LSTM engine, returning word boxes and confidences.

    Options:
        lang: Tesseract language codes joined by ``+`` (``eng``, ``ara``, ``eng+ara``).
        psm: page segmentation mode for full images (3: automatic; 11: sparse text).
        crop_psm: mode for single crops (7: one text line; 8: one word).
        oem: OCR engine mode (1: LSTM only).
        min_conf: drop words whose confidence (0..1) is below this.
        timeout: seconds before Tesseract is stopped on one image (default 60; 0: no limit).
        extra_config: further command-line configuration passed as is.
    """

    def __init__(
        self,
        lang: str = "eng",
        psm: int = 3,
        crop_psm: int = 7,
        oem: int = 1,
        min_conf: float = 0.0,
        timeout: float = DEFAULT_TIMEOUT_S,
        extra_config: str = "",
    ) -> None:
        self.options: dict[str, Any] = {
            "lang": lang,
            "psm": int(psm),
            "crop_psm": int(crop_psm),
            "oem": int(oem),
            "min_conf": float(min_conf),
            "timeout": float(timeout),
            "extra_config": extra_config,
        }
        self.language = lang
        self._version = _check_installation(lang)

    def config(self) -> dict[str, Any]:
        options = {k: v for k, v in self.options.items() if k != "timeout"}
        return {"engine": "tesseract", "tesseract": self._version, **options}

    def _run(self, image: Image.Image, psm: int) -> list[Span]:
        import pytesseract

        config = f"--oem {self.options['oem']} --psm {psm} {self.options['extra_config']}".strip()
        try:
            data = pytesseract.image_to_data(
                image,
                lang=self.options["lang"],
                config=config,
                output_type=pytesseract.Output.DICT,
                timeout=self.options["timeout"],
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise OCREngineError(f"tesseract stopped: {exc}") from exc
        except pytesseract.TesseractError as exc:
            raise OCREngineError(f"tesseract failed: {exc}") from exc
        words: dict[tuple[int, int, int], list[tuple[str, list[float], float]]] = {}
        for i, text in enumerate(data["text"]):
            conf = float(data["conf"][i])
            if conf < 0 or not str(text).strip():
                continue  # rows for blocks, paragraphs and lines carry conf -1
            score = conf / 100.0
            if score < self.options["min_conf"]:
                continue
            x, y = float(data["left"][i]), float(data["top"][i])
            box = [x, y, x + float(data["width"][i]), y + float(data["height"][i])]
            line = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            words.setdefault(line, []).append((str(text).strip(), box, score))
        spans = []
        for line_words in words.values():
            boxes = _untangle([box for _, box, _ in line_words])
            for (text, _, score), box in zip(line_words, boxes):
                spans.append(Span(text=text, box=(box[0], box[1], box[2], box[3]), score=score))
        return spans

    def read_page(self, image: Image.Image) -> list[Span]:
        return self._run(image, self.options["psm"])

    def read_crop(self, image: Image.Image) -> list[Span]:
        return self._run(image, self.options["crop_psm"])


def _untangle(boxes: list[list[float]]) -> list[list[float]]:
    """Shrink word boxes that swallow their neighbours on the same line.

    Tesseract gives the last word of a right-to-left line the whole line's box; left as
    is, that word would sort first. Such a box is cut down to the widest stretch of it
    that no other word of the line covers.
    """
    fixed = []
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        others = sorted((b[0], b[2]) for j, b in enumerate(boxes) if j != i)
        if not any(x0 <= a and b <= x1 for a, b in others):
            fixed.append([x0, y0, x1, y1])
            continue
        best, cursor = (x0, x0), x0
        for a, b in others + [(x1, x1)]:
            a, b = max(a, x0), min(b, x1)
            if a > cursor and a - cursor > best[1] - best[0]:
                best = (cursor, a)
            cursor = max(cursor, b)
        fixed.append([best[0], y0, best[1], y1] if best[1] > best[0] else [x0, y0, x1, y1])
    return fixed


@functools.lru_cache(maxsize=None)
def _check_installation(lang: str) -> str:
    """The Tesseract version, after checking that the binary and each language exist."""
    try:
        import pytesseract
    except ImportError as exc:
        raise OCREngineError(f"the tesseract engine needs pytesseract: {_INSTALL_HINT}") from exc
    try:
        version = str(pytesseract.get_tesseract_version())
        installed = set(pytesseract.get_languages(config=""))
    except pytesseract.TesseractNotFoundError as exc:
        raise OCREngineError(f"the tesseract binary was not found: {_INSTALL_HINT}") from exc
    missing = [code for code in lang.split("+") if code and code not in installed]
    if missing:
        raise OCREngineError(
            f"Tesseract has no data for language(s) {', '.join(missing)} "
            f"(installed: {', '.join(sorted(installed)) or 'none'}); on Debian/Ubuntu: "
            + " ".join(f"apt-get install tesseract-ocr-{code}" for code in missing)
        )
    return version
