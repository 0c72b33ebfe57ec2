"""OCRAugmentedVLM: image + question in, answer + exact prompt + OCR + timings out."""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from eval_vqa.tiny_models import make_ocr_result, render_text_image
from lmm_bridge import (
    BACKENDS,
    Answer,
    Backend,
    BackendError,
    GenerationRequest,
    ImagePart,
    OCRAugmentedVLM,
    PreparedPrompt,
    TextPart,
    VariantError,
    register_backend,
)
from lmm_bridge.image_files import image_path_for
from ocr_expert import ImageInputError

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@register_backend("echo-vlm-test")
class EchoBackend(Backend):
    """Instant model: answers with the number of words it was given, and logs calls."""

    box_style = "qwen-vl"

    def __init__(self, model=None, **kwargs):
        super().__init__(model)
        self.calls: list[list[GenerationRequest]] = []

    def generate(self, requests):
        self.calls.append(list(requests))
        return [f"{len(r.text.split())} words" for r in requests]

    def count_tokens(self, text):
        return len(text.split())

    @property
    def control_strings(self):
        return ["<img>", "</img>"]

    def render_prompt(self, request):
        return f"<img>{request.images[0]}</img>{request.text} Answer:"


@register_backend("file-vlm-test")
class FileBackend(EchoBackend):
    """Takes images as files, as Qwen-VL-Chat does; counts how often it made one."""

    def __init__(self, model=None, **kwargs):
        super().__init__(model)
        self.image_dir, self.prepared = kwargs.get("image_dir"), 0

    def prepare_image(self, image):
        self.prepared += 1
        return image_path_for(image, self.image_dir)


@pytest.fixture
def vlm():
    return OCRAugmentedVLM(
        None,
        backend="echo-vlm-test",
        ocr=None,
        variants=["none", "llava", {"name": "short", "format": "lines", "budget_tokens": 4}],
    )


@pytest.fixture
def sign():
    return make_ocr_result(
        [[("COFFEE", (10, 10, 100, 40), 0.9)], [("open all day long", (10, 50, 200, 80), 0.9)]]
    )


@pytest.fixture
def image_file(tmp_path):
    path = tmp_path / "sign.png"
    render_text_image(["COFFEE"], path)
    return str(path)


def test_ask_returns_answer_prompt_ocr_and_timings(vlm, sign, image_file):
    answer = vlm.ask(image_file, "What is sold?", variant="llava", ocr_result=sign)
    assert isinstance(answer, Answer) and isinstance(answer.prompt, PreparedPrompt)
    assert answer.variant == "llava" and answer.ocr is sign
    assert answer.prompt.text == (
        "What is sold?\nReference OCR token: COFFEE, open, all, day, long"
    )
    assert answer.prompt.full_prompt == f"<img>{image_file}</img>{answer.prompt.text} Answer:"
    assert answer.text == "11 words"
    assert set(answer.timings) == {"ocr", "prompt", "generate", "total"}
    assert answer.timings["total"] >= answer.timings["generate"] >= 0


def test_true_false_and_named_variants(vlm, sign, image_file):
    assert vlm.ask(image_file, "Q?", variant=False).prompt.text == "Q?"
    assert vlm.ask(image_file, "Q?", variant=True, ocr_result=sign).variant == "llava"
    short = vlm.ask(image_file, "Q?", variant="short", ocr_result=sign)
    assert short.prompt.text == "Q?\nOCR text:\nCOFFEE"
    assert short.prompt.context.dropped == [("open all day long", "over_budget")]


def test_ask_still_takes_the_variant_as_ocr_with_a_deprecation_warning(vlm, sign, image_file):
    with pytest.warns(DeprecationWarning, match=r"ask\(ocr=...\) is deprecated"):
        old = vlm.ask(image_file, "Q?", ocr="short", ocr_result=sign)
    with pytest.warns(DeprecationWarning, match=r"ask_batch\(ocr=...\) is deprecated"):
        [batch] = vlm.ask_batch([image_file], ["Q?"], ocr=False)
    assert old.variant == "short" and old.prompt.text == "Q?\nOCR text:\nCOFFEE"
    assert batch.prompt.text == "Q?"


