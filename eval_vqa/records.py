"""The per-sample records of a run: what the runner logs, the log reads back and the reports use.

One JSON line per :class:`SampleRecord`. The field names and values are the log format,
which run folders on disk hold, so every log reads back unchanged: ``attempt`` is left out
for a first attempt and ``image`` when there is none. Reading validates a line; one that
is not a record (a bad byte, a wrong type, a broken sample without its error) is a damaged
line (see :mod:`eval_vqa.log`).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, model_serializer, model_validator

from eval_vqa.errors import ERROR_KINDS, ErrorKind, error_kind

#: Longest side of the image copies a run folder keeps for the report page (``image``), and
#: of the thumbnails the page shows.
THUMB_SIDE = 640


#: ``json.dumps(..., ensure_ascii=False)``, built once for every log line
_ENCODER = json.JSONEncoder(ensure_ascii=False)


class SampleError(BaseModel):
    """Why a sample is broken: the stage that failed, the reason, and its kind."""

    stage: str
    reason: str
    kind: ErrorKind

    @model_validator(mode="before")
    @classmethod
    def _derive_kind(cls, data: Any) -> Any:
        # logs written before kinds existed hold only the stage: the kind follows from it
        if isinstance(data, dict) and data.get("kind") not in ERROR_KINDS:
            data = {
                **data,
                "kind": error_kind(str(data.get("stage", "")), str(data.get("reason", ""))),
            }
        return data

    @classmethod
    def of(cls, stage: str, reason: str) -> SampleError:
        """The error of a sample that failed at ``stage`` for ``reason`` (its kind derived)."""
        return cls(stage=stage, reason=reason)  # type: ignore[call-arg]  # kind: derived


class OcrSummary(BaseModel):
    """What OCR read off the sample's image; the whole result is in the run folder (``file``)."""

    engine: str
    n_spans: int = 0
    n_lines: int = 0
    n_words: int = 0
    mean_score: float = 0.0
    language: str | None = None
    elapsed_s: float = 0.0
    file: str | None = None  # the OCR result, relative to the run folder
    # recall of everything OCR read, before any format or budget cut it down
    answer_in_ocr: bool | None = None


class VariantResult(BaseModel):
    """One prompt variant's answer to one sample and its scores (0..1 per metric)."""

    prompt: str
    prediction: str
    scores: dict[str, float]
    context_tokens: int = 0
    # the most tokens the context could take: the variant's budget or what the model's
    # window left, whichever is smaller (None: no limit)
    context_budget: int | None = None
    # tokens the context would have taken with all the OCR text (None: no OCR variant)
    context_full_tokens: int | None = None
    context_kept: int = 0
    context_dropped: int = 0
    context_note: str | None = None
    # None for a variant without OCR: recall is not defined there (an empty context is a miss)
    answer_in_context: bool | None = None
    generate_s: float = 0.0

    @model_serializer(mode="wrap")
    def _as_logged(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        # left out when unknown, as logs written before the budget was logged read
        for key in ("context_budget", "context_full_tokens"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class SampleRecord(BaseModel):
    """One sample of a run: its question, each variant's answer, or why it is broken."""

    key: str
    index: int = 0
    benchmark: str
    question_id: str = ""
    question: str | None = None
    answers: list[str] = []
    part: str | None = None
    status: Literal["ok", "error"]
    error: SampleError | None = None
    rank: int = 0
    variants: dict[str, VariantResult]
    ocr: OcrSummary | None = None
    timings: dict[str, float] = {}
    attempt: int = 1  # how many times the sample has been evaluated (more than 1: retried)
    image: str | None = None  # the image file, or the run folder's copy of an in-memory image

    @model_validator(mode="after")
    def _broken_has_its_error(self) -> SampleRecord:
        if self.status == "error" and self.error is None:
            raise ValueError("a broken-sample record without its error")
        return self

    @model_serializer(mode="wrap")
    def _as_logged(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        # left out when at their defaults, as the log has always written them
        if self.attempt == 1:
            data.pop("attempt", None)
        if self.image is None:
            data.pop("image", None)
        return data

    @property
    def broken(self) -> bool:
        """True for a sample left out of every variant's score."""
        return self.status == "error"

    def fail(self, error: SampleError) -> None:
        """Mark the sample broken; the first failure is the one recorded."""
        if not self.broken:
            self.status, self.error = "error", error

    def to_json(self) -> str:
        """The record as one log line (without its newline)."""
        return _ENCODER.encode(self.model_dump(mode="json"))


def validate_record(obj: dict[str, Any]) -> tuple[SampleRecord | None, str]:
    """A parsed log line as a record, or None and why it is not one."""
    try:
        return SampleRecord.model_validate(obj), ""
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        return (
            None,
            f"not a sample record ({where}: {first['msg']}; {exc.error_count()} problem(s))",
        )
