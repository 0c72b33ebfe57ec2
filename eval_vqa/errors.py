"""What broke a sample: the kinds of failure the log records and the report counts."""

from __future__ import annotations

import re
from typing import Any

#: the kinds of a broken sample's error
ERROR_KINDS = ("data", "image", "ocr", "generation", "oom")

_OOM_TEXT = re.compile(r"out of memory|OutOfMemoryError", re.IGNORECASE)


def error_kind(stage: str, reason: str) -> str:
    """The kind of a sample's failure: ``oom`` wherever memory ran out, else by stage
    (``prompt`` and ``generate`` are both ``generation``)."""
    if _OOM_TEXT.search(reason):
        return "oom"
    return stage if stage in ("data", "image", "ocr") else "generation"


def kind_of(error: dict[str, Any]) -> str:
    """The kind of a logged error (logs written before kinds existed have only the stage)."""
    kind = error.get("kind")
    return kind if kind in ERROR_KINDS else error_kind(str(error.get("stage", "")), str(error.get("reason", "")))


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA's (or any accelerator's) out-of-memory error, recognised without importing torch."""
    return any(c.__name__ == "OutOfMemoryError" for c in type(exc).__mro__) or bool(_OOM_TEXT.search(str(exc)))
