"""Benchmark definitions: names, sources, metrics, generation defaults."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from eval_vqa.benchmarks import (
    ALIASES,
    BENCHMARKS,
    MINI_DIR,
    BenchmarkFileError,
    BenchmarkSpec,
    get_benchmark,
    load_benchmark_file,
)
from eval_vqa.metrics import METRICS

PAPER_FOUR = ["stvqa", "textvqa", "docvqa", "infovqa"]


def test_all_six_benchmarks_are_defined_and_report_anls():
    for name in PAPER_FOUR + ["chartqa", "ocrvqa"]:
        spec = BENCHMARKS[name]
        assert "anls" in spec.metrics
        assert spec.primary_metric in spec.metrics
        assert all(m in METRICS for m in spec.metrics)


@pytest.mark.parametrize(
    "name, hf, config, split, primary, tokens",
    [
        ("textvqa", "lmms-lab-encoder/textvqa", None, "validation", "vqa_accuracy", 10),
        ("docvqa", "lmms-lab-encoder/DocVQA", "DocVQA", "validation", "anls", 100),
        ("infovqa", "lmms-lab-encoder/DocVQA", "InfographicVQA", "validation", "anls", 100),
        ("stvqa", "lmms-lab-encoder/ST-VQA", None, "test", "anls", 10),
        ("chartqa", "lmms-lab-encoder/ChartQA", None, "test", "relaxed_accuracy", 100),
        ("ocrvqa", "howard-hou/OCR-VQA", None, "test", "exact_match", 100),
    ],
)
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


def _spec(**changes):
    keys = dict(
        name="x",
        split="test",
        metrics=("anls",),
        primary_metric="anls",
        instruction="",
        max_new_tokens=10,
    )
    return BenchmarkSpec(**{**keys, **changes})


def test_spec_validation_and_replace():
    with pytest.raises(ValueError, match="must include 'anls'"):
        _spec(metrics=("exact_match",), primary_metric="exact_match")
    with pytest.raises(ValueError, match="unknown metrics"):
        _spec(metrics=("anls", "bleu"))
    with pytest.raises(ValueError, match="primary_metric"):
        _spec(primary_metric="exact_match")
    with pytest.raises(ValueError, match="max_new_tokens"):
        _spec(max_new_tokens=0)
    with pytest.raises(ValueError, match="hf_pth"):
        _spec(hf_pth="a/b")
    with pytest.raises(ValueError, match="frozen"):
        _spec().split = "train"
    with pytest.raises(ValueError, match="must include 'anls'"):
        get_benchmark("docvqa").replace(metrics=("exact_match",))
    spec = get_benchmark("docvqa").replace(split="test")
    assert spec.split == "test" and get_benchmark("docvqa").split == "validation"
    assert json.loads(json.dumps(spec.to_dict()))["hf_config"] == "DocVQA"


def test_loaded_specs_equal_the_definitions_they_replace():
    """Every field of every shipped benchmark, as the Python definitions before the YAML
    files gave them (default sources relative to the mini folder)."""
    assert sorted(BENCHMARKS) == sorted(SPECS_BEFORE_YAML)
    for name, expected in SPECS_BEFORE_YAML.items():
        got = BENCHMARKS[name].to_dict()
        got.pop("aliases")
        assert got.pop("revision") is None  # no shipped benchmark pins a commit yet
        if got["default_source"] is not None:
            got["default_source"] = str(Path(got["default_source"]).relative_to(MINI_DIR))
        assert got == expected, name
    assert ALIASES == ALIASES_BEFORE_YAML
    source = get_benchmark("mini_scene").default_source
    assert source is not None and Path(source).is_file()


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_yaml_file_adds_a_benchmark_with_chained_includes(tmp_path):
    _write(
        tmp_path,
        "_base.yaml",
        """\
        metrics: [anls, exact_match]
        primary_metric: exact_match
        instruction: Answer briefly.
        max_new_tokens: 20
        split: test
        """,
    )
    _write(
        tmp_path,
        "_mid.yaml",
        """\
        include: _base.yaml
        max_new_tokens: 30
        fields: {question: q}
        """,
    )
    path = _write(
        tmp_path,
        "mine.yaml",
        """\
        include: _mid.yaml
        name: my_bench
        aliases: [My-Bench]
        max_new_tokens: 40
        default_source: data/mine.jsonl
        """,
    )
    try:
        spec = load_benchmark_file(path)
        assert get_benchmark("my-bench") is spec is BENCHMARKS["my_bench"]
        # the including file wins; the included ones fill in the rest, down the chain
        assert spec.max_new_tokens == 40 and spec.fields == {"question": "q"}
        assert spec.metrics == ("anls", "exact_match") and spec.instruction == "Answer briefly."
        assert spec.default_source == str(tmp_path / "data" / "mine.jsonl")
    finally:
        BENCHMARKS.pop("my_bench", None)
        ALIASES.pop("my-bench", None)


def test_bad_benchmark_files_name_the_file_and_the_key(tmp_path):
    _write(tmp_path, "loop_a.yaml", "include: loop_b.yaml\nname: a\n")
    _write(tmp_path, "loop_b.yaml", "include: loop_a.yaml\n")
    with pytest.raises(
        BenchmarkFileError,
        match=r"loop_a.yaml: circular include: loop_a.yaml -> loop_b.yaml -> loop_a.yaml",
    ):
        load_benchmark_file(tmp_path / "loop_a.yaml")
    _write(tmp_path, "lost.yaml", "include: _nowhere.yaml\nname: lost\n")
    with pytest.raises(
        BenchmarkFileError, match=r"lost.yaml: include: no such file '_nowhere.yaml'"
    ):
        load_benchmark_file(tmp_path / "lost.yaml")
    bad = _write(
        tmp_path,
        "bad.yaml",
        """\
        include: _default.yaml
        name: bad
        split: test
        metricz: [anls]
        primary_metric: exact_match
        """,
    )
    with pytest.raises(BenchmarkFileError) as info:
        load_benchmark_file(bad)
    message = str(info.value)
    assert message.startswith(f"{bad}: invalid benchmark definition")
    assert "metricz: unknown key" in message
    assert (
        "primary_metric: primary_metric 'exact_match' is not among its metrics ['anls']" in message
    )
    assert "bad" not in BENCHMARKS
    _write(tmp_path, "list.yaml", "- a\n")
    with pytest.raises(BenchmarkFileError, match="list.yaml: expected a mapping"):
        load_benchmark_file(tmp_path / "list.yaml")


#: what a spec holds unless it says otherwise
SPEC_DEFAULTS: dict[str, Any] = {
    "hf_path": None,
    "hf_config": None,
    "split": "test",
    "instruction": "Answer the question using a single word or phrase.",
    "fields": {},
    "explode": False,
    "default_source": None,
    "alternatives": [],
    "notes": "",
    "hf_fallbacks": [],
    "derived_splits": {},
    "part_field": None,
    "part_titles": {},
}


def _spec_dict(
    name: str, title: str, metrics: list[str], primary: str, max_new_tokens: int, **other
):
    """A benchmark's full ``to_dict()``: the defaults, then what it sets."""
    return {
        **SPEC_DEFAULTS,
        "name": name,
        "title": title,
        "metrics": metrics,
        "primary_metric": primary,
        "max_new_tokens": max_new_tokens,
        **other,
    }


