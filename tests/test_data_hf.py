"""Loading the Hugging Face copies offline: datasets built here with each copy's columns,
saved to disk, to parquet, or laid out like a clone of the dataset repository."""

from __future__ import annotations

import io

import datasets
import pytest
from conftest import write_hub_card
from PIL import Image, ImageDraw

from eval_vqa.data import DataLoadError, load_samples


def _img(text: str) -> Image.Image:
    im = Image.new("RGB", (48, 20), "white")
    ImageDraw.Draw(im).text((2, 4), text, fill="black")
    return im


def _png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def _dataset(columns: dict, image_column: str = "image") -> datasets.Dataset:
    features = {}
    for name, values in columns.items():
        if name == image_column:
            features[name] = datasets.Image()
        elif isinstance(values[0], list):
            features[name] = datasets.Sequence(datasets.Value("string"))
        elif isinstance(values[0], int):
            features[name] = datasets.Value("int64")
        else:
            features[name] = datasets.Value("string")
    return datasets.Dataset.from_dict(columns, features=datasets.Features(features))


def textvqa_columns(n: int = 4) -> dict:
    return {
        "image_id": [f"img{i}" for i in range(n)],
        "question_id": [100 + i for i in range(n)],
        "question": [f"what does sign {i} say?" for i in range(n)],
        "question_tokens": [["what", "does"] for _ in range(n)],
        "image": [_img(f"S{i}") for i in range(n)],
        "image_width": [48] * n,
        "image_height": [20] * n,
        "flickr_original_url": ["http://x"] * n,
        "flickr_300k_url": ["http://y"] * n,
        "answers": [[f"s{i}"] * 10 for i in range(n)],
        "image_classes": [["Sign"] for _ in range(n)],
        "set_name": ["val"] * n,
        "ocr_tokens": [[f"S{i}", "open"] for i in range(n)],
    }


def test_textvqa_columns_map_from_save_to_disk(tmp_path):
    folder = tmp_path / "textvqa"
    _dataset(textvqa_columns()).save_to_disk(str(folder))
    samples = load_samples("textvqa", source=str(folder))
    assert [s.question_id for s in samples] == ["100", "101", "102", "103"]
    s = samples[2]
    assert s.benchmark == "textvqa"
    assert s.question == "what does sign 2 say?"
    assert s.answers == ["s2"] * 10
    assert s.ocr_tokens == ["S2", "open"]
    assert s.meta["image_id"] == "img2" and s.meta["set_name"] == "val"
    # Images arrive as the encoded file bytes, decodable to what was stored.
    assert isinstance(s.image, bytes)
    assert Image.open(io.BytesIO(s.image)).size == (48, 20)


def test_docvqa_and_infovqa_configs_from_a_repository_clone(tmp_path):
    """A folder laid out like lmms-lab/DocVQA (README configs + parquet shards) loads
    through datasets.load_dataset with the benchmark's config name."""
    repo = tmp_path / "DocVQA"
    (repo / "DocVQA").mkdir(parents=True)
    (repo / "InfographicVQA").mkdir()
    doc = _dataset(
        {
            "questionId": ["q1", "q2"],
            "question": ["What is the date?", "Who signed?"],
            "question_types": [["form"], ["handwritten"]],
            "image": [_img("D1"), _img("D2")],
            "docId": [7, 8],
            "ucsf_document_id": ["u1", "u2"],
            "ucsf_document_page_no": ["1", "2"],
            "answers": [["12 March 2021", "March 12, 2021"], ["J. Smith"]],
            "data_split": ["val", "val"],
        }
    )
    info = _dataset(
        {
            "questionId": ["i1"],
            "question": ["How many?"],
            "answers": [["42"]],
            "answer_type": [["single span"]],
            "image": [_img("I1")],
            "image_url": ["http://z"],
            "operation/reasoning": [["counting"]],
            "ocr": ["{}"],
            "data_split": ["val"],
        }
    )
    doc.to_parquet(str(repo / "DocVQA" / "validation-00000-of-00001.parquet"))
    info.to_parquet(str(repo / "InfographicVQA" / "validation-00000-of-00001.parquet"))
    write_hub_card(repo, {"DocVQA": ["validation"], "InfographicVQA": ["validation"]})

    docs = load_samples("docvqa", source=str(repo))
    assert [s.question_id for s in docs] == ["q1", "q2"]
    assert docs[0].answers == ["12 March 2021", "March 12, 2021"]
    assert docs[1].meta["question_types"] == ["handwritten"] and docs[1].meta["docId"] == 8
    infos = load_samples("infovqa", source=str(repo))
    assert [(s.question_id, s.answers) for s in infos] == [("i1", ["42"])]
    assert "ocr" not in infos[0].meta  # the large OCR dump stays out of meta


