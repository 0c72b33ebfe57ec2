"""Images per second of each OCR engine on rendered pages, cold and from the cache.

    python bench/ocr.py [--images 8] [--engines ppocr tesseract]

Both columns are measured in this one run on the same images: "cold" runs the engine
(and writes the cache), "cached" reads the same images again through a fresh expert.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_expert import OCRExpert  # noqa: E402
from ocr_expert.draw import _font  # noqa: E402

WORDS = ("invoice total market street report revenue margin station platform harbour "
         "daily open coffee bread apples milk order number date page").split()


def render_page(seed: int, arabic: bool = False) -> Image.Image:
    """A page of 6-10 lines of pseudo-random words, 18-30 px text."""
    import random

    rng = random.Random(seed)
    size = rng.choice([18, 22, 26, 30])
    image = Image.new("RGB", (900, 600), "white")
    draw = ImageDraw.Draw(image)
    for i in range(rng.randint(6, 10)):
        if arabic:
            text = " ".join(rng.choice(["مرحبا", "المدينة", "شارع", "الملك", "سوق", "كتاب"]) for _ in range(4))
            draw.text((860, 30 + i * size * 1.8), text, font=_font(size), fill="black",
                      anchor="ra", direction="rtl", language="ar")
        else:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))) + f" {rng.randint(1, 9999)}"
            draw.text((30, 30 + i * size * 1.8), text, font=_font(size), fill="black")
    return image


def measure(engine: str, paths: list[Path], options: dict) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as cache:
        OCRExpert(engine, use_cache=False, **options).read(paths[0])  # warm-up, untimed
        cold_expert = OCRExpert(engine, cache_dir=cache, **options)
        warm_expert = OCRExpert(engine, cache_dir=cache, **options)  # fresh object, same folder
        start = time.perf_counter()
        for p in paths:
            cold_expert.read(p)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        for p in paths:
            warm_expert.read(p)
        cached = time.perf_counter() - start
        assert warm_expert.stats["hits"] == len(paths)
    return len(paths) / cold, len(paths) / cached


def reading_order_ms(n_lines: int, words: int) -> tuple[int, float]:
    """Milliseconds to order a dense page of word spans (as Tesseract gives), shuffled."""
    import random

    from ocr_expert.reading_order import order_spans
    from ocr_expert.types import Span

    rng = random.Random(0)
    spans = []
    for line in range(n_lines):
        x = 10.0
        for _ in range(words):
            width = rng.randint(20, 60)
            spans.append(Span("w", (x, 10 + line * 20, x + width, 24 + line * 20), 0.9))
            x += width + 6
    rng.shuffle(spans)
    start = time.perf_counter()
    order_spans(spans)
    return len(spans), 1000 * (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--engines", nargs="+",
                        default=["ppocr", "tesseract", "tesseract-ara", "vision-encoder-decoder"])
    parser.add_argument("--ved-model", help="TrOCR/Qalam id or folder (default: a tiny random model)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ved_model = args.ved_model
        if ved_model is None and "vision-encoder-decoder" in args.engines:
            # No weights offline: a tiny random SwinV2+RoBERTa measures the plumbing
            # (detector, crops, batching, decoding), not a real recogniser's speed.
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            from test_ved_engine import _build_model

            ved_model = str(_build_model(Path(folder) / "tiny-ved"))
        runs = {
            "ppocr": ("ppocr", {}, False),
            "tesseract": ("tesseract", {"lang": "eng"}, False),
            "tesseract-ara": ("tesseract", {"lang": "ara"}, True),
            "vision-encoder-decoder": ("vision-encoder-decoder", {"model": ved_model}, False),
        }
        rows = []
        for name in args.engines:
            engine, options, arabic = runs[name]
            paths = []
            for i in range(args.images):
                path = Path(folder) / f"{name}-{i}.png"
                render_page(i, arabic).save(path)
                paths.append(path)
            cold, cached = measure(engine, paths, options)
            rows.append((name, len(paths), cold, cached, cached / cold))
    print(f"{'engine':<24}{'images':>7}{'cold img/s':>12}{'cached img/s':>14}{'cached/cold':>13}")
    for name, n, cold, cached, ratio in rows:
        print(f"{name:<24}{n:>7}{cold:>12.2f}{cached:>14.1f}{ratio:>12.0f}x")
    for n_lines, words in [(50, 12), (150, 15)]:
        n, ms = reading_order_ms(n_lines, words)
        print(f"reading order: {n} word spans on {n_lines} lines in {ms:.1f} ms")


if __name__ == "__main__":
    main()
