"""The shared body of the ``evaluate`` modules: per-sample metric, mean over samples."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import datasets
import evaluate

_INPUTS = """
Args:
    predictions: list of str, one answer per question.
    references: list of ground truths per question: a list of str, or one str.
    return_scores: also return the per-question scores under "scores" (default False).
    {options}
Returns:
    {{"{name}": mean score in [0, 1]}} (plus "scores" when asked).
"""


def _score_not_set(prediction: str, answers: list[str], **options: Any) -> float:
    raise NotImplementedError("a PerSampleModule subclass must set score")


class PerSampleModule(evaluate.Metric):
    """An ``evaluate.Metric`` whose score is the mean of a per-question function."""

    metric_name: ClassVar[str]
    description: ClassVar[str]
    citation: ClassVar[str] = ""
    #: keyword option -> what it does; its default is read off ``score``'s signature
    options: ClassVar[dict[str, str]] = {}

    # The per-question function, ``score(prediction, answers, **options) -> float``. Each
    # metric takes its own keyword options (threshold, tolerance...), hence ``...``.
    score: ClassVar[Callable[..., float]] = staticmethod(_score_not_set)

    def _info(self) -> evaluate.MetricInfo:
        defaults = inspect.signature(type(self).score).parameters
        option_doc = "\n    ".join(
            f"{k}: {v} (default {defaults[k].default})." for k, v in self.options.items()
        )
        return evaluate.MetricInfo(
            description=self.description,
            citation=self.citation,
            inputs_description=_INPUTS.format(name=self.metric_name, options=option_doc),
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Value("string"),
                        "references": datasets.Sequence(datasets.Value("string")),
                    }
                ),
                datasets.Features(
                    {
                        "predictions": datasets.Value("string"),
                        "references": datasets.Value("string"),
                    }
                ),
            ],
        )

    def _compute(
        self,
        predictions: list[str],
        references: list[Any],
        return_scores: bool = False,
        **options: Any,
    ) -> dict[str, Any]:
        unknown = set(options) - set(self.options)
        if unknown:
            raise TypeError(f"{self.metric_name}: unknown options {sorted(unknown)}")
        score: Callable[..., float] = type(self).score
        scores = [
            score(p, [r] if isinstance(r, str) else list(r), **options)
            for p, r in zip(predictions, references)
        ]
        out: dict[str, Any] = {self.metric_name: sum(scores) / len(scores) if scores else 0.0}
        if return_scores:
            out["scores"] = scores
        return out
