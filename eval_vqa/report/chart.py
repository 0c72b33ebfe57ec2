"""Bar chart of the main table: one group per benchmark, one bar per variant, 95 % intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocrvqa.files import write_atomic


def bar_chart(results: dict[str, Any], path: str | Path) -> Path:
    """Write a PNG of the table metric's scores per benchmark and variant."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers
    import matplotlib.pyplot as plt
    import numpy as np

    run = results["run"]
    metric = run["table_metric"]
    benches = {n: b for n, b in results["benchmarks"].items() if metric in b["metrics"]}
    variants = run["variants"]
    x = np.arange(len(benches))
    width = 0.8 / max(1, len(variants))
    fig, ax = plt.subplots(figsize=(max(4.5, 1.6 * len(benches) + 2.5), 4.0), dpi=120)
    for i, v in enumerate(variants):
        means = np.array([b["scores"][v][metric]["mean"] for b in benches.values()])
        lows = np.array([b["scores"][v][metric]["ci95"][0] for b in benches.values()])
        highs = np.array([b["scores"][v][metric]["ci95"][1] for b in benches.values()])
        pos = x - 0.4 + width * (i + 0.5)
        # clipped: a percentile interval of a tiny sample can sit just off its mean, and
        # matplotlib refuses negative error bars
        errors = np.clip([means - lows, highs - means], 0, None)
        ax.bar(pos, means, width, label=v, yerr=errors, capsize=3)
        for p, top, m in zip(pos, np.maximum(means, highs), means):
            # above the interval, not on the bar, where the error bar would cross it
            ax.text(p, top + 1.5, f"{m:.1f}", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [b["title"] for b in benches.values()])
    ax.set_ylabel(f"{metric.upper() if metric == 'anls' else metric} (%), 95 % interval")
    ax.set_ylim(0, 110)
    ax.set_yticks(range(0, 101, 20))
    ax.set_title(f"{run.get('model')} · OCR {run.get('ocr_engine')}", fontsize=9)
    # below the axes: inside, it hides the tallest bars
    ax.legend(
        fontsize=8,
        ncols=min(len(variants), 5),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        frameon=False,
    )
    fig.tight_layout()
    path = Path(path)
    # whole or absent, even if the report is killed while drawing
    write_atomic(path, lambda f: fig.savefig(f, format=path.suffix.lstrip(".") or "png"))
    plt.close(fig)
    return path
