"""What broke a sample: the kinds of failure the log records and the report counts."""

from __future__ import annotations

import re
from typing import Literal, cast, get_args

#: the kinds of a broken sample's error
ErrorKind = Literal["data", "image", "ocr", "generation", "oom"]
ERROR_KINDS: tuple[str, ...] = get_args(ErrorKind)

_OOM_TEXT = re.compile(r"out of memory|OutOfMemoryError", re.IGNORECASE)


def error_kind(stage: str, reason: str) -> ErrorKind:
    """The kind of a sample's failure: ``oom`` wherever memory ran out, else by stage
    (``prompt`` and ``generate`` are both ``generation``)."""
    if _OOM_TEXT.search(reason):
        return "oom"
    return cast(ErrorKind, stage) if stage in ("data", "image", "ocr") else "generation"


def is_out_of_memory(exc: BaseException) -> bool:
    """CUDA's (or any accelerator's) out-of-memory error, recognized without importing torch."""
    return any(c.__name__ == "OutOfMemoryError" for c in type(exc).__mro__) or bool(
        _OOM_TEXT.search(str(exc))
    )
