"""``Reader``: decoded images in, ``OCRResult`` objects out, with no cache.

It chooses how each image is read (a page or a crop), calls the engine once per batch of
images read the same way, reads a line-shaped page that held nothing (and a small image
whose page reading did not find two lines) again as a crop, and assembles each result in
reading order. ``OCRExpert`` puts a cache in front of it.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from typing import Any, Literal

from PIL import Image, ImageOps

from ocr_expert import skew
from ocr_expert.engines.base import OCREngine, OCREngineError, PageLayout, ReadMode
from ocr_expert.image_io import ImageInputError
from ocr_expert.ink import (
    LINE_BAND,
    UNREAD_INK_SHARE,
    cut_by_edge,
    cut_out_of_a_page,
    ink_extents,
    ink_lines,
    light_text,
    trimmed,
    unread_ink,
)
from ocr_expert.reading_order import (
    crop_line,
    lines_from_layout,
    order_spans,
    text_direction,
    vertical_overlap,
)
from ocr_expert.rules import Rules, find_rules
from ocr_expert.stacks import read_whole
from ocr_expert.types import Box, Direction, Line, OCRResult, Span, spans_box

Mode = Literal["auto", "page", "crop", "line", "word"]
MODES = ("auto", "page", "crop", "line", "word")

#: in ``auto`` mode an image at most this tall is taken for a word or line crop, unless its
#: ink stands in two lines or more
CROP_MAX_HEIGHT = 96

Found = list[Span] | PageLayout


def check_mode(mode: str) -> None:
    """Refuse a read mode that is not one of ``MODES`` (``ValueError``)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")


