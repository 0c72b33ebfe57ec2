"""The second Tesseract Arabic model: fetched from the npm registry, checked, found by the
engine, and read beside the installed model in the Arabic views."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import shutil
import tarfile
from pathlib import Path

import pytest
from conftest import render_lines
from PIL import Image

from ocr_expert.engines import second_arabic_model as second
from ocr_expert.engines.base import OCREngineError
from ocr_expert.engines.tesseract import TesseractEngine
from ocr_expert.engines.tesseract_listing import tesseract_listing
from ocr_expert.types import Span

MODEL_BYTES = b"not a real model, but bytes the fetch must hand over unchanged"


def _tarball(member: str = second.MEMBER, payload: bytes = MODEL_BYTES) -> bytes:
    """A package tarball as the registry serves it: ``member`` holding ``payload`` gzipped."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        data = gzip.compress(payload)
        info = tarfile.TarInfo(member)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_fetch_checks_the_tarball_and_keeps_the_model_once(tmp_path, monkeypatch):
    tarball = _tarball()
    monkeypatch.setattr(second, "INTEGRITY", _integrity(tarball))
    asked: list[str] = []

    def download(url: str) -> bytes:
        asked.append(url)
        return tarball

    path = second.fetch(tmp_path / "td", registry="https://mirror.example/npm/", download=download)
    assert path == tmp_path / "td" / "ara.traineddata"
    assert path.read_bytes() == MODEL_BYTES
    assert asked == ["https://mirror.example/npm/@tesseract.js-data/ara/-/ara-1.0.0.tgz"]

    def offline(url: str) -> bytes:
        raise AssertionError("the model was there: nothing to download")

    assert second.fetch(tmp_path / "td", download=offline) == path


def test_a_tarball_that_does_not_match_its_published_digest_writes_nothing(tmp_path):
    with pytest.raises(second.ModelFetchError, match="does not match its published sha512"):
        second.fetch(tmp_path / "td", download=lambda url: _tarball())
    assert not (tmp_path / "td" / "ara.traineddata").exists()


def test_a_tarball_without_the_model_says_so(tmp_path, monkeypatch):
    tarball = _tarball(member="package/4.0.0/ara.traineddata.gz")
    monkeypatch.setattr(second, "INTEGRITY", _integrity(tarball))
    with pytest.raises(second.ModelFetchError, match="holds no package/4.0.0_best_int"):
        second.fetch(tmp_path / "td", download=lambda url: tarball)


def test_an_unreachable_registry_names_the_url_and_the_ways_round_it(tmp_path):
    def refused(url: str) -> bytes:
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(second.ModelFetchError) as caught:
        second.fetch(tmp_path / "td", registry="http://127.0.0.1:9", download=refused)
    message = str(caught.value)
    assert "http://127.0.0.1:9/@tesseract.js-data/ara/-/ara-1.0.0.tgz" in message
    assert "npm_config_registry" in message and str(tmp_path / "td") in message
    assert not (tmp_path / "td").exists()


def test_the_registry_comes_from_npms_own_setting_else_npms_registry(monkeypatch):
    monkeypatch.delenv("npm_config_registry", raising=False)
    assert second.tarball_url() == (
        "https://registry.npmjs.org/@tesseract.js-data/ara/-/ara-1.0.0.tgz"
    )
    monkeypatch.setenv("npm_config_registry", "https://npm.internal/")
    assert second.tarball_url().startswith("https://npm.internal/@tesseract.js-data/ara/-/")


