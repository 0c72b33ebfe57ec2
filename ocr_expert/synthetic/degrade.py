"""Scan and camera degradations: skew, low contrast, uneven light, blur, noise, JPEG artefacts,
bitonal storage."""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from ocr_expert.image_io import otsu_level


@dataclass(frozen=True)
class Degradation:
    """What happens to a clean rendering before it is saved; the defaults change nothing."""

    skew: float = 0.0  #: degrees, counter-clockwise
    contrast: float = 1.0  #: 1 keeps the ink; lower pulls it towards the paper
    illumination: float = 0.0  #: darkening at the far corner of a light gradient (0..0.4)
    blur: float = 0.0  #: Gaussian radius in pixels
    noise: float = 0.0  #: Gaussian noise sigma in grey levels
    jpeg: int | None = None  #: JPEG quality the image is saved with, or None for PNG
    #: grey level that splits ink (black) from paper (white), as a fax or a bitonal scan
    #: stores a page; 0 splits each image at its own level (Otsu's), as a scanner set to
    #: black and white picks one; None keeps the greys
    threshold: int | None = None
    #: light text on a dark ground, every grey turned over last: a negative (microfilm, a
    #: photostat) or a screen in dark mode
    negative: bool = False

    @classmethod
    def sample(cls, rng: random.Random, kind: str) -> Degradation:
        """A random mix for ``kind`` (page, line, word, sign): each step present or not."""

        def maybe(p: float, lo: float, hi: float, default: float = 0.0) -> float:
            return round(rng.uniform(lo, hi), 2) if rng.random() < p else default

        if kind == "page":
            return cls(
                skew=maybe(0.6, -2.0, 2.0),
                contrast=maybe(0.3, 0.55, 0.9, 1.0),
                illumination=maybe(0.4, 0.1, 0.35),
                blur=maybe(0.4, 0.3, 0.9),
                noise=maybe(0.5, 2.0, 10.0),
                jpeg=rng.randint(40, 85) if rng.random() < 0.4 else None,
            )
        if kind == "sign":
            return cls(
                blur=round(rng.uniform(0.3, 1.0), 2),
                noise=round(rng.uniform(2.0, 8.0), 2),
                illumination=maybe(0.5, 0.1, 0.3),
                jpeg=rng.randint(45, 85),
            )
        return cls(  # line and word crops
            skew=maybe(0.3, -1.5, 1.5),
            contrast=maybe(0.25, 0.6, 0.9, 1.0),
            blur=maybe(0.5, 0.3, 1.0),
            noise=maybe(0.5, 2.0, 9.0),
            jpeg=rng.randint(40, 85) if rng.random() < 0.35 else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in asdict(self).items()
            if v not in (None, 0.0) and not (k == "contrast" and v == 1.0)
        }


def apply(image: Image.Image, d: Degradation, seed: int) -> Image.Image:
    """``image`` degraded by ``d`` (JPEG excepted: it is applied when saving)."""
    image = image.convert("RGB")
    paper = image.getpixel((0, 0))
    if d.skew:
        image = image.rotate(
            d.skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=paper
        )
    arr = np.asarray(image, dtype=np.float32)
    if d.contrast != 1.0:
        ref = np.asarray(paper, dtype=np.float32)
        arr = ref + (arr - ref) * d.contrast
    if d.illumination:
        h, w = arr.shape[:2]
        rng = np.random.default_rng(seed)
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = np.cos(angle) * xx / max(w, 1) + np.sin(angle) * yy / max(h, 1)
        ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
        arr = arr * (1.0 - d.illumination * ramp)[..., None]
    image = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if d.blur:
        image = image.filter(ImageFilter.GaussianBlur(d.blur))
    if d.noise:
        rng = np.random.default_rng(seed + 1)
        clean = np.asarray(image, dtype=np.float32)
        noisy = clean + rng.normal(0.0, d.noise, clean.shape[:2])[..., None]
        image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    if d.threshold is not None:
        grey = image.convert("L")
        level = d.threshold or otsu_level(grey) + 1  # Otsu's level is the ink's last grey
        image = Image.fromarray(np.where(np.asarray(grey) < level, 0, 255).astype(np.uint8))
        image = image.convert("RGB")
    if d.negative:
        image = ImageOps.invert(image)
    return image


def perspective(
    image: Image.Image,
    corners: Sequence[tuple[float, float]],
    fill: str | tuple[int, ...] | None = None,
) -> Image.Image:
    """``image`` seen in perspective: its top-left, top-right, bottom-right and bottom-left
    corners land at ``corners`` of an image of the same size (``fill`` where nothing shows)."""
    width, height = image.size
    page = [(0, 0), (width, 0), (width, height), (0, height)]
    # PIL wants the map from output (corners) to input (page) coordinates.
    rows, rhs = [], []
    for (x, y), (u, v) in zip(corners, page):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    coeffs = np.linalg.solve(np.array(rows, float), np.array(rhs, float))
    return image.transform(
        image.size,
        Image.Transform.PERSPECTIVE,
        tuple(coeffs),
        Image.Resampling.BICUBIC,
        fillcolor=fill,
    )


def encode(image: Image.Image, d: Degradation) -> tuple[bytes, str]:
    """The file bytes and extension: JPEG at ``d.jpeg`` quality, else PNG."""
    buffer = io.BytesIO()
    if d.jpeg:
        image.save(buffer, format="JPEG", quality=d.jpeg)
        return buffer.getvalue(), ".jpg"
    image.save(buffer, format="PNG", compress_level=1)  # noisy scans barely compress: favour speed
    return buffer.getvalue(), ".png"
