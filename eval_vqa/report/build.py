"""Rebuild every report file of a run folder from its log."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from eval_vqa.log import read_selection, selected_records
from eval_vqa.report.chart import bar_chart
from eval_vqa.report.html_page import error_page
from eval_vqa.report.results import aggregate
from eval_vqa.report.table import markdown
from ocrvqa.files import write_atomic

RESULTS = "results.json"
TABLE = "table.md"
CHART = "chart.png"
HTML_DIR = "report"


def build_report(run_dir: str | Path) -> dict[str, Path]:
    """Write ``results.json``, ``table.md``, ``chart.png`` and ``report/index.html``; return their
    paths."""
    run_dir = Path(run_dir)
    run_file = run_dir / "run.json"
    if not run_file.is_file():
        raise FileNotFoundError(
            f"{run_dir} is not a run folder: it has no run.json (run `ocrvqa eval` first)"
        )
    run = json.loads(run_file.read_text(encoding="utf-8"))
    order = [b["name"] for b in run.get("config", {}).get("benchmarks", [])]
    records = selected_records(run_dir, _canonical_names(order))
    if not records:
        raise ValueError(f"{run_dir}: the log holds no samples yet")
    selection = {name: len(keys) for name, keys in read_selection(run_dir).items()}
    results = aggregate(records, run, selection)
    paths = {"results": run_dir / RESULTS, "table": run_dir / TABLE}
    write_atomic(paths["results"], json.dumps(_finite(results), indent=2, ensure_ascii=False))
    write_atomic(paths["table"], markdown(results))
    report_cfg = run.get("config", {}).get("report", {})
    if report_cfg.get("chart", True):
        paths["chart"] = bar_chart(results, run_dir / CHART)
    if report_cfg.get("html", True):
        paths["html"] = error_page(results, records, run_dir, run_dir / HTML_DIR)
    return paths


def _canonical_names(names: list[str]) -> list[str]:
    from eval_vqa.report.results import canonical_name

    return [canonical_name(n) for n in names]


def load_results(run_dir: str | Path) -> dict[str, Any]:
    """The ``results.json`` of a run folder."""
    return json.loads((Path(run_dir) / RESULTS).read_text(encoding="utf-8"))


def _finite(value: Any) -> Any:
    """NaN is not JSON: an undefined statistic (no samples) is written as null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
