"""Turning whatever a user hands us into one RGB image, or one clear error.

Accepted: a path (str or ``Path``), raw bytes, a PIL image or a NumPy array, in any
mode (RGB, RGBA, L, LA, P, CMYK, 1, 16-bit and 32-bit grey, float). EXIF orientation
is applied so boxes match what a person sees.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ocrvqa.errors import OcrvqaError
from ocrvqa.files import sha256_file

# Union, not |: the last two are forward references, defined below
ImageSource = Union[str, Path, bytes, Image.Image, np.ndarray, "ImageHandle", "LoadedImage"]

#: Pillow's own default ceiling (about 89.5 megapixels, a 9459 x 9459 image).
DEFAULT_MAX_PIXELS = 89_478_485

#: Longest side over shortest side beyond which OCR engines fail or crawl (PP-OCR's resize
#: breaks on a 3000x10 strip; Tesseract spends minutes on a 20000x10 one).
MAX_ASPECT_RATIO = 150


class ImageInputError(OcrvqaError, ValueError):
    """The input is not a readable image. The message names the input."""


@dataclass(frozen=True)
class LoadedImage:
    image: Image.Image  # RGB, orientation applied
    digest: str  # sha256 of the file bytes, or of the decoded pixels for in-memory images
    name: str  # how to name the input in messages and logs
    frames: int = 1  # frames in the file (animated GIF, multi-page TIFF); the first is read
    note: str = ""  # how the image was made from the input, when that is worth saying (a PDF page)


_counts: Counter[str] = Counter()
_counts_lock = threading.Lock()


def _count(what: str) -> None:
    with _counts_lock:
        _counts[what] += 1


def image_counts() -> dict[str, int]:
    """How many images this process has decoded (``decodes``: a source made into RGB pixels)
    and hashed (``hashes``: a sha256 over an image's bytes or pixels) since the last reset."""
    with _counts_lock:
        return {"decodes": _counts["decodes"], "hashes": _counts["hashes"]}


def reset_image_counts() -> None:
    """Start :func:`image_counts` from zero."""
    with _counts_lock:
        _counts.clear()


class ImageHandle:
    """One image as a pipeline carries it from stage to stage: hashed at most once and
    decoded at most once, each on first need, both kept. Accepted wherever an image source
    is (``load_image`` returns its decoded image, ``source_digest`` its digest), so OCR,
    prompts and model inputs share one decode.

    A file's or a buffer's digest is the hash of its bytes (no decoding); an in-memory
    image's is the hash of its decoded pixels, as :func:`load_image` gives it. A source that
    fails to decode fails the same way on every use, without being read again.
    """

    def __init__(
        self,
        source: ImageSource,
        *,
        digest: str | None = None,
        max_pixels: int = DEFAULT_MAX_PIXELS,
    ) -> None:
        self.source = source
        self.max_pixels = max_pixels
        self._digest = digest
        self._hashed = digest is not None
        self._loaded: LoadedImage | None = None
        self._error: ImageInputError | None = None
        self._lock = threading.RLock()

    @property
    def name(self) -> str:
        """How to name the image in messages (see :func:`describe`)."""
        return describe(self.source)

    def known_digest(self) -> str | None:
        """The digest when it needs no decoding (a file, bytes, or an image decoded already);
        None for an in-memory image not decoded yet."""
        with self._lock:
            if not self._hashed:
                self._digest = source_digest(self.source)
                self._hashed = True
            if self._digest is None and self._loaded is not None:
                self._digest = self._loaded.digest
            return self._digest

    @property
    def digest(self) -> str:
        """The image's content hash (decodes an in-memory image when not decoded yet)."""
        known = self.known_digest()
        return known if known is not None else self.load().digest

    @property
    def decoded(self) -> bool:
        """Whether the pixels are in memory."""
        return self._loaded is not None

    def load(self) -> LoadedImage:
        """The decoded image, decoded on the first call. Raises ``ImageInputError`` as
        :func:`load_image` does, on this and every later call."""
        with self._lock:
            if self._loaded is None:
                if self._error is not None:
                    raise self._error
                try:
                    self._loaded = load_image(
                        self.source, max_pixels=self.max_pixels, digest=self.known_digest()
                    )
                except ImageInputError as exc:
                    self._error = exc
                    raise
                self._digest = self._loaded.digest
            return self._loaded

    def release(self) -> None:
        """Let the pixels go (the digest stays): a later ``load`` decodes again."""
        with self._lock:
            self._loaded = None

    def __repr__(self) -> str:
        return f"ImageHandle({self.name})"


def describe(source: Any) -> str:
    """A short human name for an input, used in error messages and logs."""
    if isinstance(source, ImageHandle):
        return describe(source.source)
    if isinstance(source, LoadedImage):
        return source.name
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, (bytes, bytearray)):
        return f"<{len(source)} bytes>"
    if isinstance(source, Image.Image):
        name = getattr(source, "filename", "") or ""
        return name or f"<PIL image {source.mode} {source.size[0]}x{source.size[1]}>"
    if isinstance(source, np.ndarray):
        return f"<array {source.dtype} {'x'.join(map(str, source.shape))}>"
    return f"<{type(source).__name__}>"


