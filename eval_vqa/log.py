"""The per-sample log: one JSON line per sample, appended and flushed as the run goes.

Each process appends to its own shard, ``RUN_DIR/log/rank-<k>.jsonl``; the set of all shards
is the log, so a run resumed with a different number of processes still sees every finished
sample. The main process merges them, in the benchmarks' sample order, into
``RUN_DIR/samples.jsonl`` at the end. A line cut short by a kill is dropped on reading and
cut off before the next append, so nothing is half-counted. A damaged whole line (a bad
byte, a record without its key) is skipped with a warning naming the file and line, and
moved aside to ``rank-<k>.jsonl.damaged`` when its shard is next opened for writing: its
sample is evaluated again. A sample retried (``--retry-errors``) has several records; the
one with the highest ``attempt`` counts.

Each process holds a lock on its shard while it writes, so a second run started on the same
folder (say, while workers of a killed ``accelerate launch`` are still going) is refused
instead of doing the same samples twice. ``selection.json`` keeps, per benchmark, the keys
the run's config selected, in order: the report covers those samples, in that order, even
when the log holds more (an earlier run of the folder with a larger ``limit``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from eval_vqa.records import SampleRecord, validate_record
from ocrvqa.errors import OcrvqaError
from ocrvqa.files import parse_json_object, read_jsonl, write_atomic

logger = logging.getLogger(__name__)

LOG_DIR = "log"
DAMAGED_SUFFIX = ".damaged"
MERGED = "samples.jsonl"
SELECTION = "selection.json"


class LogBusyError(OcrvqaError, RuntimeError):
    """Another process is writing this run's log."""


def record_key(benchmark: str, question_id: str) -> str:
    """The identity of a sample in a run: resume and pairing both use it."""
    return f"{benchmark}/{question_id}"


def shard_path(run_dir: str | Path, rank: int) -> Path:
    return Path(run_dir) / LOG_DIR / f"rank-{rank:05d}.jsonl"


def parse_record(raw: bytes) -> tuple[SampleRecord | None, str]:
    """One log line as a record, or None and why it is damaged."""
    obj, why = parse_json_object(raw)
    return (None, why) if obj is None else validate_record(obj)


_warned: set[tuple[str, int, str]] = set()


def _warn_damaged(path: Path, lineno: int, why: str, moved_to: Path | None = None) -> None:
    # once per line and process: the log is read several times in one run
    if (str(path), lineno, why) in _warned:
        return
    _warned.add((str(path), lineno, why))
    where = f"moved to {moved_to}" if moved_to else "skipped"
    logger.warning(
        "%s:%d: damaged log line %s (%s); its sample will be evaluated again",
        path,
        lineno,
        where,
        why,
    )


def read_log_file(path: str | Path) -> Iterator[SampleRecord]:
    """Records of one log file (a rank's shard or the merged log); a final line cut short by
    a kill is skipped, and so is a damaged line (with a warning naming the file and line)."""
    path = Path(path)
    for lineno, obj in read_jsonl(
        path,
        skip_cut_last_line=True,
        on_damaged=lambda lineno, _, why: _warn_damaged(path, lineno, why),
    ):
        rec, why = validate_record(obj)
        if rec is None:
            _warn_damaged(path, lineno, why)
        else:
            yield rec


def quarantine_damaged(path: str | Path) -> int:
    """Move the damaged whole lines of a log file to ``<file>.damaged`` (appended, each
    after a comment naming its line); returns how many were moved. Only for a file no
    other process is writing."""
    path = Path(path)
    if not path.is_file():
        return 0
    with open(path, "rb") as f:
        lines = f.readlines()
    keep, bad = [], []
    for lineno, raw in enumerate(lines, 1):
        if raw.endswith(b"\n") and raw.strip():
            rec, why = parse_record(raw.strip())
            if rec is None:
                bad.append((lineno, raw, why))
                continue
        keep.append(raw)
    if not bad:
        return 0
    aside = path.with_name(path.name + DAMAGED_SUFFIX)
    with open(aside, "ab") as f:
        for lineno, raw, why in bad:
            f.write(f"# {path.name}:{lineno}: {why}\n".encode() + raw)
        f.flush()
        os.fsync(f.fileno())
    write_atomic(path, b"".join(keep), durable=True)
    for lineno, _raw, why in bad:
        _warn_damaged(path, lineno, why, aside)
    return len(bad)


def shard_files(run_dir: str | Path) -> list[Path]:
    return sorted((Path(run_dir) / LOG_DIR).glob("rank-*.jsonl"))


def read_records(run_dir: str | Path) -> list[SampleRecord]:
    """Every finished sample of a run, once each: the shards if present, else the merged log.
    Of a retried sample's records the latest attempt counts."""
    files = shard_files(run_dir) or [p for p in [Path(run_dir) / MERGED] if p.is_file()]
    seen: dict[str, SampleRecord] = {}
    for path in files:
        for rec in read_log_file(path):
            old = seen.get(rec.key)
            if old is None or rec.attempt > old.attempt:
                seen[rec.key] = rec
    return list(seen.values())


