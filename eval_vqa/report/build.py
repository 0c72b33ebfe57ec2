"""Rebuild every report file of a run folder from its log."""

from __future__ import annotations

from pathlib import Path

from eval_vqa.report.chart import bar_chart
from eval_vqa.report.html_page import error_page
from eval_vqa.report.results import aggregate
from eval_vqa.report.table import markdown
from eval_vqa.run_files import ResultsFile
from eval_vqa.run_folder import (
    LoggedRun,
    read_log,
    read_results,
    read_run_file,
    write_results,
)
from ocrvqa.files import write_atomic

TABLE = "table.md"
CHART = "chart.png"
HTML_DIR = "report"


def build_report(run_dir: str | Path, logged: LoggedRun | None = None) -> dict[str, Path]:
    """Write ``results.json``, ``table.md``, ``chart.png`` and ``report/index.html``; return
    their paths. ``logged``: the run's log as the caller already read it (else read here)."""
    run_dir = Path(run_dir)
    run = read_run_file(run_dir)
    config = run.config
    if logged is None:
        logged = read_log(run_dir, config.benchmark_names)
    if not logged.records:
        raise ValueError(f"{run_dir}: the log holds no samples yet")
    results = aggregate(logged.records, run, logged.selected)
    # the writers below read the file's content; undefined statistics stay NaN for them
    content = results.to_json_dict()
    paths = {"results": write_results(run_dir, results), "table": run_dir / TABLE}
    write_atomic(paths["table"], markdown(content))
    if config.report.chart:
        paths["chart"] = bar_chart(content, run_dir / CHART)
    if config.report.html:
        paths["html"] = error_page(
            content, logged.records, run_dir, run_dir / HTML_DIR, config.report.html_samples
        )
    return paths


def load_results(run_dir: str | Path) -> ResultsFile:
    """The ``results.json`` of a run folder."""
    return read_results(run_dir)
