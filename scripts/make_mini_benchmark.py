"""Render the bundled mini benchmark: scene-text signs and document pages with questions.

    python scripts/make_mini_benchmark.py [--out eval_vqa/data/mini]

Draws the signs and pages that ``scripts/mini_benchmark.yaml`` lists. Writes ``scene.jsonl``
(signs and labels, short answers, 10 answers per question in the TextVQA manner),
``doc.jsonl`` (document pages, longer answers) and ``images/``. Some signs and pages are in
Arabic. Every choice comes from a fixed seed, so the same Pillow
and fonts give the same files. Needs the DejaVu fonts and Pillow built with libraqm
(Arabic shaping).
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFont, features

# DejaVu as matplotlib ships it (Sans, Sans Bold, Serif), so no system fonts are needed.
FONT_DIR = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf"
SEED = 20240611
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "eval_vqa" / "data" / "mini"
#: what the signs and pages show and ask
ITEMS = Path(__file__).with_name("mini_benchmark.yaml")


@dataclass
class SceneItem:
    lines: list[str]  # big text on the sign, top to bottom
    question: str
    answers: list[str]  # exactly 10, as ten annotators might have typed them
    board: tuple[int, int, int] = (250, 250, 245)
    ink: tuple[int, int, int] = (20, 20, 20)
    label: str = ""  # small second line under the sign
    language: str = "en"


def ten(*groups: tuple[str, int]) -> list[str]:
    """Ten annotator answers from (answer, count) pairs."""
    out = [a for a, n in groups for _ in range(n)]
    assert len(out) == 10, out
    return out


@dataclass
class DocItem:
    title: str
    lines: list[str]  # body lines, top to bottom
    questions: list[tuple[str, list[str]]]  # (question, answers)
    language: str = "en"
    table: list[tuple[str, str]] = field(default_factory=list)


def load_items(path: Path = ITEMS) -> tuple[list[SceneItem], list[DocItem]]:
    """The signs and pages listed in ``path`` (YAML: ``scene`` and ``docs``)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    scene = [
        SceneItem(
            **{
                **item,
                "answers": ten(*(tuple(group) for group in item["answers"])),
                **{k: tuple(item[k]) for k in ("board", "ink") if k in item},
            }
        )
        for item in data["scene"]
    ]
    docs = [
        DocItem(
            **{
                **item,
                "questions": [(q["question"], q["answers"]) for q in item["questions"]],
                "table": [tuple(row) for row in item.get("table", [])],
            }
        )
        for item in data["docs"]
    ]
    return scene, docs


SCENE, DOCS = load_items()


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _text_kwargs(language: str) -> dict:
    return {"direction": "rtl", "language": "ar"} if language == "ar" else {}