SPECS_BEFORE_YAML: dict[str, dict[str, Any]] = {
    "stvqa": _spec_dict(
        "stvqa",
        "ST-VQA",
        ["anls", "vqa_accuracy"],
        "anls",
        10,
        hf_path="lmms-lab-encoder/ST-VQA",
        alternatives=[
            "danjacobellis/stvqa_task1 (split=val: the fixed held-out part of its train split)",
            "a local jsonl converted from ST-VQA's train_task_3.json",
        ],
        notes="ST-VQA's public test split has no answers; score the fixed held-out part of a "
        "train copy: source=danjacobellis/stvqa_task1 split=val, or a local "
        "jsonl/parquet.",
        hf_fallbacks=["lmms-lab/ST-VQA"],
        derived_splits={
            "val": {
                "base": "train",
                "size": 2600,
                "seed": 20240501,
                "why": "ST-VQA's test answers are withheld: a fixed "
                "2,600-question (about 10 %) draw from the train "
                "split, by question id, seed 20240501",
            }
        },
    ),
    "textvqa": _spec_dict(
        "textvqa",
        "TextVQA",
        ["anls", "vqa_accuracy"],
        "vqa_accuracy",
        10,
        hf_path="lmms-lab-encoder/textvqa",
        split="validation",
        fields={
            "question_id": "question_id",
            "question": "question",
            "image": "image",
            "answers": "answers",
            "ocr_tokens": "ocr_tokens",
        },
        hf_fallbacks=["lmms-lab/textvqa"],
    ),
    "docvqa": _spec_dict(
        "docvqa",
        "DocVQA",
        ["anls"],
        "anls",
        100,
        hf_path="lmms-lab-encoder/DocVQA",
        hf_config="DocVQA",
        split="validation",
        fields={
            "question_id": "questionId",
            "question": "question",
            "image": "image",
            "answers": "answers",
        },
        hf_fallbacks=["lmms-lab/DocVQA"],
    ),
    "chartqa": _spec_dict(
        "chartqa",
        "ChartQA",
        ["anls", "relaxed_accuracy"],
        "relaxed_accuracy",
        100,
        hf_path="lmms-lab-encoder/ChartQA",
        fields={"question": "question", "image": "image", "answers": "answer"},
        hf_fallbacks=["lmms-lab/ChartQA"],
        part_field="type",
        part_titles={
            "human_test": "human",
            "augmented_test": "augmented",
            "human": "human",
            "augmented": "augmented",
        },
    ),
    "ocrvqa": _spec_dict(
        "ocrvqa",
        "OCR-VQA",
        ["anls", "exact_match"],
        "exact_match",
        100,
        hf_path="howard-hou/OCR-VQA",
        fields={
            "question_id": "image_id",
            "question": "questions",
            "image": "image",
            "answers": "answers",
            "ocr_tokens": "ocr_tokens",
        },
        explode=True,
    ),
    "mini_scene": _spec_dict(
        "mini_scene",
        "Mini scene text",
        ["anls", "vqa_accuracy"],
        "anls",
        10,
        default_source="scene.jsonl",
        notes="Bundled: rendered signs and labels, short answers, 10 answers per question.",
    ),
    "mini_doc": _spec_dict(
        "mini_doc",
        "Mini documents",
        ["anls"],
        "anls",
        100,
        default_source="doc.jsonl",
        notes="Bundled: rendered document pages, longer answers.",
    ),
}

# InfographicVQA shares DocVQA's repository and fields: another config of the same data set
SPECS_BEFORE_YAML["infovqa"] = {
    **SPECS_BEFORE_YAML["docvqa"],
    "name": "infovqa",
    "hf_config": "InfographicVQA",
    "title": "InfographicVQA",
}

ALIASES_BEFORE_YAML = {
    "st-vqa": "stvqa",
    "st_vqa": "stvqa",
    "text-vqa": "textvqa",
    "text_vqa": "textvqa",
    "doc-vqa": "docvqa",
    "doc_vqa": "docvqa",
    "infographicvqa": "infovqa",
    "info-vqa": "infovqa",
    "info_vqa": "infovqa",
    "chart-qa": "chartqa",
    "chart_qa": "chartqa",
    "ocr-vqa": "ocrvqa",
    "ocr_vqa": "ocrvqa",
    "mini-scene": "mini_scene",
    "mini-doc": "mini_doc",
}
