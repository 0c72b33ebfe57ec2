"""The vision-encoder-decoder engine's plumbing, with a tiny random model saved and loaded back.

The model (SwinV2 encoder + RoBERTa decoder, Qalam's layout) is built from configs with random
weights, so what it reads means nothing: the tests check what reaches it (crops at the
detector's boxes), how it is batched, decoded and scored, and how spans are put back together.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
from PIL import Image, ImageDraw

from eval_vqa.tiny_models.ved import build_tiny_ved
from ocr_expert.engines import get_engine
from ocr_expert.engines.base import OCREngine, OCREngineError
from ocr_expert.engines.crops import crop_region
from ocr_expert.engines.hf_models import torch_device
from ocr_expert.engines.vision_encoder_decoder import VisionEncoderDecoderEngine
from ocr_expert.types import Span

WHITE = (255, 255, 255)
# (box, fill colour) in the detector's order, which is deliberately not reading order
REGIONS = [
    ((100.0, 60.0, 180.0, 80.0), (128, 128, 128)),
    ((10.0, 10.0, 50.0, 30.0), (255, 0, 0)),
    ((60.0, 10.0, 120.0, 50.0), (0, 160, 0)),
    ((150.0, 84.0, 198.0, 98.0), (0, 0, 255)),  # near the bottom-right corner: padding is clipped
    ((10.0, 50.0, 90.0, 90.0), (200, 200, 0)),
]


class BoxDetector(OCREngine):
    """Gives fixed boxes (with a text the recognizer must replace), as a detector engine would."""

    name = "boxes"

    def __init__(self, spans: list[Span]) -> None:
        self.spans = spans

    def config(self) -> dict[str, Any]:
        return {"engine": "boxes", "boxes": [list(s.box or ()) for s in self.spans]}

    def read_page(self, image: Image.Image) -> list[Span]:
        return list(self.spans)

    def read_crop(self, image: Image.Image) -> list[Span]:
        raise AssertionError("the recognizer reads crops itself")


def _page() -> Image.Image:
    image = Image.new("RGB", (200, 100), WHITE)
    draw = ImageDraw.Draw(image)
    for (x0, y0, x1, y1), colour in REGIONS:
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=colour)
    return image


def _detector() -> BoxDetector:
    return BoxDetector([Span(text="detector text", box=box, score=0.9) for box, _ in REGIONS])


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return build_tiny_ved(tmp_path_factory.mktemp("ved"))


def _engine(model_dir: str | Path, **options: Any) -> VisionEncoderDecoderEngine:
    options.setdefault("detector", _detector())
    return VisionEncoderDecoderEngine(
        model=str(model_dir), device="cpu", max_new_tokens=6, **options
    )


class Spy:
    """Records the crops handed to the image processor and the batch sizes handed to generate."""

    def __init__(self, engine: VisionEncoderDecoderEngine, monkeypatch) -> None:
        engine._load()
        self.crops: list[Image.Image] = []
        self.batches: list[int] = []
        processor, generate = engine._image_processor, engine._model.generate

        def process(images, **kwargs):
            self.crops.extend(images)
            return processor(images=images, **kwargs)

        def spy_generate(pixel_values, **kwargs):
            self.batches.append(pixel_values.shape[0])
            return generate(pixel_values, **kwargs)

        monkeypatch.setattr(engine, "_image_processor", process)
        monkeypatch.setattr(engine._model, "generate", spy_generate)


def _expected_crop(
    box: tuple[float, ...], padding: float, size=(200, 100)
) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    pad = padding * (y1 - y0)
    return (
        max(0, math.floor(x0 - pad)),
        max(0, math.floor(y0 - pad)),
        min(size[0], math.ceil(x1 + pad)),
        min(size[1], math.ceil(y1 + pad)),
    )


def test_crops_are_taken_at_the_detectors_boxes_with_padding(model_dir, monkeypatch):
    engine = _engine(model_dir, crop_padding=0.25)
    spy = Spy(engine, monkeypatch)
    engine.read_page(_page())

    assert len(spy.crops) == len(REGIONS)
    for crop, (box, colour) in zip(spy.crops, REGIONS):
        left, top, right, bottom = _expected_crop(box, 0.25)
        assert crop.size == (right - left, bottom - top)
        # the box's own colour in the middle, the page's white in the padding around it
        assert crop.getpixel((crop.width // 2, crop.height // 2)) == colour
        assert crop.getpixel((0, 0)) == WHITE
    # hand-checked: (10,10,50,30) is 20 px tall, so 5 px of padding on each side
    assert spy.crops[1].size == (50, 30)
    # (150,84,198,98) is 14 px tall: 3.5 px of padding, clipped at the right and bottom edges
    assert spy.crops[3].size == (200 - 146, 100 - 80)


def test_batches_read_the_same_as_one_at_a_time_and_spans_keep_detector_order(
    model_dir, monkeypatch
):
    one = _engine(model_dir, batch_size=1)
    two = _engine(model_dir, batch_size=2)
    spy_one, spy_two = Spy(one, monkeypatch), Spy(two, monkeypatch)
    page = _page()
    singles, pairs = one.read_page(page), two.read_page(page)

    assert spy_one.batches == [1, 1, 1, 1, 1]
    assert spy_two.batches == [2, 2, 1]
    # batch_size counts crops; OCRExpert.read_many still hands the engine one image at a time
    assert (one.crop_batch_size, two.crop_batch_size) == (1, 2)
    assert one.batch_size == two.batch_size == 1
    assert [s.text for s in pairs] == [s.text for s in singles]
    assert [s.score for s in pairs] == pytest.approx([s.score for s in singles], abs=1e-5)
    # spans come back in the detector's order, with its boxes and the recognizer's text
    assert [s.box for s in pairs] == [box for box, _ in REGIONS]
    assert all(s.text != "detector text" and 0.0 < s.score <= 1.0 for s in pairs)
    # the random model reads differently coloured crops differently: the crops reach it
    assert len({s.text for s in pairs}) > 1


def test_decoding_skips_special_tokens_and_score_is_mean_token_probability(tmp_path):
    # "Ġworld" and "Ġline" tie at every step, each with probability 1/2
    folder = build_tiny_ved(tmp_path / "rigged", rig={"\u0120world": 10.0, "\u0120line": 10.0})
    engine = _engine(folder, batch_size=4)
    engine._load()
    ids = engine._tokenizer.convert_tokens_to_ids(["\u0120world", "\u0120line"])
    word = ["world", "line"][ids.index(min(ids))]  # greedy decoding takes the first of a tie

    (span,) = engine.read_crop(Image.new("RGB", (64, 20), WHITE))
    # six generated tokens decoded byte-level (leading space stripped), the start token skipped
    assert span.text == " ".join([word] * 6)
    assert span.score == pytest.approx(0.5, abs=1e-4)
    assert span.box == (0.0, 0.0, 64.0, 20.0)

    spans = engine.read_page(_page())
    assert [s.text for s in spans] == [span.text] * len(REGIONS)
    assert [s.score for s in spans] == pytest.approx([0.5] * len(REGIONS), abs=1e-4)


def test_generation_stops_where_the_decoders_positions_end(tmp_path):
    # the tiny decoder has 64 position embeddings, RoBERTa numbers them from 2, and the start
    # token takes one: 61 tokens at most, however many are asked for (more would index past
    # the position table)
    folder = build_tiny_ved(tmp_path / "long", rig={"\u0120world": 10.0})
    engine = VisionEncoderDecoderEngine(
        model=str(folder), detector=_detector(), device="cpu", max_new_tokens=100
    )
    (span,) = engine.read_crop(Image.new("RGB", (40, 20), WHITE))
    assert span.text.split() == ["world"] * 61
    assert engine.config()["max_new_tokens"] == 100


def test_score_counts_tokens_up_to_the_end_token_and_empty_reads_are_dropped(tmp_path):
    # the end token wins at once (probability e^10 / (e^10 + e^9) = 0.731): nothing is read
    folder = build_tiny_ved(tmp_path / "mute", rig={"</s>": 10.0, "\u0120world": 9.0})
    engine = _engine(folder)
    (read,) = engine.recognize([Image.new("RGB", (40, 20), WHITE)])
    assert read.text == ""
    assert read.score == pytest.approx(math.exp(10) / (math.exp(10) + math.exp(9)), abs=1e-4)
    assert engine.read_crop(Image.new("RGB", (40, 20), WHITE)) == []
    assert engine.read_page(_page()) == []


def test_read_crop_hands_the_whole_image_to_the_model(model_dir, monkeypatch):
    engine = _engine(model_dir)
    spy = Spy(engine, monkeypatch)
    crop = Image.new("RGB", (90, 24), (10, 20, 30))
    spans = engine.read_crop(crop)
    assert [c.size for c in spy.crops] == [(90, 24)]
    assert spy.crops[0].getpixel((45, 12)) == (10, 20, 30)
    assert len(spans) == 1 and spans[0].box == (0.0, 0.0, 90.0, 24.0)


def test_a_tilted_polygon_is_straightened_before_reading():
    image = Image.new("RGB", (200, 200), WHITE)
    # a 100 x 20 red bar turned by 30 degrees about (100, 100), corners clockwise from top-left
    angle = math.radians(30)
    corners = []
    for dx, dy in ((-50, -10), (50, -10), (50, 10), (-50, 10)):
        corners.append(
            (
                100 + dx * math.cos(angle) - dy * math.sin(angle),
                100 + dx * math.sin(angle) + dy * math.cos(angle),
            )
        )
    ImageDraw.Draw(image).polygon(corners, fill=(255, 0, 0))
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    region = Span("", (min(xs), min(ys), max(xs), max(ys)), 1.0, polygon=tuple(corners))

    crop = crop_region(image, region, padding=0.0)
    assert crop is not None and crop.size == (100, 20)  # upright, the bar's own length and height
    pixels = np.asarray(crop)
    red = (pixels[:, :, 0] > 200) & (pixels[:, :, 1] < 60)
    assert red.mean() > 0.9
    # a box with no area inside the image gives no crop
    assert crop_region(image, Span("", (250.0, 10.0, 300.0, 30.0), 1.0), 0.1) is None


def test_config_identifies_the_weights_and_everything_that_changes_the_output(model_dir):
    engine = _engine(model_dir)
    config = engine.config()
    assert json.loads(json.dumps(config)) == config
    assert config["engine"] == "vision-encoder-decoder"
    assert config["model"]["path"] == str(model_dir.resolve())
    assert [w["file"] for w in config["model"]["weights"]] == ["model.safetensors"]
    assert config["detector"] == _detector().config()
    assert config["dtype"] == "float32" and config["max_new_tokens"] == 6
    assert _engine(model_dir, num_beams=2).config() != config
    assert _engine(model_dir, language="ara").config()["language"] == "ara"

    weights = model_dir / "model.safetensors"
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    try:
        assert _engine(model_dir).config()["model"] != config["model"]
    finally:
        os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_processor_can_come_from_another_folder(model_dir, tmp_path):
    weights_only = tmp_path / "weights_only"
    weights_only.mkdir()
    for name in ("config.json", "generation_config.json", "model.safetensors"):
        (weights_only / name).write_bytes((model_dir / name).read_bytes())
    with pytest.raises(OCREngineError, match="processor="):
        _engine(weights_only).read_crop(Image.new("RGB", (40, 20), WHITE))

    engine = _engine(weights_only, processor=str(model_dir))
    assert engine.config()["processor"]["path"] == str(model_dir.resolve())
    crop = Image.new("RGB", (40, 20), WHITE)
    assert engine.recognize([crop]) == _engine(model_dir).recognize([crop])
    with pytest.raises(OCREngineError, match="has no preprocessor_config.json"):
        _engine(model_dir, processor=str(weights_only))


def test_beam_search_reads_and_scores(model_dir):
    engine = _engine(model_dir, num_beams=3, batch_size=3)
    spans = engine.read_page(_page())
    assert [s.box for s in spans] == [box for box, _ in REGIONS]
    assert all(0.0 < s.score <= 1.0 for s in spans)


def test_built_by_name_through_the_registry(model_dir):
    engine = get_engine(
        "vision-encoder-decoder", model=str(model_dir), detector=_detector(), device="cpu"
    )
    assert (
        isinstance(engine, VisionEncoderDecoderEngine) and engine.name == "vision-encoder-decoder"
    )
    with pytest.raises(OCREngineError, match="unknown OCR engine 'no-such-detector'"):
        get_engine("vision-encoder-decoder", model=str(model_dir), detector="no-such-detector")


def test_a_model_that_cannot_be_loaded_is_a_clear_error(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(OCREngineError) as err:
        _engine("nobody/no-such-ocr-model")
    message = str(err.value)
    assert "'nobody/no-such-ocr-model'" in message
    assert (
        "downloaded from the Hugging Face Hub on first use" in message and "local folder" in message
    )

    (tmp_path / "empty").mkdir()
    with pytest.raises(OCREngineError, match="has no config.json"):
        _engine(tmp_path / "empty")

    # a folder with a config but broken weights fails when the model is first needed
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"model_type": "vision-encoder-decoder"}')
    engine = _engine(broken)
    with pytest.raises(OCREngineError, match="cannot load the model"):
        engine.read_crop(Image.new("RGB", (40, 20), WHITE))


def test_bad_options_are_refused():
    # one resolver for device and precision: float16 on CPU is allowed, with a warning
    with pytest.warns(UserWarning, match="float16 on CPU"):
        assert torch_device("cpu", "float16", gpu_dtype="float16") == ("cpu", "float16")
    assert torch_device("cpu", None, gpu_dtype="float16") == ("cpu", "float32")
    with pytest.raises(OCREngineError, match="unknown dtype 'float8'"):
        torch_device("cpu", "float8")
    with pytest.raises(OCREngineError, match="option 'batch_size'"):
        VisionEncoderDecoderEngine(model="x", detector=_detector(), batch_size=0)
    with pytest.raises(OCREngineError, match="'vision-encoder-decoder' cannot be a detector"):
        VisionEncoderDecoderEngine(model="x", detector="vision-encoder-decoder")
