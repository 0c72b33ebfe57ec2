"""Backends load real checkpoints the way users load them and answer greedily, batched."""

import json
import os

import pytest
from PIL import Image

from eval_vqa.tiny_models import cached_model, render_text_image
from lmm_bridge import (
    BACKENDS,
    Backend,
    BackendError,
    GenerationRequest,
    ImagePart,
    TextPart,
    load_backend,
    register_backend,
)
from lmm_bridge.backends import get_backend_class, infer_backend
from lmm_bridge.backends.base import PretrainedBackend
from ocrvqa.devices import resolve_device

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backend-images")
    specs = [
        (["HELLO 42"], (480, 160)),
        (["shop open", "coffee"], (300, 300)),
        (["Invoice", "Total 12.50", "Due today"], (400, 520)),
    ]
    paths = []
    for i, (lines, size) in enumerate(specs):
        paths.append(str(folder / f"{i}.png"))
        render_text_image(lines, paths[-1], size=size)
    return paths


def requests(images, max_new_tokens=6):
    texts = ["What is it?", "What does the sign say about the long text here, please?", "Total?"]
    return [GenerationRequest.one_image(p, t, max_new_tokens) for p, t in zip(images, texts)]


@pytest.fixture(scope="module")
def qwen(tmp_path_factory):
    return load_backend(
        None,
        str(cached_model(tmp_path_factory.getbasetemp(), "qwen-vl-chat")),
        batch_size=2,
        image_dir=tmp_path_factory.mktemp("qwen-images"),
    )


@pytest.fixture(scope="module")
def qwen2vl(tmp_path_factory):
    return load_backend(
        None, str(cached_model(tmp_path_factory.getbasetemp(), "qwen2vl")), batch_size=2
    )


def test_backend_follows_model_type_in_config(tmp_path_factory, qwen, qwen2vl):
    base = tmp_path_factory.getbasetemp()
    assert infer_backend(str(cached_model(base, "qwen-vl-chat"))) == "qwen-vl-chat"
    assert infer_backend(str(cached_model(base, "qwen2vl"))) == "hf"
    assert qwen.name == "qwen-vl-chat" and qwen2vl.name == "hf"


def test_qwen_vl_chat_precision_flag_follows_the_device(qwen):
    import torch

    flag = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[qwen.dtype]
    assert qwen.dtype == resolve_device()[1]
    assert getattr(qwen.model.config, flag) is True
    assert next(qwen.model.parameters()).dtype == qwen.dtype


def test_qwen_vqa_prompt_is_the_official_one(qwen, images):
    req = GenerationRequest.one_image(images[0], "What is it?")
    assert qwen.render_prompt(req) == f"<img>{images[0]}</img>What is it? Answer:"


def test_qwen_vqa_batched_equals_one_by_one(qwen, images):
    reqs = requests(images)
    batched = qwen.generate(reqs)  # batch_size 2: a padded batch of two, then one
    single = [qwen.generate([r])[0] for r in reqs]
    assert batched == single
    assert len(set(batched)) > 1  # answers depend on the input


def test_qwen_chat_mode_uses_chatml_and_matches_its_stream(qwen, images):
    req = GenerationRequest.one_image(images[1], "Read the sign.", 6)
    qwen.mode = "chat"
    try:
        prompt = qwen.render_prompt(req)
        answer = qwen.generate([req])[0]
        streamed = "".join(qwen.stream(req))
    finally:
        qwen.mode = "vqa"
    assert prompt == (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        f"<|im_start|>user\nPicture 1: <img>{images[1]}</img>\nRead the sign."
        "<|im_end|>\n<|im_start|>assistant\n"
    )
    assert answer
    assert streamed == answer


def test_qwen_chat_answer_is_model_chat_with_every_token(qwen, images):
    """model.chat leaves out the last token of an answer cut at max_new_tokens; the
    backend runs model.chat and keeps it."""
    req = GenerationRequest.one_image(images[0], "Read it.", 5)
    qwen.mode = "chat"
    try:
        answer = qwen.generate([req])[0]
        response, _ = qwen.model.chat(
            qwen.tokenizer,
            qwen.query(req),
            history=None,
            max_new_tokens=5,
            do_sample=False,
            top_p=None,
            top_k=None,
        )
    finally:
        qwen.mode = "vqa"
    assert answer.startswith(response.strip()) and answer != response.strip()


def test_qwen_control_strings_come_from_its_tokenizer(qwen):
    strings = set(qwen.control_strings)
    assert {"<img>", "</img>", "<imgpad>", "<|im_end|>", "<|extra_204|>"} <= strings
    # Encoding a bare "<img>" raises in Qwen-VL's tokenizer; the ids are still found.
    with pytest.raises(ValueError, match="Unclosed image token"):
        qwen.tokenizer.encode("<img>")
    assert qwen.tokenizer.convert_tokens_to_ids("<img>") in qwen.control_token_ids()


