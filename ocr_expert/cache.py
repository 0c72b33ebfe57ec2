"""On-disk cache of OCR results, keyed by image content and the engine's full configuration.

One JSON file per entry, written to a temporary file and renamed into place, so several
processes (one per GPU in a sharded run) can fill the same cache at once: a reader sees a
whole entry or none. An entry that fails to parse is treated as missing and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from ocr_expert.types import OCRResult

log = logging.getLogger(__name__)

#: bump when the stored format or the reading-order logic changes what is stored
CACHE_VERSION = 3


def default_cache_dir() -> Path:
    """``$OCRVQA_CACHE``, else ``$XDG_CACHE_HOME/ocrvqa/ocr``, else ``~/.cache/ocrvqa/ocr``."""
    if os.environ.get("OCRVQA_CACHE"):
        return Path(os.environ["OCRVQA_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ocrvqa" / "ocr"


def cache_key(image_digest: str, engine_config: dict[str, Any], mode: str) -> str:
    payload = json.dumps(
        {"v": CACHE_VERSION, "image": image_digest, "engine": engine_config, "mode": mode},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class OCRCache:
    """Get and put ``OCRResult`` objects under a folder."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> OCRResult | None:
        """The stored result, or None when absent or damaged (a damaged file is removed)."""
        path = self.path(key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("OCR cache entry %s unreadable (%s); recomputing", path, exc)
            return None
        try:
            return OCRResult.from_json(text)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("OCR cache entry %s is damaged (%s); recomputing", path, exc)
            try:
                path.unlink()
            except OSError:
                pass
            return None

    def put(self, key: str, result: OCRResult) -> None:
        """Store atomically; a failure to write (full disk, read-only folder) only logs."""
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:8]}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(result.to_json())
                os.replace(tmp, path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            log.warning("could not write OCR cache entry %s: %s", path, exc)
