"""Reports of a run: ``results.json``, a markdown table, a bar chart and an error-analysis page.

``build_report(run_dir)`` rebuilds all of them from the run's log, so ``ocrvqa report RUN_DIR``
works on a finished run, a partial one, or one merged from several processes.
"""

from eval_vqa.report.build import build_report, load_results

__all__ = ["build_report", "load_results"]