def test_qwen_generated_lone_image_tag_decodes(qwen):
    img = qwen.tokenizer.convert_tokens_to_ids("<img>")
    ids = qwen.tokenizer.encode("total") + [img] + qwen.tokenizer.encode(" 42")
    with pytest.raises(ValueError, match="Unclosed image token"):
        qwen.tokenizer.decode(ids, skip_special_tokens=True)
    assert qwen.decode(ids) == "total 42"


def test_qwen_writes_a_readable_copy_of_paths_it_cannot_read_back(qwen, images, tmp_path):
    import shutil

    room = 255 - len(str(tmp_path).encode()) - len("/.png")
    too_long = tmp_path / ("f" * room + ".png")  # 255 bytes: the model cannot find its end
    decomposed = tmp_path / "cafe\u0301.png"  # the tokenizer would NFC-normalize the path
    for path in (too_long, decomposed):
        shutil.copy(images[0], path)
        prompt = qwen.render_prompt(GenerationRequest.one_image(str(path), "q"))
        stored = prompt.removeprefix("<img>").split("</img>")[0]
        assert stored != str(path) and stored.endswith(".png") and len(stored.encode()) <= 254
        assert Image.open(stored).tobytes() == Image.open(images[0]).convert("RGB").tobytes()


def test_qwen_takes_images_in_memory_and_several_per_message(qwen, images):
    pil = Image.open(images[0])
    from_memory = GenerationRequest.one_image(pil, "What is it?", 4)
    assert qwen.generate([from_memory]) == qwen.generate(
        [GenerationRequest.one_image(images[0], "What is it?", 4)]
    )
    two = GenerationRequest(
        (ImagePart(images[0]), TextPart("and"), ImagePart(images[1]), TextPart(" Same?"))
    )
    assert (
        qwen.render_prompt(two) == f"<img>{images[0]}</img>and<img>{images[1]}</img> Same? Answer:"
    )
    qwen.mode = "chat"
    try:
        assert (
            f"Picture 1: <img>{images[0]}</img>\nandPicture 2: <img>{images[1]}</img>\n Same?"
            in qwen.render_prompt(two)
        )
    finally:
        qwen.mode = "vqa"


def test_qwen_answers_about_an_image_at_the_longest_path(qwen, images, tmp_path):
    """254 bytes is the longest path the model reads back from its image span."""
    import shutil

    room = 254 - len(str(tmp_path).encode()) - len("/.png")
    assert 0 < room < 250, "pytest's temporary folder leaves room for one file name"
    path = tmp_path / ("f" * room + ".png")
    shutil.copy(images[0], path)
    assert len(str(path).encode()) == 254
    long_req = GenerationRequest.one_image(str(path), "What is it?", 4)
    assert qwen.generate([long_req]) == qwen.generate(
        [GenerationRequest.one_image(images[0], "What is it?", 4)]
    )
    # One byte more: the tokenizer still takes it, the model cannot find where it ends.
    longer = str(path)[:-4] + "g.png"
    ids = qwen.tokenizer(f"<img>{longer}</img>What is it? Answer:", return_tensors="pt")
    with pytest.raises(ValueError):
        qwen.model.generate(**ids, max_new_tokens=1)


def test_hf_batched_equals_one_by_one(qwen2vl, images):
    reqs = requests(images)
    batched = qwen2vl.generate(reqs)
    single = [qwen2vl.generate([r])[0] for r in reqs]
    assert batched == single
    assert len(set(batched)) > 1


def test_hf_mixed_answer_lengths_in_one_call(qwen2vl, images):
    reqs = [
        GenerationRequest.one_image(images[0], "Q", 2),
        GenerationRequest.one_image(images[1], "Q", 6),
    ]
    answers = qwen2vl.generate(reqs)
    assert answers == [qwen2vl.generate([r])[0] for r in reqs]


def test_hf_prompt_comes_from_the_chat_template(qwen2vl, images):
    prompt = qwen2vl.render_prompt(GenerationRequest.one_image(images[0], "What is it?"))
    assert prompt.endswith(
        "<|vision_start|><|image_pad|><|vision_end|>What is it?<|im_end|>\n<|im_start|>assistant\n"
    )
    assert qwen2vl.tokenizer.padding_side == "left"


def test_hf_stream_yields_the_generated_answer(qwen2vl, images):
    req = GenerationRequest.one_image(images[2], "Total?", 6)
    assert "".join(qwen2vl.stream(req)).rstrip() == qwen2vl.generate([req])[0]


def test_hf_processor_options_bound_the_image_tokens(qwen2vl, images, tmp_path_factory):
    from lmm_bridge.backends.hf import HFBackend

    folder = str(cached_model(tmp_path_factory.getbasetemp(), "qwen2vl"))
    small = HFBackend(folder, processor_options={"max_pixels": 28 * 28 * 4})
    req = GenerationRequest.one_image(images[2], "Total?", 2)  # a 400x520 page
    pad = qwen2vl.tokenizer.convert_tokens_to_ids("<|image_pad|>")

    def image_tokens(backend):
        return int((backend._inputs([req])["input_ids"] == pad).sum())

    # At most max_pixels / (28 * 28) image tokens (one per merged 2x2 block of 14 px patches).
    assert image_tokens(small) <= 4 < image_tokens(qwen2vl)
    assert isinstance(small.generate([req])[0], str)


