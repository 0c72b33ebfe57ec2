"""Benchmark definitions: names, sources, metrics, generation defaults."""

from __future__ import annotations

import json

import pytest

from eval_vqa.benchmarks import BENCHMARKS, BenchmarkSpec, get_benchmark
from eval_vqa.metrics import METRICS

PAPER_FOUR = ["stvqa", "textvqa", "docvqa", "infovqa"]


def test_all_six_benchmarks_are_defined_and_report_anls():
    for name in PAPER_FOUR + ["chartqa", "ocrvqa"]:
        spec = BENCHMARKS[name]
        assert "anls" in spec.metrics
        assert spec.primary_metric in spec.metrics
        assert all(m in METRICS for m in spec.metrics)


@pytest.mark.parametrize("name, hf, config, split, primary, tokens", [
    ("textvqa", "lmms-lab-encoder/textvqa", None, "validation", "vqa_accuracy", 10),
    ("docvqa", "lmms-lab-encoder/DocVQA", "DocVQA", "validation", "anls", 100),
    ("infovqa", "lmms-lab-encoder/DocVQA", "InfographicVQA", "validation", "anls", 100),
    ("stvqa", "lmms-lab-encoder/ST-VQA", None, "test", "anls", 10),
    ("chartqa", "lmms-lab-encoder/ChartQA", None, "test", "relaxed_accuracy", 100),
    ("ocrvqa", "howard-hou/OCR-VQA", None, "test", "exact_match", 100),
])
def test_sources_and_defaults(name, hf, config, split, primary, tokens):
    spec = get_benchmark(name)
    assert (spec.hf_path, spec.hf_config, spec.split) == (hf, config, split)
    assert spec.primary_metric == primary and spec.max_new_tokens == tokens
    assert spec.instruction


def test_names_are_case_and_spelling_tolerant():
    assert get_benchmark("ST-VQA").name == "stvqa"
    assert get_benchmark("InfographicVQA").name == "infovqa"
    assert get_benchmark(" TextVQA ").name == "textvqa"
    spec = get_benchmark("docvqa")
    assert get_benchmark(spec) is spec
    with pytest.raises(KeyError, match="unknown benchmark 'foo'; known: .*docvqa"):
        get_benchmark("foo")


def test_stvqa_says_its_test_split_is_unanswered():
    assert "no answers" in get_benchmark("stvqa").notes


def test_spec_validation_and_replace():
    with pytest.raises(ValueError, match="must include 'anls'"):
        BenchmarkSpec("x", None, None, "test", ("exact_match",), "exact_match", "", 10)
    with pytest.raises(ValueError, match="unknown metrics"):
        BenchmarkSpec("x", None, None, "test", ("anls", "bleu"), "anls", "", 10)
    with pytest.raises(ValueError, match="primary_metric"):
        BenchmarkSpec("x", None, None, "test", ("anls",), "exact_match", "", 10)
    spec = get_benchmark("docvqa").replace(split="test")
    assert spec.split == "test" and get_benchmark("docvqa").split == "validation"
    assert json.loads(json.dumps(spec.to_dict()))["hf_config"] == "DocVQA"