def test_instruction_and_max_new_tokens_reach_the_model(vlm, image_file):
    vlm.ask(image_file, "Q?", variant=False, instruction="One word.", max_new_tokens=7)
    request = vlm.backend.calls[-1][0]
    assert request.text == "Q?\nOne word." and request.max_new_tokens == 7


def test_ask_batch_is_one_generation_call_and_equals_ask(vlm, sign, image_file):
    images = [image_file, image_file, image_file]
    questions = ["a?", "a b?", "a b c?"]
    batch = vlm.ask_batch(images, questions, variant="llava", ocr_results=[sign] * 3)
    assert len(vlm.backend.calls) == 1 and len(vlm.backend.calls[0]) == 3
    singles = [vlm.ask(i, q, variant="llava", ocr_result=sign) for i, q in zip(images, questions)]
    assert [a.text for a in batch] == [a.text for a in singles]
    assert [a.prompt for a in batch] == [a.prompt for a in singles]


def test_the_prepared_message_holds_the_image_as_given_and_the_text(vlm, sign):
    raw = b"\x89PNG not decoded here"  # the backend decodes it (or not) when it generates
    prompt = vlm.prepare(raw, "Q?", sign, "llava")
    assert prompt.message == (ImagePart(raw), TextPart(prompt.text))
    assert prompt.text.startswith("Q?\nReference OCR token: COFFEE")
    vlm.generate([prompt], max_new_tokens=3)
    assert vlm.backend.calls[-1] == [GenerationRequest(prompt.message, 3)]


def test_a_backend_that_needs_files_makes_them_once_per_prompt(tmp_path, sign):
    vlm = OCRAugmentedVLM(
        None, backend="file-vlm-test", ocr=None, variants=["llava"], image_dir=tmp_path / "imgs"
    )
    pil = render_text_image(["HELLO"])
    prompt = vlm.prepare(pil, "Q?", sign, "llava")  # two renderings: prompt and reference
    assert isinstance(vlm.backend, FileBackend) and vlm.backend.prepared == 1
    (stored,) = GenerationRequest(prompt.message).images
    assert isinstance(stored, str)
    assert stored.startswith(str((tmp_path / "imgs").resolve()))
    assert prompt.full_prompt == f"<img>{stored}</img>{prompt.text} Answer:"


def test_in_memory_images_are_written_once_by_content(tmp_path):
    folder = tmp_path / "imgs"
    pil = render_text_image(["HELLO"])
    first = image_path_for(pil, folder)
    again = image_path_for(np.asarray(pil), folder)
    other = image_path_for(render_text_image(["OTHER"]), folder)
    assert first == again != other
    assert first.startswith(str(folder.resolve())) and first.endswith(".png")
    assert len(first.encode()) <= 256
    assert np.array_equal(np.asarray(Image.open(first).convert("RGB")), np.asarray(pil))
    stat = os.stat(first)
    image_path_for(pil, folder)
    assert os.stat(first).st_mtime_ns == stat.st_mtime_ns  # reused, not rewritten


def test_image_files_are_used_in_place_unless_unsafe(tmp_path, image_file):
    folder = tmp_path / "imgs"
    assert image_path_for(image_file, folder) == image_file
    deep = tmp_path / ("d" * 120) / ("e" * 120)
    deep.mkdir(parents=True)
    long_path = deep / "sign.png"
    render_text_image(["LONG"], long_path)
    stored = image_path_for(str(long_path), folder)
    assert stored != str(long_path) and len(stored.encode()) <= 256
    tagged = tmp_path / "a<img>b.png"
    render_text_image(["TAG"], tagged)
    assert "<" not in image_path_for(str(tagged), folder)


