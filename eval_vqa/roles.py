"""What the run needs of the model, the OCR expert and an opened benchmark, as protocols:
the runner and its per-sample stages depend on these shapes, not on the classes behind them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from eval_vqa.benchmarks import BenchmarkSpec
    from eval_vqa.data.types import Sample
    from lmm_bridge import Backend
    from lmm_bridge.context import ContextInfo
    from lmm_bridge.variants import VariantSpec
    from ocr_expert import OCRResult
    from ocr_expert.expert import Mode
    from ocr_expert.image_io import ImageSource


class PromptLike(Protocol):
    """A prepared prompt as the runner logs it."""

    @property
    def full_prompt(self) -> str: ...

    @property
    def context(self) -> ContextInfo | None: ...


class ModelLike(Protocol):
    """What the runner calls on the model (``lmm_bridge.OCRAugmentedVLM``)."""

    backend: Backend  # named in run.json; the prompt profile follows it

    def prepare(
        self,
        image: ImageSource,
        question: str,
        *,
        ocr: OCRResult | None,
        variant: VariantSpec,
        instruction: str | None,
        max_new_tokens: int | None,
    ) -> PromptLike: ...

    def generate(self, prompts: Sequence[Any], *, max_new_tokens: int | None) -> Sequence[str]: ...


class OcrReaderLike(Protocol):
    """The OCR expert as the run's OCR stage uses it (``ocr_expert.OCRExpert``)."""

    @property
    def engine_name(self) -> str: ...

    def read(self, image: ImageSource, *, mode: Mode, tokens: list[str] | None) -> OCRResult: ...


class BenchmarkTable(Protocol):
    """An opened benchmark: its spec, the selected question ids, samples read by position."""

    @property
    def spec(self) -> BenchmarkSpec: ...

    @property
    def ids(self) -> Sequence[str]: ...

    def __getitem__(self, index: int) -> Sample: ...

    def __iter__(self) -> Iterator[Sample]: ...
