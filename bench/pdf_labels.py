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
title pages) are left out, and with ``--columns 2`` (or 1) the pages whose text does not stand
in that many columns (a paper's body pages: ``--pages 1-2 --columns 2`` over many papers, the
range clipped to each PDF's length). The images are clean renderings: ``--degrade``,
``--scale`` and ``--turn`` of ``ocr_quality.py`` make scans of them.

``--lines arabic`` (or ``latin``, ``any``) cuts each line of the layer in that script out as
an image of its own, its characters' box with a margin, for a set of real typeset lines:

    python bench/pdf_labels.py exam.pdf --out exam_lines --dpi 200 --lines arabic
    python bench/ocr_quality.py --labels exam_lines/labels.jsonl --engines default-arabic

With ``--pairs`` two consecutive lines are cut out together instead (nothing else in their
box), those at most ``CROP_MAX_HEIGHT`` px tall: snippets of two lines of small print, such as
``auto`` mode would take for a crop by their height. They are labelled ``kind: page``, so that
``ocr_quality.py`` reads them as pages, as ``auto`` mode reads an image whose ink stands in two
lines:

    python bench/pdf_labels.py paper.pdf --out snippets --lines latin --pairs

A page or line whose letters are mostly Arabic is labelled ``lang: ara`` (some Arabic:
``mix``), so that ``ocr_quality.py`` scores it as Arabic.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from ocr_expert.engines.script_route import arabic_share
from ocr_expert.pdf import page_count, parse_pages, render_page
from ocr_expert.reader import CROP_MAX_HEIGHT

#: characters pdfium writes for a soft hyphen and for a hyphen at a line break
_HYPHENS = {"\ufffe": "-", "\x02": "-"}
#: runs of text each column of a two-column page holds at least ...
COLUMN_RUNS = 15
#: ... where fewer than this share of theirs run across the middle
ACROSS_SHARE = 0.3
#: a text whose letters are at least this share Arabic is scored as Arabic
ARABIC_TEXT = 0.9
#: a line cut out (``--lines``) with this many of its heights of margin round its ink, and
#: holding at least this many letters (a page number, a lone formula left out)
LINE_MARGIN = 0.35
MIN_LINE_LETTERS = 8
#: two lines cut out together (``--pairs``) with this many line heights of margin; the second
#: starts at most this many line heights below the first (a paragraph's next line) ...
PAIR_MARGIN = 0.15
PAIR_GAP = 1.2
#: ... and they overlap across by at least this share of the narrower one
PAIR_OVERLAP = 0.5


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


def layer_lines(path: Path, number: int, dpi: int) -> list[tuple[str, tuple[float, ...]]]:
    """The lines of page ``number``'s text layer (as ``page_text`` splits them), each with the
    box of its characters' ink in the pixels of the page rendered at ``dpi``."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[number - 1]
        height, scale = page.get_size()[1], dpi / 72
        text = page.get_textpage()
        lines: list[tuple[str, list[tuple[float, float, float, float]]]] = []
        chars: list[str] = []
        boxes: list[tuple[float, float, float, float]] = []
        for i in range(text.count_chars()):
            ch = text.get_text_range(i, 1)
            if ch in "\r\n":
                if chars:
                    lines.append(("".join(chars), boxes))
                    chars, boxes = [], []
                continue
            chars.append(_HYPHENS.get(ch, ch))
            left, bottom, right, top = text.get_charbox(i)
            if not ch.isspace() and right > left and top > bottom:
                boxes.append((left, bottom, right, top))
            if ch in _HYPHENS:
                # pdfium joins a line broken by a hyphen to the next, with no line break
                # between: cut as one, the two lines made one image (`bibliog-` over `raphy.`)
                lines.append(("".join(chars), boxes))
                chars, boxes = [], []
        lines.append(("".join(chars), boxes))
    finally:
        doc.close()
    return [
        (
            " ".join(line.split()),
            (
                min(b[0] for b in found) * scale,
                (height - max(b[3] for b in found)) * scale,
                max(b[2] for b in found) * scale,
                (height - min(b[1] for b in found)) * scale,
            ),
        )
        for line, found in lines
        if found and line.strip()
    ]


def language(text: str) -> str | None:
    """The ``lang`` ``ocr_quality.py`` scores a text under: ``ara`` where at least
    ``ARABIC_TEXT`` of its letters are Arabic, ``mix`` where some are, None (English) else."""
    share = arabic_share(text)
    return "ara" if share >= ARABIC_TEXT else "mix" if share >= 1 - ARABIC_TEXT else None


def chosen_pages(spec: str | None, count: int) -> list[int]:
    """The pages of ``spec`` (every page where None) that a PDF of ``count`` pages has: one
    range serves PDFs of any length."""
    if spec is None:
        return parse_pages(None, count)
    return [n for n in parse_pages(spec, max(count, 1_000_000)) if n <= count]


def two_columns(path: Path, number: int) -> bool:
    """Whether page ``number`` (1-based) holds most of its text in two columns: runs of text
    on each side of the middle, at least ``COLUMN_RUNS`` each, and few running across it (a
    title, an abstract, a figure set across both)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[number - 1]
        width = page.get_size()[0]
        text = page.get_textpage()
        runs = [text.get_rect(i) for i in range(text.count_rects())]
    finally:
        doc.close()
    left = sum(1 for x0, _, x1, _ in runs if x1 < 0.52 * width and x0 > 0.05 * width)
    right = sum(1 for x0, _, x1, _ in runs if x0 > 0.48 * width)
    across = sum(1 for x0, _, x1, _ in runs if x0 < 0.45 * width and x1 > 0.55 * width)
    return min(left, right) >= COLUMN_RUNS and across < ACROSS_SHARE * (left + right)


def write_set(
    pdfs: Iterable[Path],
    out: Path,
    *,
    dpi: int,
    pages: str | None,
    min_chars: int,
    columns: int | None = None,
    lines: str | None = None,
    pairs: bool = False,
) -> int:
    """Render the chosen pages of ``pdfs`` into ``out/images`` and write ``out/labels.jsonl``;
    returns the number of images written. With ``lines`` (``arabic``, ``latin`` or ``any``)
    each line of the layer in that script (``ARABIC_TEXT`` of its letters, or none Arabic)
    is cut out as an image of its own instead, and with ``pairs`` each two consecutive
    lines together."""
    (out / "images").mkdir(parents=True, exist_ok=True)
    written = 0
    with (out / "labels.jsonl").open("w", encoding="utf-8") as labels:
        for pdf in pdfs:
            for number in chosen_pages(pages, page_count(pdf)):
                text = page_text(pdf, number)
                if sum(ch.isalnum() for ch in text) < min_chars:
                    continue
                if columns is not None and two_columns(pdf, number) != (columns == 2):
                    continue
                image = render_page(pdf, number, dpi=dpi).convert("RGB")
                if lines is None:
                    items = [(f"images/{pdf.stem}-p{number:03d}.png", text, "page", image)]
                elif pairs:
                    items = _pair_items(pdf, number, dpi, image, lines)
                else:
                    items = _line_items(pdf, number, dpi, image, lines)
                for name, truth, kind, picture in items:
                    picture.save(out / name)
                    record = {"image": name, "text": truth, "kind": kind, "layout": pdf.stem}
                    if (lang := language(truth)) is not None:
                        record["lang"] = lang
                    labels.write(json.dumps(record, ensure_ascii=False) + "\n")
                    written += 1
    return written


def _line_items(
    pdf: Path, number: int, dpi: int, page: Image.Image, script: str
) -> list[tuple[str, str, str, Image.Image]]:
    """The lines of one page in ``script`` with at least ``MIN_LINE_LETTERS`` letters, cut
    out with a margin: (name, text, kind, image)."""
    items = []
    for k, (text, (x0, y0, x1, y1)) in enumerate(layer_lines(pdf, number, dpi), start=1):
        if not _wanted(text, script):
            continue
        pad = LINE_MARGIN * (y1 - y0)
        box = (
            max(0, int(x0 - pad)),
            max(0, int(y0 - pad)),
            min(page.width, round(x1 + pad) + 1),
            min(page.height, round(y1 + pad) + 1),
        )
        name = f"images/{pdf.stem}-p{number:03d}-l{k:03d}.png"
        items.append((name, text, "line", page.crop(box)))
    return items


def _pair_items(
    pdf: Path, number: int, dpi: int, page: Image.Image, script: str
) -> list[tuple[str, str, str, Image.Image]]:
    """Each two consecutive lines of one page in ``script`` (as ``_line_items`` takes them)
    that stand one under the other with nothing else in their box, cut out together when
    at most ``CROP_MAX_HEIGHT`` px tall: (name, the two texts a line each, kind, image)."""
    lines = layer_lines(pdf, number, dpi)
    items = []
    for k in range(len(lines) - 1):
        (first, upper), (second, lower) = lines[k], lines[k + 1]
        if not (_wanted(first, script) and _wanted(second, script)):
            continue
        height = max(upper[3] - upper[1], lower[3] - lower[1])
        across = min(upper[2], lower[2]) - max(upper[0], lower[0])
        if not (
            upper[3] - 0.1 * height <= lower[1] <= upper[3] + PAIR_GAP * height
            and across >= PAIR_OVERLAP * min(upper[2] - upper[0], lower[2] - lower[0])
        ):
            continue
        pad = PAIR_MARGIN * height
        box = (
            max(0, int(min(upper[0], lower[0]) - pad)),
            max(0, int(upper[1] - pad)),
            min(page.width, round(max(upper[2], lower[2]) + pad) + 1),
            min(page.height, round(lower[3] + pad) + 1),
        )
        if box[3] - box[1] > CROP_MAX_HEIGHT or any(
            _overlaps(other, box) for j, (_, other) in enumerate(lines) if j not in (k, k + 1)
        ):
            continue
        name = f"images/{pdf.stem}-p{number:03d}-l{k + 1:03d}-pair.png"
        items.append((name, f"{first}\n{second}", "page", page.crop(box)))
    return items


def _wanted(text: str, script: str) -> bool:
    """Whether a line is in ``script`` and holds at least ``MIN_LINE_LETTERS`` letters."""
    share = arabic_share(text)
    in_script = {"arabic": share >= ARABIC_TEXT, "latin": share == 0.0, "any": True}[script]
    return in_script and sum(ch.isalpha() for ch in text) >= MIN_LINE_LETTERS


def _overlaps(line: tuple[float, ...], box: tuple[int, int, int, int]) -> bool:
    """Whether a line's box reaches into ``box`` by more than 0.3 of its own height."""
    across = min(line[2], box[2]) - max(line[0], box[0])
    down = min(line[3], box[3]) - max(line[1], box[1])
    return across > 0 and down > 0.3 * (line[3] - line[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="+", type=Path, help="PDFs with a text layer")
    parser.add_argument("--out", type=Path, required=True, help="folder for images and labels")
    parser.add_argument("--dpi", type=int, default=150, help="rendering resolution (150)")
    parser.add_argument(
        "--pages",
        help="pages of each PDF, as `ocrvqa ocr --pages` takes them (those a PDF lacks skipped)",
    )
    parser.add_argument("--min-chars", type=int, default=50, help="leave out emptier pages")
    parser.add_argument(
        "--columns",
        type=int,
        choices=(1, 2),
        help="keep only pages whose text layer stands in this many columns (2: a paper's body)",
    )
    parser.add_argument(
        "--lines",
        choices=("arabic", "latin", "any"),
        help="cut each line of the layer in this script out as an image of its own",
    )
    parser.add_argument(
        "--pairs",
        action="store_true",
        help="with --lines: two consecutive lines cut out together, those at most "
        f"{CROP_MAX_HEIGHT} px tall (snippets of small print)",
    )
    args = parser.parse_args(argv)
    if args.pairs and not args.lines:
        parser.error("--pairs cuts lines out: give --lines arabic, latin or any with it")
    missing = [str(p) for p in args.pdfs if not p.is_file()]
    if missing:
        parser.error(f"no such PDF: {', '.join(missing)}")
    count = write_set(
        args.pdfs,
        args.out,
        dpi=args.dpi,
        pages=args.pages,
        min_chars=args.min_chars,
        columns=args.columns,
        lines=args.lines,
        pairs=args.pairs,
    )
    what = "pairs of lines" if args.pairs else "lines" if args.lines else "pages"
    print(f"{count} {what} -> {args.out / 'labels.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
