"""``ocrvqa ocr`` and ``ocrvqa ocr-score``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocrvqa.errors import OcrvqaError

if TYPE_CHECKING:
    from ocr_expert.expert import OCRExpert
    from ocr_expert.types import OCRResult

SAMPLE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
IMAGE_SUFFIXES = SAMPLE_SUFFIXES + (".gif", ".bmp", ".tif", ".tiff", ".pdf")


def sample_images() -> list[Path]:
    """The sample images bundled with the package."""
    folder = resources.files("ocr_expert") / "samples"
    return sorted(
        Path(str(p)) for p in folder.iterdir() if p.name.lower().endswith(SAMPLE_SUFFIXES)
    )


def expand_images(paths: list[str]) -> list[Path]:
    """Image paths as given, with each folder replaced by the images in it (sorted)."""
    images: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            images.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            images.append(path)
    return images


def overlay_name(path: Path, taken: set[str]) -> str:
    """``<stem>.ocr.png``, or ``<stem>-2.ocr.png``... when another input of this call had the
    same name (``a/page.png`` and ``b/page.png``), so no overlay overwrites another."""
    name, n = f"{path.stem}.ocr.png", 1
    while name.lower() in taken:
        n += 1
        name = f"{path.stem}-{n}.ocr.png"
    taken.add(name.lower())
    return name


def parse_options(items: list[str]) -> dict[str, Any]:
    """``key=value`` pairs, values read as YAML scalars (``0.6``, ``true``, ``eng+ara``)."""
    import yaml

    options: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"error: engine option {item!r} is not key=value")
        key, value = item.split("=", 1)
        options[key.strip().replace("-", "_")] = yaml.safe_load(value)
    return options


def _add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", default="ppocr", help="OCR engine (default: ppocr)")
    parser.add_argument(
        "--lang", help="language(s) for engines that take one, e.g. eng, ara, eng+ara"
    )
    parser.add_argument(
        "--model",
        help="model: PP-OCRv6 (default) or PP-OCRv4 for ppocr; a hub id or folder for "
        "the model engines (vision-encoder-decoder, got-ocr2, vlm-ocr)",
    )
    parser.add_argument(
        "--detector",
        help="detector engine (ppocr) for the two-stage, vision-encoder-decoder, "
        "got-ocr2 and vlm-ocr engines",
    )
    parser.add_argument(
        "--recognizer",
        help="recognizer engine (ppocr, tesseract, vision-encoder-decoder) "
        "for the two-stage engine",
    )
    parser.add_argument(
        "--opt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="further engine option, repeatable (e.g. --opt text_score=0.6)",
    )
    parser.add_argument(
        "--mode",
        choices=["auto", "page", "crop", "line", "word"],
        default="auto",
        help="page: find text anywhere; crop: one word or line, no detection; "
        "line, word: a crop known to hold one line or one word",
    )
    parser.add_argument("--direction", choices=["ltr", "rtl"], help="force the reading direction")
    parser.add_argument("--cache-dir", help="OCR cache folder (default: ~/.cache/ocrvqa/ocr)")
    parser.add_argument("--no-cache", action="store_true", help="always run the engine")


def build_expert(args: argparse.Namespace):
    from ocr_expert.expert import OCRExpert

    options = parse_options(args.opt)
    if args.lang:
        options["lang"] = args.lang
    if args.model:
        options["model"] = args.model
    if args.detector:
        options["detector"] = args.detector
    if args.recognizer:
        options["recognizer"] = args.recognizer
    return OCRExpert(
        args.engine,
        cache_dir=args.cache_dir,
        use_cache=not args.no_cache,
        direction=args.direction,
        **options,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``ocr``, ``ocr-score`` and ``tessdata`` to the ``ocrvqa`` parser."""
    ocr = subparsers.add_parser(
        "ocr",
        help="read text off images",
        description="Read text off images and print it in reading order (or as JSON).",
    )
    ocr.add_argument("images", nargs="*", help="image files or folders of images")
    ocr.add_argument("--samples", action="store_true", help="read the bundled sample images")
    ocr.add_argument("--json", action="store_true", help="print one JSON result per line")
    ocr.add_argument("--draw", metavar="DIR", help="write each image with boxes and text drawn")
    ocr.add_argument("--pages", help="PDF pages to read, e.g. 1-3,5 (default: all)")
    ocr.add_argument(
        "--dpi",
        type=int,
        default=200,
        help="resolution PDF pages are rendered at (default 200; a page too large to render "
        "so is rendered at the highest resolution that keeps it within the pixel limit)",
    )
    ocr.add_argument(
        "--text-layer",
        choices=["auto", "always", "never"],
        default="auto",
        help="PDF pages: read the text layer where the page shows its text (auto: checked "
        "by reading four of its lines off the page), always (unchecked), or never (OCR)",
    )
    _add_engine_arguments(ocr)
    ocr.set_defaults(func=run_ocr)

    score = subparsers.add_parser(
        "ocr-score",
        help="score an OCR engine against ground truth (CER, WER, word accuracy)",
        description='Score an engine on a jsonl of {"image": path, "text": ground truth} lines '
        "(paths relative to the jsonl's folder).",
    )
    score.add_argument("labels", help="LABELS.jsonl")
    score.add_argument(
        "--normalization",
        default="default",
        help="normalization preset: none, default, caseless, arabic, str",
    )
    score.add_argument(
        "--per-sample", metavar="FILE", help="write per-sample scores to a jsonl file"
    )
    score.add_argument("--json", action="store_true", help="print the scores as JSON")
    _add_engine_arguments(score)
    score.set_defaults(func=run_score)

    tessdata = subparsers.add_parser(
        "tessdata",
        help="fetch the second Tesseract Arabic model the Arabic views read with",
        description="Download Tesseract's tessdata_best Arabic model (integer weights, as "
        "tesseract.js publishes it on the npm registry), check it against the registry's "
        "sha512 and keep it where the tesseract engine finds it (second_arabic_model=auto). "
        "Prints its path; does nothing where it is there already.",
    )
    tessdata.add_argument(
        "--folder",
        help="where to keep it (default: $OCRVQA_TESSDATA, else ~/.cache/ocrvqa/tessdata)",
    )
    tessdata.add_argument(
        "--registry", help="npm registry URL (default: $npm_config_registry, else npm's own)"
    )
    tessdata.set_defaults(func=run_tessdata)


