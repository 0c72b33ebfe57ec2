"""Reading printed Arabic line crops with Tesseract: which model, scale, mode and combination.

    python bench/arabic_lines.py                                  # 200 lines, DejaVu faces only
    python bench/arabic_lines.py --font-dir fonts/ --lines 240    # and every Arabic font there
    python bench/arabic_lines.py --save-dir out/                  # also write the crops + labels
    python bench/arabic_lines.py --numbers 0.5                    # half the lines with a number
    python bench/arabic_lines.py --neighbours 0.5   # half cut from a page, its neighbours showing
    python bench/arabic_lines.py --catalogues /usr/share/locale/ar/LC_MESSAGES  # real Arabic text
    python bench/arabic_lines.py --catalogues DIR --harakat   # its lines printed with short vowels
    python bench/arabic_lines.py --heights 48-90                  # lines as a 300 dpi scan has them
    python bench/arabic_lines.py --save-dir out/ --only             # draw and save, read nothing
    python bench/ocr_quality.py --labels out/labels.jsonl --engines tesseract-ara default-arabic

Lines of Arabic prose (``ocr_expert.synthetic.text.paragraphs``: sentences joined with the
Arabic comma, cut where a column would wrap them) are drawn with raqm shaping in each font that
covers Arabic (the project's DejaVu faces, and every font under ``--font-dir`` whose character
map holds the Arabic letters; a line goes on to the next font where one lacks a character of
it), at 13-44 px line height (``--heights``), then degraded as scans are: drawn large
and shrunk (low resolution), a tinted or grey paper, bleed-through of another line, and
``ocr_expert.synthetic.degrade``'s line mix (skew, contrast, blur, noise, JPEG). With
``--numbers`` a share of the lines hold a number among their words, mostly in Arabic-Indic
digits (``--eastern``), and only fonts drawing those digits are used. With ``--neighbours`` a
share of the lines are cut as a line segmenter cuts them from a page set solid: the descenders
and dots of the line above and the tops of the line below show at the crop's edges.

With ``--catalogues`` the lines are real Arabic text instead: the translated messages of the
gettext catalogues in a folder (on Debian, ``/usr/share/locale/ar/LC_MESSAGES``), written by
people and holding words no word list has, where the generator's prose repeats a few hundred
common words. With ``--harakat`` only the messages that carry short vowels, tanween or shadda
(``جدًا``, ``المكوّن``, one in seven) are drawn, with them, as real print often has them; the
truth keeps them and the score leaves them out.

Each candidate reads every crop; the table gives corpus CER with the ``arabic`` normalization
(NFKC, diacritics removed, alef/yeh folded) overall and on the fonts outside DejaVu (so a rule
tuned on one face shows), and seconds per line. Raw readings are Tesseract ``image_to_data``
(``--oem 1``) on: the crop as is (``raw``); the project's ``prepare_crop`` (``prep``); the crop
scaled so its ink is ``H`` px tall (``hH``); the same after Otsu binarisation (``hH-bin``).
Combinations: the surer reading of several (``pick``), and a character vote over 3 readings
aligned to the one closest to the others (``vote``). The project rows read through
``TesseractEngine(lang="ara").read_crop`` and ``OCRExpert("ppocr").read(mode="crop")``.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocr_expert.engines.tesseract import ink_view
from ocr_expert.scoring import aggregate, score_sample
from ocr_expert.synthetic import degrade
from ocr_expert.synthetic.fonts import ARABIC_FACES, face_path
from ocr_expert.synthetic.text import paragraphs

NORM = "arabic"
#: European digits to Arabic-Indic ones
EASTERN_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
#: letters a font must map to draw Arabic prose
ARABIC_PROBE = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


@dataclass
class Line:
    """One rendered, degraded crop and what it says."""

    image: Image.Image
    text: str
    font: str
    height: int


def arabic_fonts(dirs: Sequence[str], probe: str = ARABIC_PROBE) -> list[str]:
    """The project's Arabic DejaVu faces, then every font file under ``dirs`` drawing Arabic
    (every character of ``probe``)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    paths = [str(face_path(face)) for face in ARABIC_FACES]
    for folder in dirs:
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix.lower() not in (".ttf", ".otf"):
                continue
            try:
                cmap = TTFont(str(path), lazy=True).getBestCmap() or {}
            except Exception:
                continue
            if all(ord(ch) in cmap for ch in probe):
                paths.append(str(path))
    return paths


