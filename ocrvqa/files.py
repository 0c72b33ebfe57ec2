"""File helpers shared by the whole project: whole-or-nothing writes, JSON-lines reading and
the cache folders under ``$XDG_CACHE_HOME/ocrvqa``."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ocrvqa.errors import OcrvqaError


class JsonlError(OcrvqaError, ValueError):
    """A JSON-lines file with a line that is not a JSON object (the message names file and line)."""


def cache_dir(kind: str, env_var: str | None = None) -> Path:
    """The project's cache folder for ``kind`` (``ocr``, ``images``, ``models``):
    ``$env_var`` when set, else ``$XDG_CACHE_HOME/ocrvqa/<kind>``, else
    ``~/.cache/ocrvqa/<kind>``."""
    if env_var and os.environ.get(env_var):
        return Path(os.environ[env_var])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ocrvqa" / kind


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_atomic(
    path: str | Path, data: str | bytes | Callable[[Any], None], *, durable: bool = False
) -> Path:
    """Write ``path`` whole or not at all: a process killed mid-way (or a reader in another
    process) never sees half a file. ``data`` is text (UTF-8), bytes, or a function that
    writes to the open binary file (``image.save``). ``durable`` also syncs it to disk
    before the rename, for files a crash must not lose. The temporary file is unique per
    call, so threads and processes writing the same path do not collide."""
    path = Path(path)
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new, unique file beside ``path``, open for writing, with the mode ``open()`` gives
    (0666 less the umask). ``tempfile.mkstemp`` makes it 0600, which the rename would keep:
    a run folder or cache shared with other accounts would be unreadable to them."""
    for _ in range(100):
        tmp = path.parent / f".{path.name[:40]}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            ), str(tmp)
        except FileExistsError:  # another writer drew the same name: draw again
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def parse_json_object(raw: bytes | str) -> tuple[dict[str, Any] | None, str]:
    """One JSON-lines line as a dict, or None and why it is not one."""
    try:
        value = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(value, dict):
        return None, f"a JSON {type(value).__name__}, not an object"
    return value, ""


def read_jsonl(
    path: str | Path,
    *,
    check: Callable[[dict[str, Any]], str] | None = None,
    on_damaged: Callable[[int, bytes, str], None] | None = None,
    skip_cut_last_line: bool = False,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each line of a JSON-lines file; blank lines are skipped.

    A line that is not a JSON object, or that ``check`` finds wrong (it returns why, or ""),
    raises :class:`JsonlError` naming file and line, unless ``on_damaged(line number, raw
    line, why)`` is given, which is called instead and the line skipped.
    ``skip_cut_last_line`` stops quietly at a last line without its newline (a writer killed
    mid-line), as an append-only log needs.
    """
    path = Path(path)
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, 1):
            if skip_cut_last_line and not raw.endswith(b"\n"):
                return
            if not raw.strip():
                continue
            obj, why = parse_json_object(raw.strip())
            if obj is not None and check is not None:
                why = check(obj)
                obj = None if why else obj
            if obj is None:
                if on_damaged is None:
                    raise JsonlError(f"{path}:{lineno}: {why}")
                on_damaged(lineno, raw, why)
                continue
            yield lineno, obj
