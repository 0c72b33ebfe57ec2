"""The markdown table, shaped like the seed paper's Table 5: variants as rows, benchmarks as
columns."""

from __future__ import annotations

import math
from typing import Any


def markdown(results: dict[str, Any]) -> str:
    """Tables for the run: the main metric first, then any other metric the benchmarks report."""
    run = results["run"]
    if run.get("baseline") is None:
        deltas = "No Δ rows: the run has no baseline variant (report.baseline)."
    else:
        deltas = (
            f"Δ rows: paired difference to `{run.get('baseline')}` on the same samples, with a "
            "bootstrap 95 % interval and the p-value of a paired sign-flip permutation test."
        )
    parts = [
        f"# {run.get('name') or 'run'}: {run.get('model')}",
        "",
        f"OCR engine: `{run.get('ocr_engine')}`; variants: "
        f"{', '.join(f'`{v}`' for v in run['variants'])}. Scores in %, mean over the samples every "
        f"variant answered; broken samples are left out of every variant (see Samples). {deltas}",
        "",
    ]
    for title, head, rows in score_tables(results):
        table = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
        table += ["| " + " | ".join(row) + " |" for row in rows]
        parts += [f"## {title}", "", *table, ""]
    parts += [
        "## OCR answer recall",
        "",
        "Share (%) of questions whose normalised ground-truth answer appears in the context the "
        "variant injected, after the token budget; `all OCR` is everything the engine read.",
        "",
    ]
    parts += _recall_table(results)
    context = _context_table(results)
    if context:
        parts += [
            "",
            "## OCR context",
            "",
            "Mean tokens of OCR context each variant injected; where its budget or the model's "
            "window cut the context: the share of samples cut and of the context's tokens left "
            "out.",
            "",
        ]
        parts += context
    parts += ["", "## Samples", "", *_count_table(results)]
    return "\n".join(parts) + "\n"


def score_tables(results: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """One table per metric, the main one first: (metric title, column heads, rows of cells),
    the same cells the markdown table and the report page show."""
    run = results["run"]
    benches = results["benchmarks"]
    main = run["table_metric"]
    others = sorted({m for b in benches.values() for m in b["metrics"]} - {main})
    tables = []
    for metric in [main, *others]:
        cols = [name for name, b in benches.items() if metric in b["metrics"]]
        if cols:
            title = metric.upper() if metric == "anls" else metric
            tables.append(
                (
                    title,
                    ["variant", *(benches[c]["title"] for c in cols)],
                    _metric_rows(results, metric, cols),
                )
            )
    return tables


def _metric_rows(results: dict[str, Any], metric: str, cols: list[str]) -> list[list[str]]:
    benches = results["benchmarks"]
    run = results["run"]
    rows = []
    for v in run["variants"]:
        rows.append([v, *(_num(benches[c]["scores"][v][metric]["mean"]) for c in cols)])
    for v in run["variants"]:
        if v == run.get("baseline") or run.get("baseline") is None:
            continue
        cells = []
        for c in cols:
            d = benches[c]["deltas"].get(v, {}).get(metric)
            cells.append(
                "–"
                if d is None
                else f"{_signed(d['delta'])} [{_signed(d['ci95'][0])}, {_signed(d['ci95'][1])}] "
                f"{_p(d['p_value'])}"
            )
        rows.append([f"Δ {v} − {run['baseline']}", *cells])
    return rows


def _variant_head(benches: dict[str, Any], cols: list[str]) -> list[str]:
    """The head of a markdown table of one row per variant, one column per benchmark."""
    return [
        "| variant | " + " | ".join(benches[c]["title"] for c in cols) + " |",
        "|---" * (len(cols) + 1) + "|",
    ]


def _recall_table(results: dict[str, Any]) -> list[str]:
    benches = results["benchmarks"]
    cols = list(benches)
    lines = _variant_head(benches, cols)
    for v in results["run"]["variants"]:
        values = [benches[c]["answer_recall"].get(v) for c in cols]
        if all(x is None for x in values):
            continue  # a variant that injects no context has no recall
        lines.append(f"| {v} | " + " | ".join(_num(x) for x in values) + " |")
    lines.append(
        "| all OCR | " + " | ".join(_num(benches[c]["ocr_answer_recall"]) for c in cols) + " |"
    )
    return lines


def _context_table(results: dict[str, Any]) -> list[str]:
    benches = results["benchmarks"]
    cols = list(benches)
    lines = _variant_head(benches, cols)
    for v in results["run"]["variants"]:
        cells = [benches[c].get("context", {}).get(v) for c in cols]
        if all(x is None for x in cells):
            continue  # no OCR context, or a log written before context costs were logged
        lines.append(f"| {v} | " + " | ".join(_context_cell(x) for x in cells) + " |")
    return lines if len(lines) > 2 else []


def _context_cell(use: dict[str, Any] | None) -> str:
    if use is None:
        return "–"
    cell = f"{use['mean_tokens']:.0f}"
    if use["cut"]:
        cell += f" (cut {use['cut']:.0f} %, {use['tokens_dropped']:.0f} % of tokens dropped)"
    return cell


def _count_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| benchmark | samples | scored | excluded (errors) | retried (recovered) |",
        "|---|---|---|---|---|",
    ]
    unfinished = []
    for b in results["benchmarks"].values():
        c = b["counts"]
        errs = ", ".join(f"{n} {kind}" for kind, n in sorted(c["errors"].items())) or "0"
        retried = f"{c.get('retried', 0)} ({c.get('recovered', 0)})"
        lines.append(f"| {b['title']} | {c['samples']} | {c['scored']} | {errs} | {retried} |")
        if c.get("selected", c["samples"]) > c["samples"]:
            unfinished.append(f"{b['title']} {c['samples']} of {c['selected']}")
    if unfinished:
        lines += [
            "",
            f"Unfinished run, samples in the log so far: {'; '.join(unfinished)}. "
            "Run the same `ocrvqa eval` command again to finish it.",
        ]
    return lines


def _num(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def _signed(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:+.2f}"


def _p(p: float) -> str:
    if math.isnan(p):
        return ""
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"