def covering_font(text: str, fonts: Sequence[str], first: int) -> str:
    """The first of ``fonts``, from index ``first`` on and round again, that maps every
    character of ``text``: a face without European digits or a full stop draws empty boxes
    for them, and the line's truth would hold characters the crop does not show."""
    from fontTools.ttLib import TTFont

    needed = {ord(ch) for ch in text if not ch.isspace()}
    for k in range(len(fonts)):
        path = fonts[(first + k) % len(fonts)]
        if path not in _CMAPS:
            _CMAPS[path] = frozenset(TTFont(path, lazy=True).getBestCmap() or {})
        if needed <= _CMAPS[path]:
            return path
    raise ValueError(f"no font draws every character of {text!r}")


_CMAPS: dict[str, frozenset[int]] = {}


def prose_lines(rng: random.Random, count: int) -> list[str]:
    """``count`` lines of 2-9 words cut from Arabic paragraphs, as a column wraps them."""
    lines: list[str] = []
    stream = paragraphs(rng, "ara")
    while len(lines) < count:
        words = next(stream)
        while words and len(lines) < count:
            n = rng.randint(2, 9)
            lines.append(" ".join(words[:n]))
            words = words[n:]
    return lines


def catalogue_lines(folder: str, harakat: bool = False) -> list[str]:
    """Lines of real Arabic text: the translated messages of every gettext catalogue (``.mo``)
    in ``folder`` (on Debian, ``/usr/share/locale/ar/LC_MESSAGES``: program messages written by
    people, many of their words in no word list), each line of 3-9 words of Arabic letters and
    punctuation, short vowels and tatweel left out, once each, sorted. With ``harakat``, only
    the lines that carry short vowels, tanween or shadda, those kept (tatweel still left out)."""
    import gettext

    vowels = re.compile("[\u064b-\u0652]")
    word = re.compile("[\u0621-\u0652\u060c\u061f.:]+")
    found: set[str] = set()
    for path in sorted(Path(folder).glob("*.mo")):
        try:
            with open(path, "rb") as fh:
                # gettext keeps the messages in `_catalog` only; it has no public view of them
                messages = gettext.GNUTranslations(fh)._catalog.values()  # type: ignore[attr-defined]
        except Exception:  # a catalogue gettext cannot read is left out
            continue
        for message in messages:
            for line in str(message).replace("\u0640", "").splitlines():
                if harakat and not vowels.search(line):
                    continue
                words = (line if harakat else vowels.sub("", line)).split()
                if 3 <= len(words) <= 9 and all(word.fullmatch(w) for w in words):
                    found.add(" ".join(words))
    return sorted(found)


def with_numbers(texts: list[str], share: float, eastern: float, seed: int) -> list[str]:
    """``texts`` with a number put among the words of ``share`` of them: a year, a count or a
    large quantity, in Arabic-Indic digits (``eastern`` of them, as most Arabic print writes
    them) or in European digits. A generator of its own, so the lines otherwise stay those of
    the seed."""
    rng = random.Random(seed * 7919 + 1)
    out = []
    for text in texts:
        if rng.random() >= share:
            out.append(text)
            continue
        number = str(
            rng.choice([rng.randint(1900, 2030), rng.randint(2, 99), rng.randint(100, 999999)])
        )
        if rng.random() < eastern:
            number = number.translate(EASTERN_DIGITS)
        words = text.split()
        words.insert(rng.randint(0, len(words)), number)
        out.append(" ".join(words))
    return out


