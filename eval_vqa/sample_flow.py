"""One sample made ready for the variants: read (image checked, OCR run or taken from the
cache), tagged with its log key, its image named for the record (a run-folder copy of an
in-memory image) and its OCR result kept in the run folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from eval_vqa.ocr_stage import ImageMemo, ReadSample
from eval_vqa.records import THUMB_SIDE
from ocrvqa.files import write_atomic

if TYPE_CHECKING:
    from eval_vqa.roles import BenchmarkTable
    from ocr_expert import OCRResult

OCR_DIR = "ocr"
IMAGE_DIR = "images"


class SampleTag(NamedTuple):
    """What the runner keeps with a sample through the OCR stage."""

    key: str  # its log key
    # the field shadows tuple.index, which mypy reports; the name is part of the record
    index: int  # type: ignore[assignment]  # its position in the benchmark's selection
    image: str | None  # the image file, or the run folder's copy of an in-memory image


class SampleReader:
    """Reads the sample at a (log key, position) of a benchmark into a tagged ``ReadSample``;
    safe to call from the read-ahead threads."""

    def __init__(self, data: BenchmarkTable, memo: ImageMemo, run_dir: Path) -> None:
        self.data, self.memo, self.run_dir = data, memo, run_dir

    def __call__(self, item: tuple[str, int]) -> ReadSample:
        key, index = item
        out = self.memo(self.data[index])  # the row, and its image, read here: per batch
        # on the read-ahead threads too: copying an in-memory image hides behind generation
        out.tag = SampleTag(key, index, image_reference(self.run_dir, out))
        return out


def save_ocr(run_dir: Path, digest: str, ocr: OCRResult) -> str:
    """Keep the OCR result in the run folder (content-addressed) so reports need no OCR engine."""
    rel = f"{OCR_DIR}/{digest}.json"
    path = Path(run_dir) / rel
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, ocr.to_json())
    return rel


def image_reference(run_dir: Path, x: ReadSample) -> str | None:
    """What the record names as the sample's image: its file, or for an image held in memory
    (dataset bytes, a PIL image) a small JPEG copy kept in the run folder (content-addressed),
    so the report page can show every sample. None when the image cannot be read."""
    image = x.sample.image
    if isinstance(image, (str, Path)):
        return str(image)
    if image is None or x.digest is None or (x.error or {}).get("stage") == "image":
        return None
    shown = x.model_image
    if shown is None:
        return None
    rel = f"{IMAGE_DIR}/{x.digest}.jpg"
    path = Path(run_dir) / rel
    if not path.is_file():
        from ocr_expert.image_io import ImageInputError, load_image

        try:
            # the sample's own decoded pixels, shared with the model input: shrink a copy
            thumb = load_image(shown).image.copy()
        except ImageInputError:  # the sample is logged as broken; it has no image to show
            return None
        thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
        path.parent.mkdir(parents=True, exist_ok=True)
        # whole or absent: a copy cut short by a kill would be shown as it is
        write_atomic(path, lambda f: thumb.save(f, format="JPEG", quality=80))
    return rel
