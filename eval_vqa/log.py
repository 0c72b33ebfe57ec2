"""The per-sample log: one JSON line per sample, appended and flushed as the run goes.

Each process appends to its own shard, ``RUN_DIR/log/rank-<k>.jsonl``; the set of all shards
is the log, so a run resumed with a different number of processes still sees every finished
sample. The main process merges them, in the benchmarks' sample order, into
``RUN_DIR/samples.jsonl`` at the end. A line cut short by a kill is dropped on reading and
cut off before the next append, so nothing is half-counted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

LOG_DIR = "log"
MERGED = "samples.jsonl"


def record_key(benchmark: str, question_id: str) -> str:
    """The identity of a sample in a run: resume and pairing both use it."""
    return f"{benchmark}/{question_id}"


def shard_path(run_dir: str | Path, rank: int) -> Path:
    return Path(run_dir) / LOG_DIR / f"rank-{rank:05d}.jsonl"


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of one jsonl file; a final line cut short by a kill is skipped."""
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                return  # the process died while writing this line
            line = raw.strip()
            if line:
                yield json.loads(line)


def shard_files(run_dir: str | Path) -> list[Path]:
    return sorted((Path(run_dir) / LOG_DIR).glob("rank-*.jsonl"))


def read_records(run_dir: str | Path) -> list[dict[str, Any]]:
    """Every finished sample of a run, once each: the shards if present, else the merged log."""
    files = shard_files(run_dir) or [p for p in [Path(run_dir) / MERGED] if p.is_file()]
    seen: dict[str, dict[str, Any]] = {}
    for path in files:
        for rec in read_jsonl(path):
            seen.setdefault(rec["key"], rec)
    return list(seen.values())


def done_keys(run_dir: str | Path) -> set[str]:
    """Keys of the samples already in the log (finished or recorded as broken)."""
    return {rec["key"] for rec in read_records(run_dir)}


class SampleLog:
    """Append-only jsonl writer that makes each record durable before returning."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _cut_partial_line(self.path)
        self._file = open(self.path, "a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, ensure_ascii=False, default=_jsonable) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "SampleLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cut_partial_line(path: Path) -> None:
    """Drop a trailing line without its newline, so the next record starts on a line of its own."""
    if not path.is_file():
        return
    with open(path, "rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


def merge(run_dir: str | Path, order: Iterable[str] = ()) -> Path:
    """Write all shards into ``samples.jsonl``, sorted by benchmark (in ``order``) then sample index."""
    rank = {name: i for i, name in enumerate(order)}
    records = read_records(run_dir)
    records.sort(key=lambda r: (rank.get(r["benchmark"], len(rank)), r["benchmark"], r.get("index", 0)))
    out = Path(run_dir) / MERGED
    tmp = out.with_suffix(".jsonl.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False, default=_jsonable) + "\n")
    os.replace(tmp, out)  # atomic: a reader never sees half a merge
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to the sample log")
