"""The ``vllm`` backend, offline: a stand-in ``vllm`` module in ``sys.modules`` records what
the backend gives ``vllm.LLM`` and ``LLM.generate`` (vLLM itself pins a torch and
transformers this package cannot share an environment with)."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from test_runner import ALONE, config_dict, make_benchmark

from eval_vqa.config import ConfigError, load_config
from eval_vqa.console import main
from eval_vqa.log import read_records
from eval_vqa.runner import run
from eval_vqa.tiny_models import cached_model, make_ocr_result
from lmm_bridge import OCRAugmentedVLM
from lmm_bridge.backends import BackendError, load_backend
from lmm_bridge.backends.vllm_backend import MISSING_VLLM
from lmm_bridge.profiles import PROFILES


class FakeSamplingParams:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


class FakeLLM:
    """Records its arguments and every generate call; answers with the prompt's first OCR token."""

    last: FakeLLM | None = None

    def __init__(self, **kwargs: Any) -> None:
        from transformers import AutoTokenizer

        self.kwargs = kwargs
        self.calls: list[tuple[list[dict[str, Any]], list[FakeSamplingParams]]] = []
        self._tokenizer = AutoTokenizer.from_pretrained(
            kwargs["model"], trust_remote_code=kwargs["trust_remote_code"]
        )
        FakeLLM.last = self

    def get_tokenizer(self) -> Any:
        return self._tokenizer

    def generate(
        self, prompts: list[dict[str, Any]], sampling_params: Any = None, use_tqdm: bool = True
    ) -> list[Any]:
        self.calls.append((prompts, sampling_params))
        out = []
        for p in prompts:
            found = re.search(r'OCR_token: \["([^"]*)"', p["prompt"])
            out.append(
                types.SimpleNamespace(
                    outputs=[
                        types.SimpleNamespace(text=f" {found.group(1) if found else 'unknown'}")
                    ]
                )
            )
        return out


def last_llm() -> FakeLLM:
    """The fake engine the backend made last."""
    assert FakeLLM.last is not None
    return FakeLLM.last


@pytest.fixture
def fake_vllm(monkeypatch):
    module = types.ModuleType("vllm")
    module.__dict__.update(LLM=FakeLLM, SamplingParams=FakeSamplingParams)
    monkeypatch.setitem(sys.modules, "vllm", module)
    return module


@pytest.fixture(scope="module")
def qwen_folder(tmp_path_factory) -> str:
    return str(cached_model(tmp_path_factory.getbasetemp(), "qwen-vl-chat"))


def test_engine_arguments_reach_vllm_and_engine_options_win(fake_vllm, qwen_folder):
    load_backend(
        "vllm",
        qwen_folder,
        dtype="bfloat16",
        tensor_parallel_size=2,
        data_parallel_size=2,
        gpu_memory_utilization=0.5,
        max_model_len=4096,
        limit_mm_per_prompt={"image": 2},
        engine_options={"enforce_eager": True, "gpu_memory_utilization": 0.3},
    )
    assert last_llm().kwargs == {
        "model": qwen_folder,
        "trust_remote_code": True,
        "tensor_parallel_size": 2,
        "data_parallel_size": 2,
        "gpu_memory_utilization": 0.3,
        "max_model_len": 4096,
        "limit_mm_per_prompt": {"image": 2},
        "dtype": "bfloat16",
        "enforce_eager": True,
    }


def test_qwen_vl_chat_gets_the_qwen_vl_vqa_prompt_exactly_and_greedy_settings(
    fake_vllm, qwen_folder
):
    vlm = OCRAugmentedVLM(model=qwen_folder, backend="vllm", ocr=None)
    assert vlm.backend.prompt_profile == "qwen-vl-vqa" and vlm.backend.box_style == "qwen-vl"
    ocr = make_ocr_result([[("EXIT", (0, 0, 10, 10), 0.9), ("<img>", (12, 0, 20, 10), 0.9)]])
    answer = vlm.ask(
        Image.new("RGB", (64, 32), "white"),
        "What does the sign say?",
        variant="tokens",
        ocr_result=ocr,
        max_new_tokens=10,
    )
    assert answer.text == "exit"
    ((prompts, params),) = last_llm().calls
    sent = prompts[0]["prompt"]
    context = sent.split("\n", 1)[1].removesuffix(" Answer:")
    profile = PROFILES["qwen-vl-vqa"].template  # <img>{image}</img>{question}[\n{context}] Answer:
    expected = profile.replace("{image}", "").replace("{question}", "What does the sign say?")
    assert sent == expected.replace("[\\n{context}]", "\n" + context) == answer.prompt.full_prompt
    assert (
        context.startswith("OCR_token: [") and "<img>" not in context
    )  # OCR text cannot open a tag
    assert prompts[0]["multi_modal_data"]["image"].size == (64, 32)
    tokenizer = last_llm().get_tokenizer()
    ends = [tokenizer.convert_tokens_to_ids(t) for t in ("<|endoftext|>", "<|im_end|>")]
    assert params[0].kwargs == {
        "n": 1,
        "temperature": 0.0,
        "top_p": 1.0,
        "max_tokens": 10,
        "skip_special_tokens": True,
        "stop_token_ids": ends,
        "min_tokens": 1,
    }


