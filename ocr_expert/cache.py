"""On-disk cache of OCR results, keyed by image content and the engine's full configuration.

One JSON file per entry, written to a temporary file and renamed into place, so several
processes (one per GPU in a sharded run) can fill the same cache at once: a reader sees a
whole entry or none. Each entry also records what it was computed from (``"cache"``: the
image's hash, the engine configuration, the mode); on reading, an entry that is not UTF-8,
not JSON, not a well-typed result, or recorded for another image or configuration than its
key says is recomputed, with one warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ocr_expert.types import OCRResult
from ocrvqa.errors import OcrvqaError
from ocrvqa.files import cache_dir, parse_json_object, write_atomic
from ocrvqa.validation import error_lines

log = logging.getLogger(__name__)

#: bump when the stored format or the reading-order logic changes what is stored
CACHE_VERSION = 80


def default_cache_dir() -> Path:
    """``$OCRVQA_CACHE``, else ``$XDG_CACHE_HOME/ocrvqa/ocr``, else ``~/.cache/ocrvqa/ocr``."""
    return cache_dir("ocr", "OCRVQA_CACHE")


def cache_key(fields: dict[str, Any]) -> str:
    """The key of an entry made of ``fields`` (``key_fields``): a hash of their canonical JSON."""
    return hashlib.sha256(_canonical(fields).encode()).hexdigest()


def key_fields(image_digest: str, engine_config: dict[str, Any], mode: str) -> dict[str, Any]:
    """What a cache key is made of; stored inside the entry so a read can check it."""
    return {"v": CACHE_VERSION, "image": image_digest, "engine": engine_config, "mode": mode}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class CacheEntryError(OcrvqaError, ValueError):
    """A cache entry that cannot be trusted (the message says why)."""


def parse_entry(raw: bytes, expect: dict[str, Any] | None = None) -> OCRResult:
    """An entry's result after checking it whole: UTF-8, JSON, types, and (given
    ``expect``, the key's fields) that it was stored for this image and configuration."""
    data, why = parse_json_object(raw)
    if data is None:
        raise CacheEntryError(why)
    try:
        result = OCRResult.from_json(raw)
    except ValidationError as exc:
        raise CacheEntryError(error_lines(exc)[0]) from None
    if expect is not None:
        stored = data.get("cache")
        if not isinstance(stored, dict):
            raise CacheEntryError("it does not record the image and configuration it was made from")
        for field in ("image", "engine", "mode", "v"):
            if _canonical(stored.get(field)) != _canonical(expect.get(field)):
                raise CacheEntryError(
                    f"it was stored for another {'configuration' if field == 'engine' else field}"
                )
    return result


class OCRCache:
    """Get and put ``OCRResult`` objects under a folder."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, expect: dict[str, Any] | None = None) -> OCRResult | None:
        """The stored result, or None when absent or damaged (a damaged file is removed).

        ``expect``: the key's fields (``key_fields``); an entry stored for another image,
        configuration or mode is damaged too.
        """
        path = self.path(key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("OCR cache entry %s unreadable (%s); recomputing", path, exc)
            return None
        try:
            return parse_entry(raw, expect)
        except (CacheEntryError, ValueError, KeyError, TypeError) as exc:
            log.warning("OCR cache entry %s is damaged (%s); recomputing", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def put(self, key: str, result: OCRResult, fields: dict[str, Any] | None = None) -> None:
        """Store atomically, with the key's ``fields`` inside so reads can check them; a
        failure to write (full disk, read-only folder) only logs."""
        path = self.path(key)
        data = result.to_dict()
        if fields is not None:
            data["cache"] = fields
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(data, ensure_ascii=False, default=str))
        except OSError as exc:
            log.warning("could not write OCR cache entry %s: %s", path, exc)