def _lock_of(path: Path) -> FileLock:
    return FileLock(str(path) + ".lock", timeout=0)


def busy_shards(run_dir: str | Path, ignore: Iterable[int] = ()) -> list[Path]:
    """Shards of the log that a live process holds open for writing (ranks in ``ignore`` aside)."""
    skip = {shard_path(run_dir, rank).name for rank in ignore}
    busy = []
    for lock_file in sorted((Path(run_dir) / LOG_DIR).glob("rank-*.jsonl.lock")):
        shard = lock_file.with_suffix("")
        if shard.name in skip:
            continue
        lock = _lock_of(shard)
        try:
            lock.acquire()
        except Timeout:
            busy.append(shard)
        else:
            lock.release()
    return busy


def busy_message(run_dir: str | Path, shards: Iterable[Path]) -> str:
    names = ", ".join(p.name for p in shards)
    return (
        f"{run_dir}: another process is writing this run's log ({names}): a run of this folder is "
        "still going (workers of a killed `accelerate launch` can outlive it). Wait for it to "
        "finish or stop it, then start again; or pick another folder with output_dir=..."
    )


#: a batch written this many seconds or more after the last sync to disk is synced at once
SYNC_EVERY_S = 1.0


class SampleLog:
    """Append-only jsonl writer. Each write reaches the operating system before it returns,
    so a killed process loses no record. A write is also synced to disk when the last sync
    is ``sync_every_s`` old or more, and the log is synced on close: a machine that goes
    down loses at most the batches finished within ``sync_every_s`` after the last sync,
    whose samples a resumed run evaluates again. (Fast batches, an instant model's, would
    otherwise spend more time syncing than on the rest of their bookkeeping; a slow batch
    is synced as soon as it is written.)

    Opening it locks the shard for this process (released on close, or by the system when
    the process dies); a shard another live process holds raises :class:`LogBusyError`.
    """

    def __init__(self, path: str | Path, sync_every_s: float = SYNC_EVERY_S) -> None:
        self.path = Path(path)
        self.sync_every_s = sync_every_s
        self._synced_at = time.monotonic() - sync_every_s  # the first batch is synced at once
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_of(self.path)
        try:
            self._lock.acquire()
        except Timeout:
            raise LogBusyError(busy_message(self.path.parent.parent, [self.path])) from None
        _cut_partial_line(self.path)
        quarantine_damaged(self.path)
        # held open across write() calls until close(): a context manager cannot span them
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    def write(self, record: SampleRecord) -> None:
        self.write_many([record])

    def write_many(self, records: Iterable[SampleRecord]) -> None:
        """Append ``records`` (a finished batch) in one write, flushed to the system; synced
        to disk when the last sync is ``sync_every_s`` old."""
        self._file.write("".join(rec.to_json() + "\n" for rec in records))
        self._file.flush()
        if time.monotonic() - self._synced_at >= self.sync_every_s:
            self.sync()

    def sync(self) -> None:
        """Make every record written so far durable on disk."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._synced_at = time.monotonic()

    def close(self) -> None:
        try:
            self.sync()
        finally:
            self._file.close()
            self._lock.release()

    def __enter__(self) -> SampleLog:
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


def read_selection(run_dir: str | Path) -> dict[str, list[str]]:
    """The keys each benchmark's config selected, in sample order ({} for a run that has none)."""
    path = Path(run_dir) / SELECTION
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def write_selection(run_dir: str | Path, benchmark: str, keys: list[str]) -> None:
    """Record the keys ``benchmark`` selected in this run (replacing an earlier run's choice)."""
    selection = read_selection(run_dir)
    selection[benchmark] = list(keys)
    write_atomic(Path(run_dir) / SELECTION, json.dumps(selection, ensure_ascii=False))


def select_records(
    records: Iterable[SampleRecord],
    selection: dict[str, list[str]],
    order: Iterable[str] = (),
) -> list[SampleRecord]:
    """The records in a fixed order: benchmarks in ``order``, then each in its ``selection``'s
    order (sample index where no selection is recorded). Records of samples the selection
    left out are not returned. The order never depends on which process wrote what, so
    statistics computed over it (the bootstrap) do not either."""
    rank = {name: i for i, name in enumerate(order)}
    position = {name: {key: i for i, key in enumerate(keys)} for name, keys in selection.items()}
    out = []
    for rec in records:
        where = position.get(rec.benchmark)
        if where is None:
            out.append((rec.index, rec))
        elif rec.key in where:
            out.append((where[rec.key], rec))
    out.sort(key=lambda x: (rank.get(x[1].benchmark, len(rank)), x[1].benchmark, x[0], x[1].key))
    return [rec for _, rec in out]


def write_merged(run_dir: str | Path, records: Iterable[SampleRecord]) -> Path:
    """Write ``records`` (a run's selected records, in order) into ``samples.jsonl``."""
    text = "".join(rec.to_json() + "\n" for rec in records)
    return write_atomic(Path(run_dir) / MERGED, text)  # a reader never sees half a merge
