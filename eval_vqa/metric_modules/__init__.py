"""``evaluate``-compatible wrappers of :mod:`eval_vqa.metrics`, one script per metric.

    import evaluate
    from eval_vqa.metric_modules import module_path
    anls = evaluate.load(module_path("anls"))
    anls.compute(predictions=["2041"], references=[["INV-2041", "2041"]])  # {'anls': 1.0}

Loading a local script needs no network.
"""

from __future__ import annotations

from pathlib import Path

MODULE_DIR = Path(__file__).resolve().parent
MODULE_NAMES = ("anls", "vqa_accuracy", "relaxed_accuracy", "exact_match")


def module_path(name: str) -> str:
    """Path of the ``evaluate`` script for metric ``name``, for ``evaluate.load``."""
    if name not in MODULE_NAMES:
        raise KeyError(f"no evaluate module for {name!r}; available: {', '.join(MODULE_NAMES)}")
    return str(MODULE_DIR / f"{name}.py")
