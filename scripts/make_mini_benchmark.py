"""Render the bundled mini benchmark: scene-text signs and document pages with questions.

    python scripts/make_mini_benchmark.py [--out eval_vqa/data/mini]

Writes ``scene.jsonl`` (signs and labels, short answers, 10 answers per question in the
TextVQA manner), ``doc.jsonl`` (document pages, longer answers) and ``images/``. Some
signs and pages are in Arabic. Every choice comes from a fixed seed, so the same Pillow
and fonts give the same files. Needs the DejaVu fonts and Pillow built with libraqm
(Arabic shaping).
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

# DejaVu as matplotlib ships it (Sans, Sans Bold, Serif), so no system fonts are needed.
FONT_DIR = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf"
SEED = 20240611
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "eval_vqa" / "data" / "mini"


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


SCENE: list[SceneItem] = [
    SceneItem(
        ["BAKERY"],
        "What kind of shop is this?",
        ten(("bakery", 8), ("the bakery", 1), ("bakery shop", 1)),
        label="OPEN 7 DAYS",
    ),
    SceneItem(
        ["STOP"],
        "What does the red sign say?",
        ten(("stop", 10)),
        board=(200, 30, 30),
        ink=(255, 255, 255),
    ),
    SceneItem(
        ["Main St"],
        "What street is this?",
        ten(("main st", 6), ("main street", 3), ("main", 1)),
        board=(20, 110, 60),
        ink=(255, 255, 255),
    ),
    SceneItem(["SPEED", "LIMIT 40"], "What is the speed limit?", ten(("40", 9), ("forty", 1))),
    SceneItem(
        ["PHARMACY"],
        "How many hours a day is the pharmacy open?",
        ten(("24", 8), ("24 hours", 2)),
        board=(30, 140, 70),
        ink=(255, 255, 255),
        label="OPEN 24 HOURS",
    ),
    SceneItem(
        ["ROUTE 12"],
        "What is the bus route number?",
        ten(("12", 9), ("route 12", 1)),
        board=(240, 200, 40),
    ),
    SceneItem(
        ["LEMONADE"],
        "What drink is this?",
        ten(("lemonade", 10)),
        board=(250, 235, 120),
        label="FRESH",
    ),
    SceneItem(
        ["$3.99"],
        "How much does it cost?",
        ten(("$3.99", 7), ("3.99", 3)),
        board=(255, 255, 255),
        ink=(200, 20, 20),
    ),
    SceneItem(
        ["EXIT"],
        "What does the green sign say?",
        ten(("exit", 10)),
        board=(20, 150, 60),
        ink=(255, 255, 255),
    ),
    SceneItem(
        ["Rosa's Pizza"],
        "What is the name of the restaurant?",
        ten(("rosa's pizza", 7), ("rosa's", 2), ("pizza", 1)),
        board=(120, 20, 20),
        ink=(255, 230, 160),
    ),
    SceneItem(["KX 4821"], "What is the license plate number?", ten(("kx 4821", 8), ("kx4821", 2))),
    SceneItem(
        ["GATE B7"],
        "Which gate is this?",
        ten(("b7", 8), ("gate b7", 2)),
        board=(30, 30, 40),
        ink=(250, 210, 40),
    ),
    SceneItem(
        ["Platform 3"],
        "What platform number is shown?",
        ten(("3", 7), ("three", 3)),
        board=(20, 50, 120),
        ink=(255, 255, 255),
    ),
    SceneItem(
        ["PARKING"],
        "What is this area used for?",
        ten(("parking", 9), ("car parking", 1)),
        board=(30, 70, 160),
        ink=(255, 255, 255),
        label="VISITORS ONLY",
    ),
    SceneItem(
        ["CITY BOOKS"], "What is the name of the store?", ten(("city books", 9), ("city book", 1))
    ),
    SceneItem(
        ["ROOM 214"],
        "What room number is this?",
        ten(("214", 9), ("room 214", 1)),
        board=(210, 190, 150),
    ),
    SceneItem(
        ["Blue Cup", "Cafe"],
        "What is the name of the cafe?",
        ten(("blue cup", 6), ("blue cup cafe", 4)),
        board=(40, 90, 170),
        ink=(255, 255, 255),
    ),
    SceneItem(
        ["NO SMOKING"],
        "What is not allowed here?",
        ten(("smoking", 8), ("no smoking", 2)),
        board=(255, 255, 255),
        ink=(190, 20, 20),
    ),
    SceneItem(
        ["ZENITH"],
        "What brand is on the box?",
        ten(("zenith", 10)),
        board=(15, 15, 15),
        ink=(230, 230, 230),
    ),
    SceneItem(
        ["HOTEL", "AURORA"],
        "What is the name of the hotel?",
        ten(("aurora", 5), ("hotel aurora", 5)),
        board=(90, 40, 110),
        ink=(255, 220, 120),
    ),
    SceneItem(["مخبز"], "What word is written on the sign?", ten(("مخبز", 10)), language="ar"),
    SceneItem(
        ["صيدلية"],
        "What is written on the green sign?",
        ten(("صيدلية", 10)),
        board=(30, 140, 70),
        ink=(255, 255, 255),
        language="ar",
    ),
    SceneItem(
        ["شارع النيل"],
        "What street name is on the sign?",
        ten(("شارع النيل", 9), ("النيل", 1)),
        board=(20, 60, 140),
        ink=(255, 255, 255),
        language="ar",
    ),
    SceneItem(
        ["قهوة"],
        "What is written on the cup?",
        ten(("قهوة", 10)),
        board=(110, 70, 40),
        ink=(255, 245, 225),
        language="ar",
    ),
]


@dataclass
class DocItem:
    title: str
    lines: list[str]  # body lines, top to bottom
    questions: list[tuple[str, list[str]]]  # (question, answers)
    language: str = "en"
    table: list[tuple[str, str]] = field(default_factory=list)


DOCS: list[DocItem] = [
    DocItem(
        "INVOICE",
        [
            "Northwind Supplies Ltd.",
            "18 Harbour Road, Leeds",
            "Invoice number: INV-2041",
            "Date: 4 May 2020",
        ],
        [
            ("What is the invoice number?", ["INV-2041"]),
            ("What is the total amount due?", ["$1,234.50", "1,234.50"]),
        ],
        table=[
            ("Paper, A4, 40 boxes", "$820.00"),
            ("Toner cartridges", "$414.50"),
            ("Total due", "$1,234.50"),
        ],
    ),
    DocItem(
        "MEMORANDUM",
        [
            "To: All Laboratory Staff",
            "From: Dr. Helen Okafor",
            "Subject: Freezer maintenance",
            "The freezers in room B12 will be",
            "defrosted on Friday morning.",
        ],
        [
            ("Who is the memo addressed to?", ["All Laboratory Staff"]),
            ("Which room are the freezers in?", ["B12", "room B12"]),
        ],
    ),
    DocItem(
        "Annual Report on Water Quality 2019",
        [
            "Prepared by the River Basin Authority",
            "Summary of findings",
            "Nitrate levels fell by 12 percent",
            "compared with the previous year.",
        ],
        [
            ("What is the title of the report?", ["Annual Report on Water Quality 2019"]),
            ("By how much did nitrate levels fall?", ["12 percent", "12%"]),
        ],
    ),
    DocItem(
        "Dear Mr. Patel,",
        [
            "12 March 2021",
            "Thank you for your application to the",
            "Graduate Research Programme. We are",
            "pleased to offer you a place.",
            "Yours sincerely,",
            "Anna Berg, Admissions Office",
        ],
        [
            ("What is the date of the letter?", ["12 March 2021", "March 12, 2021"]),
            ("Who signed the letter?", ["Anna Berg"]),
        ],
    ),
    DocItem(
        "APPLICATION FORM",
        [],
        [
            ("What is the applicant's phone number?", ["(555) 014-2298"]),
            ("What is the applicant's name?", ["Samuel Reed"]),
        ],
        table=[
            ("Name", "Samuel Reed"),
            ("Phone", "(555) 014-2298"),
            ("City", "Portland"),
            ("Position", "Lab Technician"),
        ],
    ),
    DocItem(
        "REVENUE BY YEAR",
        ["All figures in US dollars."],
        [("What was the revenue in 2018?", ["4.7 million", "$4.7 million"])],
        table=[
            ("2016", "3.9 million"),
            ("2017", "4.2 million"),
            ("2018", "4.7 million"),
            ("2019", "5.1 million"),
        ],
    ),
    DocItem(
        "تقرير الجودة السنوي",
        ["إدارة المختبرات المركزية", "رقم الفاتورة: 7731", "تاريخ الإصدار: 2022"],
        [
            ("What is the title of the document?", ["تقرير الجودة السنوي"]),
            ("What is the invoice number?", ["7731"]),
        ],
        language="ar",
    ),
    DocItem(
        "MEETING AGENDA",
        ["Budget Committee, Tuesday 8 June", "Location: Conference Room 2"],
        [("At what time does the meeting start?", ["9:30 AM", "9:30"])],
        table=[
            ("9:30 AM", "Welcome and minutes"),
            ("10:00 AM", "Budget review"),
            ("11:15 AM", "Any other business"),
        ],
    ),
    DocItem(
        "Green Valley Market",
        [
            "Receipt 0042-118",
            "Apples 1 kg        2.40",
            "Bread              1.95",
            "Milk 2 L           1.60",
            "TOTAL              5.95",
        ],
        [
            ("What is the name of the store on the receipt?", ["Green Valley Market"]),
            ("What is the total on the receipt?", ["5.95"]),
        ],
    ),
    DocItem(
        "CERTIFICATE OF COMPLETION",
        [
            "This certifies that",
            "Maria Lopez",
            "has completed the course",
            "Introduction to Statistics",
        ],
        [
            ("Who is the certificate awarded to?", ["Maria Lopez"]),
            ("Which course was completed?", ["Introduction to Statistics"]),
        ],
    ),
]


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
