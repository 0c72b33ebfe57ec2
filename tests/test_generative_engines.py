"""The got-ocr2 and vlm-ocr engines, end to end on tiny random models saved to a folder.

Random weights read nothing real: the tests check what reaches the model (prompts, boxes,
image sizes, batches), that batching changes no output, how answers become lines and
spans, and that ``ocrvqa ocr`` and ``ocrvqa eval`` run with these engines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import render_lines, run_eval, texts_of
from PIL import Image

from eval_vqa.tiny_models.got_ocr2 import build_tiny_got_ocr2
from lmm_bridge.context import NO_BOXES_NOTE
from ocr_expert import OCRExpert
from ocr_expert.engines import get_engine
from ocr_expert.engines.base import OCREngine, OCREngineError
from ocr_expert.engines.generative import GenerativeOCREngine, plain_lines
from ocr_expert.engines.got_ocr2 import formatted_lines, image_token_count
from ocr_expert.types import Span

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(
    os.environ,
    HF_HUB_OFFLINE="1",
    PYTHONPATH=f"{ROOT / 'tests'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
)


@pytest.fixture(scope="module")
def got_dir(tmp_path_factory) -> Path:
    return build_tiny_got_ocr2(tmp_path_factory.mktemp("got") / "tiny-got")


@pytest.fixture(scope="module")
def qwen2vl_dir(tmp_path_factory) -> Path:
    from eval_vqa.tiny_models import build_tiny_qwen2vl

    return build_tiny_qwen2vl(tmp_path_factory.mktemp("qwen2vl") / "tiny-qwen2vl")


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pages")
    texts = [
        ["INVOICE 2024", "total 17.50"],
        ["hello world"],
        ["OPEN", "daily 9-5", "market street"],
        ["a longer line of text on a page"],
        ["42"],
    ]
    paths = []
    for i, lines in enumerate(texts):
        path = folder / f"page{i}.png"
        render_lines(lines, font_size=28, width=320 + 40 * i).save(path)
        paths.append(path)
    return paths


class FixedBoxes(OCREngine):
    """A detector double: fixed boxes, no text."""

    name = "fixed-boxes"

    def __init__(self, boxes: list[tuple[float, float, float, float]]) -> None:
        self.boxes = boxes

    def config(self) -> dict[str, Any]:
        return {"engine": self.name, "boxes": self.boxes}

    def detect(self, image: Image.Image) -> list[Span]:
        return [Span(text="", box=b, score=1.0) for b in self.boxes]

    def read_page(self, image: Image.Image) -> list[Span]:
        raise AssertionError("detect() is there: the page must not be read")

    def read_crop(self, image: Image.Image) -> list[Span]:
        raise AssertionError("not a recognizer")


def _spy_inputs(engine: Any) -> list[Any]:
    """Record each batch of model inputs the engine builds (the real ones, passed on)."""
    seen: list[Any] = []
    build = engine._inputs

    def spy(queries):
        inputs = build(queries)
        seen.append(inputs)
        return inputs

    engine._inputs = spy
    return seen


def _prompts(engine: Any, inputs: Any) -> list[str]:
    return engine._tokenizer.batch_decode(inputs["input_ids"], skip_special_tokens=False)


# --- GOT-OCR2 -----------------------------------------------------------------------------


def test_image_tokens_follow_the_encoder_geometry():
    assert image_token_count(1024, 16) == 256  # GOT-OCR-2.0's own: 64 -> 32 -> 16 per side
    assert image_token_count(64, 8) == 4
    assert image_token_count(96, 8) == 9  # 12 -> 6 -> 3


def test_ocr_command_reads_with_a_saved_got_ocr2_folder(got_dir, pages, tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "eval_vqa.console",
        "ocr",
        str(pages[0]),
        str(pages[1]),
        "--engine",
        "got-ocr2",
        "--model",
        str(got_dir),
        "--opt",
        "max_new_tokens=8",
        "--json",
        "--mode",
        "page",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    done = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [Path(r["image"]).name for r in records] == ["page0.png", "page1.png"]
    for record in records:
        assert record["engine"] == "got-ocr2" and record["mode"] == "page"
        assert record["config"]["model"]["path"] == str(got_dir.resolve())
        assert all(
            line["box"] is None for line in record["lines"]
        )  # a page written out has no boxes
        assert all(0.0 <= span["score"] <= 1.0 for span in record["spans"])


@pytest.mark.parametrize(
    "geometry", [{"image_size": 96, "patch_size": 8}, {"image_size": 64, "patch_size": 16}]
)
def test_any_got_ocr2_geometry_loads_even_with_the_processor_default_size(
    geometry, pages, tmp_path
):
    # the processor saved at GOT's default 384 px: the engine sizes images to the encoder instead
    folder = build_tiny_got_ocr2(tmp_path / "got", processor_size=384, **geometry)
    engine = get_engine("got-ocr2", model=str(folder), max_new_tokens=4)
    seen = _spy_inputs(engine)
    result = OCRExpert(engine, use_cache=False).read(pages[0], mode="page")
    assert result.engine == "got-ocr2"
    side = geometry["image_size"]
    assert tuple(seen[0]["pixel_values"].shape[-2:]) == (side, side)
    n_tokens = image_token_count(side, geometry["patch_size"])
    assert isinstance(engine, GenerativeOCREngine)
    imgpad = engine._tokenizer.convert_tokens_to_ids("<imgpad>")
    assert int((seen[0]["input_ids"] == imgpad).sum()) == n_tokens


def test_batched_reads_equal_one_at_a_time_and_are_batched(got_dir, pages):
    batched = get_engine("got-ocr2", model=str(got_dir), max_new_tokens=10, batch_size=3)
    seen = _spy_inputs(batched)
    many = OCRExpert(batched, use_cache=False).read_many(pages, mode="page")
    assert [len(x["input_ids"]) for x in seen] == [3, 2]
    single = OCRExpert(
        "got-ocr2", model=str(got_dir), max_new_tokens=10, batch_size=1, use_cache=False
    )
    alone = [single.read(p, mode="page") for p in pages]
    assert texts_of(many) == [r.text for r in alone]  # left padding changes nothing
    # pages of different sizes pad differently: the padding must be on the left
    assert all(bool((x["attention_mask"][:, -1] == 1).all()) for x in seen)


def test_read_many_uses_the_cache_and_batches_only_what_is_missing(got_dir, pages, cache_dir):
    first = OCRExpert(
        "got-ocr2", model=str(got_dir), max_new_tokens=6, batch_size=4, cache_dir=cache_dir
    )
    first.read(pages[1], mode="page")
    expert = OCRExpert(
        "got-ocr2", model=str(got_dir), max_new_tokens=6, batch_size=4, cache_dir=cache_dir
    )
    seen = _spy_inputs(expert.engine)
    out = expert.read_many(pages[:3] + [ROOT / "no-such-image.png"], mode="page")
    assert expert.stats == {"hits": 1, "misses": 2}
    assert [len(x["input_ids"]) for x in seen] == [2]
    assert texts_of(out[1:2]) == [first.read(pages[1], mode="page").text]
    assert isinstance(out[3], Exception) and "no-such-image.png" in str(out[3])


def test_plain_and_formatted_prompts(got_dir, pages):
    plain = get_engine("got-ocr2", model=str(got_dir), max_new_tokens=4)
    formatted = get_engine("got-ocr2", model=str(got_dir), max_new_tokens=4, format=True)
    for engine, query in ((plain, "OCR: "), (formatted, "OCR with format: ")):
        seen = _spy_inputs(engine)
        OCRExpert(engine, use_cache=False).read(pages[0], mode="page")
        prompt = _prompts(engine, seen[0])[0]
        assert prompt.endswith(f"</img>\n {query}<|im_end|><|im_start|>assistant\n")
    assert plain.config() != formatted.config()  # two outputs, two cache entries


def test_patches_tile_a_page_but_never_a_crop(got_dir, tmp_path):
    engine = get_engine(
        "got-ocr2", model=str(got_dir), max_new_tokens=4, patches=True, max_patches=4
    )
    seen = _spy_inputs(engine)
    expert = OCRExpert(engine, use_cache=False)
    wide = render_lines(["a wide page of text, read as tiles"], font_size=40, width=900)
    result = expert.read(wide, mode="page")
    assert result.mode == "page" and seen[0]["pixel_values"].shape[0] > 1  # tiles plus a thumbnail
    assert "upon the patch reference" in _prompts(engine, seen[0])[0]
    crop = expert.read(render_lines(["word"], font_size=24), mode="auto")
    assert crop.mode == "crop" and seen[1]["pixel_values"].shape[0] == 1
    assert "patch" not in _prompts(engine, seen[1])[0]


def test_crop_mode_gives_the_line_the_whole_crop(got_dir):
    engine = get_engine("got-ocr2", model=str(got_dir), max_new_tokens=6)
    image = render_lines(["TOTAL 17.50"], font_size=26)
    result = OCRExpert(engine, use_cache=False).read(image, mode="crop")
    assert result.mode == "crop"
    if len(result.lines) == 1:
        assert result.spans[0].box == (0.0, 0.0, float(image.width), float(image.height))


BOXES = [(10.0, 12.0, 150.0, 40.0), (20.0, 60.0, 300.0, 90.0), (200.0, 10.0, 310.0, 38.0)]


def got_on_boxes(got_dir: Path, region_mode: str, batch_size: int) -> Any:
    """The tiny GOT-OCR2 reading the regions of ``BOXES`` as ``region_mode`` says."""
    return get_engine(
        "got-ocr2",
        model=str(got_dir),
        max_new_tokens=6,
        batch_size=batch_size,
        detector=FixedBoxes(BOXES),
        region_mode=region_mode,
    )


def test_box_conditioned_mode_puts_each_detected_box_in_the_prompt(got_dir):
    engine = got_on_boxes(got_dir, "box", batch_size=2)
    seen = _spy_inputs(engine)
    image = render_lines(["INVOICE 2024", "total 17.50"], font_size=28, width=320)
    spans = engine.read_page(image)
    assert isinstance(spans, list)
    assert [len(x["input_ids"]) for x in seen] == [2, 1]
    prompts = [p for x in seen for p in _prompts(engine, x)]
    for (x0, y0, x1, y1), prompt in zip(BOXES, prompts):
        scaled = [
            int(x0 / image.width * 1000),
            int(y0 / image.height * 1000),
            int(x1 / image.width * 1000),
            int(y1 / image.height * 1000),
        ]
        assert f"\n{scaled} OCR: " in prompt
    assert {s.box for s in spans} <= set(BOXES)  # every line sits in a detected box
    # the whole page goes in with each box
    assert all(tuple(x["pixel_values"].shape[-2:]) == (64, 64) for x in seen)


def test_crop_region_mode_reads_each_detected_box_cut_out(got_dir):
    engine = got_on_boxes(got_dir, "crop", batch_size=8)
    seen = _spy_inputs(engine)
    result = OCRExpert(engine, use_cache=False).read(
        render_lines(["a", "b"], width=320), mode="page"
    )
    assert [len(x["input_ids"]) for x in seen] == [3]
    assert all(
        "[" not in p.split("</img>")[1] for p in _prompts(engine, seen[0])
    )  # no box in the prompt
    assert all(line.box is not None for line in result.lines)
    assert result.config["detector"] == {"engine": "fixed-boxes", "boxes": BOXES}


def test_bad_got_ocr2_input_is_one_clear_error(qwen2vl_dir, tmp_path):
    with pytest.raises(OCREngineError, match="no config.json"):
        get_engine("got-ocr2", model=str(tmp_path))
    engine = get_engine("got-ocr2", model=str(qwen2vl_dir))
    with pytest.raises(OCREngineError, match="is a 'qwen2_vl' model, not GOT-OCR2"):
        engine.read_page(Image.new("RGB", (64, 64), "white"))
    with pytest.raises(OCREngineError, match="region_mode"):
        get_engine("got-ocr2", model=str(tmp_path), region_mode="boxes")


# --- parsing ------------------------------------------------------------------------------


def test_formatted_output_becomes_plain_lines():
    text = (
        "\\title{Annual Report}\n\n\\section*{Revenue \\textbf{2024}}\n"
        "\\begin{tabular}{|l|r|}\n\\hline Item & Amount \\\\\n\\hline Coffee & 3.50 \\\\\n"
        "\\multicolumn{2}{|c|}{Total 3.50} \\\\\n\\hline\n\\end{tabular}\nAT\\&T \\( x^2 \\)"
    )
    assert formatted_lines(text) == [
        "Annual Report",
        "Revenue 2024",
        "Item | Amount",
        "Coffee | 3.50",
        "Total 3.50",
        "AT\\&T x^2",
    ]


def test_markdown_html_and_doctags_become_plain_lines():
    markdown = (
        "```markdown\n# Menu\n\n- **Coffee** 3.50\n1. Tea\n"
        "| Item | Price |\n|---|---:|\n| Cake | 4 |\n```"
    )
    assert plain_lines(markdown) == ["Menu", "Coffee 3.50", "Tea", "Item | Price", "Cake | 4"]
    html = "<table><tr><td>A</td><td>1</td></tr><tr><td>B</td><td>2</td></tr></table><p>end</p>"
    assert plain_lines(html) == ["A 1", "B 2", "end"]
    doctags = (
        "<doctag><text><loc_10><loc_20><loc_200><loc_40>Hello there</text>\n"
        "<text>Second</text></doctag>"
    )
    assert plain_lines(doctags) == ["Hello there", "Second"]
    assert plain_lines("3 * 4 = 12\n  \n2024-01-05") == ["3 * 4 = 12", "2024-01-05"]


class WrittenOut(OCREngine):
    """An engine double that writes a page out as lines without boxes."""

    name = "written-out"
    lines_in_order = True

    def config(self) -> dict[str, Any]:
        return {"engine": self.name}

    def read_page(self, image: Image.Image) -> list[Span]:
        return [
            Span(text=t, box=None, score=0.9) for t in ("Zebra street", "apple 12", "مرحبا بكم")
        ]

    def read_crop(self, image: Image.Image) -> list[Span]:
        return self.read_page(image)


def test_written_out_lines_stay_lines_in_the_given_order():
    result = OCRExpert(WrittenOut(), use_cache=False).read(
        Image.new("RGB", (300, 300), "white"), mode="page"
    )
    assert [line.text for line in result.lines] == ["Zebra street", "apple 12", "مرحبا بكم"]
    assert [line.direction for line in result.lines] == ["ltr", "ltr", "rtl"]
    assert result.text == "Zebra street\napple 12\nمرحبا بكم"


# --- vlm-ocr ------------------------------------------------------------------------------


def test_vlm_ocr_sends_the_configured_prompt_and_batches(qwen2vl_dir, pages):
    options: dict[str, Any] = {
        "model": str(qwen2vl_dir),
        "max_new_tokens": 8,
        "prompt": "Read the text.",
        "processor_options": {"max_pixels": 28 * 28 * 16},
    }
    engine = get_engine("vlm-ocr", batch_size=2, **options)
    seen = _spy_inputs(engine)
    many = OCRExpert(engine, use_cache=False).read_many(pages[:3], mode="page")
    assert [len(x["input_ids"]) for x in seen] == [2, 1]
    prompt = _prompts(engine, seen[0])[-1]
    assert "<|vision_start|><|image_pad|>" in prompt and prompt.endswith(
        "Read the text.<|im_end|>\n<|im_start|>assistant\n"
    )
    single = OCRExpert("vlm-ocr", batch_size=1, use_cache=False, **options)
    assert texts_of(many) == [single.read(p, mode="page").text for p in pages[:3]]
    other = get_engine("vlm-ocr", model=str(qwen2vl_dir), prompt="Transcribe.")
    assert other.config() != engine.config()  # another prompt, another cache entry


def test_vlm_ocr_on_detected_regions_gives_boxes(qwen2vl_dir):
    engine = get_engine(
        "vlm-ocr", model=str(qwen2vl_dir), max_new_tokens=4, detector=FixedBoxes(BOXES)
    )
    result = OCRExpert(engine, use_cache=False).read(
        render_lines(["a", "b"], width=320), mode="page"
    )
    assert all(line.box is not None for line in result.lines)
    with pytest.raises(OCREngineError, match="prompt is empty"):
        get_engine("vlm-ocr", model=str(qwen2vl_dir), prompt=" ")


def test_ocr_command_reads_with_a_saved_image_text_to_text_folder(qwen2vl_dir, pages, tmp_path):
    cmd = [
        sys.executable,
        "-m",
        "eval_vqa.console",
        "ocr",
        str(pages[2]),
        "--engine",
        "vlm-ocr",
        "--model",
        str(qwen2vl_dir),
        "--opt",
        "max_new_tokens=6",
        "--opt",
        "prompt=Read it.",
        "--no-cache",
    ]
    done = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith(f"== {pages[2]} (vlm-ocr, ")


# --- a whole evaluation -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["got-ocr2", "vlm-ocr"])
def test_eval_smoke_run_with_a_generative_ocr_engine(engine, got_dir, qwen2vl_dir, tmp_path):
    model = got_dir if engine == "got-ocr2" else qwen2vl_dir
    env = dict(ENV, OCRVQA_MODELS=str(tmp_path / "models"), OCRVQA_CACHE=str(tmp_path / "ocr"))
    out_dir = run_eval(
        tmp_path,
        "smoke",
        "limit=2",
        f"ocr.engine={engine}",
        f"ocr.options={{model: {model}, max_new_tokens: 6, batch_size: 2}}",
        env=env,
        timeout=900,
    )
    records = [json.loads(line) for line in (out_dir / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 4 and all(r["status"] == "ok" for r in records)
    assert {r["ocr"]["engine"] for r in records} == {engine}
    for record in records:
        assert set(record["variants"]) == {"none", "tokens", "llava", "lines", "boxes"}
        boxes = record["variants"]["boxes"]
        # a page written out has no boxes: the boxes variant shows lines and the log says so
        assert boxes["context_note"] == (NO_BOXES_NOTE if record["ocr"]["n_lines"] else None)
        assert "OCR text with positions" not in boxes["prompt"]
    assert any(r["ocr"]["n_lines"] for r in records)
    results = json.loads((out_dir / "results.json").read_text())
    assert all(b["counts"]["scored"] == 2 for b in results["benchmarks"].values())
