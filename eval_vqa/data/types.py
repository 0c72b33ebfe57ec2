"""The sample record every loader produces, and the one error every loader raises."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from PIL import Image

from ocrvqa.errors import OcrvqaError

ImageRef = str | Path | bytes | Image.Image


class DataLoadError(OcrvqaError, RuntimeError):
    """A benchmark's data could not be loaded. The message names the benchmark, the
    source and what to do about it."""


@dataclass
class Sample:
    """One question about one image, with its ground-truth answers.

    ``image`` is a file path, the encoded bytes of the image file, or a PIL image; every
    form is accepted by ``ocr_expert.load_image``. It is None for a row without an image,
    which the runner records as a broken sample. ``meta`` keeps the source's other
    small fields (question types, document ids, the row index...).
    """

    benchmark: str
    question_id: str
    image: ImageRef | None
    question: str
    answers: list[str]
    ocr_tokens: list[str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def image_ref(self) -> str:
        """A short printable name of the image: its path, or a description of the bytes."""
        if self.image is None:
            return "<no image>"
        if isinstance(self.image, (str, Path)):
            return str(self.image)
        if isinstance(self.image, (bytes, bytearray)):
            return f"<{len(self.image)} bytes>"
        return f"<PIL image {self.image.size[0]}x{self.image.size[1]}>"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able view for logs, every field in order (containers copied); the image
        appears as :attr:`image_ref`."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        return {
            **record,
            "image": self.image_ref,
            "answers": list(self.answers),
            "ocr_tokens": None if self.ocr_tokens is None else list(self.ocr_tokens),
            "meta": dict(self.meta),
        }
