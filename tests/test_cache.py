"""The OCR cache: hits skip the engine, keys follow the config, damage and races are harmless."""

from __future__ import annotations

import multiprocessing
from typing import Any

import numpy as np
import pytest
from PIL import Image

from ocr_expert import OCRExpert, OCRResult, Span
from ocr_expert.engines.base import OCREngine


class CountingEngine(OCREngine):
    """Reports the image's mean grey level as text and counts its calls."""

    name = "counting"

    def __init__(self, flavour: str = "a") -> None:
        self.flavour = flavour
        self.calls = 0

    def config(self) -> dict[str, Any]:
        return {"engine": "counting", "flavour": self.flavour}

    def read_page(self, image: Image.Image) -> list[Span]:
        self.calls += 1
        grey = int(np.asarray(image.convert("L")).mean())
        return [Span(text=f"{self.flavour}{grey}", box=(1, 1, 20, 10), score=0.8)]

    read_crop = read_page


def image(grey: int) -> Image.Image:
    return Image.new("RGB", (200, 150), (grey, grey, grey))


def test_a_second_read_comes_from_the_cache(cache_dir):
    engine = CountingEngine()
    expert = OCRExpert(engine, cache_dir=cache_dir)
    first = expert.read(image(10))
    second = OCRExpert(CountingEngine(), cache_dir=cache_dir).read(image(10))
    assert engine.calls == 1 and first == second and first.text == "a10"
    assert expert.stats == {"hits": 0, "misses": 1}


def test_the_key_follows_image_content_and_engine_config(cache_dir, tmp_path):
    engine = CountingEngine()
    expert = OCRExpert(engine, cache_dir=cache_dir)
    expert.read(image(10))
    expert.read(image(11))
    assert engine.calls == 2
    other = CountingEngine(flavour="b")
    assert OCRExpert(other, cache_dir=cache_dir).read(image(10)).text == "b10"
    # A file and its bytes share one entry.
    path = tmp_path / "x.png"
    image(30).save(path)
    expert.read(path)
    expert.read(path.read_bytes())
    assert engine.calls == 3
    # A different read mode is a different entry.
    expert.read(path, mode="crop")
    assert engine.calls == 4


def test_a_damaged_entry_is_recomputed(cache_dir):
    engine = CountingEngine()
    expert = OCRExpert(engine, cache_dir=cache_dir)
    expert.read(image(5))
    (entry,) = list(cache_dir.rglob("*.json"))
    entry.write_text('{"spans": [', encoding="utf-8")
    assert expert.read(image(5)).text == "a5"
    assert engine.calls == 2
    assert OCRResult.from_json(entry.read_text(encoding="utf-8")).text == "a5"


def test_use_cache_false_writes_nothing(cache_dir):
    engine = CountingEngine()
    expert = OCRExpert(engine, cache_dir=cache_dir, use_cache=False)
    expert.read(image(1))
    expert.read(image(1))
    assert engine.calls == 2 and not cache_dir.exists()


def _fill(args: tuple[str, int]) -> list[str]:
    cache_dir, seed = args
    expert = OCRExpert(CountingEngine(), cache_dir=cache_dir)
    order = list(range(12)) if seed % 2 == 0 else list(reversed(range(12)))
    return [expert.read(image(g * 20)).text for g in sorted(order)]


def test_several_processes_fill_one_cache_at_once(cache_dir):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_fill, [(str(cache_dir), seed) for seed in range(4)])
    expected = [f"a{g * 20}" for g in range(12)]
    assert all(r == expected for r in results)
    entries = list(cache_dir.rglob("*.json"))
    assert len(entries) == 12
    assert not list(cache_dir.rglob("*.tmp"))
    for entry in entries:
        OCRResult.from_json(entry.read_text(encoding="utf-8"))  # every entry is whole


def test_an_unwritable_cache_only_warns(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = OCRExpert(CountingEngine(), cache_dir=blocker / "cache").read(image(7))
    assert result.text == "a7"
    assert "could not write OCR cache entry" in caplog.text


@pytest.mark.parametrize("direction", [None, "rtl"])
def test_results_round_trip_through_json(direction):
    expert = OCRExpert("dataset", direction=direction)
    result = expert.read(
        Image.new("RGB", (100, 50)),
        tokens=["x", "مرحبا"],
        token_boxes=[[1, 2, 30, 20], [40, 2, 90, 20]],
    )
    again = OCRResult.from_json(result.to_json())
    assert again == result and again.text == result.text
    assert OCRResult.from_dict(result.to_dict()).lines == result.lines


#: an entry as the cache stores it (format version 6), written out by hand so that a change
#: of the stored form is caught: entries already on disk must keep loading
STORED_ENTRY = """{"spans": [{"text": "OPEN", "box": [10.0, 20.0, 90.0, 44.0], "score": 0.97,
 "polygon": [[10.0, 20.0], [90.0, 20.0], [90.0, 44.0], [10.0, 44.0]]},
 {"text": "24h", "box": [100.0, 20.0, 140.0, 44.0], "score": 0.9, "polygon": null}],
 "lines": [{"text": "OPEN 24h", "box": [10.0, 20.0, 140.0, 44.0], "spans": [0, 1],
 "direction": "ltr", "block": 0}],
 "width": 200, "height": 150, "engine": "counting", "config": %(config)s,
 "language": null, "direction": "ltr", "mode": "page", "elapsed_s": 0.25,
 "notes": ["read frame 1 of 2"], "cache": %(fields)s}"""


def test_an_entry_in_the_stored_format_loads(cache_dir):
    import json

    from ocr_expert.cache import cache_key, key_fields
    from ocr_expert.image_io import load_image

    engine = CountingEngine()
    expert = OCRExpert(engine, cache_dir=cache_dir)
    fields = key_fields(load_image(image(9)).digest, expert.config(), "auto")
    assert expert.cache is not None
    path = expert.cache.path(cache_key(fields))
    path.parent.mkdir(parents=True)
    config, stored = json.dumps(expert.config()), json.dumps(fields)
    path.write_text(STORED_ENTRY % {"config": config, "fields": stored}, encoding="utf-8")

    result = expert.read(image(9))
    assert engine.calls == 0 and expert.stats == {"hits": 1, "misses": 0}
    assert result.text == "OPEN 24h" and result.words == ["OPEN", "24h"]
    assert result.spans[0].polygon == ((10.0, 20.0), (90.0, 20.0), (90.0, 44.0), (10.0, 44.0))
    assert result.lines[0].spans == (0, 1) and result.notes == ("read frame 1 of 2",)
    # the result writes itself back in that same form
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert json.loads(result.to_json()) == {k: v for k, v in stored.items() if k != "cache"}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (('"score": 0.97', '"score": "high"'), "spans.0.score: Input should be a valid number"),
        (('"spans": [0, 1]', '"spans": [0, 2]'), "a line refers to a span the result does not"),
        (('"width": 200', '"width": -1'), "width: Input should be greater than or equal to 0"),
    ],
)
def test_a_damaged_entry_says_what_is_wrong(change, why):
    from ocr_expert.cache import CacheEntryError, parse_entry

    raw = (STORED_ENTRY % {"config": "{}", "fields": "{}"}).replace(*change)
    with pytest.raises(CacheEntryError, match=why):
        parse_entry(raw.encode())
