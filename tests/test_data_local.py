"""Local question files: our jsonl layout, Qwen-VL's evaluation jsonl, LLaVA-style files,
official JSON with a 'data' list; image folders; deterministic selection; clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from eval_vqa.data import DataLoadError, Sample, load_samples
from eval_vqa.data.select import select_positions


def _write_images(folder: Path, names: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        Image.new("RGB", (8, 8), "white").save(folder / n)


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def own_layout(tmp_path) -> Path:
    _write_images(tmp_path / "images", [f"{i}.png" for i in range(20)])
    rows = [
        {
            "question_id": f"q{i}",
            "image": f"images/{i}.png",
            "question": f"Q{i}?",
            "answers": [f"a{i}", f"A{i}"],
            "ocr_tokens": ["tok", str(i)],
            "kind": "sign",
        }
        for i in range(20)
    ]
    return _jsonl(tmp_path / "val.jsonl", rows)


def image_path(sample: Sample) -> Path:
    """The file a local sample's image field names."""
    assert isinstance(sample.image, (str, Path))
    return Path(sample.image)


def test_own_jsonl_layout_resolves_images_next_to_the_file(own_layout):
    samples = load_samples("docvqa", source=str(own_layout))
    assert len(samples) == 20
    s = samples[3]
    assert isinstance(s, Sample)
    assert (s.question_id, s.question, s.answers, s.ocr_tokens) == (
        "q3",
        "Q3?",
        ["a3", "A3"],
        ["tok", "3"],
    )
    assert image_path(s) == own_layout.parent / "images" / "3.png"
    assert s.meta["kind"] == "sign" and s.meta["row"] == 3
    assert s.meta["source"] == str(own_layout)


def test_qwen_vl_eval_jsonl_layout(tmp_path):
    """Qwen-VL's eval_mm files: image paths relative to its working folder, integer ids,
    'answer' a string (TextVQA, OCR-VQA) or a list (DocVQA)."""
    root = tmp_path / "eval_mm"
    _write_images(root / "data" / "docvqa" / "val" / "documents", ["ffbf0023_4.png"])
    _write_images(root / "data" / "textvqa" / "train_images", ["003a8ae2ef43b901.jpg"])
    doc = _jsonl(
        tmp_path / "val.jsonl",
        [
            {
                "image": "data/docvqa/val/documents/ffbf0023_4.png",
                "question": "What is the ‘actual’ value per 1000, during the year 1975?",
                "question_id": 49153,
                "answer": ["0.28"],
            }
        ],
    )
    tv = _jsonl(
        tmp_path / "textvqa_val.jsonl",
        [
            {
                "image": "data/textvqa/train_images/003a8ae2ef43b901.jpg",
                "question": "what is the brand of this camera?",
                "question_id": 34602,
                "answer": "dakota",
            }
        ],
    )
    (d,) = load_samples("docvqa", source=str(doc), image_root=str(root))
    assert (d.question_id, d.answers) == ("49153", ["0.28"])
    assert image_path(d).exists()
    (t,) = load_samples("textvqa", source=str(tv), image_root=str(root))
    assert t.answers == ["dakota"] and image_path(t).name == "003a8ae2ef43b901.jpg"


def test_llava_question_file_finds_images_by_name_in_image_root(tmp_path):
    _write_images(tmp_path / "train_images", ["abc.jpg"])
    qf = _jsonl(
        tmp_path / "q.jsonl",
        [{"question_id": "abc1", "image": "abc.jpg", "question": "What brand?", "answers": ["x"]}],
    )
    (s,) = load_samples("textvqa", source=str(qf), image_root=str(tmp_path / "train_images"))
    assert image_path(s) == tmp_path / "train_images" / "abc.jpg"


def test_official_textvqa_json_with_data_list_and_image_ids(tmp_path):
    _write_images(tmp_path / "train_images", ["img9.jpg"])
    path = tmp_path / "TextVQA_0.5.1_val.json"
    path.write_text(
        json.dumps(
            {
                "dataset_name": "textvqa",
                "data": [
                    {
                        "question_id": 34602,
                        "image_id": "img9",
                        "question": "what brand?",
                        "answers": ["nous les gosses"] * 9 + ["dakota"],
                    }
                ],
            }
        )
    )
    (s,) = load_samples("textvqa", source=str(path), image_root=str(tmp_path / "train_images"))
    assert s.question_id == "34602" and len(s.answers) == 10
    assert image_path(s) == tmp_path / "train_images" / "img9.jpg"


def test_folder_source_picks_the_file_named_like_the_split(tmp_path, own_layout):
    _jsonl(
        tmp_path / "train.jsonl",
        [{"question_id": "t", "image": "images/0.png", "question": "?", "answers": ["x"]}],
    )
    samples = load_samples("docvqa", source=str(tmp_path), split="val")
    assert len(samples) == 20
    assert [s.question_id for s in load_samples("docvqa", source=str(tmp_path), split="train")] == [
        "t"
    ]