class Reader:
    """Reads decoded images with ``engine``; ``direction`` forces the reading direction."""

    def __init__(self, engine: OCREngine, direction: Direction | None = None) -> None:
        self.engine = engine
        self.direction = direction

    def config(self) -> dict[str, Any]:
        """The engine's full configuration plus the reader's own settings."""
        config = dict(self.engine.config())
        if self.direction:
            config["direction"] = self.direction
        return config

    def read(self, images: Sequence[Image.Image], mode: Mode) -> list[OCRResult | Exception]:
        """Each image's result, or the ``OCREngineError`` (``ImageInputError``) it failed with.

        Several images go to the engine together; when that fails, each is read alone so
        that one bad image fails alone.
        """
        if len(images) > 1:
            try:
                return list(self._read_together(images, mode))
            except Exception:  # one bad image must fail alone: read them one at a time
                pass
        return [self._read_alone(image, mode) for image in images]

    def read_tokens(
        self,
        tokens: Sequence[str],
        token_boxes: Sequence[Sequence[float]] | None,
        size: tuple[int, int],
    ) -> OCRResult:
        """A dataset's own OCR tokens (and boxes) as a result for an image of ``size``."""
        from ocr_expert.engines.dataset import DatasetTokensEngine

        engine = (
            self.engine if isinstance(self.engine, DatasetTokensEngine) else DatasetTokensEngine()
        )
        spans = engine.spans_from_tokens(tokens, token_boxes, size)
        # Tokens without boxes keep the dataset's order: there is no geometry to sort by.
        lines, direction = order_spans(spans, self.direction)
        return OCRResult(
            spans=tuple(spans),
            lines=tuple(lines),
            width=size[0],
            height=size[1],
            engine="dataset",
            config=engine.config(),
            language=None,
            direction=direction,
            mode="tokens",
        )

    def _read_alone(self, image: Image.Image, mode: Mode) -> OCRResult | Exception:
        try:
            return self._read_together([image], mode)[0]
        except (OCREngineError, ImageInputError) as exc:
            return exc
        except Exception as exc:  # an engine bug must fail this image, not the caller's run
            detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
            used = _used_mode(_Ink(image), mode)
            error = OCREngineError(
                f"{self.engine.name} failed on a {image.width}x{image.height} image "
                f"({used} mode): {detail}"
            )
            error.__cause__ = exc
            return error

    def _read_together(self, images: Sequence[Image.Image], mode: Mode) -> list[OCRResult]:
        """The engine called once per batch (pages and crops apart); raises what it raises."""
        if not images:
            return []
        start = time.perf_counter()
        inks = [_Ink(image) for image in images]
        used = [_used_mode(ink, mode) for ink in inks]
        found: list[Found] = [[] for _ in images]
        for read_mode in ("page", _crop_mode(mode)):
            idx = [i for i, u in enumerate(used) if (u == "page") == (read_mode == "page")]
            if idx and read_mode == "page":
                batch = self.engine.read_batch([images[i] for i in idx], mode=read_mode)
                for i, spans in zip(idx, batch):
                    found[i] = _without_cut_lines(images[i], spans)
            elif idx:
                for i, spans in zip(idx, self._read_as_crops([images[i] for i in idx], read_mode)):
                    found[i] = spans
        retry = [i for i, ink in enumerate(inks) if _retry_as_crop(found[i], mode, used[i], ink)]
        if retry:
            batch = self._read_as_crops([images[i] for i in retry], "crop")
            for i, spans in zip(retry, batch):
                used[i], found[i] = "crop", spans
        each = (time.perf_counter() - start) / len(images)
        return [self._result(image, f, u, each) for image, f, u in zip(images, found, used)]

    def _read_as_crops(self, images: list[Image.Image], mode: ReadMode) -> list[Found]:
        """Each image read by the engine as a crop (``mode``), cut down to its ink first
        (``ink.trimmed``), its spans placed back in the image's own pixels; a span that
        spans the whole cut (a recognizer's one line) spans the whole image, as a crop's
        line does."""
        cuts = [trimmed(image) for image in images]
        batch = self.engine.read_batch([cut for cut, _ in cuts], mode=mode)
        return [
            _shifted(spans, offset, cut.size, image.size)
            for spans, (cut, offset), image in zip(batch, cuts, images)
        ]

    def _result(self, image: Image.Image, found: Found, used: str, elapsed: float) -> OCRResult:
        if isinstance(found, PageLayout) and not found.in_order:
            spans = list(found.spans)
            lines, direction = self._lines_in_order(image, spans, found.lines)
        elif isinstance(found, PageLayout):  # the engine's own reading order, kept
            spans = list(found.spans)
            lines, direction = lines_from_layout(spans, found.lines, found.blocks, self.direction)
        elif self.engine.lines_in_order and found and all(s.box is None for s in found):
            spans = list(found)
            lines, direction = _given_lines(spans, self.direction)
        elif used == "crop":  # one word or line: its spans are never split into lines
            spans = list(found)
            lines, direction = crop_line(spans, self.direction)
        else:
            spans, lines, direction = self._page_order(image, list(found))
        return OCRResult(
            spans=tuple(spans),
            lines=tuple(lines),
            width=image.width,
            height=image.height,
            engine=self.engine.name,
            config=self.config(),
            language=self.engine.language,
            direction=direction,
            mode=used,  # type: ignore[arg-type]
            elapsed_s=elapsed,
        )

    def _lines_in_order(
        self, image: Image.Image, spans: list[Span], layout_lines: list[list[int]]
    ) -> tuple[list[Line], Direction]:
        """An engine's lines of ``spans`` (its words, in their order) put in the project's
        reading order: each line, as one span, goes through the page order with the page's
        rules and ink; each ordered line then takes back its lines' words."""
        units, members, unplaced = [], [], []
        for line in layout_lines:
            box = spans_box(spans, line)
            text = " ".join(spans[i].text for i in line)
            if not text.strip():
                continue
            if box is None:  # nowhere to place it: after the page, as the engine gave it
                unplaced.append(line)
                continue
            units.append(Span(text=text, box=box, score=min(spans[i].score for i in line)))
            members.append(line)
        grey = _page_grey(image, units)
        ordered, direction = order_spans(
            units, self.direction, _page_rules(grey, units), ink_extents(grey, units)
        )
        lines = [
            replace(line, spans=tuple(i for unit in line.spans for i in members[unit]))
            for line in ordered
        ]
        last = max((line.block for line in lines), default=-1) + 1
        rest, _ = lines_from_layout(spans, unplaced, [last] * len(unplaced), direction)
        return lines + rest, direction

    def _page_order(
        self, image: Image.Image, spans: list[Span]
    ) -> tuple[list[Span], list[Line], Direction]:
        """A page's spans in reading order; a page placed askew (``skew.STRAIGHTEN_DEG`` or
        more), lying on its side (``skew.sideways``, turned as ``skew.quarter_turn`` says) or
        upside down (``skew.upside_down``) is read again turned upright and straight and
        ordered there, its words and lines given back in the image's own pixels. A page turned
        a quarter that then reads upside down is turned the other quarter instead. Where the
        second reading fails, or is itself upside down, the first stands."""
        turn_by = _turn_upright(image, spans)
        if turn_by:
            again = self._read_turned(image, turn_by)
            if again is None and turn_by in (90, 270):
                again = self._read_turned(image, (turn_by + 180) % 360)
            if again is not None:
                return again
        return self._order(image, spans)

    def _order(
        self, image: Image.Image, spans: Sequence[Span]
    ) -> tuple[list[Span], list[Line], Direction]:
        """``spans``, read on ``image``, in lines in reading order: a word set up the margin
        that the detector boxed letter by letter read again whole (``stacks``), then ordered
        with the page's ruling lines and gutters measured between the lines' ink as well as
        their boxes."""
        spans = read_whole(image, spans, self._read_crops)
        grey = _page_grey(image, spans)
        lines, direction = order_spans(
            spans, self.direction, _page_rules(grey, spans), ink_extents(grey, spans)
        )
        return spans, lines, direction

    def _read_crops(self, crops: list[Image.Image]) -> list[Span | None]:
        """Each crop read as one line of text: one span, or None where nothing was read."""
        try:
            found = self.engine.read_batch(crops, mode="crop")
        except OCREngineError:
            return [None] * len(crops)
        out: list[Span | None] = []
        for spans in found:
            read = [] if isinstance(spans, PageLayout) else [s for s in spans if s.text.strip()]
            text = " ".join(s.text.strip() for s in read)
            out.append(Span(text, None, min(s.score for s in read)) if read else None)
        return out

    def _read_turned(
        self, image: Image.Image, degrees: float
    ) -> tuple[list[Span], list[Line], Direction] | None:
        """The page read and ordered turned by ``degrees`` (clockwise), in the image's own
        pixels; None where that reading fails or reads upside down."""
        straight, turn = skew.straighten(image, degrees)
        try:
            (again,) = self.engine.read_batch([straight], mode="page")
        except OCREngineError:
            return None
        if not again or isinstance(again, PageLayout) or skew.upside_down(again):
            return None
        # the lines the image's own edge cuts, found where they lie on it
        cut = cut_by_edge(image, [turn.back_span(s).box for s in again])
        again = [s for i, s in enumerate(again) if i not in cut]
        again, lines, direction = self._order(straight, again)
        return [turn.back_span(s) for s in again], [turn.back_line(li) for li in lines], direction


