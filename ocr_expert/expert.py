"""``OCRExpert``: one object that reads images with a chosen engine, in reading order, cached."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from PIL import Image

from ocr_expert.cache import OCRCache, cache_key, key_fields
from ocr_expert.engines import get_engine
from ocr_expert.engines.base import OCREngine, OCREngineError, PageLayout, ReadMode
from ocr_expert.image_io import (
    DEFAULT_MAX_PIXELS,
    ImageInputError,
    ImageSource,
    check_readable_shape,
    load_image,
    source_digest,
)
from ocr_expert.reading_order import lines_from_layout, order_spans, text_direction
from ocr_expert.types import Direction, Line, OCRResult, Span

Mode = Literal["auto", "page", "crop", "line", "word"]
MODES = ("auto", "page", "crop", "line", "word")

#: in ``auto`` mode an image at most this tall is taken for a word or line crop
CROP_MAX_HEIGHT = 96


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
        **options: Any,
    ) -> None:
        if isinstance(engine, OCREngine):
            if options:
                raise OCREngineError("engine options go to get_engine, not with an engine instance")
            self.engine = engine
        else:
            self.engine = get_engine(engine, **options)
        self.cache = OCRCache(cache_dir) if use_cache and self.engine.cacheable else None
        self.direction = direction
        self.max_pixels = max_pixels
        self.stats = {"hits": 0, "misses": 0}
        self._stats_lock = threading.Lock()

    @property
    def engine_name(self) -> str:
        return self.engine.name

    def config(self) -> dict[str, Any]:
        """The engine's full configuration plus the expert's own settings."""
        config = dict(self.engine.config())
        if self.direction:
            config["direction"] = self.direction
        return config

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
        ``CROP_MAX_HEIGHT`` pixels tall for crops, and retries a line-shaped image as a
        crop when detection finds nothing. ``tokens``/``token_boxes`` feed the ``dataset``
        engine. ``image`` may be an ``ImageHandle`` (decoded at most once, shared with the
        caller) and ``digest`` the image's digest where the caller has it (not hashed
        again). Raises ``ImageInputError`` for unreadable input, ``OCREngineError`` when
        the engine fails.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if self.engine.takes_tokens or tokens is not None:
            return self._from_tokens(image, tokens, token_boxes)
        if image is None:
            raise ImageInputError("no image given")

        key, fields, loaded, cached = self._lookup(image, mode, digest)
        if cached is not None:
            return cached
        result = self._run(loaded.image, mode)
        result = _noted(result, loaded)
        if key is not None and self.cache is not None:
            self.cache.put(key, result, fields)
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
        page's text layer where it holds text (a PDF made by a program: exact, no OCR) and OCRs
        the page rendered at ``dpi`` where it does not (a scan); ``"never"`` always OCRs;
        ``"always"`` never OCRs (a page without a layer comes back empty).
        """
        from ocr_expert import pdf as pdf_pages

        if not pdf_pages.is_pdf(pdf):
            raise ImageInputError(
                f"not a PDF file: {pdf if not isinstance(pdf, bytes) else '<bytes>'}"
            )
        numbers = pdf_pages.parse_pages(pages, pdf_pages.page_count(pdf))
        out = []
        for number in numbers:
            if text_layer != "never":
                spans, size = pdf_pages.text_layer(pdf, number, dpi=dpi)
                if text_layer == "always" or pdf_pages.has_text_layer(spans):
                    lines, direction = order_spans(spans, self.direction)
                    out.append(
                        (
                            number,
                            OCRResult(
                                spans=tuple(spans),
                                lines=tuple(lines),
                                width=size[0],
                                height=size[1],
                                engine="pdf-text-layer",
                                config={"engine": "pdf-text-layer", "dpi": dpi},
                                direction=direction,
                                notes=(f"page {number}: the PDF's text layer",),
                            ),
                        )
                    )
                    continue
            image = pdf_pages.render_page(pdf, number, dpi=dpi)
            result = self.read(image, mode=mode)
            out.append(
                (
                    number,
                    replace(result, notes=result.notes + (f"page {number} rendered at {dpi} dpi",)),
                )
            )
        return out

    def _lookup(
        self, image: ImageSource, mode: Mode, digest: str | None = None
    ) -> tuple[str | None, Any, Any, OCRResult | None]:
        """(cache key, its fields, loaded image or None on a hit, cached result or None on a miss)."""
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
        items = list(images)
        bar: Any = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(items), desc="OCR", unit="img")
        size = max(1, int(getattr(self.engine, "batch_size", 1)))
        results: list[OCRResult | Exception] = []
        for start in range(0, len(items), size):
            results.extend(self._read_chunk(items[start : start + size], mode))
            if bar is not None:
                bar.update(min(size, len(items) - start))
        if bar is not None:
            bar.close()
        return results

    def _read_chunk(self, items: list[ImageSource], mode: Mode) -> list[OCRResult | Exception]:
        if len(items) == 1 or self.engine.takes_tokens:
            out: list[OCRResult | Exception] = []
            for item in items:
                try:
                    out.append(self.read(item, mode=mode))
                except (ImageInputError, OCREngineError) as exc:
                    out.append(exc)
            return out
        results: list[OCRResult | Exception | None] = [None] * len(items)
        todo: list[tuple[int, str | None, Any, Any]] = []
        for i, item in enumerate(items):
            try:
                key, fields, loaded, cached = self._lookup(item, mode)
            except ImageInputError as exc:
                results[i] = exc
                continue
            if cached is not None:
                results[i] = cached
            else:
                todo.append((i, key, fields, loaded))
        for (i, key, fields, loaded), result in zip(
            todo, self._run_many([t[3].image for t in todo], mode)
        ):
            if isinstance(result, OCRResult):
                result = _noted(result, loaded)
            results[i] = result
            if key is not None and self.cache is not None and isinstance(result, OCRResult):
                self.cache.put(key, result, fields)
        return [r for r in results if r is not None]

    def _run_many(self, images: list[Image.Image], mode: Mode) -> list[OCRResult | Exception]:
        """``_run`` of each image, with the engine called once per batch (pages and crops apart)."""
        if not images:
            return []
        start = time.perf_counter()
        used = [_used_mode(image, mode) for image in images]
        spans: list[list[Span] | PageLayout] = [[] for _ in images]
        try:
            for read_mode in ("page", _crop_mode(mode)):
                idx = [i for i, u in enumerate(used) if (u == "page") == (read_mode == "page")]
                if idx:
                    for i, found in zip(
                        idx, self.engine.read_batch([images[i] for i in idx], mode=read_mode)
                    ):
                        spans[i] = found
            retry = [
                i
                for i, image in enumerate(images)
                if _retry_as_crop(spans[i], mode, used[i], image)
            ]
            if retry:
                for i, found in zip(
                    retry, self.engine.read_batch([images[i] for i in retry], mode="crop")
                ):
                    used[i], spans[i] = "crop", found
        except Exception:  # one bad image must fail alone: read them one at a time
            out: list[OCRResult | Exception] = []
            for image in images:
                try:
                    out.append(self._run(image, mode))
                except OCREngineError as exc:
                    out.append(exc)
            return out
        each = (time.perf_counter() - start) / len(images)
        return [self._result(image, found, u, each) for image, found, u in zip(images, spans, used)]

    def _run(self, image: Image.Image, mode: Mode) -> OCRResult:
        start = time.perf_counter()
        used = _used_mode(image, mode)
        try:
            (spans,) = self.engine.read_batch(
                [image], mode=_crop_mode(mode) if used == "crop" else "page"
            )
            if _retry_as_crop(spans, mode, used, image):
                used, (spans,) = "crop", self.engine.read_batch([image], mode="crop")
        except (OCREngineError, ImageInputError):
            raise
        except Exception as exc:  # an engine bug must fail this image, not the caller's run
            detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
            raise OCREngineError(
                f"{self.engine.name} failed on a {image.width}x{image.height} image ({used} mode): {detail}"
            ) from exc
        return self._result(image, spans, used, time.perf_counter() - start)

    def _result(
        self, image: Image.Image, found: list[Span] | PageLayout, used: str, elapsed: float
    ) -> OCRResult:
        if isinstance(found, PageLayout):  # the engine's own reading order, kept
            spans = list(found.spans)
            lines, direction = lines_from_layout(spans, found.lines, found.blocks, self.direction)
        elif self.engine.lines_in_order and found and all(s.box is None for s in found):
            spans = list(found)
            lines, direction = _given_lines(spans, self.direction)
        else:
            spans = list(found)
            lines, direction = order_spans(spans, self.direction)
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
            raise ImageInputError("normalised token boxes need the image to scale them")
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

    def _count(self, what: str) -> None:
        with self._stats_lock:
            self.stats[what] += 1


def _used_mode(image: Image.Image, mode: Mode) -> str:
    if mode in ("crop", "line", "word") or (mode == "auto" and image.height <= CROP_MAX_HEIGHT):
        return "crop"
    return "page"


def _crop_mode(mode: Mode) -> ReadMode:
    """How the engine reads an image taken for a crop: its word mode when asked for words."""
    return "word" if mode == "word" else "crop"


def _retry_as_crop(
    found: list[Span] | PageLayout, mode: Mode, used: str, image: Image.Image
) -> bool:
    """In ``auto`` mode, a line-shaped page where detection found nothing is read again as a crop."""
    empty = not (found.spans if isinstance(found, PageLayout) else found)
    return empty and mode == "auto" and used == "page" and _line_shaped(image)


def _noted(result: OCRResult, loaded: Any) -> OCRResult:
    if getattr(loaded, "note", ""):  # a PDF page: say which
        return replace(result, notes=result.notes + (loaded.note,))
    if getattr(loaded, "frames", 1) > 1:  # an animated GIF or a multi-page TIFF: say what was read
        return replace(result, notes=result.notes + (f"read frame 1 of {loaded.frames}",))
    return result


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
