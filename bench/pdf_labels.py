"""A labelled page set from PDFs a program made: each page rendered, its text layer the truth.

    python bench/pdf_labels.py manual.pdf report.pdf --out pdf_pages --dpi 150
    python bench/ocr_quality.py --labels pdf_pages/labels.jsonl --engines ppocr tesseract-eng \\
        --drop-leaders

Real layouts (contents and index pages, option lists, code, tables, running heads) with exact
text: the page's text layer in the order the PDF holds it (``pypdfium2``'s ``get_text_range``),
its soft hyphens written as hyphens, as a reader sees them at a line's end. That order is the
writer's, which for one-column pages and two-column indexes is the reading order; a page laid
out in boxes may hold its text in another, so look at a page scoring far worse than its
neighbours before believing it. Pages holding fewer than ``--min-chars`` characters (blank and
title pages) are left out. The images are clean renderings: ``--degrade``, ``--scale`` and
``--turn`` of ``ocr_quality.py`` make scans of them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from ocr_expert.pdf import page_count, parse_pages, render_page

#: characters pdfium writes for a soft hyphen and for a hyphen at a line break
_HYPHENS = {"\ufffe": "-", "\x02": "-"}


def page_text(path: Path, number: int) -> str:
    """The text layer of page ``number`` (1-based) in the PDF's own order, one line a line."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        text = doc[number - 1].get_textpage().get_text_range()
    finally:
        doc.close()
    for mark, hyphen in _HYPHENS.items():
        text = text.replace(mark, hyphen)
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))


def write_set(
    pdfs: Iterable[Path], out: Path, *, dpi: int, pages: str | None, min_chars: int
) -> int:
    """Render the chosen pages of ``pdfs`` into ``out/images`` and write ``out/labels.jsonl``;
    returns the number of pages written."""
    (out / "images").mkdir(parents=True, exist_ok=True)
    written = 0
    with (out / "labels.jsonl").open("w", encoding="utf-8") as labels:
        for pdf in pdfs:
            for number in parse_pages(pages, page_count(pdf)):
                text = page_text(pdf, number)
                if sum(ch.isalnum() for ch in text) < min_chars:
                    continue
                name = f"images/{pdf.stem}-p{number:03d}.png"
                render_page(pdf, number, dpi=dpi).convert("RGB").save(out / name)
                record = {"image": name, "text": text, "kind": "page", "layout": pdf.stem}
                labels.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="+", type=Path, help="PDFs with a text layer")
    parser.add_argument("--out", type=Path, required=True, help="folder for images and labels")
    parser.add_argument("--dpi", type=int, default=150, help="rendering resolution (150)")
    parser.add_argument("--pages", help="pages of each PDF, as `ocrvqa ocr --pages` takes them")
    parser.add_argument("--min-chars", type=int, default=50, help="leave out emptier pages")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.pdfs if not p.is_file()]
    if missing:
        parser.error(f"no such PDF: {', '.join(missing)}")
    count = write_set(args.pdfs, args.out, dpi=args.dpi, pages=args.pages, min_chars=args.min_chars)
    print(f"{count} pages -> {args.out / 'labels.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
