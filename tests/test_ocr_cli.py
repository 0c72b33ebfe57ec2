"""``ocrvqa ocr`` and ``ocrvqa ocr-score`` as a user runs them."""

from __future__ import annotations

import json

from conftest import render_lines
from PIL import Image

from eval_vqa.console import main
from ocr_expert import OCRResult


def test_ocr_prints_text_and_json_and_draws_overlays(tmp_path, capsys):
    path = tmp_path / "note.png"
    render_lines(["Meet at Gate 12"]).save(path)
    draw_dir = tmp_path / "overlays"
    code = main(
        [
            "ocr",
            str(path),
            "--engine",
            "tesseract",
            "--cache-dir",
            str(tmp_path / "c"),
            "--draw",
            str(draw_dir),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "Meet at Gate 12" in out
    overlay = Image.open(draw_dir / "note.ocr.png")
    assert overlay.width == 2 * Image.open(path).width  # image beside the text panel

    assert main(["ocr", str(path), "--engine", "tesseract", "--json", "--no-cache"]) == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["image"] == str(path)
    assert OCRResult.from_dict(record).text == "Meet at Gate 12"


def test_a_bad_image_fails_alone_and_sets_the_exit_code(tmp_path, capsys):
    good = tmp_path / "good.png"
    render_lines(["Platform 9"]).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    code = main(["ocr", str(bad), str(good), "--engine", "tesseract", "--no-cache"])
    captured = capsys.readouterr()
    assert code == 1
    assert "Platform 9" in captured.out
    assert "bad.png" in captured.err


def test_bundled_samples_are_read(capsys, tmp_path):
    code = main(
        [
            "ocr",
            "--samples",
            "--engine",
            "tesseract",
            "--lang",
            "eng+ara",
            "--cache-dir",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "HONGHE BAKERY" in out and "مرحبا" in out


def test_engine_options_pass_through_and_bad_ones_are_reported(tmp_path, capsys):
    path = tmp_path / "x.png"
    render_lines(["abc"]).save(path)
    assert main(["ocr", str(path), "--engine", "tesseract", "--opt", "psm=6", "--no-cache"]) == 0
    assert main(["ocr", str(path), "--engine", "tesseract", "--opt", "colour=red"]) == 2
    assert "option 'colour': unknown option (known options: lang, psm," in capsys.readouterr().err


def test_a_detector_and_a_recognizer_of_two_engines(tmp_path, capsys):
    path = tmp_path / "x.png"
    render_lines(["Harbour Street 12", "Invoice 4521"]).save(path)
    code = main(
        [
            "ocr",
            str(path),
            "--engine",
            "two-stage",
            "--detector",
            "ppocr",
            "--recognizer",
            "tesseract",
            "--no-cache",
            "--json",
        ]
    )
    assert code == 0
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["config"]["recognizer"]["engine"] == "tesseract"
    assert [line["text"] for line in record["lines"]] == ["Harbour Street 12", "Invoice 4521"]


def test_ocr_score_reports_cer_wer_and_word_accuracy(tmp_path, capsys):
    rows = []
    for i, text in enumerate(["Harbour Street", "Invoice 4521"]):
        render_lines([text], font_size=30).save(tmp_path / f"{i}.png")
        rows.append({"image": f"{i}.png", "text": text})
    rows.append({"image": "missing.png", "text": "lost"})
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code = main(
        [
            "ocr-score",
            str(labels),
            "--engine",
            "tesseract",
            "--no-cache",
            "--json",
            "--normalization",
            "caseless",
            "--per-sample",
            str(tmp_path / "per.jsonl"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    report = json.loads(captured.out.strip().splitlines()[-1])
    assert report["n"] == 2 and report["n_errors"] == 1
    assert report["cer"] < 0.05 and report["word_accuracy"] == 1.0
    assert report["normalization"]["name"] == "caseless"
    assert "missing.png" in captured.err
    assert len((tmp_path / "per.jsonl").read_text().splitlines()) == 3


def test_a_folder_stands_for_the_images_in_it(tmp_path, capsys):
    folder = tmp_path / "scans"
    folder.mkdir()
    render_lines(["North Gate"]).save(folder / "a.png")
    render_lines(["South Gate"]).save(folder / "b.jpg")
    (folder / "notes.txt").write_text("not an image")
    assert main(["ocr", str(folder), "--engine", "tesseract", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert out.index("North Gate") < out.index("South Gate")
    assert "notes.txt" not in out