def test_chartqa_parquet_has_row_index_ids_and_single_answer(tmp_path):
    path = tmp_path / "chartqa.parquet"
    _dataset(
        {
            "type": ["human_test", "augmented_test", "human_test"],
            "question": ["Max value?", "Min value?", "Which year?"],
            "answer": ["41.5", "3", "2019"],
            "image": [_img("C1"), _img("C2"), _img("C3")],
        }
    ).to_parquet(str(path))
    samples = load_samples("chartqa", source=str(path))
    assert [s.question_id for s in samples] == ["0", "1", "2"]
    assert samples[0].answers == ["41.5"]
    assert samples[1].meta["type"] == "augmented_test"


def test_ocrvqa_rows_explode_into_one_sample_per_question(tmp_path):
    folder = tmp_path / "ocrvqa"
    _dataset(
        {
            "image": [_img("B1"), _img("B2")],
            "image_id": ["b1", "b2"],
            "questions": [["Who wrote this book?", "What is the title?"], ["Is this a comic?"]],
            "answers": [["Jane Roe", "Tiny Tales"], ["No"]],
            "ocr_tokens": [["Tiny", "Tales"], []],
            "title": ["Tiny Tales", "Maps"],
            "authorName": ["Jane Roe", "Al Bo"],
            "genre": ["Fiction", "Travel"],
            "image_width": [48, 48],
            "image_height": [20, 20],
            "image_url": ["u", "v"],
            "set_name": ["test", "test"],
        }
    ).save_to_disk(str(folder))
    samples = load_samples("ocrvqa", source=str(folder))
    assert [(s.question_id, s.question, s.answers) for s in samples] == [
        ("b1-0", "Who wrote this book?", ["Jane Roe"]),
        ("b1-1", "What is the title?", ["Tiny Tales"]),
        ("b2-0", "Is this a comic?", ["No"]),
    ]
    assert samples[0].image == samples[1].image  # same cover
    assert samples[1].meta["genre"] == "Fiction"
    # Selection counts questions, not covers.
    assert [s.question_id for s in load_samples("ocrvqa", source=str(folder), offset=1)] == [
        "b1-1",
        "b2-0",
    ]


def test_stvqa_test_split_without_answers_says_what_to_do(tmp_path):
    folder = tmp_path / "stvqa"
    _dataset(
        {
            "question_id": [1, 2],
            "question": ["What brand?", "What number?"],
            "image": [_img("T1"), _img("T2")],
        }
    ).save_to_disk(str(folder))
    with pytest.raises(DataLoadError) as err:
        load_samples("stvqa", source=str(folder))
    msg = str(err.value)
    assert "'stvqa'" in msg and str(folder) in msg
    assert "no answers" in msg and "train" in msg
    # Without requiring answers (e.g. to write a submission file) it loads.
    assert len(load_samples("stvqa", source=str(folder), require_answers=False)) == 2


