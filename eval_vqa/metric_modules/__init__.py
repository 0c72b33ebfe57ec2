"""``evaluate``-compatible wrappers of :mod:`eval_vqa.metrics`, one script per metric.

    import evaluate
    from eval_vqa.metric_modules import module_path
    anls = evaluate.load(module_path("anls"))
    anls.compute(predictions=["2041"], references=[["INV-2041", "2041"]])  # {'anls': 1.0}

Loading a local script needs no network.
"""

from __future__ import annotations

from pathlib import Path

from ocrvqa.registry import Registry

MODULE_DIR = Path(__file__).resolve().parent
MODULE_NAMES = ("anls", "vqa_accuracy", "relaxed_accuracy", "exact_match")
#: Metric name -> path of its ``evaluate`` script.
MODULES: Registry[str] = Registry("evaluate module", known_label="available")
for _name in MODULE_NAMES:
    MODULES.register(_name, str(MODULE_DIR / f"{_name}.py"))


def module_path(name: str) -> str:
    """Path of the ``evaluate`` script for metric ``name``, for ``evaluate.load``; an unknown
    name raises ``KeyError`` listing the available ones."""
    return MODULES.get(name)