def render(
    text: str,
    font_file: str,
    rng: random.Random,
    seed: int,
    neighbours: tuple[str, str, float] | None = None,
    heights: tuple[int, int] = (13, 44),
) -> Line:
    """``text`` drawn in ``font_file`` and degraded as a scanned line crop is; with
    ``neighbours`` (the lines above and below, and their pitch in font sizes), cut from a page
    set that tight, the edges of those lines showing at the crop's top and bottom."""
    height = rng.randint(*heights)  # final line height in pixels
    oversample = rng.uniform(1.5, 3.0)  # drawn large, then shrunk: a low-resolution scan
    font = ImageFont.truetype(font_file, max(8, round(height * oversample)))
    x0, y0, x1, y1 = font.getbbox(text, direction="rtl", language="ar")
    paper = (255, 255, 255)
    if rng.random() < 0.4:
        tone = rng.randint(215, 250)
        paper = (tone, tone - rng.randint(0, 12), tone - rng.randint(0, 25))
    ink = (rng.randint(0, 60),) * 3
    pad_y = round((y1 - y0) * rng.uniform(0.1, 0.35))
    pad_x = round((y1 - y0) * rng.uniform(0.1, 0.6))
    canvas = Image.new("RGB", (round(x1 - x0) + 2 * pad_x, round(y1 - y0) + 2 * pad_y), paper)
    draw = ImageDraw.Draw(canvas)
    if rng.random() < 0.25:  # bleed-through: the other side's line, mirrored and faint
        shade = tuple(int(p - (p - i) * rng.uniform(0.12, 0.3)) for p, i in zip(paper, ink))
        ghost = Image.new("RGB", canvas.size, paper)
        ImageDraw.Draw(ghost).text(
            (pad_x - x0 + rng.randint(-20, 20), pad_y - y0 + rng.randint(-10, 10)),
            text[::-1],
            font=font,
            fill=shade,
            direction="rtl",
            language="ar",
        )
        canvas = ImageOps.mirror(ghost)
        draw = ImageDraw.Draw(canvas)
    draw.text((pad_x - x0, pad_y - y0), text, font=font, fill=ink, direction="rtl", language="ar")
    if neighbours is not None:
        above, below, pitch = neighbours
        step = round(font.size * pitch)
        for other, dy in ((above, -step), (below, step)):
            # right-aligned as the line is: Arabic lines of a column end at its right edge
            left = canvas.width - pad_x - font.getlength(other, direction="rtl", language="ar")
            draw.text(
                (left, pad_y - y0 + dy), other, font=font, fill=ink, direction="rtl", language="ar"
            )
    scale = height / canvas.height
    canvas = canvas.resize((max(1, round(canvas.width * scale)), height), Image.Resampling.BILINEAR)
    d = degrade.Degradation.sample(rng, "line")
    canvas = degrade.apply(canvas, d, seed)
    data, _ = degrade.encode(canvas, d)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    return Line(image, text, Path(font_file).stem, height)


def build_set(
    count: int,
    seed: int,
    fonts: list[str],
    numbers: float = 0.0,
    eastern: float = 0.7,
    neighbours: float = 0.0,
    source: Sequence[str] | None = None,
    heights: tuple[int, int] = (13, 44),
) -> list[Line]:
    """``count`` lines, fonts taken in turn so each font draws about as many (a line a font
    cannot draw whole goes to the next that can: ``covering_font``); ``numbers`` of
    them with a number among their words (``with_numbers``); ``neighbours`` of them cut from a
    page set solid, the lines above and below showing (the same lines and fonts otherwise).
    The lines are the generator's prose, or ``count`` of ``source`` drawn at random."""
    rng = random.Random(seed)
    if source is None:
        texts = prose_lines(rng, count)
    else:
        texts = rng.sample(list(source), min(count, len(source)))
    if numbers:
        texts = with_numbers(texts, numbers, eastern, seed)
    page = random.Random(seed + 1)  # apart from ``rng``: the lines stay those of the plain set
    lines = []
    for i, text in enumerate(texts):
        around = None
        if neighbours and page.random() < neighbours:
            pitch = page.uniform(1.15, 1.5)  # line pitch in font sizes, set solid to loose
            around = (texts[i - 1], texts[(i + 1) % len(texts)], pitch)
        font = covering_font(text, fonts, i % len(fonts))
        lines.append(render(text, font, rng, seed * 100003 + i, around, heights))
    return lines