def test_exif_rotated_files_are_stored_upright(tmp_path):
    path = tmp_path / "rotated.jpg"
    image = render_text_image(["UP"], size=(200, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    image.save(path, exif=exif)
    stored = image_path_for(str(path), tmp_path / "imgs")
    assert stored != str(path)
    assert Image.open(stored).size == (100, 200)


@pytest.mark.parametrize("bad", ["missing.png", b"not an image"])
def test_bad_images_raise_an_error_naming_the_input(tmp_path, bad):
    with pytest.raises(ImageInputError, match="missing.png|bytes"):
        image_path_for(bad, tmp_path / "imgs")
    vlm = OCRAugmentedVLM(None, backend="file-vlm-test", ocr=None, image_dir=tmp_path / "imgs")
    with pytest.raises(ImageInputError, match="missing.png|bytes"):
        vlm.prepare(bad, "Q?", None)


def test_bad_questions_and_mismatched_batches_are_refused(vlm, image_file):
    with pytest.raises(ValueError, match="question"):
        vlm.ask(image_file, "   ", variant=False)
    with pytest.raises(ValueError, match="2 images but 1 questions"):
        vlm.ask_batch([image_file, image_file], ["q"], variant=False)


def test_ocr_variant_without_an_ocr_engine_says_so(vlm, image_file):
    with pytest.raises(ValueError, match="ocr=None"):
        vlm.ask(image_file, "Q?", variant="llava")


def test_from_config_file(tmp_path, image_file):
    config = tmp_path / "bridge.yaml"
    config.write_text(
        "model: null\nbackend: file-vlm-test\nocr: null\nmax_new_tokens: 5\n"
        "backend_options:\n  image_dir: imgs\n"
        "variants:\n  - none\n  - {name: tok, format: tokens, budget_tokens: 3}\n"
    )
    vlm = OCRAugmentedVLM.from_config(config, max_new_tokens=6)
    assert [v.name for v in vlm.variants] == ["none", "tok"] and vlm.max_new_tokens == 6
    assert vlm.variant(True).budget_tokens == 3
    # backend options reach the backend
    assert isinstance(vlm.backend, FileBackend) and vlm.backend.image_dir == "imgs"


@pytest.mark.parametrize(
    "text, error, message",
    [
        ("image_dir: /tmp\n", BackendError, "bridge config: image_dir: unknown key"),
        ("max_new_tokens: 0\n", BackendError, "max_new_tokens: Input should be greater than 0"),
        (
            "variants: [none, {name: x, format: lines, colour: red}]\n",
            VariantError,
            "variants.1: variant 'x': colour: unknown key",
        ),
    ],
)
def test_from_config_refuses_what_it_does_not_know_by_key(tmp_path, text, error, message):
    config = tmp_path / "bridge.yaml"
    config.write_text("model: null\nbackend: echo-vlm-test\nocr: null\n" + text)
    with pytest.raises(error, match=message):
        OCRAugmentedVLM.from_config(config)


def test_the_shipped_bridge_config_is_valid():
    from lmm_bridge.config import BridgeConfig

    config = BridgeConfig.load(
        Path(__file__).parents[1] / "configs" / "bridge" / "qwen-vl-chat.yaml"
    )
    assert config.backend == "qwen-vl-chat" and config.backend_options["mode"] == "vqa"
    assert [v.name for v in config.variants][:2] == ["none", "tokens"]


def test_options_with_a_backend_instance_are_refused():
    with pytest.raises(BackendError, match="batch_size given with a backend instance"):
        OCRAugmentedVLM(backend=EchoBackend(), ocr=None, batch_size=4)


def test_real_ocr_engine_feeds_the_prompt(tmp_path):
    """With the PP-OCR engine, the words on a rendered image reach the prompt."""
    path = tmp_path / "shop.png"
    render_text_image(["BAKERY"], path, size=(360, 120), font_size=48)
    vlm = OCRAugmentedVLM(
        None, backend="echo-vlm-test", ocr="ppocr", ocr_options={"cache_dir": tmp_path / "ocr"}
    )
    answer = vlm.ask(str(path), "What shop is this?", variant="tokens")
    assert answer.ocr is not None and "BAKERY" in answer.ocr.text.upper()
    assert 'OCR_token: ["bakery"]' in answer.prompt.full_prompt
    assert answer.timings["ocr"] > 0


def teardown_module():
    BACKENDS.pop("echo-vlm-test", None)
    BACKENDS.pop("file-vlm-test", None)
