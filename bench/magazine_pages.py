"""Magazine pages drawn with their text in reading order, for ``bench/ocr_quality.py --labels``.

    python bench/magazine_pages.py --out magazine --pages 48
    python bench/ocr_quality.py --labels magazine/labels.jsonl --engines ppocr --no-recall

One article a page, in two or three columns, its text running on from each column's foot to
the next column's head: a title across the columns (or none), a photograph set in some
columns at a height drawn at random, the column's text going on under it, and a footer across
the page's foot (or none). Photographs set level in neighbouring columns leave an empty band
across the page's text between them, where a reader still reads each column whole; a
paragraph break falling under a photograph ends a column part in a short line. The truth is
the title, the columns in turn and the footer. Drawn with DejaVu fonts at 1700 x 2200 px (a
page at 200 dpi); ``--degrade`` and ``--scale`` of ``ocr_quality.py`` make scans of them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import textwrap
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_expert.synthetic.fonts import font

SENTENCE = (
    "the council said on monday that the new library would open in spring after two years "
    "of work and a budget that grew by a third since the plans were first drawn up by the city"
)
WORDS = SENTENCE.split()
TITLES = ["Libraries for the next century", "A city that reads", "The long way to a new library"]
FOOTER = "12    CITY MAGAZINE    DECEMBER 2026    www.citymagazine.example"
WIDTH, HEIGHT, MARGIN, GUTTER = 1700, 2200, 100, 60
PITCH, PARAGRAPH = 34, 14


def _photo(rng: np.random.Generator, width: int, height: int) -> Image.Image:
    """A photograph's stand-in: soft patches of colour, no edges a detector takes for text."""
    coarse = rng.integers(0, 256, (max(2, height // 40), max(2, width // 40), 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    return image.filter(ImageFilter.GaussianBlur(6))


def draw_page(seed: int, columns: int, title: bool, footer: bool) -> tuple[Image.Image, str]:
    """One page and its text in reading order."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    body = font("serif", 26 if columns == 2 else 24)
    truth: list[str] = []
    top = MARGIN
    if title:
        text = rng.choice(TITLES)
        draw.text((MARGIN, 80), text, font=font("sans_bold", 60), fill=0)
        truth.append(text)
        top = 220
    foot = 2040 if footer else 2120
    width = (WIDTH - 2 * MARGIN - GUTTER * (columns - 1)) // columns
    chars = 48 if columns == 2 else 30
    paragraphs = [
        textwrap.wrap(
            " ".join(rng.choice(WORDS) for _ in range(rng.randrange(25, 60))).capitalize() + ".",
            chars,
        )
        for _ in range(80)
    ]
    stream = [(line, i == len(p) - 1) for p in paragraphs for i, line in enumerate(p)]
    pixels = np.random.default_rng(seed)
    for column in range(columns):
        x = MARGIN + column * (width + GUTTER)
        holes = []
        if rng.random() < 0.6:  # a photograph in this column
            y0, tall = rng.randrange(500, 1400), rng.randrange(250, 450)
            image.paste(_photo(pixels, width, tall), (x, y0))
            holes.append((y0, y0 + tall))
        y = top
        while stream:
            for start, end in holes:
                if start - PITCH <= y <= end:
                    y = end + PITCH
            if y >= foot:
                break
            line, last = stream.pop(0)
            draw.text((x, y), line, font=body, fill=0)
            truth.append(line)
            y += PITCH + (PARAGRAPH if last else 0)
    if footer:
        draw.text((MARGIN, 2120), FOOTER, font=body, fill=0)
        truth.append(" ".join(FOOTER.split()))
    return image, "\n".join(truth)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the pages")
    parser.add_argument("--pages", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    records = []
    for n in range(args.pages):
        columns, title, footer = 2 + n % 2, n % 3 != 1, n % 3 != 0
        image, text = draw_page(args.seed * 1000 + n, columns, title, footer)
        name = f"magazine-{n:03d}.png"
        image.save(args.out / name)
        layout = f"{columns} columns" + ", title" * title + ", footer" * footer
        records.append({"image": name, "text": text, "kind": "page", "layout": layout})
    with open(args.out / "labels.jsonl", "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(records)} pages in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