def _heights(value: str) -> tuple[int, int] | None:
    """``LOW-HIGH`` as two pixel heights, or None where it is not that."""
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", value)
    if match is None:
        return None
    low, high = int(match.group(1)), int(match.group(2))
    return (low, high) if 8 <= low <= high else None


def vote(readings: Sequence[str]) -> str:
    """Character majority over readings aligned to the one nearest the others (ROVER-style)."""
    from collections import Counter

    from rapidfuzz.distance import Levenshtein

    n = len(readings)
    base = min(readings, key=lambda r: sum(Levenshtein.distance(r, other) for other in readings))
    subs: list[Counter[str]] = [Counter() for _ in base]
    ins: list[Counter[str]] = [Counter() for _ in range(len(base) + 1)]
    for reading in readings:
        for op in Levenshtein.opcodes(base, reading):
            tag, i1, i2, j1, j2 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
            if tag == "insert":
                ins[i1][reading[j1:j2]] += 1
                continue
            for k in range(i1, i2):
                j = j1 + (k - i1)
                subs[k][reading[j] if tag != "delete" and j < j2 else ""] += 1
            if tag == "replace" and j2 - j1 > i2 - i1:
                ins[i2][reading[j1 + (i2 - i1) : j2]] += 1
    out = []
    for p in range(len(base) + 1):
        if ins[p]:
            text, count = ins[p].most_common(1)[0]
            if count * 2 > n:
                out.append(text)
        if p < len(base):
            top = max(subs[p].values())
            choices = [c for c, k in subs[p].items() if k == top]
            out.append(base[p] if base[p] in choices else choices[0])
    return " ".join("".join(out).split())


# --- readers --------------------------------------------------------------------------------


def tess(image: Image.Image, lang: str, psm: int) -> tuple[str, float]:
    """Tesseract's reading of ``image`` and its character-weighted word confidence."""
    import pytesseract

    data = pytesseract.image_to_data(
        image, lang=lang, config=f"--oem 1 --psm {psm}", output_type=pytesseract.Output.DICT
    )
    words = [
        (str(t).strip(), float(c) / 100)
        for t, c in zip(data["text"], data["conf"])
        if float(c) >= 0 and str(t).strip()
    ]
    chars = sum(len(t) for t, _ in words)
    conf = sum(len(t) * c for t, c in words) / chars if chars else 0.0
    return " ".join(t for t, _ in words), conf


def raw_readers() -> dict[str, Callable[[Image.Image], tuple[str, float]]]:
    """Each single-reading candidate by name."""
    from ocr_expert.engines.tesseract import prepare_crop

    readers: dict[str, Callable[[Image.Image], tuple[str, float]]] = {}

    def reader(
        lang: str, psm: int, view: Callable[[Image.Image], Image.Image] | None = None
    ) -> Callable[[Image.Image], tuple[str, float]]:
        def read(im: Image.Image) -> tuple[str, float]:
            return tess(view(im) if view else im, lang, psm)

        return read

    def scaled(h: int, binary: bool) -> Callable[[Image.Image], Image.Image]:
        return lambda im: ink_view(im, h, binary)[0]

    for lang in ("ara", "Arabic"):
        readers[f"{lang} psm7 raw"] = reader(lang, 7)
        readers[f"{lang} psm13 raw"] = reader(lang, 13)
        readers[f"{lang} psm7 prep"] = reader(lang, 7, lambda im: prepare_crop(im, 32)[0])
        for h in (20, 28, 36, 48):
            readers[f"{lang} psm7 h{h}"] = reader(lang, 7, scaled(h, False))
        for h in (24, 36, 48):
            readers[f"{lang} psm7 h{h}-bin"] = reader(lang, 7, scaled(h, True))
    readers["ara+Arabic psm7 raw"] = lambda im: tess(im, "ara+Arabic", 7)
    readers["Arabic+ara psm7 raw"] = lambda im: tess(im, "Arabic+ara", 7)
    return readers