def source_digest(source: ImageSource) -> str | None:
    """sha256 of a file's or a buffer's bytes without decoding it; None for in-memory images
    (an image handle's or a loaded image's digest, where known, without hashing again)."""
    if isinstance(source, ImageHandle):
        return source.known_digest()
    if isinstance(source, LoadedImage):
        return source.digest
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            return None
        _count("hashes")
        return sha256_file(path)
    if isinstance(source, (bytes, bytearray)):
        _count("hashes")
        return hashlib.sha256(source).hexdigest()
    return None


def load_image(
    source: ImageSource, *, max_pixels: int = DEFAULT_MAX_PIXELS, digest: str | None = None
) -> LoadedImage:
    """Open ``source`` as an RGB image with EXIF orientation applied.

    An :class:`ImageHandle` gives its image, decoded once; a :class:`LoadedImage` is
    returned as it is. ``digest``: the source's digest where the caller knows it already
    (it is not hashed again). Raises ``ImageInputError`` naming the input when it is
    missing, empty, not an image, truncated, or larger than ``max_pixels``
    (decompression-bomb guard).
    """
    if isinstance(source, (ImageHandle, LoadedImage)):
        loaded = source.load() if isinstance(source, ImageHandle) else source
        _check_size(loaded.image.size, loaded.name, max_pixels)
        return loaded
    name = describe(source)
    if digest is None:
        digest = source_digest(source)
    _count("decodes")
    try:
        if isinstance(source, (str, Path)):
            path = Path(source)
            if not path.exists():
                raise ImageInputError(f"image not found: {name}")
            if path.is_dir():
                raise ImageInputError(f"image path is a folder, not a file: {name}")
            if path.stat().st_size == 0:
                raise ImageInputError(f"image file is empty: {name}")
            if _is_pdf(path):
                return _first_pdf_page(path, name, digest, max_pixels)
            image = _open(path, name, max_pixels)
        elif isinstance(source, (bytes, bytearray)):
            if not source:
                raise ImageInputError("image bytes are empty")
            if _is_pdf(source):
                return _first_pdf_page(bytes(source), name, digest, max_pixels)
            image = _open(io.BytesIO(source), name, max_pixels)
        elif isinstance(source, Image.Image):
            _check_size(source.size, name, max_pixels)
            image = source
        elif isinstance(source, np.ndarray):
            image = _from_array(source, name)
            _check_size(image.size, name, max_pixels)
        else:
            raise ImageInputError(
                f"unsupported image input {name}: pass a path, bytes, a PIL image or an array"
            )
        if image.width == 0 or image.height == 0:
            raise ImageInputError(f"image has no pixels: {name}")
        frames = int(getattr(image, "n_frames", 1) or 1)
        image = ImageOps.exif_transpose(image) if hasattr(image, "getexif") else image
        rgb = to_rgb(image)
    except ImageInputError:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # Pillow reports truncation and bad headers as OSError/ValueError/SyntaxError.
        raise ImageInputError(f"cannot read image {name}: {exc}") from exc
    if digest is None:
        digest = pixel_digest(rgb)
    return LoadedImage(image=rgb, digest=digest, name=name, frames=frames)