def _turn_upright(image: Image.Image, spans: Sequence[Span]) -> float:
    """Degrees (clockwise) a page read as ``spans`` must be turned to stand upright and
    straight; 0 where it is read as it is."""
    if skew.sideways(spans):
        return skew.quarter_turn(image, spans)
    if skew.upside_down(spans):
        tilt = skew.page_skew(spans, over=True)
        return 180 + (tilt if abs(tilt) >= skew.STRAIGHTEN_DEG else 0)
    tilt = skew.page_skew(spans)
    return tilt if abs(tilt) >= skew.STRAIGHTEN_DEG else 0


def _page_grey(image: Image.Image, spans: Sequence[Span]) -> Image.Image:
    """The page in grey, as the rules and the ink look at it: dark text on a light ground,
    turned so where its text stands light (a negative, a dark screen), whose rules are light
    too."""
    grey = image.convert("L")
    boxes = [s.box for s in spans if s.box is not None and s.text.strip()]
    return ImageOps.invert(grey) if light_text(grey, boxes) else grey


def _page_rules(image: Image.Image, spans: Sequence[Span]) -> Rules:
    """The ruling lines of a page whose text the engine found in ``spans``."""
    boxes = [s.box for s in spans if s.box is not None and s.text.strip()]
    if len(boxes) < 2:
        return Rules()
    return find_rules(image, statistics.median(b[3] - b[1] for b in boxes), boxes)


