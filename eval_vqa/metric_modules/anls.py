"""ANLS as the DocVQA / InfographicVQA evaluator computes it (threshold 0.5)."""

from typing import ClassVar

from eval_vqa.metric_modules import base
from eval_vqa.metrics import anls


class ANLS(base.PerSampleModule):
    metric_name = "anls"
    description = (
        "Average Normalized Levenshtein Similarity: per question, 1 minus the smallest "
        "edit distance to a ground truth (lower-cased, whitespace collapsed) divided by the "
        "longer raw string; below the threshold it scores 0. Mean over questions."
    )
    citation = "Biten et al., Scene Text Visual Question Answering, ICCV 2019."
    options: ClassVar[dict[str, str]] = {"threshold": "similarities below it score 0"}
    score = staticmethod(anls)
