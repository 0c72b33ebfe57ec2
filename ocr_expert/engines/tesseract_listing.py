"""What the ``tesseract`` in use says it has: its language-data folder and its models.

Read once per process from ``tesseract --list-langs``, whose first line names the folder
(``List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (4):``) and whose
other lines name the models, the capitalised script models too (``pytesseract.get_languages``
leaves those out).
"""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_TIMEOUT_S = 30


@dataclass(frozen=True)
class Listing:
    """Tesseract's language-data folder (None where it named none) and its models."""

    folder: Path | None
    models: tuple[str, ...]


@functools.cache
def tesseract_listing(tesseract_cmd: str) -> Listing:
    """What ``tesseract_cmd --list-langs`` lists; nothing where it cannot run."""
    try:
        lines = subprocess.run(
            [tesseract_cmd, "--list-langs"],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        lines = []
    found = re.search(r'"([^"]+)"', lines[0]) if lines else None
    return Listing(
        folder=Path(found.group(1)) if found else None,
        models=tuple(line.strip() for line in lines[1:] if line.strip()),
    )


__all__ = ["Listing", "tesseract_listing"]