def test_hf_decodes_images_given_in_memory_as_it_reads_files(qwen2vl, images):
    with open(images[2], "rb") as f:
        raw = f.read()
    answers = [
        qwen2vl.generate([GenerationRequest.one_image(image, "Total?", 4)])[0]
        for image in (images[2], raw, Image.open(images[2]))
    ]
    assert answers[0] == answers[1] == answers[2]


def test_hf_message_parts_keep_their_order(qwen2vl, images):
    two = GenerationRequest(
        (TextPart("Compare"), ImagePart(images[0]), ImagePart(images[1]), TextPart("Same?")), 2
    )
    prompt = qwen2vl.render_prompt(two)
    vision = "<|vision_start|><|image_pad|><|vision_end|>"
    assert f"Compare{vision}{vision}Same?<|im_end|>" in prompt
    pad = qwen2vl.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    one = qwen2vl._inputs([GenerationRequest.one_image(images[0], "Q")])
    both = qwen2vl._inputs([two])
    assert int((both["input_ids"] == pad).sum()) > int((one["input_ids"] == pad).sum())
    assert isinstance(qwen2vl.generate([two])[0], str)


def test_hf_control_strings_are_read_off_the_tokenizer(qwen2vl):
    assert {"<|image_pad|>", "<|vision_start|>", "<|im_start|>"} <= set(qwen2vl.control_strings)


def test_registry_takes_new_backends_and_module_paths(tmp_path):
    @register_backend("echo-test")
    class Echo(Backend):
        def generate(self, requests):
            return [r.text for r in requests]

        def count_tokens(self, text):
            return len(text.split())

    try:
        assert load_backend("echo-test", None).generate(
            [GenerationRequest.one_image("x", "hi")]
        ) == ["hi"]
        assert get_backend_class("lmm_bridge.backends.hf:HFBackend") is BACKENDS["hf"]
    finally:
        BACKENDS.pop("echo-test")


@pytest.mark.parametrize(
    "name, message",
    [
        ("no-such-backend", "unknown backend 'no-such-backend'"),
        ("os.path:join", "not a Backend subclass"),
        ("no_such_module:X", "cannot import backend"),
    ],
)
def test_unknown_backends_are_named(name, message):
    with pytest.raises(BackendError, match=message):
        load_backend(name, None)


@pytest.mark.parametrize("name", ["hf", "qwen-vl-chat"])
def test_backends_that_load_weights_refuse_a_missing_model(name):
    # Without the check, from_pretrained(None) failed with a hub connection error.
    with pytest.raises(BackendError, match=f"the '{name}' backend needs a model"):
        load_backend(name, None, device="cpu")


@pytest.mark.parametrize(
    "name, options, message",
    [
        (
            "hf",
            {"attn_implementation": "sdpa"},
            "hf backend options: attn_implementation: unknown key",
        ),
        ("hf", {"batch_size": 0}, "batch_size: Input should be greater than or equal to 1"),
        ("qwen-vl-chat", {"mode": "talk"}, "mode: Input should be 'vqa' or 'chat'"),
        ("qwen-vl-chat", {"processor_options": {}}, "processor_options: unknown key"),
    ],
)
def test_backend_options_are_checked_before_loading(name, options, message):
    with pytest.raises(BackendError, match=message):
        load_backend(name, "/no/such/model", device="cpu", **options)


def test_model_options_reach_from_pretrained_and_win(tmp_path_factory, monkeypatch):
    from transformers import AutoModelForImageTextToText

    seen = {}
    real = AutoModelForImageTextToText.from_pretrained

    def spy(path, **kwargs):
        seen.update(kwargs)
        return real(path, **{**kwargs, "attn_implementation": "eager"})

    monkeypatch.setattr(AutoModelForImageTextToText, "from_pretrained", spy)
    folder = str(cached_model(tmp_path_factory.getbasetemp(), "qwen2vl"))
    backend = load_backend(
        "hf", folder, model_options={"attn_implementation": "eager", "device_map": None}
    )
    assert seen["attn_implementation"] == "eager" and seen["device_map"] is None
    assert isinstance(backend, PretrainedBackend) and seen["torch_dtype"] == backend.dtype


def test_model_folder_without_config_is_named(tmp_path):
    with pytest.raises(BackendError, match="has no config.json"):
        infer_backend(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llava"}))
    assert infer_backend(str(tmp_path)) == "hf"


def test_default_device_on_cpu_is_fp32(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device() == ("cpu", torch.float32)
    assert resolve_device("cpu", "bf16") == ("cpu", torch.bfloat16)
    with pytest.raises(ValueError, match="unknown dtype 'fp8'"):
        resolve_device("cpu", "fp8")
