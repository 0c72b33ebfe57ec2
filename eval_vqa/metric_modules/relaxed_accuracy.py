"""ChartQA relaxed accuracy: numbers within 5 % of the ground truth, else exact match."""

from typing import ClassVar

from eval_vqa.metric_modules import base
from eval_vqa.metrics import relaxed_accuracy


class RelaxedAccuracy(base.PerSampleModule):
    metric_name = "relaxed_accuracy"
    description = (
        "A numeric prediction is correct within the tolerance, relative to the ground "
        "truth; other answers need a case-insensitive exact match."
    )
    citation = "Masry et al., ChartQA, Findings of ACL 2022."
    options: ClassVar[dict[str, str]] = {"tolerance": "largest relative error accepted"}
    score = staticmethod(relaxed_accuracy)