def project_readers() -> dict[str, Callable[[Image.Image], tuple[str, float]]]:
    """The project's own paths: the tesseract engine's crop reading and the default engine."""
    from ocr_expert import OCRExpert
    from ocr_expert.engines.tesseract import TesseractEngine, confidence

    engine = TesseractEngine(lang="ara")
    modes = TesseractEngine(lang="ara", arabic_views=False)
    default = OCRExpert("ppocr", use_cache=False)

    def crop(engine: TesseractEngine) -> Callable[[Image.Image], tuple[str, float]]:
        def read(im: Image.Image) -> tuple[str, float]:
            spans = engine.read_crop(im)
            return " ".join(s.text for s in spans), confidence(spans)

        return read

    def default_crop(im: Image.Image) -> tuple[str, float]:
        return default.read(im, mode="crop").text, 0.0

    return {
        "project tesseract ara crop (line+word modes)": crop(modes),
        "project tesseract ara crop (arabic_views)": crop(engine),
        "project default (ppocr) crop": default_crop,
    }


def pick(readings: list[tuple[str, float]]) -> str:
    """The reading with the highest confidence."""
    return max(readings, key=lambda r: r[1])[0]


def _combo(how: str, *readers: str) -> tuple[str, tuple[str, list[str]]]:
    """A combination's name (``how`` over the readers, ``psm7`` left out) and its parts."""
    return f"{how}({', '.join(r.replace(' psm7', '') for r in readers)})", (how, list(readers))


COMBOS: dict[str, tuple[str, list[str]]] = dict(
    [
        _combo("pick", "ara psm7 raw", "ara psm7 h20", "ara psm7 h36-bin"),
        _combo("pick", "ara psm7 prep", "ara psm7 h20", "ara psm7 h36-bin"),
        _combo("pick", "ara psm7 raw", "ara psm7 h36-bin"),
        _combo("pick", "ara psm7 raw", "Arabic psm7 raw"),
        _combo("pick", "ara psm7 raw", "ara psm7 h36", "Arabic psm7 h36"),
        _combo("vote", "ara psm7 raw", "ara psm7 h20", "ara psm7 h36-bin"),
        _combo("vote", "ara psm7 raw", "Arabic psm7 raw", "ara psm7 h36"),
        _combo(
            "vote",
            "ara psm7 raw",
            "ara psm7 h36",
            "Arabic psm7 raw",
            "Arabic psm7 h36",
            "ara psm7 prep",
        ),
    ]
)