def run_ocr(args: argparse.Namespace) -> int:
    from ocr_expert.engines.base import OCREngineError
    from ocr_expert.pdf import is_pdf

    images = expand_images(args.images) + (sample_images() if args.samples else [])
    if not images:
        print("error: give image files, or --samples for the bundled ones", file=sys.stderr)
        return 2
    try:
        expert = build_expert(args)
    except OCREngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    draw_dir = Path(args.draw) if args.draw else None
    if draw_dir:
        draw_dir.mkdir(parents=True, exist_ok=True)
    from tqdm.auto import tqdm

    failures = 0
    overlay_names: set[str] = set()
    bar = tqdm(images, desc="OCR", unit="img", disable=len(images) < 4, file=sys.stderr)
    for path in bar:
        try:
            if is_pdf(path):
                pages: Iterable[tuple[int | None, OCRResult | Exception]] = expert.iter_pdf(
                    path,
                    pages=args.pages,
                    dpi=args.dpi,
                    text_layer=args.text_layer,
                    mode="page" if args.mode == "auto" else args.mode,
                )
            else:
                pages = [(None, expert.read(path, mode=args.mode))]
            for page, result in pages:  # a PDF's pages are read as they are printed
                if isinstance(result, Exception):
                    failures += 1
                    bar.write(f"error: {path} page {page}: {result}", file=sys.stderr)
                    continue
                print_result(args, bar, path, page, result)
                if draw_dir:
                    draw_overlay(draw_dir, overlay_names, path, page, result, args.dpi, expert)
        except OcrvqaError as exc:
            failures += 1
            bar.write(f"error: {exc}", file=sys.stderr)
    if draw_dir:
        print(f"overlays written to {draw_dir}", file=sys.stderr)
    return 1 if failures else 0


def print_result(
    args: argparse.Namespace, bar: Any, path: Path, page: int | None, result: OCRResult
) -> None:
    """One image's (or PDF page's) result: a JSON line, or a header and its text."""
    if args.json:
        record = {"image": str(path), **({} if page is None else {"page": page})}
        bar.write(json.dumps({**record, **result.to_dict()}, ensure_ascii=False))
        return
    where = str(path) if page is None else f"{path} page {page}"
    notes = "".join(f", {n}" for n in result.notes)
    bar.write(
        f"== {where} ({result.engine}, {len(result.lines)} lines, {result.direction}{notes})\n"
        + result.text
    )


def draw_overlay(
    draw_dir: Path,
    names: set[str],
    path: Path,
    page: int | None,
    result: OCRResult,
    dpi: int,
    expert: OCRExpert,
) -> None:
    """The image (a PDF page rendered as it was read) with the result's boxes and text."""
    from ocr_expert.draw import draw_result
    from ocr_expert.image_io import load_image
    from ocr_expert.pdf import render_page

    out = draw_dir / overlay_name(
        path if page is None else path.with_name(f"{path.stem}-p{page}"), names
    )
    image = (
        load_image(path).image
        if page is None
        else render_page(path, page, dpi=dpi, max_pixels=expert.max_pixels)
    )
    draw_result(image, result).save(out)


def run_tessdata(args: argparse.Namespace) -> int:
    from ocr_expert.engines.second_arabic_model import fetch

    print(fetch(args.folder, args.registry))
    return 0


def run_score(args: argparse.Namespace) -> int:
    from ocr_expert.scoring import score_labels

    try:
        expert = build_expert(args)
        report = score_labels(
            args.labels, expert, mode=args.mode, normalization=args.normalization, progress=True
        )
    except (OcrvqaError, FileNotFoundError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(per_sample=False), ensure_ascii=False))
    else:
        print(f"{expert.engine_name}: {report.summary()}")
    for sample in report.per_sample:
        if sample.error:
            print(f"error: {sample.image}: {sample.error}", file=sys.stderr)
    if args.per_sample:
        with open(args.per_sample, "w", encoding="utf-8") as f:
            for sample in report.per_sample:
                f.write(json.dumps(sample.to_dict(), ensure_ascii=False) + "\n")
    return 0
