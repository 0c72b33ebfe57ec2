"""The model's window is respected: without a budget of its own, an OCR variant gets what
the window leaves after the image, the template, the question and the answer's tokens."""

import os
from types import SimpleNamespace

import pytest

from eval_vqa.tiny_models import cached_model, make_ocr_result, render_text_image
from lmm_bridge import GenerationRequest, OCRAugmentedVLM, load_backend
from lmm_bridge.backends.hf import HFBackend
from lmm_bridge.backends.qwen_vl_chat import QwenVLChatBackend
from lmm_bridge.backends.tokenizer_info import window_length

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MAX_NEW = 12
QUESTION = "What is the total amount due?"


def long_page(n_lines: int = 120):
    """A page whose OCR text alone takes far more tokens than the windows below."""
    lines = [
        [
            (
                f"line {i} of the invoice: item number {1000 + i} costs {i}.50 euro",
                (10, 20 * i, 590, 20 * i + 16),
                0.9,
            )
        ]
        for i in range(n_lines)
    ]
    return make_ocr_result(lines, width=600, height=20 * n_lines)


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    path = tmp_path_factory.mktemp("img") / "page.png"
    render_text_image(["INVOICE 42"], path)
    return str(path)


@pytest.fixture(scope="module", params=["qwen-vl-chat", "qwen2vl"])
def model(request, tmp_path_factory):
    return request.param, str(cached_model(tmp_path_factory.getbasetemp(), request.param))


def fixed_tokens(vlm, image):
    """Tokens of the prompt without OCR context: image, template, question."""
    return vlm.backend.prompt_tokens(
        GenerationRequest.one_image(vlm.backend.prepare_image(image), QUESTION, MAX_NEW)
    )


@pytest.mark.parametrize("fmt", ["tokens", "lines", "boxes"])
def test_a_page_longer_than_the_window_is_cut_to_fit_it(model, image, fmt):
    _kind, path = model
    probe = OCRAugmentedVLM(path, ocr=None)
    window = fixed_tokens(probe, image) + MAX_NEW + 80
    vlm = OCRAugmentedVLM(path, ocr=None, context_window=window)
    assert vlm.backend.context_window == window
    prompt = vlm.prepare(image, QUESTION, long_page(), fmt, max_new_tokens=MAX_NEW)
    used = vlm.backend.prompt_tokens(GenerationRequest(prompt.message, MAX_NEW))
    assert used + MAX_NEW <= window
    assert prompt.context.budget is not None and prompt.context.budget <= 80
    assert prompt.context.dropped and prompt.context.kept > 0
    assert prompt.context.full_tokens > window


def test_the_prompt_tokens_are_what_the_model_is_given(model, image):
    kind, path = model
    vlm = OCRAugmentedVLM(path, ocr=None, context_window=600)
    prompt = vlm.prepare(image, QUESTION, long_page(8), "lines", max_new_tokens=MAX_NEW)
    request = GenerationRequest(prompt.message, MAX_NEW)
    backend = vlm.backend
    if kind == "qwen2vl":  # the image placeholder becomes the processor's image tokens
        assert isinstance(backend, HFBackend)
        given = len(backend._inputs([request])["input_ids"][0])
    else:
        assert isinstance(backend, QwenVLChatBackend)
        given = len(backend.token_ids(backend.query(request)))
    assert backend.prompt_tokens(request) == given


def test_a_variant_budget_below_the_window_is_kept(model, image):
    _, path = model
    vlm = OCRAugmentedVLM(path, ocr=None, context_window=2000)
    variant = {"name": "tight", "base": "lines", "budget_tokens": 40}
    prompt = vlm.prepare(image, QUESTION, long_page(), variant, max_new_tokens=MAX_NEW)
    assert prompt.context.budget == 40 and prompt.context.n_tokens <= 40


def test_more_answer_tokens_leave_less_room_for_context(model, image):
    _, path = model
    vlm = OCRAugmentedVLM(
        path, ocr=None, context_window=fixed_tokens(OCRAugmentedVLM(path, ocr=None), image) + 300
    )
    short = vlm.prepare(image, QUESTION, long_page(), "lines", max_new_tokens=10)
    long = vlm.prepare(image, QUESTION, long_page(), "lines", max_new_tokens=100)
    assert short.context.budget is not None
    assert long.context.budget == short.context.budget - 90


def test_the_window_is_read_off_the_model():
    qwen = SimpleNamespace(seq_length=2048, max_position_embeddings=8192)
    assert (
        window_length(
            qwen, SimpleNamespace(model_max_length=8192), ("seq_length", "max_position_embeddings")
        )
        == 2048
    )
    native = SimpleNamespace(max_position_embeddings=32768)
    # a tokenizer without a real limit says int(1e30): the config's length holds
    assert window_length(native, SimpleNamespace(model_max_length=int(1e30))) == 32768
    assert window_length(native, SimpleNamespace(model_max_length=4096)) == 4096
    assert window_length(SimpleNamespace(), SimpleNamespace()) is None


def test_the_tiny_models_report_their_windows(model):
    kind, path = model
    backend = load_backend(None, path)
    assert backend.context_window == (2048 if kind == "qwen-vl-chat" else 4096)
