"""Tesseract through ``pytesseract``: English, Arabic, or both (``lang="eng+ara"``).

Needs the ``tesseract`` binary and its language data, e.g. on Debian/Ubuntu:
``apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-ara tesseract-ocr-script-arab``
(the last: Arabic-Indic digits, see ``arabic_digits``).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image, ImageOps
from rapidfuzz.distance import Levenshtein

from ocr_expert import skew
from ocr_expert.engines import arabic_digits, register_engine
from ocr_expert.engines.arabic_comma import restore_commas
from ocr_expert.engines.arabic_lexicon import known_words, with_known_words
from ocr_expert.engines.base import EngineOptions, OCREngine, OCREngineError, PageLayout
from ocr_expert.engines.roles import Recognition
from ocr_expert.engines.second_arabic_model import fingerprint, installed_model
from ocr_expert.engines.side_by_side import side_by_side
from ocr_expert.image_io import dark_on_light, ink_band, otsu_level, without_edge_fragments
from ocr_expert.types import Box, Span, union_box

log = logging.getLogger(__name__)
_T = TypeVar("_T")

#: crops lower than this (pixels) are scaled up to it when read a second time
CROP_TEXT_HEIGHT = 32
#: an Arabic crop is also read with its ink scaled to each of these heights (pixels), in grey
#: (False) or binarised (True); see ``TesseractEngine._arabic_views``
ARABIC_INK_VIEWS: tuple[tuple[int, bool], ...] = ((20, False), (36, True))
#: ... and to these, which only choose the reading: they leave its score and agreement alone
ARABIC_CHOOSING_VIEWS: tuple[tuple[int, bool], ...] = ((16, False), (24, True))
#: ... and, where the neighbouring lines show at its top or bottom edge, with those cleared and
#: its ink at this height (grey), another view that only chooses the reading
ARABIC_CLEARED_INK = 20
#: the views the second Arabic model (``second_arabic_model``) reads too, which only choose the
#: reading. On two rendered sets of 200 lines (33 fonts), this one view took the default engine
#: 0.0719 -> 0.065 and 0.0283 -> 0.025 CER; the crop as it is, or it and both ink views, less
#: (0.069 and 0.068; 0.026 and 0.024) at more time (docs/benchmarks.md, A second Arabic model)
SECOND_MODEL_VIEWS: tuple[tuple[int, bool], ...] = ((20, False),)
#: ... whose reading gives the text only where it is at least this share of the weighed
#: reading's length
SECOND_MODEL_MIN_SHARE = 0.5
#: a crop at most this many times as wide as it is tall is also read in word mode
WORD_SHAPE = 5.0
#: Tesseract's single-line mode, and its raw-line mode: one line too, without the page-layout
#: steps the line mode still takes. Drawn cleanly and cut tight, 44 of 144 Arabic lines in the
#: bundled faces held no line for the line mode (144 English lines drawn alike: none); a margin
#: mends most, and where a degraded line still holds none, the raw-line mode reads it
#: (``TesseractEngine._read_one``, ``_arabic_views``).
LINE_PSM = 7
RAW_LINE_PSM = 13
#: A page read with less confidence than this (its words' confidences weighed by their length)
#: may lie on its side or upside down, and is read turned as well: the 23 real scans of
#: ``bench/ocr_quality.py --labels`` read at 0.48-0.95 upright and at 0.13-0.34 turned a
#: quarter anticlockwise or upside down (forms, receipts, book and journal pages); a clean
#: rendered page turned so, at 0.40.
TURN_CHECK = 0.5
#: ... where it read at least this many characters (a blank page, a photo, is not turned for)
TURN_MIN_CHARACTERS = 20
#: A turned reading replaces the first when it reads at least this surely and ``TURN_GAIN``
#: times as surely: text upside down or on its side reads as noise, about a third as sure.
TURN_KEEP = 0.45
TURN_GAIN = 1.5
#: A page whose lines Tesseract read tilted by ``skew.STRAIGHTEN_DEG`` or more is read again
#: turned straight. A line's tilt is measured on its words' centres where it holds at least
#: this many words spread over at least ``TILT_SPREAD`` word heights, and the page's is the
#: median of at least ``skew.MIN_LINES`` such lines.
TILT_WORDS = 3
TILT_SPREAD = 8.0
#: The straight reading is kept where it holds at least this many times the characters of the
#: page read askew: where the tilt cost Tesseract text (a table's rows cut apart, a form's fields
#: lost). Where it did not, Tesseract had coped with the tilt, and its layout of the straight
#: page is no better a guess: a rendered form 1.3 degrees askew, read row by row, was read
#: labels first, then values, once straight (2 more characters; CER 0.021 to 0.701).
STRAIGHT_GAIN = 1.03
#: per-image limit: a degenerate image (a 20000x10 strip) can keep Tesseract busy for minutes
DEFAULT_TIMEOUT_S = 60.0


class TesseractEnvironment(Mapping[str, str]):
    """The environment Tesseract's processes start in: this process's, read when each starts,
    with one OpenMP thread (``OMP_THREAD_LIMIT=1``) unless the user set a limit.

    Tesseract's OpenMP threads slow each other down when several Tesseract processes run at
    once, or one beside PP-OCR (the default engine's second reading). Set for this whole
    process, the limit reached PyTorch's own OpenMP as well once PyTorch loaded, and MKL then
    waited forever for a thread it had counted on (a QR decomposition of a 2048 x 2000
    matrix, building a model), so only Tesseract's processes get it.
    """

    LIMIT = "OMP_THREAD_LIMIT"

    def _added(self) -> bool:
        return self.LIMIT not in os.environ

    def __getitem__(self, key: str) -> str:
        if key == self.LIMIT and self._added():
            return "1"
        return os.environ[key]

    def __iter__(self) -> Iterator[str]:
        yield from os.environ
        if self._added():
            yield self.LIMIT

    def __len__(self) -> int:
        return len(os.environ) + self._added()


def _start_tesseract_in_its_environment() -> None:
    """Every Tesseract process ``pytesseract`` starts, this package's or a caller's, starts in
    ``TesseractEnvironment`` (``pytesseract`` hands its module's ``environ`` to each)."""
    try:
        from pytesseract import pytesseract as runner
    except ImportError:  # reported when an engine is built (``_check_installation``)
        return
    if not isinstance(getattr(runner, "environ", None), TesseractEnvironment):
        runner.environ = TesseractEnvironment()


_start_tesseract_in_its_environment()

#: one word as Tesseract read it: (block, paragraph, line), text, box, confidence 0..1
_Word = tuple[tuple[int, int, int], str, list[float], float]

_INSTALL_HINT = (
    "install Tesseract and its language data (Debian/Ubuntu: apt-get install tesseract-ocr "
    "tesseract-ocr-eng tesseract-ocr-ara)"
)


class TesseractOptions(EngineOptions):
    """The ``tesseract`` engine's options (see ``TesseractEngine``)."""

    lang: str = "eng"
    psm: int = 3
    crop_psm: int = 7
    word_psm: int = 8
    oem: int = 1
    min_conf: float = 0.0
    crop_height: int = CROP_TEXT_HEIGHT
    arabic_views: bool = True
    arabic_lexicon: bool = True
    second_arabic_model: str | None = "auto"
    turn: bool = True
    straighten: bool = True
    timeout: float = DEFAULT_TIMEOUT_S
    extra_config: str = ""


@register_engine("tesseract")
class TesseractEngine(OCREngine):
    """Tesseract's LSTM engine, returning word boxes, confidences and its own page layout.

    A page keeps Tesseract's reading order (blocks, paragraphs, lines from ``image_to_data``):
    it is right on multi-column pages. A crop is read as Tesseract alone reads it: a
    word-shaped crop in its single-word mode (``psm`` 8) when that finds one word, otherwise
    (and a longer crop) in its single-line mode (7), an Arabic crop in both with the surer
    reading kept; a crop where that finds nothing is read again after ``prepare_crop``
    (scaled up, with a margin), and where the line mode still finds nothing, in Tesseract's
    raw-line mode (13, ``RAW_LINE_PSM``). With ``arabic_views`` an Arabic crop is read three ways
    instead (see ``read_crop``). Whatever is read with Arabic data gets back the Arabic commas
    Tesseract's Arabic models cannot write (``arabic_comma.restore_commas``).

    Options:
        lang: Tesseract language codes joined by ``+`` (``eng``, ``ara``, ``eng+ara``).
        psm: page segmentation mode for full images (3: automatic; 11: sparse text).
        crop_psm: mode for line crops (7: one text line).
        word_psm: mode for word crops (8: one word).
        oem: OCR engine mode (1: LSTM only).
        min_conf: drop words whose confidence (0..1) is below this.
        crop_height: crops whose text is shorter than this many pixels are scaled up to it
            (0: never scale).
        arabic_views: read an Arabic crop as it is, with its ink scaled small, and binarised
            with its ink scaled larger, keeping the surest reading (default); False reads it
            in line and word mode only.
        arabic_lexicon: with ``arabic_views``, a word of the chosen reading that Tesseract's
            ``ara`` word list lacks takes the one listed word near it (other dots, a letter
            misread or lost) another view read (``arabic_lexicon``; default True).
        second_arabic_model: with ``arabic_views``, a folder holding a second ``ara`` model
            whose readings of the crop join the views the reading is chosen among
            (``second_arabic_model``): "auto" (default) takes the one ``ocrvqa tessdata``
            fetched where it is there; None reads with the installed model alone.
        timeout: seconds before Tesseract is stopped on one image (default 60; 0: no limit).
        extra_config: further command-line configuration passed as is.
    """

    Options = TesseractOptions

    def __init__(self, **options: Any) -> None:
        opts: TesseractOptions = self.parse_options(options)
        self.options: dict[str, Any] = opts.model_dump()
        self.language = opts.lang
        self._version = _check_installation(opts.lang)
        self._second_model = self._find_second_model(opts.second_arabic_model)

    def _find_second_model(self, where: str | None) -> Path | None:
        """The second Arabic model the views read with, or None: where the engine reads no
        Arabic views, where ``where`` is None, or where "auto" finds none. A folder named that
        holds no model is a mistake, reported."""
        if where is None or not self._reads_arabic_views():
            return None
        model = installed_model(None if where == "auto" else where)
        if model is None and where != "auto":
            raise OCREngineError(
                f"second_arabic_model: {where} holds no ara.traineddata; fetch it there with "
                f"`ocrvqa tessdata --folder {where}`, or set second_arabic_model to null"
            )
        return model

    def config(self) -> dict[str, Any]:
        options = {k: v for k, v in self.options.items() if k != "timeout"}
        # whether the word list could be read changes what is read
        options["arabic_lexicon"] = bool(self._known_words())
        # which second model the views read with, whatever folder it lies in
        second = self._second_model
        options["second_arabic_model"] = fingerprint(second) if second is not None else None
        return {"engine": "tesseract", "tesseract": self._version, **options}

    def _known_words(self) -> frozenset[str]:
        """The Arabic words the views' dots are settled by (``arabic_lexicon``); empty where
        the option is off, Arabic crops are not read in views, or the list cannot be read."""
        if not (self.options["arabic_lexicon"] and self._reads_arabic_views()):
            return frozenset()
        import pytesseract

        return known_words(str(pytesseract.pytesseract.tesseract_cmd))

    def _data(
        self, image: Image.Image, psm: int, lang: str | None = None, data_dir: str | None = None
    ) -> dict[str, list[Any]]:
        """Tesseract's ``image_to_data`` for ``image`` in mode ``psm``, with the models in
        ``data_dir`` where given (the second Arabic model), else the installed ones."""
        import pytesseract

        config = f"--oem {self.options['oem']} --psm {psm} {self.options['extra_config']}".strip()
        if data_dir is not None:
            config += f" --tessdata-dir {shlex.quote(data_dir)}"
        try:
            return pytesseract.image_to_data(
                image,
                lang=lang or self.options["lang"],
                config=config,
                output_type=pytesseract.Output.DICT,
                timeout=self.options["timeout"],
            )
        except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
            raise OCREngineError(f"tesseract stopped: {exc}") from exc
        except pytesseract.TesseractError as exc:
            raise OCREngineError(f"tesseract failed: {exc}") from exc

    def _words(self, data: dict[str, list[Any]]) -> list[_Word]:
        """(block, paragraph, line), text, box, score of each word, in Tesseract's order."""
        words = []
        for i, text in enumerate(data["text"]):
            conf = float(data["conf"][i])
            text = arabic_digits.strip_bidi(str(text)).strip()
            if conf < 0 or not text:
                continue  # rows for blocks, paragraphs and lines carry conf -1
            score = conf / 100.0
            if score < self.options["min_conf"]:
                continue
            x, y = float(data["left"][i]), float(data["top"][i])
            box = [x, y, x + float(data["width"][i]), y + float(data["height"][i])]
            key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
            words.append((key, text, box, score))
        return words

    def read_page(self, image: Image.Image) -> PageLayout:
        words = self._words(self._data(image, self.options["psm"]))
        if self.options["turn"]:
            turned = self._read_turned(image, words)
            if turned is not None:
                return turned
        if self.options["straighten"]:
            straight = self._read_straight(image, words)
            if straight is not None:
                return straight
        return self._layout(image, words)

    def _read_straight(self, image: Image.Image, words: list[_Word]) -> PageLayout | None:
        """The page read again turned straight, where its lines were read tilted by
        ``skew.STRAIGHTEN_DEG`` or more (``_tilt``; where too few lines tell it, its ink's rows:
        ``skew.ink_tilt``), and kept where that reading finds clearly more text
        (``STRAIGHT_GAIN``), with its boxes in ``image``'s pixels; None where the page stands as
        read.

        Placed 3 degrees askew either way, the 23 real scans read at 0.278 and 0.387 against
        0.272 straight: a table's rows and a form's fields are cut apart and lost. A real form
        with its typed text 2 degrees askew on its straight print read 712 characters as
        scanned, 658 straightened, and worse."""
        if not words:
            return None
        tilt = _tilt(words)
        if tilt is None:  # too few long lines to tell: the ink's rows tell it
            tilt = skew.ink_tilt(image)
        if not skew.STRAIGHTEN_DEG <= abs(tilt) <= skew.MAX_SKEW_DEG:
            return None
        again, straight, turn = self._read_turned_by(image, tilt)
        if _sureness(again)[0] < STRAIGHT_GAIN * _sureness(words)[0]:
            return None
        return _turned_back(self._layout(straight, again), turn)

    def _read_turned(self, image: Image.Image, words: list[_Word]) -> PageLayout | None:
        """The page read turned upright, where its reading ``words`` is unsure enough to ask
        (``TURN_CHECK``) and a turned reading is sure and clearly surer (``TURN_KEEP``,
        ``TURN_GAIN``), with its boxes in ``image``'s pixels; None where it stands as it is.
        The turn Tesseract's orientation detection names is tried first, then the others: on
        forms and receipts it is often unsure or wrong (a real form upright was named upside
        down, 3.2 sure).

        A page turned a quarter clockwise Tesseract reads itself, as vertical text, about as
        well as upright (the 23 real scans: 0.276 CER against 0.272) and as surely: it is not
        asked about, and a turned reading of that kind is never the one kept."""
        chars, first = _sureness(words)
        if chars < TURN_MIN_CHARACTERS or first >= TURN_CHECK:
            return None
        named = self._orientation(image)
        for degrees in [named] * (named != 0) + [d for d in (180, 90, 270) if d != named]:
            again, straight, turn = self._read_turned_by(image, degrees)
            _, sure = _sureness(again)
            # Tesseract reads a page lying turned a quarter clockwise itself, surely, as
            # vertical text (its words in tall boxes): that is the page on its side still
            on_side = skew.sideways([Span(t, (b[0], b[1], b[2], b[3]), c) for _, t, b, c in again])
            if sure >= TURN_KEEP and sure >= TURN_GAIN * first and not on_side:
                return _turned_back(self._layout(straight, again), turn)
        return None

    def _read_turned_by(
        self, image: Image.Image, degrees: float
    ) -> tuple[list[_Word], Image.Image, skew.Turn]:
        """The words of ``image`` turned by ``degrees`` (clockwise), read as a page, with the
        turned image and the turn that takes its boxes back."""
        turned, turn = skew.straighten(image, degrees)
        return self._words(self._data(turned, self.options["psm"])), turned, turn

    def _orientation(self, image: Image.Image) -> int:
        """Degrees (clockwise: 90, 180 or 270) Tesseract's orientation detection would turn
        ``image`` to stand upright, however unsure; 0 where it says upright or cannot tell."""
        return skew.detected_orientation(image, self.options["timeout"])[0]

    def _layout(self, image: Image.Image, words: list[_Word]) -> PageLayout:
        """``words`` read on ``image`` as a page in Tesseract's own blocks and lines."""
        spans: list[Span] = []
        lines: list[list[int]] = []
        blocks: list[int] = []
        line_of: dict[tuple[int, int, int], int] = {}
        block_of: dict[tuple[int, int], int] = {}
        for key, _, _, _ in words:
            if key not in line_of:
                line_of[key] = len(lines)
                lines.append([])
                blocks.append(block_of.setdefault(key[:2], len(block_of)))
        by_line: dict[tuple[int, int, int], list[tuple[str, list[float], float]]] = {}
        for key, text, box, score in words:
            by_line.setdefault(key, []).append((text, box, score))
        read: list[tuple[Image.Image, list[Span], Box | None]] = []
        for line_words in by_line.values():
            boxes = _untangle([box for _, box, _ in line_words])
            line = [
                Span(text=text, box=(box[0], box[1], box[2], box[3]), score=score)
                for (text, _, score), box in zip(line_words, boxes)
            ]
            read.append((image, line, _line_region(boxes, image)))
        for key, line in zip(by_line, self._arabic_lines(read)):
            for span in line:
                lines[line_of[key]].append(len(spans))
                spans.append(span)
        return PageLayout(spans=spans, lines=lines, blocks=blocks)

    def _read_one(self, image: Image.Image, psm: int) -> list[Span]:
        """A crop read as Tesseract alone reads it in mode ``psm``; only when that reading is
        empty, read again after ``prepare_crop`` (scaled up, with a margin), and where the line
        mode finds nothing in either, read in the raw-line mode (``RAW_LINE_PSM``).

        On real word crops, keeping the "surer" of two readings picked worse ones: a
        scaled-up crop can turn faint strokes into confident nonsense, so Tesseract's own
        reading stands whenever it found something.
        """
        spans = self._read_alone(image, psm)
        if spans or psm != LINE_PSM:
            return spans
        return self._read_raw_line(image)

    def _read_alone(self, image: Image.Image, psm: int) -> list[Span]:
        """``_read_one`` without the raw-line mode."""
        spans = self._spans(image, psm)
        if spans:
            return spans
        prepared, scale, (dx, dy) = prepare_crop(image, self.options["crop_height"])
        return [
            Span(text=text, box=_back_in(box, scale, dx, dy, image), score=score)
            for _, text, box, score in self._words(self._data(prepared, psm))
        ]

    def _read_raw_line(self, image: Image.Image) -> list[Span]:
        """A crop read in Tesseract's raw-line mode (``RAW_LINE_PSM``)."""
        return self._spans(image, RAW_LINE_PSM)

    def _spans(self, image: Image.Image, psm: int) -> list[Span]:
        """The words of ``image`` read in mode ``psm``, as spans in its pixels."""
        return [
            Span(text=t, box=(b[0], b[1], b[2], b[3]), score=c)
            for _, t, b, c in self._words(self._data(image, psm))
        ]

    def _read_view(
        self,
        image: Image.Image,
        ink: int,
        binary: bool,
        psm: int | None = None,
        data_dir: str | None = None,
        lang: str | None = None,
    ) -> list[Span]:
        """A crop read after ``ink_view`` in mode ``psm`` (the line mode, ``crop_psm``, if
        None), with the models in ``data_dir`` where given (in ``lang``, the engine's languages
        if None), its boxes in the crop's pixels."""
        view, scale, (dx, dy) = ink_view(image, ink, binary)
        psm = self.options["crop_psm"] if psm is None else psm
        words = self._words(self._data(view, psm, lang, data_dir))
        return [
            Span(text=text, box=_back_in(box, scale, dx, dy, image), score=score)
            for _, text, box, score in words
        ]

    def _arabic_views(self, image: Image.Image) -> tuple[list[Span], list[Span], float, float]:
        """An Arabic crop read five to seven ways and the surest reading kept; with the surest
        of the first three or four views and its agreement (normalized edit similarity to the
        closest other of them), the evidence the Arabic route weighs (``script_route``).

        Printed Arabic lines, degraded as scans are: Tesseract reads a line differently with
        its ink a few pixels taller or shorter, in grey or binarised, and its confidence tells
        the good reading apart. Three views (the crop as it is, grey ink at 20 px, binary at
        36) took CER 0.078 -> 0.054 and 0.096 -> 0.056 on two rendered sets against the line
        and word modes; two more (grey at 16 px, binary at 24) and the cleared view below took
        the project's crop further on seven rendered sets of 90 fonts, 0.072 -> 0.067 and
        0.096 -> 0.079 among them (bench/arabic_lines.py, docs/benchmarks.md). Two views that
        read alike are evidence of their own: junk read off a rule or a Latin word rarely comes
        out the same twice.
        But the more views, the surer the surest junk and the likelier two junk readings
        agree: counted over all of them, 14 more English crops of real scans took an Arabic
        reading, so the later views only choose the text, and the closest any of them comes to
        the weighed reading is returned apart, as its ``support`` (weaker evidence, weighed so).
        One of them reads the crop with the pieces of its neighbouring lines cleared
        (``without_edge_fragments``), where it has any.
        """
        # Every reading is made side by side (``side_by_side``), each a Tesseract process;
        # the weighing views read in the line mode, as where the crop's own reading holds.
        image.load()  # read side by side: none may be left to load it lazily
        psm = self.options["crop_psm"]
        word_shaped = image.width <= WORD_SHAPE * image.height
        cleared = without_edge_fragments(image)
        calls: list[Callable[[], list[Span]]] = [functools.partial(self._read_alone, image, psm)]
        calls += [
            functools.partial(self._read_view, image, ink, binary)
            for ink, binary in ARABIC_INK_VIEWS
        ]
        if word_shaped:
            # a word-shaped crop (a sign, a label): its ink band can be the whole plate, so
            # the word mode on the crop as it is stays among the readings
            calls.append(functools.partial(self._read_one, image, self.options["word_psm"]))
        evidence = len(calls)
        # the views that only choose keep to the line mode (read raw, the same junk)
        calls += [
            functools.partial(self._read_view, image, ink, binary)
            for ink, binary in ARABIC_CHOOSING_VIEWS
        ]
        if cleared is not None:
            calls.append(functools.partial(self._read_view, cleared, ARABIC_CLEARED_INK, False))
        if self._second_model is not None:
            folder = str(self._second_model.parent)
            calls += [
                # its folder holds ``ara`` alone, whatever else the engine reads
                functools.partial(self._read_view, image, ink, binary, data_dir=folder, lang="ara")
                for ink, binary in SECOND_MODEL_VIEWS
            ]
        readings = side_by_side([functools.partial(_or_nothing, call) for call in calls])
        # Where the line mode finds no line in the crop itself, the crop is read in the
        # raw-line mode, and so are the weighing views the line mode found nothing in: read
        # so where the crop's own reading held, specks at a line's ends came out as junk
        # surer than that reading.
        if not readings[0] and psm == LINE_PSM:
            again = [0] + [k for k in range(1, 1 + len(ARABIC_INK_VIEWS)) if not readings[k]]
            raw = side_by_side(
                [functools.partial(self._read_raw_line, image)]
                + [
                    functools.partial(
                        self._read_view, image, *ARABIC_INK_VIEWS[k - 1], psm=RAW_LINE_PSM
                    )
                    for k in again[1:]
                ]
            )
            for k, spans in zip(again, raw):
                readings[k] = spans
        scores = [confidence(spans) for spans in readings]
        best = max(range(evidence), key=scores.__getitem__)  # first if tied
        texts = [" ".join(s.text for s in spans) for spans in readings]
        similar = [
            Levenshtein.normalized_similarity(texts[best], text) if texts[best] else 0.0
            for text in texts
        ]
        agreement = max(similar[i] for i in range(evidence) if i != best)
        support = max(similar[i] for i in range(len(readings)) if i != best)
        # The second model reads some lines as a letter or two, surely (a Nastaliq line as
        # `و`); such a reading, under half as long as the weighed one, never gives the text.
        first_second = len(readings) - (len(SECOND_MODEL_VIEWS) if self._second_model else 0)
        chosen = max(
            (
                k
                for k in range(len(readings))
                if k < first_second or len(texts[k]) >= SECOND_MODEL_MIN_SHARE * len(texts[best])
            ),
            key=scores.__getitem__,
        )
        # the evidence and the chosen reading repair their numbers from one script reading
        script = functools.cache(functools.partial(self._script_reading, image, None))
        evidence_line = self._arabic_line(image, readings[best], script=script)
        line = evidence_line
        if chosen != best:
            line = self._arabic_line(image, readings[chosen], script=script)
        known = self._known_words()
        if known:  # the text only: the route weighs the evidence as read
            line = with_known_words(line, readings[:chosen] + readings[chosen + 1 :], known)
        return line, evidence_line, agreement, support

    def _arabic_line(
        self,
        image: Image.Image,
        line: list[Span],
        region: Box | None = None,
        script: Callable[[], list[Span]] | None = None,
    ) -> list[Span]:
        """A line read with Arabic data (in ``region`` of ``image``, the whole of it if
        None), with what its models cannot write put back: numbers in Arabic-Indic digits
        (``arabic_digits``, from ``script()``, the script model's reading, where given) and
        the Arabic comma (``arabic_comma``); other lines as they are."""
        if "ara" not in self.options["lang"].split("+"):
            return line
        if arabic_digits.needs_script_model(line) and arabic_digits.has_script_model():
            words = script() if script is not None else self._script_reading(image, region)
            line = arabic_digits.replace_numbers(line, words)
        return restore_commas(image, line)

    def _arabic_lines(
        self, lines: Sequence[tuple[Image.Image, list[Span], Box | None]]
    ) -> list[list[Span]]:
        """``_arabic_line`` for each (image, line, region) of ``lines``, the script model's
        readings of those that want one made side by side."""
        wants = [
            "ara" in self.options["lang"].split("+") and arabic_digits.needs_script_model(line)
            for _, line, _ in lines
        ]
        script: dict[int, list[Span]] = {}
        if any(wants) and arabic_digits.has_script_model():
            asked = [k for k, want in enumerate(wants) if want]
            for k in asked:
                lines[k][0].load()  # cropped side by side: none may be left to load it lazily
            calls = [
                functools.partial(self._script_reading, lines[k][0], lines[k][2]) for k in asked
            ]
            script = dict(zip(asked, side_by_side(calls)))
        return [
            self._arabic_line(
                image, line, region, script=_given(script[k]) if k in script else None
            )
            for k, (image, line, region) in enumerate(lines)
        ]

    def _script_reading(self, image: Image.Image, region: Box | None) -> list[Span]:
        """The Arabic script model's words for one line (line mode), in ``image``'s pixels."""
        x0, y0 = (0, 0) if region is None else (round(region[0]), round(region[1]))
        crop = image if region is None else image.crop((x0, y0, round(region[2]), round(region[3])))
        lang = arabic_digits.SCRIPT_MODEL

        def read() -> list[_Word]:
            return self._words(self._data(crop, self.options["crop_psm"], lang))

        words = _or_nothing(read)
        return [
            Span(text=t, box=(b[0] + x0, b[1] + y0, b[2] + x0, b[3] + y0), score=c)
            for _, t, b, c in words
        ]

    def _reads_arabic_views(self) -> bool:
        return "ara" in self.options["lang"].split("+") and self.options["arabic_views"]

    def read_crop(self, image: Image.Image) -> list[Span]:
        if self._reads_arabic_views():
            return self._arabic_views(image)[0]
        if "ara" in self.options["lang"].split("+"):
            # Arabic: Tesseract's word mode reads some lines its line mode misses, and the
            # other way round; keep the surer reading.
            spans = self._read_one(image, self.options["crop_psm"])
            word = self._read_one(image, self.options["word_psm"])
            return self._arabic_line(image, word if confidence(word) > confidence(spans) else spans)
        if image.width <= WORD_SHAPE * image.height:
            # Shaped like a single word: read as Tesseract reads a word (its word mode), as
            # the text-recognition benchmarks' crops are. Where the word mode finds nothing, or
            # more than one word (a short line with a margin), the line mode reads it.
            word = self._read_one(image, self.options["word_psm"])
            if len(word) == 1 and " " not in word[0].text.strip():
                return word
        return self._read_one(image, self.options["crop_psm"])

    def read_line(self, image: Image.Image) -> list[Span]:
        """A crop known to hold one line: in the line mode, however short (a short line read
        in the word mode ran its words together, ``ifyoudo``); Arabic as any Arabic crop."""
        if "ara" in self.options["lang"].split("+"):
            return self.read_crop(image)
        return self._read_one(image, self.options["crop_psm"])

    def read_word(self, image: Image.Image) -> list[Span]:
        return self._read_one(image, self.options["word_psm"])

    def recognize(self, crops: Sequence[Image.Image]) -> list[Recognition]:
        """Each line crop's words joined, with their character-weighted confidence (the
        recognizer role), read as ``read_crops`` reads them; a single Arabic crop is read in
        its views, and the reading carries their ``agreement``, the reading that and its
        score were measured on (``judged``) and how closely any view read that (``support``)."""
        if len(crops) == 1 and self._reads_arabic_views():
            spans, evidence, agreement, support = self._arabic_views(crops[0])
            text, judged = (" ".join(s.text for s in r).strip() for r in (spans, evidence))
            return [Recognition(text, confidence(evidence), agreement, judged, support)]
        readings = self.read_crops(list(crops))
        return [
            Recognition(" ".join(s.text for s in spans).strip(), confidence(spans))
            for spans in readings
        ]

    def for_language(self, lang: str) -> TesseractEngine:
        """This engine's page settings with other languages (an Arabic page read whole)."""
        keep = (
            "psm",
            "oem",
            "turn",
            "straighten",
            "timeout",
            "extra_config",
            "second_arabic_model",
        )
        return TesseractEngine(lang=lang, **{k: v for k, v in self.options.items() if k in keep})

    def read_crops(self, images: list[Image.Image]) -> list[list[Span]]:
        """Line crops stacked into one image and read in one Tesseract call (one process
        start instead of one per line); each word goes back to the crop it lies in."""
        if len(images) <= 1:
            return [self.read_crop(image) for image in images]
        prepared = [prepare_crop(image, self.options["crop_height"]) for image in images]
        gap = max(8, self.options["crop_height"] // 2)
        width = max(p[0].width for p in prepared)
        height = sum(p[0].height for p in prepared) + gap * (len(prepared) - 1)
        sheet = Image.new("L", (width, height), 255)
        ranges, top = [], 0
        rtl = "ara" in self.options["lang"].split("+")
        for crop, _, _ in prepared:
            left = width - crop.width if rtl else 0  # right-aligned, as Arabic text is
            sheet.paste(crop, (left, top))
            ranges.append((top, top + crop.height, left))
            top += crop.height + gap
        out: list[list[Span]] = [[] for _ in images]
        for _, text, box, score in self._words(self._data(sheet, 6)):
            centre = (box[1] + box[3]) / 2
            for k, (y0, y1, left) in enumerate(ranges):
                if y0 - gap / 2 <= centre < y1 + gap / 2:
                    _, scale, (dx, dy) = prepared[k]
                    bx = _back_in(box, scale, left + dx, y0 + dy, images[k])
                    out[k].append(Span(text=text, box=bx, score=score))
                    break
        return self._arabic_lines([(image, spans, None) for image, spans in zip(images, out)])


def _or_nothing(call: Callable[[], list[_T]]) -> list[_T]:
    """What ``call`` read, or nothing where Tesseract failed on it: one view or repair of a line
    lost, not the page. Tesseract's ``Arabic`` model stops with a floating-point exception on
    some line crops (a line of a typeset exam, read in the line mode) that its ``ara`` model and
    its other modes read."""
    try:
        return call()
    except OCREngineError as exc:
        log.warning("%s; that reading is left out", exc)
        return []


def _given(words: list[Span]) -> Callable[[], list[Span]]:
    return lambda: words


def _back_in(box: list[float], scale: float, dx: float, dy: float, image: Image.Image) -> Box:
    """A box found on a prepared (offset, scaled) crop, in the original crop's pixels."""
    return (
        max(0.0, (box[0] - dx) / scale),
        max(0.0, (box[1] - dy) / scale),
        min(float(image.width), (box[2] - dx) / scale),
        min(float(image.height), (box[3] - dy) / scale),
    )


def _line_region(boxes: list[list[float]], image: Image.Image) -> Box:
    """The box around a line's word boxes, grown by half the line's height (within the
    image), as a line is cut to be read again."""
    x0, y0, x1, y1 = union_box(boxes)
    pad = (y1 - y0) / 2
    return (
        max(0.0, x0 - pad),
        max(0.0, y0 - pad),
        min(float(image.width), x1 + pad),
        min(float(image.height), y1 + pad),
    )


def _turned_back(page: PageLayout, turn: skew.Turn) -> PageLayout:
    """``page``, read turned by ``turn``, with its words' boxes in the pixels of the image as
    given."""
    return PageLayout(
        spans=[turn.back_span(s) for s in page.spans], lines=page.lines, blocks=page.blocks
    )


def _tilt(words: Sequence[_Word]) -> float | None:
    """The tilt (degrees, positive: climbing to the right) of the lines Tesseract read as
    ``words``: the median slope of their words' centres (``TILT_WORDS``, ``TILT_SPREAD``); None
    where fewer than ``skew.MIN_LINES`` lines tell it."""
    lines: dict[tuple[int, int, int], list[list[float]]] = {}
    for key, _, box, _ in words:
        lines.setdefault(key, []).append(box)
    angles = []
    for boxes in lines.values():
        if len(boxes) < TILT_WORDS:
            continue
        xs = np.array([(b[0] + b[2]) / 2 for b in boxes])
        ys = np.array([(b[1] + b[3]) / 2 for b in boxes])
        if np.ptp(xs) < TILT_SPREAD * float(np.median([b[3] - b[1] for b in boxes])):
            continue
        slope = float(np.polyfit(xs, ys, 1)[0])
        angles.append(math.degrees(math.atan(-slope)))  # the y axis points down
    return float(np.median(angles)) if len(angles) >= skew.MIN_LINES else None


def _sureness(words: Sequence[_Word]) -> tuple[int, float]:
    """How many characters a page's reading holds, and its character-weighted confidence."""
    chars = sum(len(text) for _, text, _, _ in words)
    return chars, sum(score * len(text) for _, text, _, score in words) / max(chars, 1)


def confidence(spans: list[Span]) -> float:
    """Character-weighted mean confidence of a reading; 0 for an empty one."""
    chars = sum(len(s.text) for s in spans)
    return sum(s.score * len(s.text) for s in spans) / chars if chars else 0.0


def ink_height(grey: Image.Image) -> int:
    """Height in pixels of the band holding the central 96% of the dark ink (0: none).

    The band leaves out stray specks and most of the dots above and below the letters, so
    it tracks the letters' body whatever margin the crop was cut with.
    """
    band = ink_band(np.asarray(grey) <= otsu_level(grey), 0.02, 0.98)
    return 0 if band is None else band[1] - band[0] + 1


def ink_view(
    image: Image.Image, ink: int, binary: bool
) -> tuple[Image.Image, float, tuple[int, int]]:
    """A crop in grey (dark on light) scaled so its ink is ``ink`` pixels tall, binarised at
    Otsu's level if ``binary``, with a light margin.

    Returns the image, the scale applied and the offset of the crop inside it.
    """
    grey, background = dark_on_light(image)
    height = ink_height(grey)
    scale = ink / height if height else 1.0
    if scale != 1.0:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.LANCZOS)
    if binary:
        level = otsu_level(grey)
        grey = grey.point(lambda v: 255 if v > level else 0)
        background = 255.0
    margin = max(6, grey.height // 4)
    return (
        ImageOps.expand(grey, border=margin, fill=round(background)),
        scale,
        (margin, margin),
    )


def prepare_crop(
    image: Image.Image, text_height: int
) -> tuple[Image.Image, float, tuple[int, int]]:
    """A crop as Tesseract reads it best: grey, dark text on a light ground, scaled up when
    its text is small, with a margin of its own background around it.

    Returns the prepared image, the scale applied and the offset of the crop inside it.
    """
    grey, background = dark_on_light(image)
    scale = 1.0
    if text_height and 0 < grey.height < text_height:
        scale = text_height / grey.height
        grey = grey.resize(
            (max(1, round(grey.width * scale)), text_height), Image.Resampling.LANCZOS
        )
    margin = max(6, grey.height // 4)
    padded = ImageOps.expand(grey, border=margin, fill=round(background))
    return padded, scale, (margin, margin)


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


@functools.cache
def _check_installation(lang: str) -> str:
    """The Tesseract version, after checking that the binary and each language exist."""
    try:
        import pytesseract
    except ImportError as exc:
        raise OCREngineError(
            "the tesseract engine needs pytesseract, a dependency of this package: reinstall it "
            "(pip install pytesseract)"
        ) from exc
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