def display_pixels(source: ImageSource, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """The RGB pixels of ``source`` as :func:`load_image` gives them, without hashing it:
    for showing an image, where no digest is needed."""
    return load_image(source, max_pixels=max_pixels, digest="").image


def _is_pdf(source: Path | bytes | bytearray) -> bool:
    from ocr_expert.pdf import is_pdf

    return is_pdf(source)


def _first_pdf_page(
    source: Path | bytes, name: str, digest: str | None, max_pixels: int
) -> LoadedImage:
    """A PDF's first page rendered at the default resolution, or at the highest that keeps a
    page too large for ``max_pixels`` within it (``OCRExpert.read_pdf`` reads the others,
    and text layers)."""
    from ocr_expert.pdf import DEFAULT_DPI, page_count, page_dpi, render_page

    pages = page_count(source)
    if pages == 0:
        raise ImageInputError(f"PDF has no pages: {name}")
    dpi = page_dpi(source, 1, dpi=DEFAULT_DPI, max_pixels=max_pixels)
    image = render_page(source, 1, dpi=dpi, max_pixels=0)
    note = f"read page 1 of {pages} of a PDF at {dpi} dpi"
    return LoadedImage(
        image=image,
        digest=digest if digest is not None else pixel_digest(image),
        name=name,
        frames=1,
        note=note,
    )


def check_readable_shape(
    image: Image.Image, name: str, max_ratio: float = MAX_ASPECT_RATIO
) -> None:
    """Refuse a strip too thin for any OCR engine (a 20000x10 image), naming the input,
    before an engine fails on it with an error that names nothing."""
    long_side, short_side = max(image.size), min(image.size)
    if long_side > max_ratio * short_side:
        raise ImageInputError(
            f"image {name} is {image.width}x{image.height} pixels, a strip "
            f"{long_side / short_side:.0f} times longer than wide: OCR engines read at most "
            f"{max_ratio:.0f}:1; crop it or cut it into pieces first"
        )


def with_min_side(image: Image.Image, min_side: int = 8) -> Image.Image:
    """``image`` scaled up (nearest neighbour, aspect kept) so that no side is below
    ``min_side``: image processors misread a 1x1 or 3x3 image's channels."""
    short_side = min(image.size)
    if short_side >= min_side:
        return image
    factor = -(-min_side // short_side)  # ceiling division
    return image.resize((image.width * factor, image.height * factor), Image.Resampling.NEAREST)


def pixel_digest(image: Image.Image) -> str:
    """sha256 over size, mode and pixels: equal images hash equal whatever they came from."""
    _count("hashes")
    h = hashlib.sha256(f"{image.mode}{image.size}".encode())
    h.update(image.tobytes())
    return h.hexdigest()


def _open(fp: Any, name: str, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fp)
            _check_size(image.size, name, max_pixels)
            image.load()  # decode now, so truncation fails here and not later
    except UnidentifiedImageError as exc:
        raise ImageInputError(f"not an image file (or an unknown format): {name}") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInputError(f"image is too large to decode safely: {name} ({exc})") from exc
    return image


def _check_size(size: tuple[int, int], name: str, max_pixels: int) -> None:
    if max_pixels and size[0] * size[1] > max_pixels:
        raise ImageInputError(
            f"image is too large: {name} is {size[0]}x{size[1]} pixels, over the "
            f"limit of {max_pixels} (raise max_pixels if the image is trusted)"
        )


def _from_array(array: np.ndarray, name: str) -> Image.Image:
    if array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (1, 3, 4)):
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        if array.dtype != np.uint8:
            array = _scale_to_uint8(array.astype(np.float64))
        return Image.fromarray(array)
    raise ImageInputError(f"array {name} is not an image (expected HxW, HxWx3 or HxWx4)")


def _scale_to_uint8(values: np.ndarray) -> np.ndarray:
    """Map deep or float pixel values to 0..255, keeping 8-bit data as it is."""
    high = float(values.max()) if values.size else 0.0
    if high <= 1.0:  # float images in 0..1
        values = values * 255.0
    elif high > 255.0:
        values = values * (255.0 / (65535.0 if high <= 65535.0 else high))
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB; transparency is flattened onto white, as on paper."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return Image.fromarray(_scale_to_uint8(np.asarray(image, dtype=np.float64))).convert("RGB")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def otsu_level(grey: Image.Image) -> int:
    """Otsu's threshold of a grey image: the level that best splits ink from ground."""
    hist = np.bincount(np.asarray(grey).ravel(), minlength=256).astype(np.float64)
    weight = np.cumsum(hist)
    mass = np.cumsum(hist * np.arange(256))
    total, rest = weight[-1], weight[-1] - weight
    between = (mass[-1] * weight - mass * total) ** 2 / np.maximum(weight * rest, 1e-9)
    return int(np.argmax(between))


def edge_ground(arr: np.ndarray) -> np.ndarray:
    """The median of an image array's edge pixels, per channel (a scalar for grey): the
    ground of a page or crop, which text rarely reaches all round."""
    edge = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    return np.median(edge, axis=0)


def dark_on_light(image: Image.Image) -> tuple[Image.Image, float]:
    """``image`` in grey with dark text on a light ground, and that ground's grey level.

    The image is turned over (light text on a dark ground) where its edges are darker than
    its middle, or dark outright, and only where both its edges and most of its pixels lie
    on the dark side of Otsu's level: a row cut out of a ruled table has its rules along its
    top and bottom edges, a scan a black border round white paper, and a crop whose edges are
    barely darker than its middle is still dark text on light paper."""
    grey = image.convert("L")
    arr = np.asarray(grey)
    level = otsu_level(grey)
    background, middle = float(edge_ground(arr)), float(np.median(arr))
    darker = background < middle or background < 100
    if darker and background <= level and middle <= level:
        grey = ImageOps.invert(grey)  # light text on a dark ground
        background = 255.0 - background
    elif background <= level < middle:  # dark edges round light paper: the paper is the ground
        background = middle
    return grey, background


#: a line crop's body band: the rows holding the central share of its ink (the rest is dots,
#: ascenders, descenders and whatever the neighbouring lines left)
BODY_INK_SHARE = 0.6


def ink_band(ink: np.ndarray, low: float, high: float) -> tuple[int, int] | None:
    """The first and last rows of the band between the ``low`` and ``high`` shares of an
    ink mask's dark pixels, counted from the top (None: no ink)."""
    rows = ink.sum(axis=1).astype(np.float64)
    if not rows.sum():
        return None
    share = np.cumsum(rows) / rows.sum()
    return int(np.searchsorted(share, low)), int(np.searchsorted(share, high))


def without_edge_fragments(image: Image.Image) -> Image.Image | None:
    """A line crop in grey with the ink pieces cut by its top or bottom edge that lie wholly
    above or below its body band cleared to the background; None when there are none.

    A line cut from a page set solid shows the descenders and dots of the line above and the
    tops of the line below. Such a piece is cut by the crop's edge and lies outside the band
    where most of the line's own ink is. A crop cut tight through the line's own dots loses
    them too, which is why this view only competes with the others on Tesseract's confidence.
    """
    from scipy import ndimage

    grey, background = dark_on_light(image)
    pixels = np.asarray(grey)
    ink = pixels <= otsu_level(grey)
    band = ink_band(ink, (1 - BODY_INK_SHARE) / 2, (1 + BODY_INK_SHARE) / 2)
    if band is None:
        return None
    top, bottom = band
    labels, _ = ndimage.label(ink, structure=np.ones((3, 3)))
    cleared = pixels.copy()
    found = False
    for index, piece in enumerate(ndimage.find_objects(labels), start=1):
        y0, y1 = piece[0].start, piece[0].stop
        if (y0 == 0 and y1 <= top) or (y1 == pixels.shape[0] and y0 >= bottom):
            cleared[piece][labels[piece] == index] = round(background)
            found = True
    return Image.fromarray(cleared) if found else None
