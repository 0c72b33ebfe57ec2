"""The interface every OCR engine implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from PIL import Image

from ocr_expert.types import Span
from ocrvqa.errors import OcrvqaError


class OCREngineError(OcrvqaError, RuntimeError):
    """An engine could not run (missing binary, missing model, bad option)."""


@dataclass(frozen=True)
class PageLayout:
    """Spans with the reading order an engine found itself (Tesseract's blocks and lines).

    ``lines`` lists, in reading order, the span indices of each text line in their reading
    order; ``blocks`` gives each line's block number (a column, a paragraph). The expert keeps
    this order instead of working one out from the boxes.
    """

    spans: list[Span]
    lines: list[list[int]]
    blocks: list[int]


class OCREngine(ABC):
    """Reads text off an image.

    ``read_page`` finds text anywhere in a full image (detection, then recognition);
    ``read_crop`` reads a single word or line crop with recognition only, as the
    text-recognition benchmarks need. Both return spans in any order: the expert puts
    them into reading order, unless ``read_page`` returns a ``PageLayout`` (the engine's own
    reading order, which is then kept).
    """

    name: ClassVar[str]
    #: whether results are worth caching on disk (false for engines that do no work)
    cacheable: ClassVar[bool] = True
    #: language code(s) the engine reads, recorded in the result
    language: str | None = None
    #: spans without boxes are whole lines, already in reading order (models that write text out)
    lines_in_order: ClassVar[bool] = False
    #: images worth gathering for one ``read_batch`` call
    batch_size: int = 1

    @abstractmethod
    def config(self) -> dict[str, Any]:
        """The full configuration, JSON-serialisable: it keys the cache, so any option
        that changes the output must be in it."""

    @abstractmethod
    def read_page(self, image: Image.Image) -> list[Span] | PageLayout:
        """Detect and recognise all text in an RGB image."""

    @abstractmethod
    def read_crop(self, image: Image.Image) -> list[Span]:
        """Recognise the text of an RGB crop holding one word or line (no detection)."""

    def read_word(self, image: Image.Image) -> list[Span]:
        """Recognise a crop known to hold a single word (engines with a word mode override)."""
        return self.read_crop(image)

    def read_crops(self, images: list[Image.Image]) -> list[list[Span]]:
        """Recognise several line crops; engines that batch override this."""
        return [self.read_crop(image) for image in images]

    def read_batch(self, images: Sequence[Image.Image], crop: bool = False) -> list[list[Span]]:
        """``read_crop`` (``crop``) or ``read_page`` of each image; engines that run a model
        on several images at once override it."""
        return [self.read_crop(i) if crop else self.read_page(i) for i in images]