def _read_all(args: tuple[list[Image.Image], list[str]]) -> dict[str, list[tuple]]:
    images, names = args
    readers = {**raw_readers(), **project_readers()}
    out: dict[str, list[tuple]] = {}
    for name in names:
        reader = readers[name]
        rows = []
        for image in images:
            start = time.perf_counter()
            text, conf = reader(image)
            rows.append((text, conf, time.perf_counter() - start))
        out[name] = rows
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200, help="how many lines (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--font-dir",
        action="append",
        default=[],
        help="a folder of further fonts; those covering Arabic are used (repeatable)",
    )
    parser.add_argument(
        "--numbers",
        type=float,
        default=0.0,
        help="share of lines with a number among their words (default 0); fonts must then "
        "draw the Arabic-Indic digits too",
    )
    parser.add_argument(
        "--eastern",
        type=float,
        default=0.7,
        help="share of those numbers written in Arabic-Indic digits (default 0.7)",
    )
    parser.add_argument(
        "--neighbours",
        type=float,
        default=0.0,
        help="share of lines cut from a page set solid, the edges of the lines above and "
        "below showing at the crop's top and bottom (default 0)",
    )
    parser.add_argument(
        "--catalogues",
        help="draw lines of real Arabic text from the gettext catalogues in this folder "
        "(e.g. /usr/share/locale/ar/LC_MESSAGES) instead of the generator's prose",
    )
    parser.add_argument(
        "--heights",
        default="13-44",
        help="line heights in pixels, drawn at random between the two (default 13-44: scans "
        "of 100-200 dpi; 48-90 for 300 dpi)",
    )
    parser.add_argument(
        "--harakat",
        action="store_true",
        help="with --catalogues: only the lines carrying short vowels or shadda, drawn with them",
    )
    parser.add_argument(
        "--only",
        nargs="*",
        help="only these single-reading candidates; none given: draw (and save) only",
    )
    parser.add_argument("--workers", type=int, default=1, help="processes reading in parallel")
    parser.add_argument("--save-dir", help="write the crops and labels.jsonl here")
    parser.add_argument("--json", help="write every reading here")
    args = parser.parse_args(argv)

    heights = _heights(args.heights)
    if heights is None:
        parser.error(f"--heights {args.heights!r}: give two pixel heights, e.g. 48-90")
    if args.only:
        candidates = {*raw_readers(), *project_readers()}
        unknown = sorted(set(args.only) - candidates)
        if unknown:
            known = ", ".join(sorted(candidates))
            parser.error(f"no candidate {', '.join(unknown)}; choose from {known}")
    source = None
    if args.harakat and not args.catalogues:
        parser.error("--harakat draws from --catalogues: name the catalogues' folder")
    if args.catalogues:
        source = catalogue_lines(args.catalogues, args.harakat)
        if not source:
            parser.error(f"{args.catalogues}: no gettext catalogue (.mo) with Arabic lines there")
    fonts = arabic_fonts(args.font_dir, ARABIC_PROBE + ("٠١٢٣٤٥٦٧٨٩" if args.numbers else ""))
    lines = build_set(
        args.lines, args.seed, fonts, args.numbers, args.eastern, args.neighbours, source, heights
    )
    low, high = heights
    print(f"{len(lines)} lines, {len(fonts)} fonts, line height {low}-{high} px (seed {args.seed})")
    if args.save_dir:
        out = Path(args.save_dir)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "labels.jsonl", "w", encoding="utf-8") as fh:
            for i, line in enumerate(lines):
                name = f"{i:04d}_{line.font}.png"
                line.image.save(out / name)
                # kind and lang as bench/ocr_quality.py --labels reads them
                record = {
                    "image": name,
                    "text": line.text,
                    "font": line.font,
                    "kind": "line",
                    "lang": "ara",
                }
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    if args.only is not None and not args.only:
        return 0
    names = args.only or [*raw_readers(), *project_readers()]
    images = [line.image for line in lines]
    chunks = [names[k :: args.workers] for k in range(args.workers)]
    readings: dict[str, list[tuple]] = {}
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.workers) as pool:
            for part in pool.map(_read_all, [(images, c) for c in chunks]):
                readings.update(part)
    else:
        readings = _read_all((images, names))
    for name, (how, parts) in COMBOS.items():
        if not all(p in readings for p in parts):
            continue
        rows = []
        for i in range(len(lines)):
            got = [readings[p][i] for p in parts]
            text = pick([(g[0], g[1]) for g in got]) if how == "pick" else vote([g[0] for g in got])
            rows.append((text, 0.0, sum(g[2] for g in got)))
        readings[name] = rows

    other = [i for i, line in enumerate(lines) if not line.font.startswith("DejaVu")]
    print("\n| candidate | CER | CER non-DejaVu | WER | s/line |")
    print("|---|---|---|---|---|")
    for name, rows in readings.items():
        samples = [
            score_sample(r[0], line.text, NORM, i) for i, (r, line) in enumerate(zip(rows, lines))
        ]
        cer_all = aggregate(samples, NORM)
        cer_other = aggregate([samples[i] for i in other], NORM)
        seconds = sum(r[2] for r in rows) / len(rows)
        print(
            f"| {name} | {cer_all.cer:.3f} | {cer_other.cer:.3f} | {cer_all.wer:.3f} "
            f"| {seconds:.2f} |"
        )
    by_font: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        by_font.setdefault(line.font, []).append(i)
    if args.json:
        payload = {
            "lines": [{"text": ln.text, "font": ln.font, "height": ln.height} for ln in lines],
            "readings": readings,
        }
        Path(args.json).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
