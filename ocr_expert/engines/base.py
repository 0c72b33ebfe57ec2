"""The interface every OCR engine implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, ValidationError

from ocr_expert.types import Span
from ocrvqa.errors import OcrvqaError
from ocrvqa.validation import error_key_problem


class OCREngineError(OcrvqaError, RuntimeError):
    """An engine could not run (missing binary, missing model, bad option)."""


#: how an engine is asked to read one image: find text anywhere, read a crop holding one line
#: or word, or read a crop known to hold one line or a single word
ReadMode = Literal["page", "crop", "line", "word"]


class EngineOptions(BaseModel):
    """An engine's options, validated before anything loads: each engine subclasses this
    with its own fields (``ocr_expert.engines.check_options`` reports a wrong or unknown key)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)


@dataclass(frozen=True)
class PageLayout:
    """Spans with the reading order an engine found itself (Tesseract's blocks and lines).

    ``lines`` lists, in reading order, the span indices of each text line in their reading
    order; ``blocks`` gives each line's block number (a column, a paragraph). The expert keeps
    this order instead of working one out from the boxes. With ``in_order`` False the lines
    are the engine's (each its words in their order) but the order between them is not
    trusted: the expert puts the lines in its own reading order.
    """

    spans: list[Span]
    lines: list[list[int]]
    blocks: list[int]
    in_order: bool = True


class OCREngine(ABC):
    """Reads text off an image.

    ``read_page`` finds text anywhere in a full image (detection, then recognition);
    ``read_crop`` reads a single word or line crop with recognition only, as the
    text-recognition benchmarks need. Both return spans in any order: the expert puts
    them into reading order, unless ``read_page`` returns a ``PageLayout`` (the engine's own
    reading order, which is then kept).
    """

    name: ClassVar[str]
    #: the options the engine takes (``None``: not declared, passed to the constructor unchecked)
    Options: ClassVar[type[EngineOptions] | None] = None
    #: whether results are worth caching on disk (false for engines that do no work)
    cacheable: ClassVar[bool] = True
    #: language code(s) the engine reads, recorded in the result
    language: str | None = None
    #: spans without boxes are whole lines, already in reading order (models that write text out)
    lines_in_order: ClassVar[bool] = False
    #: images worth gathering for one ``read_batch`` call
    batch_size: int = 1
    #: reads a dataset's own OCR tokens instead of images (``OCRExpert.read(..., tokens=)``)
    takes_tokens: ClassVar[bool] = False
    #: runs a torch model (on the GPU when there is one): one engine copy per GPU, not per core
    uses_torch: ClassVar[bool] = False

    @classmethod
    def parse_options(cls, options: dict[str, Any]) -> Any:
        """``options`` validated by the engine's ``Options`` model; a wrong or unknown key
        raises ``OCREngineError`` in one line naming it and the options there are."""
        assert cls.Options is not None, f"{cls.__name__} declares no Options"
        try:
            return cls.Options.model_validate(options)
        except ValidationError as exc:
            key, problem = error_key_problem(exc.errors()[0], unknown="unknown option")
            where = f", option {key!r}" if key else ""
            known = ", ".join(cls.Options.model_fields)
            raise OCREngineError(
                f"OCR engine {cls.name!r}{where}: {problem.rstrip('.')} (known options: {known})"
            ) from None

    @classmethod
    def uses_torch_for(cls, options: dict[str, Any]) -> bool:
        """Whether the engine built with ``options`` runs a torch model (engines composed of
        others look at their parts)."""
        return cls.uses_torch

    @abstractmethod
    def config(self) -> dict[str, Any]:
        """The full configuration, JSON-serializable: it keys the cache, so any option
        that changes the output must be in it."""

    @abstractmethod
    def read_page(self, image: Image.Image) -> list[Span] | PageLayout:
        """Detect and recognize all text in an RGB image."""

    @abstractmethod
    def read_crop(self, image: Image.Image) -> list[Span]:
        """Recognize the text of an RGB crop holding one word or line (no detection)."""

    def read_line(self, image: Image.Image) -> list[Span]:
        """Recognize a crop known to hold one line (engines with a line mode override)."""
        return self.read_crop(image)

    def read_word(self, image: Image.Image) -> list[Span]:
        """Recognize a crop known to hold a single word (engines with a word mode override)."""
        return self.read_crop(image)

    def for_language(self, lang: str) -> OCREngine | None:
        """The same engine reading ``lang`` whole pages (Tesseract), or None where the engine
        cannot be asked for another language."""
        return None

    def read_batch(
        self, images: Sequence[Image.Image], mode: ReadMode = "page"
    ) -> Sequence[list[Span] | PageLayout]:
        """``read_page``, ``read_crop``, ``read_line`` or ``read_word`` of each image, as
        ``mode`` says; engines that run a model on several images at once override it."""
        read = {
            "page": self.read_page,
            "crop": self.read_crop,
            "line": self.read_line,
            "word": self.read_word,
        }[mode]
        return [read(image) for image in images]


class BatchOCREngine(OCREngine):
    """An engine that reads only in batches (a model or a server taking several images at
    once): ``read_page`` and ``read_crop`` are batches of one."""

    @abstractmethod
    def read_batch(
        self, images: Sequence[Image.Image], mode: ReadMode = "page"
    ) -> list[list[Span]]:
        """The spans of each image, read as ``mode`` says."""

    def read_page(self, image: Image.Image) -> list[Span]:
        return self.read_batch([image], mode="page")[0]

    def read_crop(self, image: Image.Image) -> list[Span]:
        return self.read_batch([image], mode="crop")[0]
