"""Prompt profiles: a Qwen-VL-Chat run in vqa mode gives the model exactly what Qwen-VL's
official ``eval_mm/evaluate_vqa.py`` gives it; LLaVA-style models get their short-answer
instruction; the profile used is in ``results.json``.

``official_*`` below is a double of the official script's prompt builder: its
``VQADataset.__getitem__`` (``'<img>{}</img>{} Answer:'.format(image, question)``) and its
``collate_fn`` (left padding, ``pad_token_id = tokenizer.eod_id``, ``padding='longest'``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval_vqa.config import ConfigError, load_config
from eval_vqa.runner import run
from eval_vqa.sharding import Shard
from eval_vqa.tiny_models import cached_model, render_text_image
from lmm_bridge import OCRAugmentedVLM
from lmm_bridge.backends.qwen_vl_chat import QwenVLChatBackend
from lmm_bridge.profiles import PROFILES, resolve_profile

ALONE = Shard(rank=0, world_size=1, device="cpu")
OFFICIAL_PROMPT = "<img>{}</img>{} Answer:"  # eval_mm/evaluate_vqa.py
SHORT = "Answer the question using a single word or phrase."


def official_item(line: dict[str, Any]) -> str:
    """``VQADataset.__getitem__`` of the official script, zero-shot."""
    return OFFICIAL_PROMPT.format(line["image"], line["question"])


def official_batch(tokenizer: Any, questions: list[str]) -> Any:
    """``collate_fn`` with the tokenizer set up as the official ``__main__`` sets it."""
    tokenizer.padding_side = "left"
    tokenizer.pad_token_id = tokenizer.eod_id
    return tokenizer(questions, return_tensors="pt", padding="longest")


@pytest.fixture(scope="module")
def qwen_model(tmp_path_factory) -> str:
    return str(cached_model(tmp_path_factory.getbasetemp(), "qwen-vl-chat"))


def benchmark(folder: Path) -> tuple[Path, list[dict[str, Any]]]:
    """Three rendered images of different sizes and question lengths (so the batch pads)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (word, question) in enumerate(
        [
            ("HELLO", "What is it?"),
            ("COFFEE", "What does the sign above the door say?"),
            ("TAXI", "Which word?"),
        ]
    ):
        path = folder / f"img_{i}.png"
        render_text_image([word], str(path), size=(240 + 40 * i, 120))
        rows.append(
            {
                "question_id": f"q{i}",
                "image": str(path),
                "question": question,
                "answers": [word.lower()] * 10,
                "ocr_tokens": [word, "OPEN"],
            }
        )
    source = folder / "val.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return source, rows


def config(tmp_path: Path, model: str, source: Path, **changes: Any) -> Any:
    data = {
        "name": "p",
        "model": model,
        "benchmarks": [{"name": "textvqa", "source": str(source)}],
        "variants": ["none", "tokens"],
        "ocr": {"engine": "dataset", "use_cache": False},
        "batch_size": 3,
        "output_dir": str(tmp_path / "run"),
        "progress": False,
        "report": {
            "bootstrap_samples": 100,
            "permutation_samples": 100,
            "html_samples": 0,
            "chart": False,
            "html": False,
        },
    }
    data.update(changes)
    return load_config(data)


def recorded_generate_inputs(vlm: OCRAugmentedVLM) -> list[dict[str, Any]]:
    """Every ``model.generate`` call's input ids and attention mask, as lists."""
    calls: list[dict[str, Any]] = []
    backend = vlm.backend
    assert isinstance(backend, QwenVLChatBackend)
    real = backend.model.generate

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(
            {
                "input_ids": kwargs["input_ids"].tolist(),
                "attention_mask": kwargs["attention_mask"].tolist(),
                "pad_token_id": kwargs["pad_token_id"],
            }
        )
        return real(*args, **kwargs)

    backend.model.generate = spy
    return calls


