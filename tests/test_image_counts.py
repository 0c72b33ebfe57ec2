"""A run reads each image once: one hash and one decode, shared by the first-image check,
OCR, the run-folder bookkeeping and every prompt variant's model input.

The model is a registered test backend that decodes the image of every request, as the
pixel-taking backends (``hf``, ``vllm``, ``openai``) do. Other tests load this module as a
plugin (``plugins: [test_image_counts]``) to register it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from test_runner import ALONE, config_dict, make_benchmark

from eval_vqa.config import load_config
from eval_vqa.log import read_records
from eval_vqa.report import build_report
from eval_vqa.runner import run
from lmm_bridge import Backend, register_backend
from ocr_expert.image_io import image_counts, load_image, reset_image_counts


@register_backend("test-pixels")
class PixelBackend(Backend):
    """Decodes each request's image, then answers with the image's width."""

    def __init__(self, model: str | None, **kwargs: Any) -> None:
        super().__init__(model)

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def generate(self, requests: list[Any]) -> list[str]:
        return [str(load_image(r.images[0]).image.width) for r in requests]


def two_questions_per_image(folder: Path, images: int) -> Path:
    """``make_benchmark``'s sign images, each asked about twice."""
    source = make_benchmark(folder, n=images)
    rows = [json.loads(line) for line in source.read_text().splitlines()]
    again = [{**row, "question_id": row["question_id"] + "-again"} for row in rows]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows + again))
    return source


def test_a_run_hashes_and_decodes_each_image_once_for_all_variants(tmp_path: Path):
    images = 4
    source = two_questions_per_image(tmp_path / "data", images)
    config = load_config(
        config_dict(
            tmp_path,
            source,
            backend="test-pixels",
            plugins=["test_runner", "test_image_counts"],
            variants=["none", "tokens", "lines", "boxes"],
            ocr={"engine": "test-picky", "cache_dir": str(tmp_path / "ocr-cache")},
            batch_size=4,
            report={"html": False, "bootstrap_samples": 200, "permutation_samples": 500},
        )
    )
    reset_image_counts()
    summary = run(config, shard=ALONE, report=True)
    assert (summary.written, summary.errors) == (2 * images, 0)
    assert image_counts() == {"decodes": images, "hashes": images}
    records = read_records(config.run_dir)
    # every variant's model input was the decoded image itself (its width: 160 + i)
    for rec in records:
        widths = {v.prediction for v in rec.variants.values()}
        assert widths == {str(160 + int(rec.question_id[1:].split("-")[0]))}
    assert (config.run_dir / "results.json").is_file()

    # the report page shows the images again, decoding them but never hashing them
    reset_image_counts()
    build_report(config.run_dir)
    counts = image_counts()
    assert counts["hashes"] == 0


def test_a_run_with_the_ocr_cache_warm_hashes_each_image_and_decodes_only_for_the_model(
    tmp_path: Path,
):
    images = 3
    source = two_questions_per_image(tmp_path / "data", images)
    base = config_dict(
        tmp_path,
        source,
        backend="test-pixels",
        plugins=["test_runner", "test_image_counts"],
        variants=["none", "tokens"],
        ocr={"engine": "test-picky", "cache_dir": str(tmp_path / "ocr-cache")},
        batch_size=2 * images,
        report={"html": False, "bootstrap_samples": 200, "permutation_samples": 500},
    )
    run(load_config({**base, "output_dir": str(tmp_path / "first")}), shard=ALONE, report=False)
    reset_image_counts()
    run(load_config({**base, "output_dir": str(tmp_path / "second")}), shard=ALONE)
    assert image_counts() == {"decodes": images, "hashes": images}