def test_a_run_logs_the_prompt_vllm_was_given(fake_vllm, qwen_folder, tmp_path):
    source = make_benchmark(tmp_path / "data", n=3)
    config = load_config(
        config_dict(
            tmp_path,
            source,
            backend="vllm",
            model=qwen_folder,
            variants=["none", "tokens"],
            model_kwargs={"max_model_len": 2048},
        )
    )
    run(config, shard=ALONE, report=False)
    sent = [p["prompt"] for prompts, _ in last_llm().calls for p in prompts]
    logged = [
        r.variants[v].prompt for r in read_records(config.run_dir) for v in ("none", "tokens")
    ]
    assert sorted(sent) == sorted(logged) and len(sent) == 6
    assert all(p.startswith("<img></img>What does sign") and p.endswith(" Answer:") for p in sent)
    run_file = json.loads((config.run_dir / "run.json").read_text())
    assert run_file["backend"] == "vllm" and run_file["prompt_profile"]["name"] == "qwen-vl-vqa"


def test_other_models_get_their_chat_template(fake_vllm, tmp_path_factory):
    folder = str(cached_model(tmp_path_factory.getbasetemp(), "qwen2vl"))
    backend = load_backend("vllm", folder, system="Answer briefly.")
    assert (
        backend.prompt_profile == "short-answer" and last_llm().kwargs["trust_remote_code"] is False
    )
    from lmm_bridge.messages import GenerationRequest

    backend.generate(
        [GenerationRequest.one_image(Image.new("RGB", (32, 32)), "Which word?", max_new_tokens=5)]
    )
    ((prompts, params),) = last_llm().calls
    assert prompts[0]["prompt"].startswith("<|im_start|>system\nAnswer briefly.<|im_end|>")
    assert "<|vision_start|><|image_pad|><|vision_end|>Which word?" in prompts[0]["prompt"]
    assert params[0].kwargs == {
        "n": 1,
        "temperature": 0.0,
        "top_p": 1.0,
        "max_tokens": 5,
        "skip_special_tokens": True,
    }


def test_without_vllm_the_backend_fails_in_one_line(monkeypatch, qwen_folder, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "vllm", None)  # as if not installed
    with pytest.raises(BackendError) as info:
        load_backend("vllm", qwen_folder)
    assert str(info.value) == MISSING_VLLM
    source = make_benchmark(tmp_path / "data", n=2)
    path = tmp_path / "run.yaml"
    path.write_text(json.dumps(config_dict(tmp_path, source, backend="vllm", model=qwen_folder)))
    assert main(["eval", str(path)]) == 2
    err = capsys.readouterr().err
    assert MISSING_VLLM in err and "Traceback" not in err


@pytest.mark.parametrize(
    "kwargs, expect",
    [
        (
            {"tensor_parallel_size": 0},
            "tensor_parallel_size: Input should be greater than or equal to 1",
        ),
        (
            {"gpu_memory_utilization": 1.5},
            "gpu_memory_utilization: Input should be less than or equal to 1",
        ),
        ({"tensor_paralel_size": 2}, "tensor_paralel_size: unknown key"),
    ],
)
def test_bad_engine_options_are_one_line_at_config_load(tmp_path: Path, kwargs, expect):
    source = make_benchmark(tmp_path / "data", n=2)
    with pytest.raises(ConfigError, match=f"model_kwargs: vllm backend: {expect}"):
        load_config(
            config_dict(
                tmp_path, source, backend="vllm", model="Qwen/Qwen-VL-Chat", model_kwargs=kwargs
            )
        )


def test_a_model_without_an_image_processor_uses_its_tokenizers_template(
    fake_vllm, tmp_path_factory, monkeypatch
):
    import ocr_expert.engines.hf_models as hf_models

    def no_processor(*args: Any, **kwargs: Any) -> Any:
        raise OSError(
            "no preprocessor_config.json"
        )  # what transformers 5 says of a text-only model

    monkeypatch.setattr(hf_models, "load_processor", no_processor)
    folder = str(cached_model(tmp_path_factory.getbasetemp(), "qwen2vl"))

    def llm_whose_tokenizer_has(template: str | None) -> type[FakeLLM]:
        class LLM(FakeLLM):
            def __init__(self, **kwargs: Any) -> None:
                super().__init__(**kwargs)
                self._tokenizer.chat_template = template

        return LLM

    from lmm_bridge.messages import GenerationRequest, TextPart

    monkeypatch.setattr(
        fake_vllm,
        "LLM",
        llm_whose_tokenizer_has(
            "{% for m in messages %}{{ m['content'][0]['text'] }}{% endfor %}|"
        ),
    )
    backend = load_backend("vllm", folder)
    assert backend.render_prompt(GenerationRequest((TextPart("Hello?"),))) == "Hello?|"
    monkeypatch.setattr(fake_vllm, "LLM", llm_whose_tokenizer_has(None))
    with pytest.raises(BackendError, match="no processor or tokenizer with a chat template"):
        load_backend("vllm", folder)