def render_scene(item: SceneItem, rng: random.Random) -> Image.Image:
    w, h = 320, 200
    top = tuple(rng.randint(120, 200) for _ in range(3))
    bottom = tuple(max(0, c - rng.randint(40, 90)) for c in top)
    im = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(im)
    for y in range(h):  # a sky/wall gradient
        t = y / (h - 1)
        draw.line([(0, y), (w, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    for _ in range(rng.randint(2, 4)):  # blocks of "buildings" behind the sign
        x0 = rng.randint(-20, w - 40)
        bw, bh = rng.randint(40, 110), rng.randint(50, 120)
        shade = rng.randint(60, 140)
        draw.rectangle([x0, h - bh, x0 + bw, h], fill=(shade, shade - 10, shade - 20))

    big = font("DejaVuSans-Bold.ttf", 34 if max(len(s) for s in item.lines) <= 8 else 26)
    small = font("DejaVuSans.ttf", 14)
    kw = _text_kwargs(item.language)
    sizes = [draw.textbbox((0, 0), s, font=big, **kw) for s in item.lines]
    text_w = max(b[2] - b[0] for b in sizes)
    line_h = max(b[3] - b[1] for b in sizes) + 8
    label_h = 22 if item.label else 0
    bw, bh = int(text_w) + 36, int(line_h) * len(item.lines) + 20 + label_h
    sign = Image.new("RGBA", (bw, bh), (0, 0, 0, 0))
    sd = ImageDraw.Draw(sign)
    sd.rounded_rectangle(
        [0, 0, bw - 1, bh - 1],
        radius=8,
        fill=item.board + (255,),
        outline=item.ink + (255,),
        width=3,
    )
    for i, (s, b) in enumerate(zip(item.lines, sizes)):
        x = (bw - (b[2] - b[0])) // 2 - b[0]
        sd.text((x, 10 + i * line_h - b[1]), s, font=big, fill=item.ink + (255,), **kw)
    if item.label:
        lb = sd.textbbox((0, 0), item.label, font=small)
        sd.text(
            ((bw - (lb[2] - lb[0])) // 2, bh - label_h - 2),
            item.label,
            font=small,
            fill=item.ink + (255,),
        )
    sign = sign.rotate(rng.uniform(-4, 4), resample=Image.Resampling.BICUBIC, expand=True)
    x = (w - sign.width) // 2 + rng.randint(-20, 20)
    y = max(4, (h - sign.height) // 2 + rng.randint(-25, 10))
    im.paste(sign, (x, y), sign)
    return im


def render_doc(item: DocItem, rng: random.Random) -> Image.Image:
    w, h = 480, 600
    im = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(im)
    kw = _text_kwargs(item.language)
    # DejaVu Serif has no Arabic glyphs; DejaVu Sans has.
    family = "DejaVuSans" if item.language == "ar" else "DejaVuSerif"
    title_font = font(f"{family}-Bold.ttf", 22)
    body = font(f"{family}.ttf", 16)
    margin = 36
    rtl = item.language == "ar"

    def put(y: float, text: str, f: ImageFont.FreeTypeFont, indent: int = 0) -> float:
        b = draw.textbbox((0, 0), text, font=f, **kw)
        x = w - margin - indent - (b[2] - b[0]) - b[0] if rtl else margin + indent - b[0]
        draw.text((x, y - b[1]), text, font=f, fill=0, **kw)
        return y + (b[3] - b[1]) + 14

    y = put(40, item.title, title_font)
    draw.line([(margin, y), (w - margin, y)], fill=0, width=2)
    y += 18
    for line in item.lines:
        y = put(y, line, body)
    if item.table:
        y += 10
        col = w // 2 + 20
        for key, value in item.table:
            draw.rectangle([margin, y - 6, w - margin, y + 24], outline=0)
            draw.line([(col - 10, y - 6), (col - 10, y + 24)], fill=0)
            put(y, key, body, indent=6)
            b = draw.textbbox((0, 0), value, font=body)
            draw.text((col - b[0], y - b[1]), value, font=body, fill=0)
            y += 30
    # Faint filler lines below, like the rest of a page, with a little jitter.
    y = max(y + 20, 420)
    while y < h - 40:
        x1 = w - margin - rng.randint(0, 120)
        draw.line([(margin, y), (x1, y)], fill=205, width=6)
        y += 22
    draw.text(
        (w // 2 - 10, h - 30), f"- {rng.randint(1, 9)} -", font=font("DejaVuSans.ttf", 12), fill=90
    )
    return im


def tokens(lines: list[str]) -> list[str]:
    return [t for line in lines for t in line.split()]


def build(out: Path) -> dict[str, int]:
    """Render everything into ``out``; returns the number of samples per file."""
    if not features.check("raqm"):
        raise SystemExit("Pillow lacks libraqm: Arabic would be drawn unshaped; install libraqm")
    rng = random.Random(SEED)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)

    scene_rows = []
    for i, item in enumerate(SCENE, start=1):
        name = f"images/scene_{i:02d}.png"
        im = render_scene(item, rng).quantize(
            colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        im.save(out / name, optimize=True)
        scene_rows.append(
            {
                "question_id": f"scene-{i:02d}",
                "image": name,
                "question": item.question,
                "answers": item.answers,
                "ocr_tokens": tokens(item.lines + [item.label]),
                "kind": "scene",
                "language": item.language,
            }
        )

    doc_rows = []
    for i, doc in enumerate(DOCS, start=1):
        name = f"images/doc_{i:02d}.png"
        render_doc(doc, rng).save(out / name, optimize=True)
        page_tokens = tokens([doc.title] + doc.lines + [f"{k} {v}" for k, v in doc.table])
        for k, (question, answers) in enumerate(doc.questions, start=1):
            doc_rows.append(
                {
                    "question_id": f"doc-{i:02d}-{k}",
                    "image": name,
                    "question": question,
                    "answers": answers,
                    "ocr_tokens": page_tokens,
                    "kind": "document",
                    "language": doc.language,
                }
            )

    for fname, rows in (("scene.jsonl", scene_rows), ("doc.jsonl", doc_rows)):
        with (out / fname).open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {"scene.jsonl": len(scene_rows), "doc.jsonl": len(doc_rows)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    counts = build(args.out)
    size = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    print(f"wrote {counts} to {args.out} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
