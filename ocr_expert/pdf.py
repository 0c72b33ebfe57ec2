"""PDF pages as OCR input: rendered with ``pypdfium2``, or read from their text layer.

A scanned PDF holds page images: each page is rendered at ``dpi`` (200 by default: text of
10 pt is then about 28 px tall, what the detectors read well) and read like any image. A PDF
made by a program holds its text exactly: ``text_layer`` reads it with its positions, no OCR.
``OCRExpert.read_pdf`` chooses per page (``text_layer="auto"``: the layer where the page has
one that the rendered page shows, else OCR of the rendered page); ``OCRExpert.read`` and
everything built on it (the ``ask`` wrapper, the evaluation) take a PDF's first page as an
image. A page too large for ``max_pixels`` at ``dpi`` is rendered at the highest resolution
that fits, not refused after it was drawn.
"""

from __future__ import annotations

import functools
import math
import statistics
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image
from rapidfuzz.distance import Levenshtein

from ocr_expert.image_io import DEFAULT_MAX_PIXELS, ImageInputError
from ocr_expert.slant import SLANT_MAX, SLANT_MIN
from ocr_expert.types import Box, Line, Point, Span

#: rendering resolution of PDF pages, dots per inch
DEFAULT_DPI = 200
#: a page whose text layer holds fewer letters or digits than this is taken for a scan
MIN_LAYER_CHARACTERS = 8
#: a text layer is checked against the rendered page on this many of its runs, those with
#: the most letters and digits (each read as a crop by the engine) ...
LAYER_SAMPLES = 4
#: ... each of at least this many letters or digits, lying across the page
LAYER_SAMPLE_CHARACTERS = 3
#: ... and is kept where the engine's readings agree with at least this share of the
#: sampled characters: a font without a Unicode map gives glyph numbers (``"7+%-`` for
#: ``Phone``) or bytes read the wrong way round (``䴀甀氀`` for ``Mul``), agreeing with
#: next to nothing (0-0.08 on such pages), where a layer the page shows agrees with
#: nearly all of it; an engine that reads a script in part (Kurdish letters as the Arabic
#: ones nearest them) agrees with 0.45 of a right layer
MIN_LAYER_AGREEMENT = 0.3
#: a reading with fewer letters and digits than this share of its line's layer does not
#: count: the engine did not read the script (Cyrillic with the default engine) or the
#: text is not drawn; where no reading counts, the engine cannot tell and the layer stays
MIN_READ_SHARE = 0.5


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


def fitting_dpi(size_pt: tuple[float, float], dpi: int, max_pixels: int) -> int:
    """``dpi``, or the highest whole resolution at which a page of ``size_pt`` (points, 72 an
    inch) stays within ``max_pixels`` (0: no limit)."""
    width, height = (max(v, 1.0) for v in size_pt)
    if not max_pixels or (width * dpi / 72) * (height * dpi / 72) <= max_pixels:
        return dpi
    return max(1, math.floor(72 * math.sqrt(max_pixels / (width * height))))


