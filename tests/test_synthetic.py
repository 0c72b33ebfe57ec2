"""The synthetic page set: deterministic, complete, and its ground truth says what is drawn."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from ocr_expert.scoring import cer, read_labels
from ocr_expert.synthetic import KINDS, LANGS, LAYOUTS, make_page_set
from ocr_expert.synthetic.__main__ import main as synthetic_main
from ocr_expert.synthetic.text import ARABIC_VOCABULARY

pytesseract = pytest.importorskip("pytesseract")
# Tesseract's own threads only fight each other on a small shared machine: the engine module
# starts every Tesseract process with one (this process keeps its own threads)
import ocr_expert.engines.tesseract  # noqa: E402, F401  isort: skip


@pytest.fixture(scope="module")
def ci_set(tmp_path_factory) -> Path:
    return make_page_set(tmp_path_factory.mktemp("ci"), size="ci", seed=0)


def _records(labels: Path) -> list[dict]:
    return [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines()]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_files_other_seed_other_pages(ci_set, tmp_path):
    again = tmp_path / "again"
    assert synthetic_main([str(again), "--seed", "0"]) == 0  # the command line, same seed
    assert _digests(again) == _digests(ci_set.parent)
    other = make_page_set(tmp_path / "other", size="ci", seed=1)
    assert [r["text"] for r in _records(other)] != [r["text"] for r in _records(ci_set)]


def test_ci_set_holds_every_kind_language_and_layout(ci_set):
    records = _records(ci_set)
    assert 20 <= len(records) <= 40
    assert {r["kind"] for r in records} == set(KINDS)
    assert {r["lang"] for r in records} == set(LANGS)
    assert {r["layout"] for r in records} == set(LAYOUTS)
    combos = {(r["kind"], r["lang"], r["layout"]) for r in records}
    for needed in [
        ("page", "ara", "single_column"),
        ("page", "ara", "two_column"),
        ("page", "mix", "bilingual"),
        ("sign", "mix", "bilingual"),
        ("sign", "ara", "sign"),
        ("line", "ara", "line"),
        ("line", "eng", "line"),
        ("word", "eng", "word"),
    ]:
        assert needed in combos
    # Scans at 150-300 dpi, with each degradation present somewhere and skew within 2 degrees.
    dpis = {r["dpi"] for r in records if r["kind"] == "page" and r["layout"] != "poster"}
    assert dpis and min(dpis) >= 150 and max(dpis) <= 300
    steps = {k for r in records for k in r["degradation"]}
    assert {"skew", "blur", "noise", "jpeg", "illumination", "contrast"} <= steps
    assert all(abs(r["degradation"].get("skew", 0)) <= 2 for r in records)
    # What ocrvqa ocr-score reads: every image exists and opens, every label is one line per line.
    items = read_labels(ci_set)
    assert len(items) == len(records)
    for item, record in zip(items, records):
        with Image.open(item.image) as image:
            assert image.width > 8 and image.height > 8
        assert item.text.strip() and "\n\n" not in item.text
        if record["kind"] == "word":
            assert " " not in item.text and "\n" not in item.text


def test_ground_truth_reads_columns_whole_and_joins_the_drop_cap(ci_set):
    records = {
        r["layout"]: r for r in _records(ci_set) if r["kind"] == "page" and r["lang"] == "eng"
    }
    drop = records["drop_cap"]["text"].splitlines()
    # Header, title, then the first body line starts with the drop cap's letter joined to its word.
    assert drop[2][0].isupper() and drop[2].split()[0].isalpha() and len(drop[2].split()[0]) > 1
    receipt = records["receipt"]["text"].splitlines()
    assert any(line.startswith("TOTAL ") for line in receipt)
    table = records["table_ruled"]["text"].splitlines()
    assert any(line.split()[:2] in (["Region", "2021"], ["Area", "Spring"]) for line in table)


def _tesseract(path: Path, lang: str, psm: int, pad: int = 0) -> str:
    image = Image.open(path).convert("RGB")
    if pad:
        corner = image.getpixel((0, 0))
        assert isinstance(corner, tuple)
        image = ImageOps.expand(image, pad, fill=corner)
    return pytesseract.image_to_string(image, lang=lang, config=f"--oem 1 --psm {psm}")


def test_tesseract_reads_the_clean_english_page_and_lines_as_labelled(ci_set):
    records = [r for r in _records(ci_set) if r["lang"] == "eng" and not r["degradation"]]
    page = next(r for r in records if r["kind"] == "page" and r["layout"] == "single_column")
    lines = [r for r in records if r["kind"] == "line"]
    assert lines
    folder = ci_set.parent
    assert cer(_tesseract(folder / page["image"], "eng", 3), page["text"], "caseless") < 0.02
    for line in lines:
        assert cer(_tesseract(folder / line["image"], "eng", 7), line["text"], "caseless") < 0.03


def test_arabic_ground_truth_is_in_logical_order(ci_set):
    records = [r for r in _records(ci_set) if r["lang"] == "ara"]
    # Every word of every Arabic label is a word as typed (a reversed string would not be).
    for record in records:
        for word in record["text"].replace("،", " ").replace(".", " ").split():
            assert word.isdigit() or word in ARABIC_VOCABULARY, (record["image"], word)
    # And Tesseract, which returns logical order, reads a clean line as labelled. The crops
    # are tight; a margin is added because Tesseract finds no text flush with the edge.
    line = next(r for r in records if r["kind"] == "line" and not r["degradation"])
    text = _tesseract(ci_set.parent / line["image"], "ara", 7, pad=20)
    assert cer(text, line["text"], "arabic") < 0.1
    assert cer(text, " ".join(reversed(line["text"].split())), "arabic") > 0.3
