"""Drawing an OCR result over its image, the picture a person checks OCR with at a glance.

The output is two panels side by side: the image with each span's box, and a white panel
with each span's recognized text written inside the same box, in the same colour.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ocr_expert.types import OCRResult

_PALETTE = [
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 150, 150),
    (240, 50, 230),
    (128, 128, 0),
    (0, 0, 128),
    (170, 110, 40),
]


@functools.cache
def font_path() -> str | None:
    """A TrueType font covering Latin and Arabic: DejaVu Sans, which matplotlib ships."""
    candidates = []
    try:
        import matplotlib

        candidates.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    except ImportError:  # pragma: no cover - matplotlib is a base dependency
        pass
    candidates.append(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    for path in candidates:
        if os.path.exists(path):
            return str(path)
    return None


@functools.lru_cache(maxsize=64)
def load_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels (Pillow's built-in font where DejaVu is missing)."""
    path = font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default()


def draw_result(image: Image.Image, result: OCRResult, *, max_side: int = 1600) -> Image.Image:
    """The image with boxes (left) beside the recognized text at the same places (right).

    Images larger than ``max_side`` are shrunk first so overlays stay small on disk.
    """
    image = image.convert("RGB")
    scale = min(1.0, max_side / max(image.size))
    if scale < 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    if result.width and result.height:
        sx, sy = image.width / result.width, image.height / result.height
    else:
        sx = sy = 1.0
    left = image.copy()
    right = Image.new("RGB", image.size, "white")
    draw_left, draw_right = ImageDraw.Draw(left), ImageDraw.Draw(right)
    width = max(1, round(min(image.size) / 300))
    for i, span in enumerate(result.spans):
        if span.box is None:
            continue
        color = _PALETTE[i % len(_PALETTE)]
        if span.polygon:
            points = [(x * sx, y * sy) for x, y in span.polygon]
            draw_left.polygon(points, outline=color, width=width)
        x0, y0, x1, y1 = span.box[0] * sx, span.box[1] * sy, span.box[2] * sx, span.box[3] * sy
        if not span.polygon:
            draw_left.rectangle((x0, y0, x1, y1), outline=color, width=width)
        draw_right.rectangle((x0, y0, x1, y1), outline=color, width=1)
        _fit_text(draw_right, span.text, (x0, y0, x1, y1), color)
    canvas = Image.new("RGB", (image.width * 2, image.height), "white")
    canvas.paste(left, (0, 0))
    canvas.paste(right, (image.width, 0))
    if not any(s.box for s in result.spans) and result.text:
        # No geometry (dataset tokens): list the text on the right panel instead.
        _fit_text(
            ImageDraw.Draw(canvas),
            result.text,
            (image.width, 0, 2 * image.width, image.height),
            (0, 0, 0),
        )
    return canvas


def _fit_text(
    draw: ImageDraw.ImageDraw,
    text: str,
    box: tuple[float, float, float, float],
    color: tuple[int, int, int],
) -> None:
    """Write ``text`` as large as fits inside ``box`` (at least 8 px)."""
    x0, y0, x1, y1 = box
    size = max(8, int((y1 - y0) * 0.8))
    direction = "rtl" if any("\u0590" <= ch <= "\u08ff" for ch in text) else None
    while size > 8:
        font = load_font(size)
        left, top, right, bottom = draw.multiline_textbbox((0, 0), text, font=font)
        if right - left <= (x1 - x0) and bottom - top <= max(y1 - y0, 8):
            break
        size -= 1
    try:
        draw.multiline_text(
            (x0 + 1, y0), text, fill=color, font=load_font(size), direction=direction
        )
    except (KeyError, ValueError):  # no libraqm: Pillow cannot set a direction
        draw.multiline_text((x0 + 1, y0), text, fill=color, font=load_font(size))