def page_dpi(
    source: str | Path | bytes,
    number: int = 1,
    *,
    dpi: int = DEFAULT_DPI,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> int:
    """The resolution page ``number`` is rendered at when ``dpi`` is asked (``fitting_dpi``)."""
    with _document(source) as doc:
        (number,) = parse_pages([number], len(doc))
        return fitting_dpi(doc[number - 1].get_size(), dpi, max_pixels)


def render_page(
    source: str | Path | bytes,
    number: int = 1,
    *,
    dpi: int = DEFAULT_DPI,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Page ``number`` (1-based) rendered as an RGB image at ``dpi``, or at the lower
    resolution ``page_dpi`` gives a page too large for ``max_pixels`` at ``dpi``."""
    with _document(source) as doc:
        (number,) = parse_pages([number], len(doc))
        page = doc[number - 1]
        bitmap = page.render(scale=fitting_dpi(page.get_size(), dpi, max_pixels) / 72)
        return bitmap.to_pil().convert("RGB")


def text_layer(
    source: str | Path | bytes, number: int = 1, *, dpi: int = DEFAULT_DPI
) -> tuple[list[Span], tuple[int, int]]:
    """The text layer of page ``number``: one span per run of words on a line (``_runs``),
    its box in the pixels of the page rendered at ``dpi``, and that page's size. Empty for a
    scanned page. Built from ``pdfium``'s characters, their boxes and the spaces and line
    breaks it finds between them, not from its text rectangles, which split words at
    kerning (``S`` and ``omewhere``) and overlap where glyphs do (``Te`` read twice)."""
    import pypdfium2.raw as pdfium_c

    with _document(source) as doc:
        (number,) = parse_pages([number], len(doc))
        page = doc[number - 1]
        width, height = page.get_size()
        scale = dpi / 72
        textpage = page.get_textpage()
        chars: list[tuple[str, Box]] = []
        slanted: dict[int, float] = {}  # characters set at a slant (a watermark), their angle
        for i in range(textpage.count_chars()):
            left, bottom, right, top = textpage.get_charbox(i)
            # PDF space has its origin at the bottom left; images at the top left.
            box = (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
            if 0xDC00 <= code <= 0xDFFF and chars and "\ud800" <= chars[-1][0] <= "\udbff":
                # the second half of a character beyond 16 bits (math letters: U+1D400)
                high = ord(chars[-1][0])
                code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                chars[-1] = (chr(code), _union(chars[-1][1], box))
                continue
            angle = pdfium_c.FPDFText_GetCharAngle(textpage.raw, i)
            if _at_slant(angle):
                slanted[len(chars)] = angle
            chars.append((chr(code), box))
        level = [ch if k not in slanted else (" ", ch[1]) for k, ch in enumerate(chars)]
        spans = [Span(text=text, box=box, score=1.0) for text, box in _runs(level)]
        spans += _slanted_words(chars, slanted)
        return spans, (round(width * scale), round(height * scale))


def _at_slant(radians: float) -> bool:
    """Whether a character turned by ``radians`` is set at a slant (``ocr_expert.slant``: a
    watermark, a chart's turned labels), neither level nor upright."""
    degrees = math.degrees(radians) % 90
    return SLANT_MIN <= degrees <= SLANT_MAX


def _slanted_words(chars: Sequence[tuple[str, Box]], slanted: dict[int, float]) -> list[Span]:
    """The characters ``slanted`` (indices into ``chars``, in the PDF's order, to the angle
    ``pdfium`` gives each) as words, each with the polygon of its slant, so that the reading
    order reads them in a frame of their own (``ocr_expert.slant``), after the page: their
    upright boxes, a square around each word of a watermark, lie across the page's columns
    and rows. A word ends where a character between is not slanted (the space ``pdfium`` puts
    between words is level) or is a space."""
    words: list[list[int]] = [[]]
    for before, k in zip([-1, *sorted(slanted)], sorted(slanted)):
        blank = chars[k][0].isspace() or unicodedata.category(chars[k][0]) in ("Cc", "Cf")
        if k != before + 1 or blank:
            words.append([])
        if not blank:
            words[-1].append(k)
    spans = []
    for word in filter(None, words):
        text = "".join(chars[k][0] for k in word)
        box = functools.reduce(_union, (chars[k][1] for k in word))
        angle = statistics.median(slanted[k] for k in word)
        polygon = _slant_polygon([chars[k][1] for k in word], angle)
        spans.append(Span(text=text, box=box, score=1.0, polygon=polygon))
    return spans


def _slant_polygon(boxes: Sequence[Box], angle: float) -> tuple[Point, ...]:
    """The four corners (top left first, clockwise) of a word whose characters' upright boxes
    are ``boxes``, its baseline turned by ``angle`` (radians, clockwise on the page, as
    ``pdfium`` gives it): along the line through their centres, as tall as a character (the
    shorter side of a turned character's upright box, the typical one), reaching half that
    past the first and last centres."""
    u = (math.cos(angle), math.sin(angle))
    v = (-u[1], u[0])  # a quarter turn clockwise on the page: from the text's top to its foot
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in boxes]
    half = statistics.median(min(b[2] - b[0], b[3] - b[1]) for b in boxes) / 2
    along = [x * u[0] + y * u[1] for x, y in centres]
    middle = statistics.fmean(x * v[0] + y * v[1] for x, y in centres)
    a0, a1, b0, b1 = min(along) - half, max(along) + half, middle - half, middle + half
    return tuple(
        (a * u[0] + b * v[0], a * u[1] + b * v[1])
        for a, b in ((a0, b0), (a1, b0), (a1, b1), (a0, b1))
    )


#: what ``pdfium`` writes for a hyphen it takes for a word broken at a line's end, the
#: line break after it left out
HYPHEN_AT_LINE_END = "\x02"
#: words one after the other on a line (no line break between them), with a space between
#: them narrower than this many times their height, are one run: a word space is a third of
#: the height, a contents line's leader dots or a typewriter face's stretched space one
#: height; a gutter between columns is two or more
RUN_GAP = 1.5


def _runs(chars: Sequence[tuple[str, Box]]) -> list[tuple[str, Box]]:
    """Characters (text, box), in the PDF's order, as runs of words: a word ends at a space
    or line break; a word joins the run before it on the same line (half its height shared)
    where the gap between them is under ``RUN_GAP`` of their height and no line break came
    between."""
    words: list[tuple[str, Box, bool]] = []  # text, box, whether a line break came before
    text, box, broke = "", None, False
    for ch, cbox in list(chars) + [("\n", (0.0, 0.0, 0.0, 0.0))]:
        if ch == HYPHEN_AT_LINE_END:
            # the word goes on at the next line's start: end it here, as the page shows it
            text, ch = text + "-", "\n"
        if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs"):
            if text and box is not None:
                words.append((text, box, broke))
                broke = False
            text, box = "", None
            broke = broke or ch in "\r\n\u2028\u2029"
            continue
        text += ch
        box = cbox if box is None else _union(box, cbox)
    runs: list[tuple[str, Box]] = []
    for text, box, broke in words:
        if runs and not broke:
            last, lbox = runs[-1]
            high = max(lbox[3] - lbox[1], box[3] - box[1], 1e-6)
            shared = min(lbox[3], box[3]) - max(lbox[1], box[1])
            # the space between them, whichever way the line runs (Arabic: right to left)
            gap = max(box[0] - lbox[2], lbox[0] - box[2])
            if shared >= 0.5 * min(lbox[3] - lbox[1], box[3] - box[1]) and gap < RUN_GAP * high:
                runs[-1] = (f"{last} {text}", _union(lbox, box))
                continue
        runs.append((text, box))
    return runs


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def has_text_layer(spans: Sequence[Span]) -> bool:
    """Whether a page's text layer holds real text (a scan's layer is empty or a few marks)."""
    return sum(ch.isalnum() for s in spans for ch in s.text) >= MIN_LAYER_CHARACTERS


def layer_samples(spans: Sequence[Span | Line]) -> list[Span | Line]:
    """The lines (or runs) a page's layer is checked on (``LAYER_SAMPLES``): those lying
    across the page with the most letters and digits, at least ``LAYER_SAMPLE_CHARACTERS``
    each. Lines, not runs: a layer that reads as nonsense may come in runs of a letter."""
    runs = [
        s
        for s in spans
        if s.box is not None
        and s.box[2] - s.box[0] >= s.box[3] - s.box[1] > 0
        and _letters(s.text) >= LAYER_SAMPLE_CHARACTERS
    ]
    runs.sort(key=lambda s: -_letters(s.text))
    return runs[:LAYER_SAMPLES]


def layer_agreement(layer: Sequence[str], read: Sequence[str]) -> float | None:
    """The share of the layer's characters (``layer``, one text a line) that the engine's
    readings of the same lines (``read``) agree with: one less their edit distance over their
    length, each line at least 0, compared on their letters and digits alone (no case, no
    compatibility forms): a contents line's dot leaders, which no two readers count alike,
    and punctuation do not count. A reading under ``MIN_READ_SHARE`` of its line's length
    is left out; None where every one is (the engine cannot tell)."""
    total = agreed = 0
    for want, got in zip(layer, read):
        want, got = _comparable(want), _comparable(got)
        if not want or len(got) < MIN_READ_SHARE * len(want):
            continue
        total += len(want)
        agreed += max(0, len(want) - Levenshtein.distance(want, got))
    return agreed / total if total else None


def crop_run(image: Image.Image, span: Span | Line) -> Image.Image:
    """A text run's (or line's) box cut from its rendered page, with a margin of a fifth of
    its height (a run's box is its glyphs' own, tighter than a recognizer wants)."""
    x0, y0, x1, y1 = span.box  # type: ignore[misc]
    pad = 0.2 * (y1 - y0)
    return image.crop(
        (
            max(0, math.floor(x0 - pad)),
            max(0, math.floor(y0 - pad)),
            min(image.width, math.ceil(x1 + pad)),
            min(image.height, math.ceil(y1 + pad)),
        )
    )


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _comparable(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


__all__ = [
    "DEFAULT_DPI",
    "MIN_LAYER_AGREEMENT",
    "crop_run",
    "fitting_dpi",
    "has_text_layer",
    "is_pdf",
    "layer_agreement",
    "layer_samples",
    "page_count",
    "page_dpi",
    "parse_pages",
    "render_page",
    "text_layer",
]
