"""What ``ocr_expert``, ``lmm_bridge`` and ``eval_vqa`` share: the project's error family and
its file helpers (atomic writes, JSON-lines reading, cache folders).

The layering is ``ocrvqa`` <- ``ocr_expert`` <- ``lmm_bridge`` <- ``eval_vqa``; this package
imports none of the others.
"""

from ocrvqa.errors import OcrvqaError
from ocrvqa.files import JsonlError, cache_dir, read_jsonl, write_atomic

__all__ = ["JsonlError", "OcrvqaError", "cache_dir", "read_jsonl", "write_atomic"]
