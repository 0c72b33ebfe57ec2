"""A served OCR model as the expert (``openai-ocr``), against a real HTTP server on
127.0.0.1: lines parsed as ``vlm-ocr`` parses them, cached like every engine (address and
model in the key, never the API key), and a cache filled by one environment read by another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import texts_of
from openai_server import ScriptedServer
from PIL import Image

from ocr_expert import OCRExpert
from ocr_expert.engines import OCREngineError, check_options

KEY = "sk-ocr-test-7d1e-do-not-store"
KEY_ENV = "OCRVQA_TEST_OCR_KEY"
ROOT = Path(__file__).resolve().parents[1]
PAGE = "```markdown\n# Daily Menu\n\n| Dish | Price |\n|---|---|\n| **Soup** | 4.50 |\n```"


@pytest.fixture
def server():
    with ScriptedServer(answer=lambda body: PAGE) as s:
        yield s


def _page(seed: int = 0) -> Image.Image:
    return Image.new("RGB", (320 + seed, 200), "white")


def _expert(server: ScriptedServer, tmp_path: Path, **options) -> OCRExpert:
    options = {"base_url": server.url, "model": "ocr-model", "backoff": 0, **options}
    return OCRExpert("openai-ocr", cache_dir=tmp_path / "cache", **options)


def test_a_served_transcription_becomes_lines_in_the_order_written(server, tmp_path):
    result = _expert(server, tmp_path, prompt="Read it all.", max_new_tokens=300).read(
        _page(), mode="page"
    )
    assert result.text.splitlines() == ["Daily Menu", "Dish | Price", "Soup | 4.50"]
    assert all(line.box is None for line in result.lines)
    body = server.bodies[0]
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("ocr-model", 300, 0)
    image, prompt = body["messages"][0]["content"]
    assert prompt == {"type": "text", "text": "Read it all."}
    assert image["image_url"]["detail"] == "high" and image["image_url"]["url"].startswith(
        "data:image/png;base64,"
    )


def test_a_crop_read_as_one_line_gets_the_whole_crop_as_its_box(tmp_path):
    with ScriptedServer(answer=lambda body: "EXIT") as server:
        result = _expert(server, tmp_path).read(Image.new("RGB", (90, 30), "white"), mode="crop")
    assert [(s.text, s.box) for s in result.spans] == [("EXIT", (0.0, 0.0, 90.0, 30.0))]


def test_results_are_cached_by_address_and_model_never_by_the_key(server, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    expert = _expert(server, tmp_path, api_key_env=KEY_ENV)
    config = expert.engine.config()
    assert (config["base_url"], config["model"]) == (server.url, "ocr-model")
    assert KEY not in json.dumps(config) and "api_key_env" not in config and "timeout" not in config
    first = expert.read(_page())
    assert (
        expert.read(_page()).text == first.text and len(server.bodies) == 1
    )  # the second from the cache
    other_model = _expert(server, tmp_path, model="another-ocr-model")
    other_model.read(_page())
    assert len(server.bodies) == 2  # another model is another entry
    entries = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert entries and not any(KEY.encode() in p.read_bytes() for p in entries)


def test_a_cache_filled_in_one_environment_is_read_in_another_with_the_server_gone(
    server, tmp_path
):
    pages = tmp_path / "pages"
    pages.mkdir()
    for i in range(3):
        _page(i).save(pages / f"p{i}.png")
    filled = _expert(server, tmp_path).read_many(sorted(pages.iterdir()))
    assert len(server.bodies) == 3
    server.stop()  # the evaluation's environment cannot reach the OCR server at all
    script = (
        "import sys; from ocr_expert import OCRExpert; e = OCRExpert('openai-ocr', "
        f"cache_dir=sys.argv[1], base_url={server.url!r}, model='ocr-model', retries=0); rs = "
        "e.read_many(sorted(__import__('pathlib').Path(sys.argv[2]).iterdir())); "
        "print(e.stats['hits'], '|'.join(r.text for r in rs))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCRVQA")}
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "cache"), str(pages)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    hits, texts = out.stdout.strip().split(" ", 1)
    assert int(hits) == 3 and texts == "|".join(texts_of(filled))


def test_an_image_the_server_fails_on_fails_alone_and_the_others_are_not_sent_twice(
    server, tmp_path
):
    # one retry allowed: the second page's two tries fail in the batch, and again when read alone
    server.faults = ["ok", "503", "503", "ok", "503", "503"]
    expert = _expert(server, tmp_path, retries=1, concurrency=1, batch_size=3)
    results = expert.read_many([_page(0), _page(1), _page(2)])
    assert isinstance(results[1], OCREngineError) and "HTTP 503" in str(results[1])
    first, _, last = results
    assert not isinstance(first, Exception) and not isinstance(last, Exception)
    assert first.text == last.text == "Daily Menu\nDish | Price\nSoup | 4.50"
    assert (
        len(server.bodies) == 6
    )  # the batch (4 tries), then the second page alone (2): none again


def test_options_are_checked_in_one_line_before_any_request():
    with pytest.raises(OCREngineError, match="option 'model': required key is missing"):
        check_options("openai-ocr", {"base_url": "http://127.0.0.1:9/v1"})
    with pytest.raises(OCREngineError, match="option 'base_url': base_url must start with http"):
        check_options("openai-ocr", {"base_url": "127.0.0.1:9", "model": "m"})
    with pytest.raises(OCREngineError, match="option 'api_key': unknown option"):
        check_options(
            "openai-ocr", {"base_url": "http://127.0.0.1:9/v1", "model": "m", "api_key": KEY}
        )
