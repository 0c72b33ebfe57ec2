"""PDF text layers: which pages keep their layer, what the check costs, how the layer reads.

    python bench/pdf_layers.py report.pdf manuals/            # PDFs, or folders of them
    python bench/pdf_layers.py /usr/share/doc --pages 2 --json layers.jsonl

For each PDF's first ``--pages`` pages (2 by default) with a text layer: the engine's agreement
with the layer (``OCRExpert.layer_agreement``: four of its lines read off the rendered page),
whether ``read_pdf`` keeps the layer or OCRs the page, the seconds a page takes with the layer
checked (``text_layer="auto"``) and taken unchecked (``"always"``), no cache, and the CER of
the layer read in the project's reading order against the PDF's own order of its text
(``pypdfium2``'s ``get_text_range``; case-folded, dot leaders dropped), which is the reading
order for most PDFs made by a program. The pages whose layer is not kept are listed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_expert import OCRExpert
from ocr_expert import pdf as pdf_pages
from ocr_expert.image_io import ImageInputError
from ocr_expert.reading_order import order_spans
from ocr_expert.scoring import cer, resolve_normalization

#: leaders are dots no two readers (nor a layer and its own text) count alike
NORM = resolve_normalization("caseless").with_options(drop_leaders=True)


def pdf_files(paths: list[str]) -> list[Path]:
    """The PDFs named, and those under the folders named, sorted."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        out.extend(sorted(path.rglob("*.pdf")) if path.is_dir() else [path])
    return out


def measure_page(expert: OCRExpert, pdf: Path, number: int, dpi: int) -> dict | None:
    """One page's row, or None where it has no text layer."""
    spans, _ = pdf_pages.text_layer(pdf, number, dpi=dpi)
    if not pdf_pages.has_text_layer(spans):
        return None
    lines, _ = order_spans(spans)
    image = pdf_pages.render_page(pdf, number, dpi=dpi)
    agreement = expert.layer_agreement(image, lines)
    start = time.perf_counter()
    ((_, layer),) = expert.read_pdf(pdf, pages=[number], dpi=dpi, text_layer="always")
    unchecked = time.perf_counter() - start
    start = time.perf_counter()
    ((_, auto),) = expert.read_pdf(pdf, pages=[number], dpi=dpi)
    checked = time.perf_counter() - start
    import pypdfium2

    with pypdfium2.PdfDocument(str(pdf)) as doc:
        own = doc[number - 1].get_textpage().get_text_range().replace("\x02", "-")
    return {
        "pdf": str(pdf),
        "page": number,
        "agreement": agreement,
        "kept": auto.engine == "pdf-text-layer",
        "s_checked": checked,
        "s_unchecked": unchecked,
        "cer_vs_own_order": cer(layer.text, own, NORM),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pdfs", nargs="+", help="PDF files or folders of them")
    parser.add_argument("--pages", type=int, default=2, help="first pages of each (default 2)")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--engine", default="ppocr")
    parser.add_argument("--json", type=Path, metavar="OUT", help="every page's row, JSON lines")
    args = parser.parse_args(argv)
    files = pdf_files(args.pdfs)
    if not files:
        parser.error("no PDF found in " + ", ".join(args.pdfs))
    expert = OCRExpert(args.engine, use_cache=False)
    rows, scanned, failed = [], 0, 0
    for pdf in files:
        try:
            count = pdf_pages.page_count(pdf)
        except ImageInputError as exc:
            print(f"skipped: {exc}", file=sys.stderr)
            failed += 1
            continue
        for number in range(1, min(count, args.pages) + 1):
            row = measure_page(expert, pdf, number, args.dpi)
            if row is None:
                scanned += 1
                continue
            rows.append(row)
            print(
                f"{row['agreement'] if row['agreement'] is None else round(row['agreement'], 2)}"
                f" {'kept' if row['kept'] else 'OCRed'} {row['s_checked']:.2f}s {pdf} p{number}",
                file=sys.stderr,
                flush=True,
            )
    if args.json:
        args.json.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    if not rows:
        print(f"no page with a text layer ({scanned} without, {failed} PDFs unreadable)")
        return 0
    kept = [r for r in rows if r["kept"]]
    untold = [r for r in rows if r["agreement"] is None]
    print(f"{len(rows)} pages with a text layer, of {len(files)} PDFs ({scanned} pages without)\n")
    print("| | pages |\n|---|---:|")
    print(f"| layer kept | {len(kept)} |")
    print(f"| of which the engine could not tell | {len(untold)} |")
    print(f"| OCRed: the layer is not the text the page shows | {len(rows) - len(kept)} |\n")
    median = statistics.median
    order = statistics.mean(r["cer_vs_own_order"] for r in rows)
    print(
        f"seconds a page, median: layer checked {median(r['s_checked'] for r in rows):.3f}, "
        f"unchecked {median(r['s_unchecked'] for r in rows):.3f}; CER of the layer in reading "
        f"order against the PDF's own order: {order:.4f} (mean of pages)\n"
    )
    for r in rows:
        if not r["kept"]:
            print(f"OCRed: {r['pdf']} page {r['page']} (agreement {r['agreement']:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
