"""PDF pages as OCR input: rendered with ``pypdfium2``, or read from their text layer.

A scanned PDF holds page images: each page is rendered at ``dpi`` (200 by default: text of
10 pt is then about 28 px tall, what the detectors read well) and read like any image. A PDF
made by a program holds its text exactly: ``text_layer`` reads it with its positions, no OCR.
``OCRExpert.read_pdf`` chooses per page (``text_layer="auto"``: the layer where the page has
one, else OCR of the rendered page); ``OCRExpert.read`` and everything built on it (the
``ask`` wrapper, the evaluation) take a PDF's first page as an image.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from ocr_expert.image_io import ImageInputError
from ocr_expert.types import Span

#: rendering resolution of PDF pages, dots per inch
DEFAULT_DPI = 200
#: a page whose text layer holds fewer letters or digits than this is taken for a scan
MIN_LAYER_CHARACTERS = 8


def is_pdf(source: Any) -> bool:
    """Whether ``source`` (a path, or bytes) is a PDF file, by its first bytes."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source[:5]) == b"%PDF-"
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            with path.open("rb") as f:
                return f.read(5) == b"%PDF-"
        except OSError:
            return False
    return False


@contextmanager
def _document(source: str | Path | bytes) -> Iterator[Any]:
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:  # pragma: no cover - a base dependency
        raise ImageInputError("reading PDFs needs pypdfium2: pip install pypdfium2") from exc
    name = "PDF bytes" if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        doc = pdfium.PdfDocument(
            bytes(source) if isinstance(source, (bytes, bytearray)) else str(source)
        )
    except pdfium.PdfiumError as exc:
        raise ImageInputError(
            f"cannot open PDF {name}: {exc} (a damaged or encrypted file?)"
        ) from exc
    try:
        yield doc
    finally:
        doc.close()


def page_count(source: str | Path | bytes) -> int:
    """How many pages the PDF has."""
    with _document(source) as doc:
        return len(doc)


def parse_pages(spec: str | Sequence[int] | None, count: int) -> list[int]:
    """1-based page numbers from ``"1-3,5"``, a list, or None (every page); out of range
    numbers raise ``ImageInputError`` naming the page count."""
    if spec is None:
        return list(range(1, count + 1))
    numbers: list[int] = []
    if isinstance(spec, str):
        for part in spec.replace(" ", "").split(","):
            if not part:
                continue
            first, _, last = part.partition("-")
            try:
                lo, hi = int(first), int(last or first)
            except ValueError:
                raise ImageInputError(f"pages {spec!r}: write page numbers like 1-3,5") from None
            numbers.extend(range(lo, hi + 1))
    else:
        numbers = [int(n) for n in spec]
    bad = [n for n in numbers if not 1 <= n <= count]
    if bad:
        raise ImageInputError(f"pages {bad} are not in the PDF, which has {count} page(s)")
    return numbers


def render_page(
    source: str | Path | bytes, number: int = 1, *, dpi: int = DEFAULT_DPI
) -> Image.Image:
    """Page ``number`` (1-based) rendered as an RGB image at ``dpi``."""
    with _document(source) as doc:
        (number,) = parse_pages([number], len(doc))
        bitmap = doc[number - 1].render(scale=dpi / 72)
        return bitmap.to_pil().convert("RGB")


def text_layer(
    source: str | Path | bytes, number: int = 1, *, dpi: int = DEFAULT_DPI
) -> tuple[list[Span], tuple[int, int]]:
    """The text layer of page ``number``: one span per text run with its box in the pixels of
    the page rendered at ``dpi``, and that page's size. Empty for a scanned page."""
    with _document(source) as doc:
        (number,) = parse_pages([number], len(doc))
        page = doc[number - 1]
        width, height = page.get_size()
        scale = dpi / 72
        textpage = page.get_textpage()
        spans: list[Span] = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = " ".join(textpage.get_text_bounded(left, bottom, right, top).split())
            if text:
                # PDF space has its origin at the bottom left; images at the top left.
                box = (
                    left * scale,
                    (height - top) * scale,
                    right * scale,
                    (height - bottom) * scale,
                )
                spans.append(Span(text=text, box=box, score=1.0))
        return spans, (round(width * scale), round(height * scale))


def has_text_layer(spans: Sequence[Span]) -> bool:
    """Whether a page's text layer holds real text (a scan's layer is empty or a few marks)."""
    return sum(ch.isalnum() for s in spans for ch in s.text) >= MIN_LAYER_CHARACTERS


__all__ = [
    "DEFAULT_DPI",
    "has_text_layer",
    "is_pdf",
    "page_count",
    "parse_pages",
    "render_page",
    "text_layer",
]
