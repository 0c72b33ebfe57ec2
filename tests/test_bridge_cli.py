"""``ocrvqa ask`` end to end: real PP-OCR engine, tiny models, a rendered image."""

import argparse
import json
import os

import pytest

from eval_vqa.tiny_models import cached_model, render_text_image
from lmm_bridge import cli

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def ocrvqa(*argv: str) -> int:
    """Parse and run as the ``ocrvqa`` entry point does with this package's subcommands."""
    parser = argparse.ArgumentParser(prog="ocrvqa")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


def ask(image: str, model: str, *flags: str, question: str = "What shop is this?") -> int:
    """``ocrvqa ask IMAGE QUESTION --model MODEL FLAGS...``: its exit code."""
    return ocrvqa("ask", image, question, "--model", model, *flags)


@pytest.fixture(autouse=True)
def caches(tmp_path, monkeypatch):
    monkeypatch.setenv("OCRVQA_CACHE", str(tmp_path / "ocr-cache"))
    monkeypatch.setenv("OCRVQA_IMAGE_DIR", str(tmp_path / "images"))


@pytest.fixture(scope="module")
def sign(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "sign.png"
    render_text_image(["BAKERY"], path, size=(360, 120), font_size=48)
    return str(path)


@pytest.fixture(scope="module", params=["qwen-vl-chat", "qwen2vl"])
def model(request, tmp_path_factory):
    return str(cached_model(tmp_path_factory.getbasetemp(), request.param))


@pytest.fixture(scope="module")
def qwen(tmp_path_factory):
    return str(cached_model(tmp_path_factory.getbasetemp(), "qwen-vl-chat"))


@pytest.fixture(scope="module")
def qwen2vl(tmp_path_factory):
    return str(cached_model(tmp_path_factory.getbasetemp(), "qwen2vl"))


def test_ask_shows_prompt_with_ocr_and_answers(qwen, sign, capsys):
    assert ask(sign, qwen, "--show-prompt", "--max-new-tokens", "4") == 0
    out = capsys.readouterr().out
    prompt, answer = out.split("--- answer ---\n")
    assert 'What shop is this?\nOCR_token: ["bakery"]' in prompt
    assert "variant tokens" in prompt
    assert answer.endswith("\n")


def test_ask_json_records_prompt_and_timings(qwen2vl, sign, capsys):
    assert ask(sign, qwen2vl, "--variant", "lines", "--max-new-tokens", "3", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert "OCR text:\nBAKERY" in data["prompt"]
    assert data["variant"] == "lines" and data["ocr_text"] == "BAKERY"
    assert isinstance(data["answer"], str)


def test_no_ocr_leaves_the_question_alone(qwen, sign, capsys):
    assert ask(sign, qwen, "--no-ocr", "--json", "--max-new-tokens", "3") == 0
    data = json.loads(capsys.readouterr().out)
    assert "image_path" not in data  # the prompt holds the path Qwen-VL-Chat was given
    assert f"<img>{sign}</img>\nWhat shop is this?<|im_end|>" in data["prompt"]
    assert "OCR" not in data["prompt"]
    assert data["ocr_text"] is None


def test_stream_prints_the_same_answer(model, sign, capsys):
    assert ask(sign, model, "--max-new-tokens", "4", "--json") == 0
    answer = json.loads(capsys.readouterr().out)["answer"]
    assert ask(sign, model, "--max-new-tokens", "4", "--stream") == 0
    streamed = capsys.readouterr().out
    assert streamed.rstrip() == answer


def test_bad_inputs_exit_2_with_a_named_error(tmp_path, capsys):
    model = str(tmp_path / "nowhere")
    assert ask("missing.png", model, question="Q?") == 2
    assert "nowhere" in capsys.readouterr().err
    assert ask("missing.png", "x", "--backend", "nope", question="Q?") == 2
    assert "unknown backend 'nope'" in capsys.readouterr().err


def test_missing_image_is_named(qwen2vl, capsys):
    assert ask("missing.png", qwen2vl, question="Q?") == 2
    assert "missing.png" in capsys.readouterr().err


def test_select_question_keeps_the_line_the_question_names(qwen2vl, tmp_path, capsys):
    path = tmp_path / "notice.png"
    render_text_image(
        ["OPENING HOURS", "MONDAY CLOSED", "TUESDAY 9 TO 5", "PHONE 5550142"],
        path,
        size=(520, 260),
        font_size=36,
    )
    prompts = {}
    for select in ("confidence", "question"):
        assert (
            ask(
                str(path),
                qwen2vl,
                "--variant",
                "lines",
                "--budget",
                "20",
                "--select",
                select,
                "--max-new-tokens",
                "2",
                "--json",
                question="What is the phone?",
            )
            == 0
        )
        prompts[select] = json.loads(capsys.readouterr().out)["prompt"]
    assert "5550142" in prompts["question"] and "5550142" not in prompts["confidence"]
