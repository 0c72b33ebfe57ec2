"""Word and line crops cut out of a labelled page set, each labelled from the page's truth.

    python bench/page_crops.py --labels ../shared/real_pages/labels.jsonl --out real_crops
    python bench/ocr_quality.py --labels real_crops/labels.jsonl --engines ppocr tesseract-eng

Real scans hold words and lines no renderer draws (fax print, stamps, receipts' thermal dots),
but their truth is a page's text, not a box's. The crops are cut at Tesseract's own word and
line boxes (``image_to_data``, English), each with ``--margin`` of its height round it:

- a word is labelled with the word of the page's truth nearest Tesseract's reading of it
  (``rapidfuzz`` ratio, case-folded), kept at ``--min-word`` or more; up to ``--words`` a page,
  drawn at random (``--seed``);
- a line is labelled with the stretch of the page's truth Tesseract's reading aligns with
  (``rapidfuzz`` partial alignment, widened to whole words), kept at ``--min-line`` or more;
  every line of at least ``MIN_LINE_CHARACTERS`` letters and digits;
- a snippet is one to three of Tesseract's lines in a row, each under the last, each labelled as
  a line is, cut with ``--snippet-margin`` of their median height round them, so that where lines
  are set close the cut edges of the lines above and below show, as in a region a person cuts
  out of a page; up to ``--snippets`` a page. Snippets are labelled ``"kind": "snippet"``:
  ``bench/ocr_quality.py`` reads them as pages directly and in ``auto`` mode through the project.

Labelled from Tesseract's readings, the set leans towards what Tesseract reads well: it tells
whether the project reads a crop as well as the engine alone, not how hard such crops are.
Each crop keeps its page's ``lang`` and ``layout``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ocr_expert.engines.tesseract  # noqa: F401  one OpenMP thread for each Tesseract process
from ocr_expert.scoring import read_labels
from ocr_expert.types import Box, union_box

#: a line holding fewer letters and digits than this (a page number, a rule read as dashes)
#: is left out
MIN_LINE_CHARACTERS = 4


@dataclass(frozen=True)
class Found:
    """One word or line Tesseract read on a page: its box and its text."""

    box: Box
    text: str


def tesseract_boxes(image: Image.Image) -> tuple[list[Found], list[Found]]:
    """The words and the lines Tesseract (English, its own page layout) reads on ``image``."""
    import pytesseract

    data = pytesseract.image_to_data(
        image, lang="eng", config="--oem 1", output_type=pytesseract.Output.DICT
    )
    words: list[Found] = []
    line_boxes: dict[tuple[int, int, int], Box] = {}
    line_words: dict[tuple[int, int, int], list[str]] = {}
    for i, level in enumerate(data["level"]):
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        left, top = float(data["left"][i]), float(data["top"][i])
        box = (left, top, left + data["width"][i], top + data["height"][i])
        if level == 4:
            line_boxes[key] = box
        elif level == 5 and (text := str(data["text"][i]).strip()):
            words.append(Found(box, text))
            line_words.setdefault(key, []).append(text)
    lines = [
        Found(box, " ".join(line_words[k])) for k, box in line_boxes.items() if k in line_words
    ]
    return words, lines


def word_label(reading: str, truth_words: list[str], least: float) -> str | None:
    """The word of ``truth_words`` nearest ``reading`` (case-folded), if at least ``least``
    similar (0-100)."""
    from rapidfuzz import fuzz, process

    best = process.extractOne(reading, truth_words, scorer=fuzz.ratio, processor=str.casefold)
    return best[0] if best is not None and best[1] >= least else None


def line_label(reading: str, truth: str, least: float) -> str | None:
    """The stretch of ``truth`` (its lines joined by spaces) that ``reading`` aligns with, if
    the alignment scores at least ``least`` (0-100)."""
    from rapidfuzz import fuzz

    flat = " ".join(truth.split())
    found = fuzz.partial_ratio_alignment(reading.casefold(), flat.casefold())
    if found is None or found.score < least:
        return None
    # widened to whole words: a reading shorter than the truth (a word misread short) aligns
    # with a window its own length, which cuts the truth's first or last word
    start = flat.rfind(" ", 0, found.dest_start) + 1
    end = flat.find(" ", max(found.dest_end, start + 1))
    return flat[start : end if end >= 0 else len(flat)].strip() or None


def cut(image: Image.Image, box: Box, margin: float, *, absolute: bool = False) -> Image.Image:
    """``box`` of ``image`` with ``margin`` of its height round it (``margin`` pixels where
    ``absolute``), clipped to the image."""
    x0, y0, x1, y1 = box
    pad = margin if absolute else margin * (y1 - y0)
    return image.crop(
        (
            max(0, round(x0 - pad)),
            max(0, round(y0 - pad)),
            min(image.width, round(x1 + pad)),
            min(image.height, round(y1 + pad)),
        )
    )


def write_set(
    labels: Path,
    out: Path,
    *,
    words: int = 40,
    margin: float = 0.15,
    min_word: float = 80.0,
    min_line: float = 85.0,
    snippets: int = 6,
    snippet_margin: float = 0.5,
    seed: int = 0,
) -> dict[str, int]:
    """Cut the word and line crops and the snippets of every page of ``labels`` into
    ``out/images`` and write ``out/labels.jsonl``; returns how many of each kind were
    written."""
    (out / "images").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    snippet_rng = random.Random(seed + 1)  # words and lines cut as without snippets
    counts = {"word": 0, "line": 0, "snippet": 0}
    with (out / "labels.jsonl").open("w", encoding="utf-8") as written:
        for labelled in read_labels(labels):
            record, truth = labelled.record, labelled.text
            if record.get("kind") in ("word", "line"):  # a crop already: nothing to cut
                continue
            with Image.open(labelled.image) as opened:
                image = opened.convert("RGB")
            found_words, found_lines = tesseract_boxes(image)
            truth_words = truth.split()
            picked = [w for w in found_words if any(ch.isalnum() for ch in w.text)]
            picked = rng.sample(picked, min(words, len(picked)))
            items: list[tuple[str, str, Image.Image]] = []
            for word in picked:
                if (label := word_label(word.text, truth_words, min_word)) is not None:
                    items.append(("word", label, cut(image, word.box, margin)))
            labelled_lines: list[tuple[Found, str | None]] = []
            for line in found_lines:
                label = None
                if sum(ch.isalnum() for ch in line.text) >= MIN_LINE_CHARACTERS:
                    label = line_label(line.text, truth, min_line)
                if label is not None:
                    items.append(("line", label, cut(image, line.box, margin)))
                labelled_lines.append((line, label))
            for group in pick_snippets(labelled_lines, snippets, snippet_rng):
                box = union_box([line.box for line, _ in group])
                height = statistics.median(line.box[3] - line.box[1] for line, _ in group)
                text = "\n".join(label for _, label in group if label is not None)
                items.append(
                    ("snippet", text, cut(image, box, snippet_margin * height, absolute=True))
                )
            stem = Path(labelled.image).stem
            for kind, label, crop in items:
                name = f"images/{stem}-{kind}{counts[kind]:04d}.png"
                crop.save(out / name)
                crop_record = {"image": name, "text": label, "kind": kind}
                for key in ("lang", "layout"):
                    if key in record:
                        crop_record[key] = record[key]
                written.write(json.dumps(crop_record, ensure_ascii=False) + "\n")
                counts[kind] += 1
    return counts


def pick_snippets(
    lines: list[tuple[Found, str | None]], count: int, rng: random.Random
) -> list[list[tuple[Found, str | None]]]:
    """Up to ``count`` runs of one to three consecutive labelled lines standing one under the
    other (each below the last, overlapping it across), drawn at random without overlap."""
    runs: list[list[tuple[Found, str | None]]] = []
    for start in range(len(lines)):
        for size in (1, 2, 3):
            run = lines[start : start + size]
            if len(run) < size or any(label is None for _, label in run):
                break
            if size > 1 and not _stacked(run[-2][0].box, run[-1][0].box):
                break
            runs.append(run)
    rng.shuffle(runs)
    picked: list[list[tuple[Found, str | None]]] = []
    used: set[int] = set()
    for run in runs:
        ids = {id(found) for found, _ in run}
        if len(picked) < count and not ids & used:
            picked.append(run)
            used |= ids
    return sorted(picked, key=lambda run: lines.index(run[0]))


def _stacked(upper: Box, lower: Box) -> bool:
    """Whether ``lower`` stands under ``upper`` within a line's height, overlapping it across."""
    gap = lower[1] - upper[3]
    across = min(upper[2], lower[2]) - max(upper[0], lower[0])
    return -0.5 * (upper[3] - upper[1]) <= gap <= upper[3] - upper[1] and across > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, required=True, help="a labelled page set")
    parser.add_argument("--out", type=Path, required=True, help="folder for crops and labels")
    parser.add_argument("--words", type=int, default=40, help="word crops a page at most (40)")
    parser.add_argument(
        "--margin", type=float, default=0.15, help="margin round a box, in its heights (0.15)"
    )
    parser.add_argument(
        "--min-word", type=float, default=80.0, help="least similarity of a word's label (80)"
    )
    parser.add_argument(
        "--min-line", type=float, default=85.0, help="least alignment score of a line's label (85)"
    )
    parser.add_argument("--snippets", type=int, default=6, help="snippets a page at most (6)")
    parser.add_argument(
        "--snippet-margin",
        type=float,
        default=0.5,
        help="margin round a snippet, in its lines' median height (0.5)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not args.labels.is_file():
        parser.error(f"no such labels file: {args.labels}")
    counts = write_set(
        args.labels,
        args.out,
        words=args.words,
        margin=args.margin,
        min_word=args.min_word,
        min_line=args.min_line,
        snippets=args.snippets,
        snippet_margin=args.snippet_margin,
        seed=args.seed,
    )
    written = ", ".join(f"{n} {kind}s" for kind, n in counts.items())
    print(f"{written} -> {args.out / 'labels.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
