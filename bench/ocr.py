"""Images per second of each OCR engine on rendered pages, cold and from the cache; and the
``ocrvqa ocr-cache`` pre-pass with 1 and 2 workers against the evaluation's own OCR stage.

    python bench/ocr.py [--images 8] [--engines ppocr tesseract two-stage] [--prepass-images 32]

Both columns are measured in this one run on the same images: "cold" runs the engine
(and writes the cache), "cached" reads the same images again through a fresh expert.
The got-ocr2 and vlm-ocr rows use tiny random models (no weights offline): they time the
plumbing (processor, batching, generation of ``max_new_tokens`` tokens), not a real model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_expert import OCRExpert
from ocr_expert.draw import load_font

WORDS = [
    "invoice",
    "total",
    "market",
    "street",
    "report",
    "revenue",
    "margin",
    "station",
    "platform",
    "harbour",
    "daily",
    "open",
    "coffee",
    "bread",
    "apples",
    "milk",
    "order",
    "number",
    "date",
    "page",
]


def render_page(seed: int, arabic: bool = False) -> Image.Image:
    """A page of 6-10 lines of pseudo-random words, 18-30 px text."""
    import random

    rng = random.Random(seed)
    size = rng.choice([18, 22, 26, 30])
    image = Image.new("RGB", (900, 600), "white")
    draw = ImageDraw.Draw(image)
    for i in range(rng.randint(6, 10)):
        if arabic:
            text = " ".join(
                rng.choice(["مرحبا", "المدينة", "شارع", "الملك", "سوق", "كتاب"]) for _ in range(4)
            )
            draw.text(
                (860, 30 + i * size * 1.8),
                text,
                font=load_font(size),
                fill="black",
                anchor="ra",
                direction="rtl",
                language="ar",
            )
        else:
            text = (
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
                + f" {rng.randint(1, 9999)}"
            )
            draw.text((30, 30 + i * size * 1.8), text, font=load_font(size), fill="black")
    return image


def bench_images(kind: str, count: int) -> list[Image.Image]:
    """``count`` images of one kind: ``"page"`` (English text), ``"arabic"`` or ``"chart"``
    (the first of ``chart_strings.py``'s charts: bars, lines, pies, stacked bars)."""
    if kind == "chart":
        from chart_strings import draw_charts  # a script beside this one

        return [chart.image for chart in draw_charts(count, seed=0)]
    return [render_page(i, kind == "arabic") for i in range(count)]


def measure(engine: str, paths: list[Path], options: dict) -> tuple[float, float]:
    from ocr_expert.engines import get_engine

    with tempfile.TemporaryDirectory() as cache:
        shared = get_engine(engine, **options)  # one engine: its model loads once, in the warm-up
        OCRExpert(shared, use_cache=False).read(paths[0])  # warm-up, untimed
        cold_expert = OCRExpert(shared, cache_dir=cache)
        warm_expert = OCRExpert(shared, cache_dir=cache)  # fresh object, same folder
        start = time.perf_counter()
        cold_expert.read_many(paths)  # in batches where the engine takes them
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


def prepass(folder: Path, n_images: int, engine: str) -> None:
    """The pre-pass at 1 and 2 workers (one thread each), then at its default against the
    evaluation's own OCR stage (read-ahead threads, one engine), each on a cold cache."""
    import json
    import os

    from eval_vqa.config import load_config
    from eval_vqa.ocr_prepass import default_workers, fill_cache
    from eval_vqa.ocr_stage import ImageMemo, read_ahead
    from eval_vqa.runner import load_benchmark, make_expert

    rows = []
    for i in range(n_images):
        path = folder / f"prepass-{i}.png"
        render_page(100 + i).save(path)
        rows.append(
            {
                "question_id": f"q{i}",
                "image": str(path),
                "question": "What is the total?",
                "answers": ["x"],
            }
        )
    data = folder / "prepass.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def config(cache: str):
        return load_config(
            {
                "name": "bench",
                "model": "tiny-random-llava",
                "progress": False,
                "benchmarks": [{"name": "mini_doc", "source": str(data)}],
                "ocr": {"engine": engine, "cache_dir": str(folder / cache)},
            }
        )

    import resource

    def child_cpu_s() -> float:  # CPU time of the finished (joined) worker processes
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    speeds = {}
    for workers in (1, 2):
        cpu = child_cpu_s()
        summary = fill_cache(
            config(f"cache-w{workers}"), workers=workers, threads=1, progress=False
        )
        speeds[workers] = summary
        # CPU seconds per image show whether the workers cost more each; wall time also
        # depends on what else the machine runs
        print(
            f"ocr-cache {engine}, {n_images} pages, {workers} worker(s) x 1 thread: "
            f"{summary.steady_images_per_s:.2f} img/s after {summary.startup_s:.1f} s start-up "
            f"({summary.images_per_s:.2f} img/s with it; "
            f"{(child_cpu_s() - cpu) / n_images:.2f} CPU s "
            f"per image, start-up included; load average {os.getloadavg()[0]:.1f})"
        )
    print(
        "2 workers / 1 worker: "
        f"{speeds[2].steady_images_per_s / speeds[1].steady_images_per_s:.2f}x after start-up "
        f"({speeds[2].images_per_s / speeds[1].images_per_s:.2f}x with it) "
        f"on {os.cpu_count()} cores"
    )

    cfg = config("cache-eval")
    samples = load_benchmark(cfg, cfg.benchmarks[0])
    start = time.perf_counter()
    expert = make_expert(cfg)
    items = list(
        read_ahead(
            samples,
            ImageMemo(expert, cfg.ocr.mode),
            workers=cfg.ocr.workers,
            window=cfg.ocr.lookahead * cfg.batch_size,
        )
    )
    stage_s = time.perf_counter() - start
    assert all(item.error is None for item in items)
    default = default_workers(cfg)
    summary = fill_cache(config("cache-default"), progress=False)
    print(
        f"pre-pass ({default} workers x {summary.threads} thread(s)) {summary.seconds:.1f} s = "
        f"{summary.images_per_s:.2f} img/s, start-up included; the evaluation's own OCR stage "
        f"({cfg.ocr.workers} read-ahead thread, one engine on all cores) {stage_s:.1f} s = "
        f"{n_images / stage_s:.2f} img/s: pre-pass {stage_s / summary.seconds:.2f}x as fast"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument(
        "--engines",
        nargs="+",
        default=[
            "ppocr",
            "ppocr-alone",
            "ppocr-v4",
            "ppocr-arabic",
            "ppocr-alone-arabic",
            "ppocr-charts",
            "ppocr-alone-charts",
            "tesseract",
            "tesseract-ara",
            "vision-encoder-decoder",
            "got-ocr2",
            "vlm-ocr",
        ],
    )
    parser.add_argument(
        "--ved-model", help="TrOCR/Qalam id or folder (default: a tiny random model)"
    )
    parser.add_argument("--got-model", help="GOT-OCR2 id or folder (default: a tiny random model)")
    parser.add_argument(
        "--vlm-model", help="image-text-to-text id or folder (default: a tiny random Qwen2-VL)"
    )
    parser.add_argument(
        "--prepass-images", type=int, default=32, help="pages for the pre-pass figures (0: skip)"
    )
    parser.add_argument("--prepass-engine", default="ppocr")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ved_model = args.ved_model
        if ved_model is None and "vision-encoder-decoder" in args.engines:
            # No weights offline: a tiny random SwinV2+RoBERTa measures the plumbing
            # (detector, crops, batching, decoding), not a real recognizer's speed.
            from eval_vqa.tiny_models.ved import build_tiny_ved

            ved_model = str(build_tiny_ved(Path(folder) / "tiny-ved"))
        got_model, vlm_model = args.got_model, args.vlm_model
        if got_model is None and "got-ocr2" in args.engines:
            from eval_vqa.tiny_models.got_ocr2 import build_tiny_got_ocr2

            got_model = str(build_tiny_got_ocr2(Path(folder) / "tiny-got"))
        if vlm_model is None and "vlm-ocr" in args.engines:
            from eval_vqa.tiny_models import build_tiny_qwen2vl

            vlm_model = str(build_tiny_qwen2vl(Path(folder) / "tiny-qwen2vl"))
        generative = {"max_new_tokens": 32, "batch_size": 4}
        # PP-OCRv6 alone: no second reader, no upscaling, no Arabic route, no second reading
        # of charts or after dot leaders: what the default costs on top
        alone = {
            "refine": None,
            "upscale_below": 0,
            "arabic": None,
            "colour_graphics": False,
            "leaders": False,
        }
        runs: dict[str, tuple[str, dict[str, Any], str]] = {
            # the default: PP-OCRv6 small, Tesseract beside it, Arabic route on
            "ppocr": ("ppocr", {}, "page"),
            "ppocr-alone": ("ppocr", alone, "page"),
            "ppocr-v4": ("ppocr", {"model": "PP-OCRv4"}, "page"),
            # the default on Arabic pages (Tesseract reads them), and PP-OCRv6 alone on them
            # (it reads them as junk)
            "ppocr-arabic": ("ppocr", {}, "arabic"),
            "ppocr-alone-arabic": ("ppocr", alone, "arabic"),
            # charts as chart benchmarks hold them (``chart_strings.py``): the default reads
            # their flat colours a second time
            "ppocr-charts": ("ppocr", {}, "chart"),
            "ppocr-alone-charts": ("ppocr", alone, "chart"),
            "tesseract": ("tesseract", {"lang": "eng"}, "page"),
            "tesseract-ara": ("tesseract", {"lang": "ara"}, "arabic"),
            # PP-OCR's boxes, each line read by Tesseract: one detector with another's recognizer
            "two-stage": ("two-stage", {"detector": "ppocr", "recognizer": "tesseract"}, "page"),
            "vision-encoder-decoder": ("vision-encoder-decoder", {"model": ved_model}, "page"),
            "got-ocr2": ("got-ocr2", {"model": got_model, **generative}, "page"),
            "vlm-ocr": ("vlm-ocr", {"model": vlm_model, **generative}, "page"),
        }
        rows = []
        for name in args.engines:
            engine, options, kind = runs[name]
            paths = []
            for i, image in enumerate(bench_images(kind, args.images)):
                path = Path(folder) / f"{name}-{i}.png"
                image.save(path)
                paths.append(path)
            cold, cached = measure(engine, paths, options)
            rows.append((name, len(paths), cold, cached, cached / cold))
    print(f"{'engine':<24}{'images':>7}{'cold img/s':>12}{'cached img/s':>14}{'cached/cold':>13}")
    for name, n, cold, cached, ratio in rows:
        print(f"{name:<24}{n:>7}{cold:>12.2f}{cached:>14.1f}{ratio:>12.0f}x")
    speed = {name: cold for name, _, cold, _, _ in rows}
    if "ppocr" in speed and "ppocr-alone" in speed:
        print(
            "default engine time per image / PP-OCRv6 alone: "
            f"{speed['ppocr-alone'] / speed['ppocr']:.2f}x "
            "(goal <= 2x)"
        )
    if "ppocr-arabic" in speed and "ppocr-alone-arabic" in speed:
        print(
            "on Arabic pages, default engine / PP-OCRv6 alone: "
            f"{speed['ppocr-alone-arabic'] / speed['ppocr-arabic']:.2f}x (goal <= 2x)"
        )
    if "ppocr-charts" in speed and "ppocr-alone-charts" in speed:
        print(
            "on charts, default engine / PP-OCRv6 alone: "
            f"{speed['ppocr-alone-charts'] / speed['ppocr-charts']:.2f}x (goal <= 2x)"
        )
    if "ppocr" in speed and "ppocr-v4" in speed:
        print(
            "default engine time per image / PP-OCRv4's: "
            f"{speed['ppocr-v4'] / speed['ppocr']:.2f}x (goal <= 2x)"
        )
    for n_lines, words in [(50, 12), (150, 15)]:
        n, ms = reading_order_ms(n_lines, words)
        print(f"reading order: {n} word spans on {n_lines} lines in {ms:.1f} ms")
    if args.prepass_images:
        with tempfile.TemporaryDirectory() as folder:
            prepass(Path(folder), args.prepass_images, args.prepass_engine)


if __name__ == "__main__":
    main()
