"""The bundled mini benchmark: loads offline through the local-file path, is small, and is
exactly what scripts/make_mini_benchmark.py writes."""

from __future__ import annotations

from pathlib import Path

from conftest import load_script
from PIL import Image

from eval_vqa.data import MINI_DIR, load_samples
from eval_vqa.metrics import anls, vqa_accuracy


def test_mini_scene_loads_by_name_with_ten_answers_each():
    samples = load_samples("mini_scene")
    assert len(samples) >= 20
    assert all(len(s.answers) == 10 for s in samples)
    assert all(isinstance(s.image, str) and Path(s.image).is_file() for s in samples)
    assert any(s.meta["language"] == "ar" for s in samples)
    # The first annotator answer is a perfect prediction for both metrics' purposes.
    for s in samples:
        assert anls(s.answers[0], s.answers) == 1.0
        assert vqa_accuracy(s.answers[0], s.answers) > 0.0


def test_mini_doc_has_longer_answers_and_shared_pages():
    samples = load_samples("mini_doc")
    assert len(samples) >= 12
    assert max(len(s.answers[0]) for s in samples) >= 20
    pages = [s.image for s in samples]
    assert len(set(pages)) < len(pages)  # several questions per page
    assert any(s.meta["language"] == "ar" for s in samples)
    assert all(s.ocr_tokens for s in samples)


def test_mini_is_small_and_images_decode():
    files = [p for p in MINI_DIR.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 2 * 1024 * 1024
    for p in files:
        if p.suffix == ".png":
            with Image.open(p) as im:
                im.verify()


def test_generator_is_deterministic_and_matches_the_bundled_files(tmp_path):
    make = load_script("scripts/make_mini_benchmark.py")
    make.build(tmp_path / "a")
    make.build(tmp_path / "b")
    for rel in ["scene.jsonl", "doc.jsonl", "images/scene_01.png", "images/doc_07.png"]:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    for name in ["scene.jsonl", "doc.jsonl"]:
        assert (tmp_path / "a" / name).read_text(encoding="utf-8") == (MINI_DIR / name).read_text(
            encoding="utf-8"
        )
    bundled = sorted(p.name for p in (MINI_DIR / "images").iterdir())
    assert sorted(p.name for p in (tmp_path / "a" / "images").iterdir()) == bundled
    for name in bundled:
        with (
            Image.open(tmp_path / "a" / "images" / name) as a,
            Image.open(MINI_DIR / "images" / name) as b,
        ):
            assert a.size == b.size