def test_the_model_folder_follows_its_variable_then_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("OCRVQA_TESSDATA", str(tmp_path / "mine"))
    assert second.model_folder() == tmp_path / "mine"
    monkeypatch.delenv("OCRVQA_TESSDATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert second.model_folder() == tmp_path / "cache" / "ocrvqa" / "tessdata"


def test_the_cli_prints_where_the_model_is(tmp_path, capsys):
    from eval_vqa.console import main

    (tmp_path / "ara.traineddata").write_bytes(MODEL_BYTES)
    assert main(["tessdata", "--folder", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "ara.traineddata")
    # nothing there and the registry unreachable: one line, exit code 2
    unreachable = ["--registry", "http://127.0.0.1:9"]
    assert main(["tessdata", "--folder", str(tmp_path / "empty"), *unreachable]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ocrvqa tessdata: could not download") and err.count("\n") == 1


@pytest.fixture
def model_copy(tmp_path) -> Path:
    """A folder holding a second ``ara`` model: the installed one, copied (Tesseract reads it;
    only where the engine looks for it is tested)."""
    folder = tesseract_listing("tesseract").folder
    assert folder is not None
    shutil.copy(folder / "ara.traineddata", tmp_path / "ara.traineddata")
    return tmp_path


def test_the_engine_names_the_second_model_it_reads_with(model_copy, monkeypatch):
    with_model = TesseractEngine(lang="ara", second_arabic_model=str(model_copy))
    fingerprint = with_model.config()["second_arabic_model"]
    assert isinstance(fingerprint, str) and len(fingerprint) == 16
    # "auto" finds it where ``ocrvqa tessdata`` keeps it, and names the same model
    monkeypatch.setenv("OCRVQA_TESSDATA", str(model_copy))
    assert TesseractEngine(lang="ara").config()["second_arabic_model"] == fingerprint
    # none fetched, switched off, or no Arabic views read: none named (another cache key)
    monkeypatch.setenv("OCRVQA_TESSDATA", str(model_copy / "nothing-here"))
    assert TesseractEngine(lang="ara").config()["second_arabic_model"] is None
    off = TesseractEngine(lang="ara", second_arabic_model=None)
    assert off.config()["second_arabic_model"] is None
    assert (
        TesseractEngine(lang="eng", second_arabic_model=str(model_copy)).config()[
            "second_arabic_model"
        ]
        is None
    )


def test_a_folder_named_without_the_model_is_reported_with_the_fix(tmp_path):
    with pytest.raises(OCREngineError, match=r"holds no ara.traineddata.*ocrvqa tessdata --folder"):
        TesseractEngine(lang="ara", second_arabic_model=str(tmp_path))


@pytest.mark.parametrize("lang", ["ara", "eng+ara"])
def test_an_arabic_crop_is_read_with_the_second_model_too(model_copy, monkeypatch, caplog, lang):
    engine = TesseractEngine(lang=lang, second_arabic_model=str(model_copy))
    folders: list[str | None] = []
    data = engine._data

    def spy(image, psm, lang=None, data_dir=None):
        folders.append(data_dir)
        # the second model's folder holds ``ara`` alone: it is asked for nothing else
        assert data_dir is None or lang == "ara"
        return data(image, psm, lang, data_dir)

    monkeypatch.setattr(engine, "_data", spy)
    text = "يقع المتحف الوطني قرب النهر"
    crop = render_lines([text], font_size=24, rtl=True, margin=8)
    assert " ".join(s.text for s in engine.read_crop(crop)) == text
    assert folders.count(str(model_copy)) == 1  # one view, its ink at 20 px
    assert folders.count(None) >= 5
    assert "left out" not in caplog.text  # no reading failed


def _engine_reading(
    folder: Path, monkeypatch, installed: tuple[str, float], second: tuple[str, float]
) -> TesseractEngine:
    """An engine with a second model whose views read ``installed`` (text, score) for the crop
    as it is, a little less surely in the installed model's ink views, and ``second`` in the
    second model's."""
    engine = TesseractEngine(lang="ara", second_arabic_model=str(folder))
    text, score = installed

    def read_view(image, ink, binary, psm=None, data_dir=None, lang=None):
        read = second if data_dir is not None else (text, score - 0.2)
        return [Span(text=read[0], box=(0, 0, 10, 10), score=read[1])]

    monkeypatch.setattr(engine, "_read_view", read_view)
    first = [Span(text=text, box=(0, 0, 10, 10), score=score)]
    monkeypatch.setattr(engine, "_read_alone", lambda image, psm: first)
    return engine


#: line-shaped: no word-mode reading
LINE_CROP = Image.new("RGB", (200, 20), "white")


def test_the_second_models_reading_chooses_the_text_but_never_weighs(model_copy, monkeypatch):
    # Its readings join the views the surest reading is chosen among; the route's evidence
    # (score, agreement) stays with the installed model's first views.
    engine = _engine_reading(model_copy, monkeypatch, ("مرحبا بكن", 0.7), ("مرحبا بكم", 0.95))
    (recognition,) = engine.recognize([LINE_CROP])
    assert recognition.text == "مرحبا بكم"
    assert recognition.judged == "مرحبا بكن" and recognition.score == pytest.approx(0.7)
    assert recognition.agreement == pytest.approx(1.0)


def test_the_second_models_letter_or_two_never_gives_the_text(model_copy, monkeypatch):
    # a Nastaliq line the second model read as one letter, surely: the views' reading stands
    engine = _engine_reading(model_copy, monkeypatch, ("مرحبا بكم", 0.8), ("و", 0.99))
    assert [s.text for s in engine.read_crop(LINE_CROP)] == ["مرحبا بكم"]
