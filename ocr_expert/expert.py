"""``OCRExpert``: one object that reads images with a chosen engine, in reading order, cached.

The reading itself (mode choice, batching, assembly) is ``ocr_expert.reader.Reader``; the
expert loads images, looks each up in the cache and hands the rest to the reader.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from ocr_expert.cache import OCRCache, cache_key, key_fields
from ocr_expert.engines import get_engine
from ocr_expert.engines.base import OCREngine, OCREngineError
from ocr_expert.engines.script_route import ScriptRoute, ScriptRoutedEngine
from ocr_expert.image_io import (
    DEFAULT_MAX_PIXELS,
    ImageInputError,
    ImageSource,
    LoadedImage,
    check_readable_shape,
    load_image,
    source_digest,
)
from ocr_expert.reader import CROP_MAX_HEIGHT, MODES, Mode, Reader, check_mode
from ocr_expert.reading_order import order_spans
from ocr_expert.types import Direction, Line, OCRResult

__all__ = ["CROP_MAX_HEIGHT", "MODES", "Mode", "OCRExpert"]


class OCRExpert:
    """Reads text off images with one engine.

    >>> expert = OCRExpert("ppocr")                      # doctest: +SKIP
    >>> expert.read("sign.jpg").text                     # doctest: +SKIP
    'SALE\\n50% OFF'

    A detector and a recognizer of different engines are combined by the ``two-stage``
    engine: ``OCRExpert("two-stage", detector="ppocr", recognizer="tesseract")``.

    Args:
        engine: an engine name (``ppocr``, ``tesseract``, ``two-stage``,
            ``vision-encoder-decoder``, ``got-ocr2``, ``vlm-ocr``, ``dataset``) or an engine
            instance.
        cache_dir: where results are cached (default: ``ocr_expert.cache.default_cache_dir()``).
        use_cache: set False to always run the engine.
        direction: force the reading direction (``"rtl"`` for Arabic pages); default: from the text.
        max_pixels: refuse larger images (decompression-bomb guard).
        script_route: pass the engine's lines through the Arabic route stage
            (``ocr_expert.engines.script_route``): the name of its recognizer
            (``"tesseract"``) or a ``ScriptRoute``. ``ppocr`` runs that stage itself (its
            ``arabic`` option, on by default).
        **options: the engine's own options, e.g. ``lang="ara"`` for Tesseract; checked
            before anything loads (``ocr_expert.engines.check_options``).
    """

    def __init__(
        self,
        engine: str | OCREngine = "ppocr",
        *,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        direction: Direction | None = None,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        script_route: str | ScriptRoute | None = None,
        **options: Any,
    ) -> None:
        if isinstance(engine, OCREngine):
            if options:
                raise OCREngineError("engine options go to get_engine, not with an engine instance")
        else:
            engine = get_engine(engine, **options)
        route = ScriptRoute.build(script_route) if isinstance(script_route, str) else script_route
        if route is not None:
            engine = ScriptRoutedEngine(engine, route)
        self.reader = Reader(engine, direction)
        self.cache = OCRCache(cache_dir) if use_cache and engine.cacheable else None
        self.max_pixels = max_pixels
        self.stats = {"hits": 0, "misses": 0}
        self._stats_lock = threading.Lock()

    @property
    def engine(self) -> OCREngine:
        return self.reader.engine

    @property
    def engine_name(self) -> str:
        return self.engine.name

    @property
    def direction(self) -> Direction | None:
        return self.reader.direction

    def config(self) -> dict[str, Any]:
        """The engine's full configuration plus the expert's own settings (the cache key's)."""
        return self.reader.config()

    def read(
        self,
        image: ImageSource | None,
        *,
        mode: Mode = "auto",
        tokens: Sequence[str] | None = None,
        token_boxes: Sequence[Sequence[float]] | None = None,
        digest: str | None = None,
    ) -> OCRResult:
        """Read ``image`` and return its text in reading order.

        ``mode``: ``page`` finds text anywhere (detection + recognition); ``crop`` reads a
        single word or line crop (recognition only); ``line`` and ``word`` read a crop known
        to hold one line or one word (the engine's own line or word mode, where it has
        one: Tesseract's ``psm`` 7 and 8); ``auto`` takes images at most
        ``CROP_MAX_HEIGHT`` pixels tall for crops (but for one whose ink stands in two
        lines, read as a page where that reading finds two lines), and retries a
        line-shaped image as a crop when detection finds nothing. ``tokens`` and
        ``token_boxes`` feed the ``dataset`` engine. ``image`` may be an ``ImageHandle``
        (decoded at most once, shared with the caller) and ``digest`` the image's digest
        where the caller has it (not hashed again). Raises ``ImageInputError`` for
        unreadable input, ``OCREngineError`` when the engine fails.
        """
        check_mode(mode)
        if self.engine.takes_tokens or tokens is not None:
            return self._from_tokens(image, tokens, token_boxes)
        if image is None:
            raise ImageInputError("no image given")

        (result,) = self._read_cached([image], mode, [digest])
        if isinstance(result, Exception):
            raise result
        return result

    def read_pdf(
        self,
        pdf: str | Path | bytes,
        *,
        pages: str | Sequence[int] | None = None,
        dpi: int = 200,
        text_layer: Literal["auto", "always", "never"] = "auto",
        mode: Mode = "page",
    ) -> list[tuple[int, OCRResult]]:
        """Read the pages of a PDF: ``[(page number, result), ...]``, numbered from 1.

        ``pages``: ``"1-3,5"`` or a list (default: all). ``text_layer``: ``"auto"`` reads a
        page's text layer where it holds text that the page shows (a PDF made by a program:
        exact, no OCR; ``pdf.MIN_LAYER_AGREEMENT``) and OCRs the page rendered at ``dpi``
        where it does not (a scan; a font without a Unicode map); ``"never"`` always OCRs;
        ``"always"`` never OCRs (a page without a layer comes back empty). A page too large
        for ``max_pixels`` at ``dpi`` is rendered at the highest resolution that fits, and
        its result says so. Raises the first page's error (``iter_pdf`` gives each page's).
        """
        out = []
        for number, result in self.iter_pdf(
            pdf, pages=pages, dpi=dpi, text_layer=text_layer, mode=mode
        ):
            if isinstance(result, Exception):
                raise result
            out.append((number, result))
        return out

    def iter_pdf(
        self,
        pdf: str | Path | bytes,
        *,
        pages: str | Sequence[int] | None = None,
        dpi: int = 200,
        text_layer: Literal["auto", "always", "never"] = "auto",
        mode: Mode = "page",
    ) -> Iterator[tuple[int, OCRResult | Exception]]:
        """``read_pdf`` page by page, as each is read: a page that fails yields its
        ``ImageInputError`` or ``OCREngineError`` in place of a result, and the next pages
        are read. A file that is not a PDF, cannot be opened, or lacks a page asked for
        raises before any page is read."""
        from ocr_expert import pdf as pdf_pages

        if not pdf_pages.is_pdf(pdf):
            raise ImageInputError(
                f"not a PDF file: {pdf if not isinstance(pdf, bytes) else '<bytes>'}"
            )
        numbers = pdf_pages.parse_pages(pages, pdf_pages.page_count(pdf))
        for number in numbers:
            try:
                yield number, self._read_pdf_page(pdf, number, dpi, text_layer, mode)
            except (ImageInputError, OCREngineError) as exc:
                yield number, exc

    def _read_pdf_page(
        self, pdf: str | Path | bytes, number: int, dpi: int, text_layer: str, mode: Mode
    ) -> OCRResult:
        from ocr_expert import pdf as pdf_pages

        used = pdf_pages.page_dpi(pdf, number, dpi=dpi, max_pixels=self.max_pixels)
        notes: tuple[str, ...] = ()
        if used != dpi:
            notes = (
                f"page {number} is too large for max_pixels at {dpi} dpi: rendered at {used} dpi",
            )
        image = None
        if text_layer != "never":
            spans, size = pdf_pages.text_layer(pdf, number, dpi=used)
            if text_layer == "always" or pdf_pages.has_text_layer(spans):
                lines, direction = order_spans(spans, self.direction)
                if text_layer == "auto":
                    image = pdf_pages.render_page(pdf, number, dpi=used, max_pixels=0)
                if image is None or self._page_shows(image, lines):
                    return OCRResult(
                        spans=tuple(spans),
                        lines=tuple(lines),
                        width=size[0],
                        height=size[1],
                        engine="pdf-text-layer",
                        config={"engine": "pdf-text-layer", "dpi": used},
                        direction=direction,
                        notes=notes + (f"page {number}: the PDF's text layer",),
                    )
                notes += (f"page {number}: its text layer is not the text the page shows",)
        if image is None:
            image = pdf_pages.render_page(pdf, number, dpi=used, max_pixels=0)
        result = self.read(image, mode=mode)
        return replace(
            result, notes=result.notes + notes + (f"page {number} rendered at {used} dpi",)
        )

    def _page_shows(self, image: Image.Image, lines: Sequence[Line]) -> bool:
        """Whether a text layer's ``lines`` are the text ``image``, its page rendered, shows
        (``layer_agreement``; ``pdf.MIN_LAYER_AGREEMENT``); kept where the engine cannot
        tell."""
        from ocr_expert.pdf import MIN_LAYER_AGREEMENT

        agreement = self.layer_agreement(image, lines)
        return agreement is None or agreement >= MIN_LAYER_AGREEMENT

    def layer_agreement(self, image: Image.Image, lines: Sequence[Line]) -> float | None:
        """How far the engine, reading a few of a text layer's ``lines`` off ``image`` (the
        page rendered; ``pdf.layer_samples``) as crops, agrees with the layer
        (``pdf.layer_agreement``): 0 to 1, or None where it cannot tell (no line to sample;
        an engine that reads tokens, not images; readings of next to nothing, as of a script
        the engine does not read)."""
        from ocr_expert import pdf as pdf_pages

        samples = pdf_pages.layer_samples(lines)
        if not samples or self.engine.takes_tokens:
            return None
        read = self.read_many([pdf_pages.crop_run(image, s) for s in samples], mode="crop")
        texts = ["" if isinstance(r, Exception) else r.text for r in read]
        return pdf_pages.layer_agreement([s.text for s in samples], texts)

    def _lookup(
        self, image: ImageSource, mode: Mode, digest: str | None = None
    ) -> tuple[str | None, Any, Any, OCRResult | None]:
        """(cache key, its fields, loaded image or None on a hit, cached result or None on a
        miss)."""
        key, fields, loaded = None, None, None
        if self.cache is not None:
            # Files and bytes hash without decoding, so a cache hit costs no decode at all.
            digest = digest or source_digest(image)
            if digest is None:
                loaded = load_image(image, max_pixels=self.max_pixels)
                digest = loaded.digest
            fields = key_fields(digest, self.config(), mode)
            key = cache_key(fields)
            cached = self.cache.get(key, fields)
            if cached is not None:
                self._count("hits")
                return key, fields, None, cached
        self._count("misses")
        if loaded is None:
            loaded = load_image(image, max_pixels=self.max_pixels, digest=digest)
        check_readable_shape(loaded.image, loaded.name)
        return key, fields, loaded, None

    def read_many(
        self, images: Iterable[ImageSource], *, mode: Mode = "auto", progress: bool = False
    ) -> list[OCRResult | Exception]:
        """Read several images; a bad image yields its exception in place of a result.

        Engines that read several images at once (``batch_size`` above 1: GOT-OCR2, VLM
        transcribers) get the images that are not cached yet in batches of that size.
        """
        check_mode(mode)
        items = list(images)
        bar: Any = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(items), desc="OCR", unit="img")
        size = max(1, int(getattr(self.engine, "batch_size", 1)))
        results: list[OCRResult | Exception] = []
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            if self.engine.takes_tokens:  # images alone give it nothing to read
                results.extend(self._read_or_error(item, mode) for item in chunk)
            else:
                results.extend(self._read_cached(chunk, mode))
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            bar.close()
        return results

    def _read_cached(
        self, items: list[ImageSource], mode: Mode, digests: Sequence[str | None] | None = None
    ) -> list[OCRResult | Exception]:
        """Each item's result from the cache, or read (all misses in one ``Reader.read``) and
        stored; an item that fails yields its exception. ``digests``: the items' digests
        where the caller knows them (not hashed again)."""
        results: list[OCRResult | Exception | None] = [None] * len(items)
        todo: list[tuple[int, str | None, Any, LoadedImage]] = []
        known = list(digests) if digests is not None else [None] * len(items)
        for i, item in enumerate(items):
            try:
                key, fields, loaded, cached = self._lookup(item, mode, known[i])
            except ImageInputError as exc:
                results[i] = exc
                continue
            if cached is not None:
                results[i] = cached
            else:
                todo.append((i, key, fields, loaded))
        read = self.reader.read([t[3].image for t in todo], mode)
        for (i, key, fields, loaded), result in zip(todo, read):
            if isinstance(result, OCRResult):
                result = _noted(result, loaded)
                if key is not None and self.cache is not None:
                    self.cache.put(key, result, fields)
            results[i] = result
        return [r for r in results if r is not None]

    def _read_or_error(self, item: ImageSource, mode: Mode) -> OCRResult | Exception:
        try:
            return self.read(item, mode=mode)
        except (ImageInputError, OCREngineError) as exc:
            return exc

    def _from_tokens(
        self,
        image: ImageSource | None,
        tokens: Sequence[str] | None,
        token_boxes: Sequence[Sequence[float]] | None,
    ) -> OCRResult:
        if tokens is None:
            raise OCREngineError(
                "the dataset engine needs the sample's OCR tokens: read(image, tokens=[...])"
            )
        if isinstance(tokens, str):
            raise OCREngineError("tokens must be a list of strings, not one string")
        size = (0, 0)
        if image is not None:
            size = load_image(image, max_pixels=self.max_pixels).image.size
        elif token_boxes is not None and any(max(b[:4]) <= 1.0 for b in token_boxes):
            raise ImageInputError("normalized token boxes need the image to scale them")
        return self.reader.read_tokens(tokens, token_boxes, size)

    def _count(self, what: str) -> None:
        with self._stats_lock:
            self.stats[what] += 1


def _noted(result: OCRResult, loaded: LoadedImage) -> OCRResult:
    if getattr(loaded, "note", ""):  # a PDF page: say which
        return replace(result, notes=result.notes + (loaded.note,))
    if getattr(loaded, "frames", 1) > 1:  # an animated GIF or a multi-page TIFF: say what was read
        return replace(result, notes=result.notes + (f"read frame 1 of {loaded.frames}",))
    return result
