"""Crops and photographs: single words, single lines, and street signs at low resolution."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw

from ocr_expert.synthetic import text as T
from ocr_expert.synthetic.canvas import Canvas, text_width
from ocr_expert.synthetic.degrade import perspective
from ocr_expert.synthetic.fonts import ARABIC_FACES, LATIN_FACES, font

Color = tuple[int, int, int]


def _luma(c: Color) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _colours(rng: random.Random, min_gap: float = 110) -> tuple[Color, Color]:
    """A background and an ink colour far enough apart in brightness to be read."""
    while True:
        bg = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        ink = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        if abs(_luma(bg) - _luma(ink)) >= min_gap:
            return bg, ink


def text_crop(rng: random.Random, text: str, *, rtl: bool, word: bool) -> Canvas:
    """A tight crop around one word or one line, like the recognition benchmarks' crops."""
    faces = ARABIC_FACES if rtl else LATIN_FACES
    fnt = font(rng.choice(faces), rng.randint(28, 52) if word else rng.randint(24, 38))
    if word:
        bg, ink = _colours(rng)
    else:
        paper = rng.randint(225, 255)
        bg, ink = (paper, paper, paper - rng.randint(0, 12)), (rng.randint(0, 50),) * 3
    direction, language = ("rtl", "ar") if rtl else (None, None)
    left, top, right, bottom = fnt.getbbox(
        text, anchor="ls", direction=direction, language=language
    )
    pad_x = round(fnt.size * rng.uniform(0.08, 0.25 if word else 0.5))
    pad_y = round(fnt.size * rng.uniform(0.08, 0.25))
    canvas = Canvas(round(right - left) + 2 * pad_x, round(bottom - top) + 2 * pad_y, background=bg)
    canvas.draw.text(
        (pad_x - left, pad_y - top),
        text,
        font=fnt,
        fill=ink,
        anchor="ls",
        direction=direction,
        language=language,
    )
    canvas.lines.append(text)
    return canvas


def english_line(rng: random.Random) -> str:
    """4-9 consecutive words of an English sentence."""
    words = rng.choice(T.ENGLISH_SENTENCES).split()
    n = rng.randint(min(4, len(words)), min(9, len(words)))
    start = rng.randint(0, len(words) - n)
    return " ".join(words[start : start + n])


def arabic_line(rng: random.Random) -> str:
    """3-7 consecutive words of an Arabic sentence."""
    words = rng.choice(T.ARABIC_SENTENCES).split()
    n = rng.randint(min(3, len(words)), min(7, len(words)))
    start = rng.randint(0, len(words) - n)
    return " ".join(words[start : start + n])


def sign(rng: random.Random, lang: str) -> Canvas:
    """A street or shop sign photographed slightly askew, at a low resolution.

    1-3 short lines on a coloured panel in a blurred scene; ``mix`` signs carry an English
    line and its Arabic translation.
    """
    if lang == "ara":
        lines = list(rng.choice(T.ARABIC_SIGNS))
    elif lang == "mix":
        pair = rng.choice(T.BILINGUAL_SIGNS)
        lines = list(pair if rng.random() < 0.6 else pair[::-1])
    else:
        lines = list(rng.choice(T.SIGNS))
    width, height = 960, 640
    scene = Canvas(width, height)
    # Scene: a two-colour gradient with soft blobs, something behind the sign.
    a, b = np.array(_colours(rng, 0)[0], np.float32), np.array(_colours(rng, 0)[0], np.float32)
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    scene.image = Image.fromarray((a * (1 - t) + b * t).repeat(width, axis=1).astype(np.uint8))
    scene.draw = ImageDraw.Draw(scene.image)
    for _ in range(6):
        bx, by, r = rng.randint(0, width), rng.randint(0, height), rng.randint(40, 200)
        scene.draw.ellipse((bx - r, by - r, bx + r, by + r), fill=_colours(rng, 0)[0])
    panel, ink = _colours(rng, 130)
    size = rng.randint(60, 100) if len(lines) > 1 else rng.randint(90, 140)
    fonts = []
    for line in lines:
        rtl = any("\u0600" <= ch <= "\u06ff" for ch in line)
        face = "sans_bold" if rtl or rng.random() < 0.7 else rng.choice(("serif_bold", "mono_bold"))
        fnt = font(face, size)
        while text_width(line, fnt, rtl) > width * 0.7 and fnt.size > 20:
            fnt = font(face, fnt.size - 6)
        fonts.append((line, fnt, rtl))
    text_w = max(text_width(line, f, r) for line, f, r in fonts)
    line_h = round(size * 1.35)
    box_w, box_h = text_w + size, line_h * len(lines) + size * 0.6
    x0, y0 = (width - box_w) / 2, (height - box_h) / 2
    scene.draw.rounded_rectangle(
        (x0, y0, x0 + box_w, y0 + box_h),
        radius=size // 4,
        fill=panel,
        outline=ink,
        width=max(3, size // 14),
    )
    y = y0 + size * 0.3
    for line, fnt, rtl in fonts:
        scene.line(line, x0, x0 + box_w, y, fnt, fill=ink, rtl=rtl, align="center")
        y += line_h
    scene.image = _perspective(scene.image, rng, 0.06)
    scene.image = scene.image.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BICUBIC)
    # Crop the frame the warp left empty; the sign stays whole in the middle.
    scene.image = scene.image.crop(
        (round(width * 0.1), round(height * 0.1), round(width * 0.9), round(height * 0.9))
    )
    width, height = scene.image.size
    # Low resolution: the sign's text ends up 12-30 pixels tall.
    scale = rng.uniform(12, 30) / size
    small = (max(64, round(width * scale * 1.3)), max(48, round(height * scale * 1.3)))
    scene.image = scene.image.resize(small, Image.Resampling.LANCZOS)
    scene.width, scene.height = scene.image.size
    return scene


def _perspective(image: Image.Image, rng: random.Random, amount: float) -> Image.Image:
    """A slight perspective warp: each corner moved by up to ``amount`` of the image size."""
    w, h = image.size
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    moved = [
        (x + rng.uniform(-amount, amount) * w, y + rng.uniform(-amount, amount) * h)
        for x, y in corners
    ]
    return perspective(image, moved)