def _shifted(
    found: Found, offset: tuple[int, int], cut: tuple[int, int], whole: tuple[int, int]
) -> Found:
    """``found``, read on a cut of size ``cut`` at ``offset`` in an image of size ``whole``,
    placed back in the image's pixels (a span boxed as the whole cut, as the whole image)."""
    dx, dy = offset
    if not dx and not dy and cut == whole:
        return found
    everything = (0.0, 0.0, float(cut[0]), float(cut[1]))
    spans = [
        replace(s, box=(0.0, 0.0, float(whole[0]), float(whole[1])), polygon=None)
        if s.box == everything
        else replace(
            s,
            box=None if s.box is None else _moved(s.box, dx, dy),
            polygon=None if s.polygon is None else tuple((x + dx, y + dy) for x, y in s.polygon),
        )
        for s in (found.spans if isinstance(found, PageLayout) else found)
    ]
    return replace(found, spans=spans) if isinstance(found, PageLayout) else spans


def _moved(box: Box, dx: int, dy: int) -> Box:
    return (box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy)


def _without_cut_lines(image: Image.Image, found: Found) -> Found:
    """A page reading less the lines the image's top or bottom edge cuts through
    (``cut_by_edge``): what shows of the lines above and below a region cut out of a page
    reads as junk (``tho aff-tt mf siro``) or as another line's words, whatever the engine."""
    if isinstance(found, PageLayout):
        boxes = [spans_box(found.spans, line) for line in found.lines]
        cut = cut_by_edge(image, boxes)
        if not cut:
            return found
        kept = [i for i in range(len(found.lines)) if i not in cut]
        dropped = {j for i in cut for j in found.lines[i]}
        spans = [j for j in range(len(found.spans)) if j not in dropped]
        new = {old: n for n, old in enumerate(spans)}
        return replace(
            found,
            spans=[found.spans[j] for j in spans],
            lines=[[new[j] for j in found.lines[i]] for i in kept],
            blocks=[found.blocks[i] for i in kept],
        )
    cut = cut_by_edge(image, [s.box for s in found])
    return [s for i, s in enumerate(found) if i not in cut] if cut else found


