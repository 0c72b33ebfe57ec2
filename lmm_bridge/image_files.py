"""Giving every image a file path the model can open itself.

Qwen-VL-Chat takes images as paths inside ``<img>...</img>`` and opens them on its own.
Its tokenizer writes the path byte by byte into a 256-token span padded with ``<imgpad>``
(refusing more than 256 bytes), but the model reads the path back only up to the first
``<imgpad>`` among the span's first 255 positions: a path of 255 or 256 bytes is accepted
by the tokenizer and then fails inside the model, so 254 bytes is the real limit. The
tokenizer also NFC-normalizes its text, path included, so a path that is not NFC would
name another file. Images held in memory (and files whose path is too long, is not NFC,
holds tag characters, or carries an EXIF rotation the model would not apply) are written
once to a content-addressed PNG and reused from then on.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from PIL import Image

from ocr_expert.image_io import ImageHandle, ImageSource, load_image, source_digest
from ocrvqa.files import cache_dir, write_atomic

#: Longest image path Qwen-VL-Chat reads back from its image span (see the module notes).
MAX_PATH_BYTES = 254
_EXIF_ORIENTATION = 0x0112


def default_image_dir() -> Path:
    """``$OCRVQA_IMAGE_DIR``, else ``$XDG_CACHE_HOME/ocrvqa/images``, else
    ``~/.cache/ocrvqa/images``."""
    return cache_dir("images", "OCRVQA_IMAGE_DIR")


def image_path_for(source: ImageSource, image_dir: str | Path | None = None) -> str:
    """A path the model can open for ``source``.

    An existing image file is used where it is (absolute path) when that is safe; anything
    else is stored under ``image_dir`` as ``<sha256>.png``. Raises ``ImageInputError``
    (naming the input) for anything that is not a readable image.
    """
    given = source.source if isinstance(source, ImageHandle) else source
    if isinstance(given, (str, Path)) and _usable_as_is(Path(given)):
        return str(Path(given).resolve())
    folder = Path(image_dir) if image_dir is not None else default_image_dir()
    # Bytes (a dataset's image column) hash without decoding: a file written for them
    # before is reused without decoding them again (once per prompt variant otherwise).
    digest = source_digest(source)
    if digest is not None:
        known = folder.resolve() / f"{digest}.png"
        if known.exists():
            return str(known)
    loaded = load_image(source)
    path = folder.resolve() / f"{loaded.digest}.png"
    if len(str(path).encode("utf-8")) > MAX_PATH_BYTES:
        raise ValueError(
            f"image folder {folder} gives paths over {MAX_PATH_BYTES} bytes, which Qwen-VL "
            "cannot read back; choose a shorter image_dir (or set OCRVQA_IMAGE_DIR)"
        )
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file.
        write_atomic(path, lambda f: loaded.image.save(f, format="PNG"))
    return str(path)


def _usable_as_is(path: Path) -> bool:
    resolved = str(path.resolve())
    if (
        len(resolved.encode("utf-8")) > MAX_PATH_BYTES
        or any(c in resolved for c in "<>\n")
        or not unicodedata.is_normalized("NFC", resolved)
    ):
        return False
    try:
        stat = path.stat()
    except OSError:
        return False
    if not path.is_file():
        return False
    # Checked once per file version: prompts for every variant ask about the same image.
    return _decodes_upright(resolved, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _decodes_upright(resolved: str, mtime_ns: int, size: int) -> bool:
    path = Path(resolved)
    try:
        with Image.open(path) as im:
            im.verify()  # a file the model could not decode goes through load_image's errors
        with Image.open(path) as im:
            # The model opens the file without applying EXIF rotation; OCR boxes are
            # measured on the rotated image, so store an upright copy instead.
            return im.getexif().get(_EXIF_ORIENTATION, 1) == 1
    except OSError:
        return False


__all__ = ["MAX_PATH_BYTES", "default_image_dir", "image_path_for"]
