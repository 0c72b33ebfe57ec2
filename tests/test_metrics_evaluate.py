"""The evaluate modules load from their local scripts offline and agree with the functions."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_EVALUATE_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import evaluate

from eval_vqa.metric_modules import MODULE_NAMES, module_path
from eval_vqa.metrics import METRICS

PREDICTIONS = ["2041.", "Coke", "95.1", " Tiny Tales ", "nothing"]
REFERENCES = [
    ["Invoice 2041", "2041"],
    ["coke"] * 3 + ["coca cola"] * 7,
    ["100"],
    ["tiny tales"],
    ["something"],
]


@pytest.mark.parametrize("name", MODULE_NAMES)
def test_module_loads_offline_and_matches_the_function(name):
    module = evaluate.load(module_path(name))
    assert isinstance(module, evaluate.EvaluationModule)
    out = module.compute(predictions=PREDICTIONS, references=REFERENCES, return_scores=True)
    expected = [METRICS[name](p, r) for p, r in zip(PREDICTIONS, REFERENCES)]
    assert out["scores"] == expected
    assert out[name] == sum(expected) / len(expected)


def test_options_pass_through_and_single_string_references():
    anls = evaluate.load(module_path("anls"))
    assert anls.compute(predictions=["abcd"], references=["abef"]) == {"anls": 0.5}
    assert anls.compute(predictions=["abcd"], references=["abef"], threshold=0.6) == {"anls": 0.0}
    relaxed = evaluate.load(module_path("relaxed_accuracy"))
    assert relaxed.compute(predictions=["95.1"], references=[["100"]])["relaxed_accuracy"] == 1.0
    assert (
        relaxed.compute(predictions=["95.1"], references=[["100"]], tolerance=0.04)[
            "relaxed_accuracy"
        ]
        == 0.0
    )
    with pytest.raises(TypeError, match="unknown options"):
        anls.compute(predictions=["a"], references=["a"], tolerance=0.1)


def test_unknown_module_name():
    with pytest.raises(KeyError, match="available: anls"):
        module_path("bleu")