def test_qwen_vl_chat_baseline_is_the_official_eval_mm_input(tmp_path, qwen_model):
    source, rows = benchmark(tmp_path / "data")
    cfg = config(tmp_path, qwen_model, source, variants=["none"])
    vlm = OCRAugmentedVLM(model=qwen_model, ocr=None, variants=["none"], batch_size=3)
    calls = recorded_generate_inputs(vlm)
    run(cfg, shard=ALONE, vlm=vlm)

    official = [official_item(r) for r in rows]
    records = [
        json.loads(line) for line in (cfg.run_dir / "samples.jsonl").read_text().splitlines()
    ]
    assert [r["variants"]["none"]["prompt"] for r in records] == official
    backend = vlm.backend
    assert isinstance(backend, QwenVLChatBackend)
    expected = official_batch(backend.tokenizer, official)
    assert len(calls) == 1  # one padded batch of three, as the official loader makes it
    assert calls[0]["input_ids"] == expected.input_ids.tolist()
    assert calls[0]["attention_mask"] == expected.attention_mask.tolist()
    assert calls[0]["pad_token_id"] == backend.tokenizer.eod_id
    results = json.loads((cfg.run_dir / "results.json").read_text())
    assert results["run"]["prompt_profile"]["name"] == "qwen-vl-vqa"
    assert results["run"]["prompt_profile"]["use_instruction"] is False


def test_qwen_vl_chat_ocr_prompt_puts_the_tokens_after_the_question(tmp_path, qwen_model):
    source, rows = benchmark(tmp_path / "data")
    cfg = config(tmp_path, qwen_model, source)
    vlm = OCRAugmentedVLM(model=qwen_model, ocr=None, variants=["none", "tokens"], batch_size=3)
    run(cfg, shard=ALONE, vlm=vlm, report=False)
    records = [
        json.loads(line) for line in (cfg.run_dir / "samples.jsonl").read_text().splitlines()
    ]
    for row, rec in zip(rows, records):
        word = row["ocr_tokens"][0].lower()
        with_ocr = {**row, "question": f'{row["question"]}\nOCR_token: ["{word}", "open"]'}
        assert rec["variants"]["tokens"]["prompt"] == official_item(with_ocr)


def test_a_chosen_profile_overrides_the_model_family(tmp_path, qwen_model):
    source, rows = benchmark(tmp_path / "data")
    cfg = config(tmp_path, qwen_model, source, variants=["none"], prompt_profile="short-answer")
    vlm = OCRAugmentedVLM(model=qwen_model, ocr=None, variants=["none"], batch_size=3)
    run(cfg, shard=ALONE, vlm=vlm)
    first = json.loads((cfg.run_dir / "samples.jsonl").read_text().splitlines()[0])
    assert first["variants"]["none"]["prompt"] == official_item(
        {**rows[0], "question": f"{rows[0]['question']}\n{SHORT}"}
    )
    results = json.loads((cfg.run_dir / "results.json").read_text())
    assert results["run"]["prompt_profile"]["name"] == "short-answer"


def test_llava_style_backends_get_the_short_answer_instruction(tmp_path):
    source, rows = benchmark(tmp_path / "data")
    cfg = config(tmp_path, "echo", source, backend="test-echo", plugins=["test_runner"])
    run(cfg, shard=ALONE)
    records = [
        json.loads(line) for line in (cfg.run_dir / "samples.jsonl").read_text().splitlines()
    ]
    assert records[0]["variants"]["none"]["prompt"] == f"{rows[0]['question']}\n{SHORT}"
    assert records[0]["variants"]["tokens"]["prompt"] == (
        f'{rows[0]["question"]}\nOCR_token: ["hello", "open"]\n{SHORT}'
    )
    results = json.loads((cfg.run_dir / "results.json").read_text())
    assert results["run"]["prompt_profile"]["name"] == "short-answer"


def test_a_benchmark_instruction_wins_and_an_empty_one_removes_it(tmp_path):
    source, rows = benchmark(tmp_path / "data")
    cfg = config(
        tmp_path,
        "echo",
        source,
        backend="test-echo",
        plugins=["test_runner"],
        benchmarks=[{"name": "textvqa", "source": str(source), "instruction": ""}],
    )
    run(cfg, shard=ALONE, report=False)
    first = json.loads((cfg.run_dir / "samples.jsonl").read_text().splitlines()[0])
    assert first["variants"]["none"]["prompt"] == rows[0]["question"]


def test_unknown_profiles_are_refused_by_name(tmp_path):
    source, _ = benchmark(tmp_path / "data")
    with pytest.raises(ConfigError, match="prompt_profile: unknown prompt profile 'qwen'"):
        config(tmp_path, "echo", source, prompt_profile="qwen")
    assert resolve_profile("auto").name == "short-answer"
    assert set(PROFILES) == {"qwen-vl-vqa", "short-answer", "plain"}


def test_the_seed_config_uses_the_model_familys_profile():
    cfg = load_config("seed_table5")
    assert cfg.prompt_profile == "auto" and cfg.model == "Qwen/Qwen-VL-Chat"