def test_limit_offset_subset_are_deterministic_and_nested(own_layout):
    src = str(own_layout)

    def ids(**kw: Any) -> list[str]:
        return [s.question_id for s in load_samples("docvqa", source=src, **kw)]

    assert ids(limit=3) == ["q0", "q1", "q2"]
    assert ids(offset=18) == ["q18", "q19"]
    assert ids(offset=2, limit=2) == ["q2", "q3"]
    five = ids(subset=5, seed=1)
    assert len(five) == 5 and five == ids(subset=5, seed=1)
    assert five == sorted(five, key=lambda q: int(q[1:]))  # source order kept
    assert set(five) <= set(ids(subset=8, seed=1))  # a smaller subset nests in a larger
    assert five != ids(subset=5, seed=2)
    assert ids(subset=5, seed=1, limit=2) == five[:2]
    assert len(ids(subset=100)) == 20


def test_subset_choice_depends_on_ids_not_on_row_order():
    keys = [f"k{i}" for i in range(50)]
    a = {keys[i] for i in select_positions(keys, subset=7, seed=3)}
    rev = keys[::-1]
    b = {rev[i] for i in select_positions(rev, subset=7, seed=3)}
    assert a == b


@pytest.mark.parametrize(
    "kw, text",
    [
        ({"limit": -1}, "limit"),
        ({"offset": -2}, "offset"),
        ({"subset": 0}, "subset"),
        ({"offset": 50}, "nothing selected"),
    ],
)
def test_bad_selection_arguments_are_named(own_layout, kw, text):
    with pytest.raises(DataLoadError, match=text):
        load_samples("docvqa", source=str(own_layout), **kw)


def test_broken_json_line_is_reported_with_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"question": "a", "image": "x.png", "answers": ["1"]}\n{oops\n')
    with pytest.raises(DataLoadError, match=r"bad\.jsonl:2: not valid JSON"):
        load_samples("docvqa", source=str(p))


def test_wrong_image_root_is_reported_once_not_per_sample(tmp_path, own_layout):
    # not below the images' folder: walking up from the file finds no images either
    moved = tmp_path.parent / f"{tmp_path.name}-elsewhere" / "q.jsonl"
    moved.parent.mkdir()
    moved.write_text(own_layout.read_text())
    with pytest.raises(DataLoadError, match="none of the 20 image files exists.*image_root"):
        load_samples("docvqa", source=str(moved))
    assert len(load_samples("docvqa", source=str(moved), image_root=str(tmp_path))) == 20


def test_some_missing_images_are_left_for_the_runner_to_record(tmp_path, own_layout):
    (tmp_path / "images" / "4.png").unlink()
    samples = load_samples("docvqa", source=str(own_layout))
    assert len(samples) == 20 and not image_path(samples[4]).exists()


def test_missing_columns_and_unanswered_rows(tmp_path):
    _write_images(tmp_path, ["a.png"])
    no_q = _jsonl(tmp_path / "noq.jsonl", [{"image": "a.png", "answers": ["x"]}])
    with pytest.raises(DataLoadError, match="no column for question"):
        load_samples("docvqa", source=str(no_q))
    part = _jsonl(
        tmp_path / "part.jsonl",
        [
            {"question_id": 1, "image": "a.png", "question": "q", "answers": ["x"]},
            {"question_id": 2, "image": "a.png", "question": "q", "answers": []},
            {"question_id": 3, "image": "a.png", "question": "q", "answers": ["", ""]},
        ],
    )
    with pytest.warns(UserWarning, match="dropping 2 of 3 questions without answers"):
        samples = load_samples("docvqa", source=str(part))
    assert [s.question_id for s in samples] == ["1"]


def test_duplicate_ids_are_made_unique(tmp_path):
    _write_images(tmp_path, ["a.png"])
    p = _jsonl(
        tmp_path / "dup.jsonl",
        [
            {"question_id": 7, "image": "a.png", "question": "q1", "answers": ["x"]},
            {"question_id": 7, "image": "a.png", "question": "q2", "answers": ["y"]},
        ],
    )
    samples = load_samples("chartqa", source=str(p))
    assert [s.question_id for s in samples] == ["7", "7#2"]
    assert samples[1].meta["original_question_id"] == "7"


def test_sample_to_dict_is_json_serializable(own_layout):
    s = load_samples("docvqa", source=str(own_layout), limit=1)[0]
    d = json.loads(json.dumps(s.to_dict()))
    assert d["question_id"] == "q0" and d["image"].endswith("0.png")


def test_a_row_without_an_image_is_kept_for_the_runner_to_fail_alone(tmp_path):
    _write_images(tmp_path / "images", ["0.png"])
    path = _jsonl(
        tmp_path / "val.jsonl",
        [
            {"question_id": "q0", "image": "images/0.png", "question": "Q0?", "answers": ["a"]},
            {"question_id": "q1", "question": "Q1?", "answers": ["b"]},
        ],
    )
    with pytest.warns(UserWarning, match="1 question\\(s\\) without an image"):
        samples = load_samples("docvqa", source=str(path))
    assert [s.question_id for s in samples] == ["q0", "q1"]
    assert samples[1].image is None
    # the log view of that sample still works: it names the missing image
    assert samples[1].image_ref == "<no image>"
    assert json.loads(json.dumps(samples[1].to_dict()))["image"] == "<no image>"
    only_missing = _jsonl(
        tmp_path / "none.jsonl",
        [{"question_id": "q1", "image": None, "question": "Q?", "answers": ["b"]}],
    )
    with pytest.raises(DataLoadError, match="no selected question has an image"):
        load_samples("docvqa", source=str(only_missing))