def test_stvqa_train_copy_with_answer_lists(tmp_path):
    """danjacobellis/stvqa_task1 layout: path, question, dictionary, answer (list), image."""
    folder = tmp_path / "stvqa_task1"
    datasets.DatasetDict(
        {
            "train": _dataset(
                {
                    "path": ["coco-text/a.jpg", "coco-text/b.jpg"],
                    "question": ["What brand?", "What number?"],
                    "dictionary": [["x"], ["y"]],
                    "answer": [["nike", "Nike"], ["9"]],
                    "image": [_img("N"), _img("9")],
                }
            )
        }
    ).save_to_disk(str(folder))
    samples = load_samples("stvqa", source=str(folder), split="train")
    assert [s.answers for s in samples] == [["nike", "Nike"], ["9"]]
    assert isinstance(samples[0].image, bytes)  # the image column wins over 'path'


def test_unknown_split_of_a_saved_dict_names_the_splits(tmp_path):
    folder = tmp_path / "dd"
    dd = datasets.DatasetDict(
        {"train": _dataset(textvqa_columns(1)), "validation": _dataset(textvqa_columns(1))}
    )
    dd.save_to_disk(str(folder))
    with pytest.raises(DataLoadError, match="available: \\['train', 'validation'\\]"):
        load_samples("textvqa", source=str(folder), split="test")


def test_hub_id_without_network_names_benchmark_source_and_remedy(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "cache", raising=False)
    with pytest.raises(DataLoadError) as err:
        load_samples("textvqa")
    msg = str(err.value)
    assert "'textvqa'" in msg and "lmms-lab/textvqa" in msg and "validation" in msg
    assert "No network?" in msg and "source=" in msg


def test_hub_call_receives_the_benchmark_path_config_and_split(monkeypatch):
    """The real datasets.load_dataset is what is called, with the spec's arguments."""
    calls = []

    def fake_load_dataset(path, name=None, split=None, **kw):
        calls.append((path, name, split))
        return _dataset(
            {"questionId": ["a"], "question": ["q?"], "answers": [["x"]], "image": [_img("A")]}
        )

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    samples = load_samples("infovqa")
    assert calls == [("lmms-lab-encoder/DocVQA", "InfographicVQA", "validation")]
    assert samples[0].question_id == "a"


def test_hub_ids_of_today_fall_back_to_the_older_copies(monkeypatch):
    """lmms-eval reads lmms-lab-encoder/*; where that copy cannot be loaded the older
    lmms-lab/* id is tried, with a warning naming what was loaded."""
    calls = []

    def fake_load_dataset(path, name=None, split=None, **kw):
        calls.append(path)
        if path.startswith("lmms-lab-encoder/"):
            raise datasets.exceptions.DatasetNotFoundError(
                f"Dataset '{path}' doesn't exist on the Hub"
            )
        return _dataset(textvqa_columns(2))

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    with pytest.warns(UserWarning, match="older copy lmms-lab/textvqa"):
        samples = load_samples("textvqa")
    assert calls == ["lmms-lab-encoder/textvqa", "lmms-lab/textvqa"]
    assert [s.question_id for s in samples] == ["100", "101"]
    assert samples[0].meta["source"] == "lmms-lab/textvqa"
    calls.clear()
    with pytest.raises(DataLoadError, match="lmms-lab-encoder/textvqa: DatasetNotFoundError"):
        load_samples("textvqa", source="lmms-lab-encoder/textvqa")  # a chosen id: no fallback
    assert calls == ["lmms-lab-encoder/textvqa"]


def test_bytes_images_round_trip_through_parquet(tmp_path):
    """Images stored as {'bytes', 'path'} structs (how parquet holds them) stay bytes."""
    png = _png_bytes(_img("P"))
    path = tmp_path / "own.parquet"
    ds = datasets.Dataset.from_dict(
        {
            "question_id": ["p1"],
            "image": [{"bytes": png, "path": None}],
            "question": ["q?"],
            "answers": [["a"]],
        },
        features=datasets.Features(
            {
                "question_id": datasets.Value("string"),
                "image": datasets.Image(),
                "question": datasets.Value("string"),
                "answers": datasets.Sequence(datasets.Value("string")),
            }
        ),
    )
    ds.to_parquet(str(path))
    (s,) = load_samples("docvqa", source=str(path))
    assert s.image == png
