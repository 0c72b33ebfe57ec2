"""Chart text found by OCR: the share of the strings drawn on charts that the OCR text holds.

    python bench/chart_strings.py                      # 40 charts, the default engine
    python bench/chart_strings.py --charts 24 --scale 1 1.5 2
    python bench/chart_strings.py --save-dir charts/   # also keep the charts and their strings

Charts are drawn with matplotlib at the sizes chart benchmarks hold (400-640 px wide): vertical
bars with their values over them and tick labels turned 45 or 90 degrees, horizontal bars with
percentages, lines whose points carry numbers grouped with a thin space (``31 846``), pies and
donuts with their shares inside the wedges, and stacked bars with a legend and shares inside
each part (white on the dark one), each with a title, and all but pies with a y-axis title set
vertically. A string counts as found when it appears, as whole words, in the text read
(``eval_vqa.recall.answer_in_context``: the test OCR answer recall applies). ``--scale`` reads
each chart scaled by each factor (Lanczos) before OCR.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval_vqa.recall import answer_in_context
from ocr_expert import OCRExpert

COUNTRIES = ["Germany", "France", "Italy", "Spain", "Poland", "Sweden", "Norway", "Austria"]
TITLES = ["Average price by country", "Internet users 2010-2017", "Survey results"]
AXIS_TITLES = ["Share of respondents", "Revenue in million euros", "Number of users"]
THIN_SPACE = "\u2009"
#: what the charts are, in turn: vertical bars with their values over them and tick labels
#: turned, horizontal bars with percentages, lines with numbers, pies and donuts with their
#: shares inside the wedges, stacked bars with shares inside (white on the dark part)
KINDS = ("bars", "horizontal bars", "lines", "pie", "stacked")


@dataclass(frozen=True)
class Chart:
    """A drawn chart and every string drawn on it."""

    image: Image.Image
    strings: list[str]


def draw_chart(rng: random.Random, index: int) -> Chart:
    """One chart; the kind cycles with ``index`` through ``KINDS``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kind = KINDS[index % len(KINDS)]
    fig, ax = plt.subplots(figsize=(rng.choice([5, 6.4, 8]), rng.choice([3.5, 4.8])), dpi=80)
    count = rng.randint(4, 7)
    legend: list[str] = []
    if kind == "lines":
        labels = [str(year) for year in range(2010, 2010 + count)]
        numbers = [rng.randint(1000, 90000) for _ in labels]
        values = [f"{n:,}".replace(",", THIN_SPACE) for n in numbers]
        ax.plot(range(count), numbers, marker="o")
        ax.set_xticks(range(count), labels)
        for x, (n, v) in enumerate(zip(numbers, values)):
            ax.annotate(v, (x, n), fontsize=7)
    elif kind == "pie":  # a pie or a donut, its shares inside the wedges (white on a donut)
        labels = rng.sample(COUNTRIES, count - 1)
        raw = [rng.uniform(5, 40) for _ in labels]
        parts = [round(100 * r / sum(raw)) for r in raw]
        values = [f"{v}%" for v in parts]
        donut = rng.random() < 0.5
        shown = iter(values)  # matplotlib asks for the wedges' labels in order
        _, _, inside = ax.pie(
            parts,
            labels=labels,
            autopct=lambda _share: next(shown),
            pctdistance=0.75 if donut else 0.6,
            wedgeprops={"width": 0.5} if donut else None,
            textprops={"fontsize": 8},
        )
        for text in inside if donut else ():
            text.set_color("white")
    elif kind == "stacked":  # two answers' shares inside each bar, white on the dark part
        labels = rng.sample(COUNTRIES, count - 2)
        yes = [rng.randint(15, 70) for _ in labels]
        ax.barh(labels, yes, color="#1f4e79")
        ax.barh(labels, [100 - y for y in yes], left=yes, color="#9dc3e6")
        values = []
        for k, y in enumerate(yes):
            ax.text(y / 2, k, f"{y}%", color="white", ha="center", va="center", fontsize=8)
            ax.text(50 + y / 2, k, f"{100 - y}%", ha="center", va="center", fontsize=8)
            values += [f"{y}%", f"{100 - y}%"]
        ax.legend(["Yes", "No"], loc="lower right", fontsize=8)
        legend = ["Yes", "No"]
    else:
        labels = rng.sample(COUNTRIES, count)
        shares = [round(rng.uniform(5, 95), 1) for _ in labels]
        if kind == "bars":
            values = [str(v) for v in shares]
            ax.bar(labels, shares)
            plt.xticks(rotation=rng.choice([45, 90]))
            for k, v in enumerate(values):  # categories stand at 0, 1, ...
                ax.text(k, shares[k] + 1, v, ha="center", fontsize=8)
        else:
            values = [f"{v}%" for v in shares]
            ax.barh(labels, shares)
            for k, v in enumerate(values):
                ax.text(shares[k] + 1, k, v, va="center", fontsize=8)
    title, axis_title = rng.choice(TITLES), rng.choice(AXIS_TITLES)
    ax.set_title(title)
    headings = [title]
    if kind != "pie":  # a pie has no axes: its labels stand where an axis title would
        ax.set_ylabel(axis_title)
        headings.append(axis_title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    return Chart(image, [*headings, *labels, *values, *legend])


def draw_charts(count: int, seed: int) -> list[Chart]:
    """``count`` charts; the same seed draws the same charts."""
    rng = random.Random(seed)
    return [draw_chart(rng, i) for i in range(count)]


def found_share(expert: OCRExpert, charts: list[Chart], scale: float) -> tuple[int, int, float]:
    """(strings found, strings drawn, seconds per chart) with each chart scaled by ``scale``."""
    found = drawn = 0
    start = time.perf_counter()
    for chart in charts:
        image = chart.image
        if scale != 1:
            size = (round(image.width * scale), round(image.height * scale))
            image = image.resize(size, Image.Resampling.LANCZOS)
        text = expert.read(image, mode="page").text
        found += sum(answer_in_context([s], text) for s in chart.strings)
        drawn += len(chart.strings)
    return found, drawn, (time.perf_counter() - start) / max(len(charts), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--charts", type=int, default=40, help="how many charts (default 40)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0])
    parser.add_argument("--engine", default="ppocr", help="OCR engine (default: the default)")
    parser.add_argument("--save-dir", type=Path, help="write the charts and strings.json here")
    args = parser.parse_args(argv)

    charts = draw_charts(args.charts, args.seed)
    if args.save_dir:
        args.save_dir.mkdir(parents=True, exist_ok=True)
        records = []
        for i, chart in enumerate(charts):
            name = f"chart{i:03d}.png"
            chart.image.save(args.save_dir / name)
            records.append({"image": name, "strings": chart.strings})
        text = json.dumps(records, ensure_ascii=False, indent=1)
        (args.save_dir / "strings.json").write_text(text, encoding="utf-8")
    expert = OCRExpert(args.engine, use_cache=False)
    print(f"{len(charts)} charts (seed {args.seed}), engine {args.engine}\n")
    print("| scale | strings found | share | s/chart |")
    print("|---|---|---|---|")
    for scale in args.scale:
        found, drawn, seconds = found_share(expert, charts, scale)
        print(f"| {scale:g} | {found} / {drawn} | {found / drawn:.3f} | {seconds:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
