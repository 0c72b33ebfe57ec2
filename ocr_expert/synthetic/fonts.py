"""The DejaVu faces matplotlib ships, by role, and which of them draw Arabic.

DejaVu Sans, Sans Bold, Sans Mono and Sans Mono Bold carry the Arabic block (with the
presentation forms raqm shapes into); the serif and oblique faces carry Latin only.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

from ocr_expert.draw import font_path

#: face name -> file name under matplotlib's ``fonts/ttf``
FACES = {
    "sans": "DejaVuSans.ttf",
    "sans_bold": "DejaVuSans-Bold.ttf",
    "sans_oblique": "DejaVuSans-Oblique.ttf",
    "serif": "DejaVuSerif.ttf",
    "serif_bold": "DejaVuSerif-Bold.ttf",
    "serif_italic": "DejaVuSerif-Italic.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono_bold": "DejaVuSansMono-Bold.ttf",
}
ARABIC_FACES = ("sans", "sans_bold", "mono", "mono_bold")
LATIN_FACES = (
    "sans",
    "sans_bold",
    "sans_oblique",
    "serif",
    "serif_bold",
    "serif_italic",
    "mono",
    "mono_bold",
)


def face_path(face: str) -> Path:
    """The file of the ``face`` (a key of ``FACES``)."""
    return _font_dir() / FACES[face]


def _font_dir() -> Path:
    """The folder of the DejaVu faces: where ``ocr_expert.draw.font_path`` finds DejaVu Sans."""
    path = font_path()
    if path is None:
        raise FileNotFoundError(
            "DejaVu fonts not found: install matplotlib (it ships them) to render the synthetic set"
        )
    return Path(path).parent


@functools.lru_cache(maxsize=256)
def font(face: str, size: int) -> ImageFont.FreeTypeFont:
    """The ``face`` (a key of ``FACES``) at ``size`` pixels."""
    return ImageFont.truetype(str(face_path(face)), max(6, int(size)))
