"""Local layouts users have: VLMEvalKit TSV, the official DocVQA and InfographicVQA json,
OCR-VQA's dataset.json, datasets objects from Python, Qwen-VL's evaluation jsonl."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path
from typing import Any

import datasets
import pytest
from PIL import Image, ImageDraw

from eval_vqa.data import DataLoadError, load_samples, open_benchmark


def png(text: str, size: tuple[int, int] = (60, 24)) -> bytes:
    im = Image.new("RGB", size, "white")
    ImageDraw.Draw(im).text((2, 4), text, fill="black")
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def test_vlmevalkit_tsv_with_base64_images_and_list_literal_answers(tmp_path):
    path = tmp_path / "DocVQA_VAL.tsv"
    rows = [
        {
            "index": "0",
            "image": base64.b64encode(png("A")).decode(),
            "question": "What is it?",
            "answer": "['alpha', 'Alpha']",
            "category": "form",
        },
        {
            "index": "1",
            "image": "0",
            "question": "Same page, other\tquestion?",  # shares row 0's image
            "answer": "['beta']",
            "category": "form",
        },
        {
            "index": "2",
            "image": base64.b64encode(png("C", (80, 30))).decode(),
            "question": "Which?",
            "answer": "gamma",
            "category": "table",
        },
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    samples = load_samples("docvqa", source=str(path))
    assert [(s.question_id, s.question, s.answers) for s in samples] == [
        ("0", "What is it?", ["alpha", "Alpha"]),
        ("1", "Same page, other\tquestion?", ["beta"]),
        ("2", "Which?", ["gamma"]),
    ]
    assert samples[0].image == png("A") and samples[1].image == png("A")
    assert isinstance(samples[2].image, bytes)
    assert Image.open(io.BytesIO(samples[2].image)).size == (80, 30)
    assert samples[2].meta["category"] == "table"
    # rows are read by offset: the last one alone, without the others
    assert open_benchmark("docvqa", source=str(path), offset=2)[0].image == samples[2].image


def official_json(path: Path, image_key: str, images: list[str]) -> None:
    path.write_text(
        json.dumps(
            {
                "dataset_name": "docvqa",
                "dataset_split": "val",
                "dataset_version": "1.0",
                "data": [
                    {
                        "questionId": 100 + i,
                        "question": f"Q{i}?",
                        image_key: name,
                        "docId": i,
                        "answers": [f"a{i}", f"A{i}"],
                        "data_split": "val",
                    }
                    for i, name in enumerate(images)
                ],
            }
        )
    )


def test_official_docvqa_json_with_its_documents_folder(tmp_path):
    (tmp_path / "documents").mkdir()
    for name in ("d0.png", "d1.png"):
        (tmp_path / "documents" / name).write_bytes(png(name))
    official_json(tmp_path / "val_v1.0.json", "image", ["documents/d0.png", "documents/d1.png"])
    samples = load_samples("docvqa", source=str(tmp_path / "val_v1.0.json"))
    assert [(s.question_id, s.answers) for s in samples] == [
        ("100", ["a0", "A0"]),
        ("101", ["a1", "A1"]),
    ]
    assert samples[1].image == str(tmp_path / "documents" / "d1.png")


def test_official_infographicvqa_json_names_images_by_image_local_name(tmp_path):
    images = tmp_path / "infographicsvqa_images"
    images.mkdir()
    for name in ("i0.jpeg", "i1.jpeg"):
        (images / name).write_bytes(png(name))
    official_json(
        tmp_path / "infographicVQA_val_v1.0_withQT.json", "image_local_name", ["i0.jpeg", "i1.jpeg"]
    )
    samples = load_samples(
        "infovqa",
        source=str(tmp_path / "infographicVQA_val_v1.0_withQT.json"),
        image_root=str(images),
    )
    assert [s.image for s in samples] == [str(images / "i0.jpeg"), str(images / "i1.jpeg")]
    assert samples[0].answers == ["a0", "A0"]


def test_ocrvqa_dataset_json_by_split_with_its_images_folder(tmp_path):
    (tmp_path / "images").mkdir()
    books: dict[str, dict[str, Any]] = {
        "111": {
            "imageURL": "http://x/111.jpg",
            "questions": ["Who wrote this book?", "Is this a comic?"],
            "answers": ["Jane Roe", "No"],
            "title": "T",
            "authorName": "Jane Roe",
            "genre": "Fiction",
            "split": 3,
        },
        "222": {
            "imageURL": "http://x/222.png",
            "questions": ["What is the title?"],
            "answers": ["Maps"],
            "title": "Maps",
            "authorName": "Al",
            "genre": "Travel",
            "split": 1,
        },
        "333": {
            "imageURL": "http://x/333.gif",
            "questions": ["What genre?"],
            "answers": ["Travel"],
            "title": "Go",
            "authorName": "B",
            "genre": "Travel",
            "split": 3,
        },
    }
    for book_id, book in books.items():
        (tmp_path / "images" / f"{book_id}{Path(book['imageURL']).suffix}").write_bytes(
            png(book_id)
        )
    (tmp_path / "dataset.json").write_text(json.dumps(books))
    test = load_samples("ocrvqa", source=str(tmp_path / "dataset.json"))
    assert [(s.question_id, s.question, s.answers) for s in test] == [
        ("111-0", "Who wrote this book?", ["Jane Roe"]),
        ("111-1", "Is this a comic?", ["No"]),
        ("333-0", "What genre?", ["Travel"]),
    ]
    assert test[2].image == str(tmp_path / "images" / "333.gif")
    train = load_samples("ocrvqa", source=str(tmp_path / "dataset.json"), split="train")
    assert [s.question_id for s in train] == ["222-0"]
    with pytest.raises(DataLoadError, match="OCR-VQA's splits are train, validation, val, test"):
        load_samples("ocrvqa", source=str(tmp_path / "dataset.json"), split="dev")


def _textvqa_dataset(n: int) -> datasets.Dataset:
    return datasets.Dataset.from_dict(
        {
            "question_id": [f"t{i}" for i in range(n)],
            "question": [f"q{i}?" for i in range(n)],
            "answers": [[f"a{i}"] * 10 for i in range(n)],
            "image": [{"bytes": png(f"T{i}"), "path": None} for i in range(n)],
            "ocr_tokens": [[f"T{i}"] for i in range(n)],
        },
        features=datasets.Features(
            {
                "question_id": datasets.Value("string"),
                "question": datasets.Value("string"),
                "answers": datasets.Sequence(datasets.Value("string")),
                "image": datasets.Image(),
                "ocr_tokens": datasets.Sequence(datasets.Value("string")),
            }
        ),
    )


def test_datasets_objects_passed_in_python(tmp_path):
    ds = _textvqa_dataset(3)
    from_object = load_samples("textvqa", source=ds)
    assert [s.question_id for s in from_object] == ["t0", "t1", "t2"]
    assert from_object[1].image == png("T1") and from_object[1].ocr_tokens == ["T1"]
    assert from_object[0].meta["source"] == "<Dataset object>"
    split = load_samples(
        "textvqa", source=datasets.DatasetDict({"validation": ds, "train": _textvqa_dataset(1)})
    )
    assert len(split) == 3
    streamed = open_benchmark("textvqa", source=ds.to_iterable_dataset(), limit=2)
    assert [s.question_id for s in streamed] == ["t0", "t1"] and streamed[1].image == png("T1")
    with pytest.raises(DataLoadError, match="must be a datasets Dataset.*not list"):
        load_samples("textvqa", source=[{"question": "q"}])


def test_qwen_vl_jsonl_paths_relative_to_the_eval_folder(tmp_path):
    """eval_mm/data/textvqa/textvqa_val.jsonl names images as data/textvqa/train_images/x.jpg,
    from eval_mm: the folder is found by walking up, with no image_root."""
    eval_mm = tmp_path / "Qwen-VL" / "eval_mm"
    images = eval_mm / "data" / "textvqa" / "train_images"
    images.mkdir(parents=True)
    (images / "abc.jpg").write_bytes(png("abc"))
    (images / "def.jpg").write_bytes(png("def"))
    lines = [
        {
            "image": "data/textvqa/train_images/abc.jpg",
            "question": "What?",
            "question_id": 1,
            "answer": "abc",
        },
        {
            "image": "data/textvqa/train_images/def.jpg",
            "question": "Which?",
            "question_id": 2,
            "answer": ["def", "DEF"],
        },
    ]
    source = eval_mm / "data" / "textvqa" / "textvqa_val.jsonl"
    source.write_text("".join(json.dumps(x) + "\n" for x in lines))
    samples = load_samples("textvqa", source=str(source))
    assert [s.image for s in samples] == [str(images / "abc.jpg"), str(images / "def.jpg")]
    assert samples[0].answers == ["abc"] and samples[1].answers == ["def", "DEF"]