class _Ink:
    """What an image's ink says of its shape, each measure taken once, when first asked
    (which mode to read it in, then whether to read it again as a crop)."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image

    @cached_property
    def lines(self) -> int:
        return ink_lines(self.image)

    @cached_property
    def cut_out(self) -> bool:
        return cut_out_of_a_page(self.image)


def _used_mode(ink: _Ink, mode: Mode) -> str:
    if mode in ("crop", "line", "word"):
        return "crop"
    if mode == "auto" and ink.image.height <= CROP_MAX_HEIGHT:
        # a recognizer reads one line: two lines of small print given to it read as junk, and
        # so does a line cut out of a page with its neighbours' edges
        return "page" if ink.lines >= 2 or ink.cut_out else "crop"
    return "page"


def _crop_mode(mode: Mode) -> ReadMode:
    """How the engine reads an image taken for a crop: its word or line mode when asked for
    words or lines, as a crop of either where the shape must tell."""
    if mode == "word":
        return "word"
    return "line" if mode == "line" else "crop"


def _retry_as_crop(found: Found, mode: Mode, used: str, ink: _Ink) -> bool:
    """In ``auto`` mode, a line-shaped page where detection found nothing is read again as
    a crop, and so is an image of crop height whose page reading did not find two lines
    (one line with the cut edges of its neighbours shows bands of ink too: the engine's own
    lines count where the ink shows two lines as well), unless it was cut out of a page
    (``cut_out_of_a_page``) and its page reading found text: the crop would read its
    neighbours' edges and run its fields together. An engine that lays the page out itself
    (a ``PageLayout``) reads it again as a crop where its reading leaves more than
    ``UNREAD_INK_SHARE`` of the ink in the rows it read outside its boxes (``unread_ink``):
    Tesseract's page layout keeps a row's first field and drops those far to its right. A
    detector's boxes (PP-OCR's) miss a checkbox's ink, not fields; read as a crop, a form's
    row ran its fields together (``BASE COLORAluminumSINGLE FACE``)."""
    if mode != "auto" or used != "page":
        return False
    spans = list(found.spans if isinstance(found, PageLayout) else found)
    if ink.image.height <= CROP_MAX_HEIGHT:
        if _two_lines(spans) or (_engine_lines(found) >= 2 and ink.lines >= 2):
            return False
        read = [s for s in spans if s.text.strip()]
        if not read or not ink.cut_out:
            return True
        if not isinstance(found, PageLayout):
            return False
        boxes = [s.box for s in read if s.box is not None]
        return unread_ink(ink.image, boxes) > UNREAD_INK_SHARE
    return not spans and _line_shaped(ink.image)


def _two_lines(spans: Sequence[Span]) -> bool:
    """Whether two of ``spans`` (words or lines holding a letter or digit) stand one above
    the other, overlapping by less than half the shorter one's height, both at least
    ``LINE_BAND`` of the tallest one's height: a neighbour's cut edge is not a line. An
    engine that writes a page out without boxes gives one span a line."""
    read = [s for s in spans if any(c.isalnum() for c in s.text)]
    if read and all(s.box is None for s in read):
        return len(read) >= 2
    boxes = [s.box for s in read if s.box is not None]
    if len(boxes) < 2:
        return False
    tallest = max(b[3] - b[1] for b in boxes)
    boxes = [b for b in boxes if b[3] - b[1] >= LINE_BAND * tallest]
    return any(vertical_overlap(a, b) < 0.5 for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def _engine_lines(found: Found) -> int:
    """How many lines holding a letter or digit an engine that gives its own lines found,
    each at least ``LINE_BAND`` of the tallest one's height (0 for an engine that gives
    spans): on a small image its word boxes may overlap from line to line (Tesseract pads
    them to the height of the text's rows), its lines still stand."""
    if not isinstance(found, PageLayout):
        return 0
    boxes = [
        box
        for line in found.lines
        if any(c.isalnum() for i in line for c in found.spans[i].text)
        and (box := spans_box(found.spans, line)) is not None
    ]
    tallest = max((b[3] - b[1] for b in boxes), default=0.0)
    return sum(b[3] - b[1] >= LINE_BAND * tallest for b in boxes)


def _given_lines(spans: list[Span], direction: Direction | None) -> tuple[list[Line], Direction]:
    """One line per span, in the engine's order: a model that writes a page out gives its
    lines in reading order but no boxes to order them by."""
    page = direction or text_direction(" ".join(s.text for s in spans)) or "ltr"
    lines = [
        Line(text=s.text, box=None, spans=(i,), direction=text_direction(s.text) or page)
        for i, s in enumerate(spans)
    ]
    return lines, page


def _line_shaped(image: Image.Image) -> bool:
    return image.width >= 2 * image.height and image.height <= 256
