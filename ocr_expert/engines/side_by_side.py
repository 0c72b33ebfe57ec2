"""Independent Tesseract calls run side by side.

Each Tesseract call is a process of its own with one OpenMP thread
(``tesseract.TesseractEnvironment``), so the several readings an Arabic crop is read in (its
views) and the script model's readings of a page's lines kept one core busy and left the
others idle. They are run here on a few threads, one process each (``side_by_side``). Only
leaf calls (ones that submit nothing more there) may be given, so that no thread waits on work
queued behind it. A longer reading that may itself read side by side (a whole page) is started
apart, on threads of its own (``in_background``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")

#: at most this many of ``side_by_side``'s Tesseract processes at once in this process
MAX_WORKERS = 4


def workers() -> int:
    """How many calls run at once: the cores this process may use, at most ``MAX_WORKERS``,
    and at most ``OMP_NUM_THREADS`` where that is set (the thread budget a user, or the OCR
    pre-pass for each of its worker processes, gave this process)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    budget = os.environ.get("OMP_NUM_THREADS", "").strip()
    if budget.isdigit() and int(budget) > 0:
        cores = min(cores, int(budget))
    return max(1, min(MAX_WORKERS, cores))


_POOL: ThreadPoolExecutor | None = None
_BACKGROUND: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="tesseract")
    return _POOL


def _background() -> ThreadPoolExecutor:
    global _BACKGROUND
    if _BACKGROUND is None:
        _BACKGROUND = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tesseract-apart")
    return _BACKGROUND


def _forget_pool() -> None:
    # a forked child inherits the pools' objects but not their threads
    global _POOL, _BACKGROUND
    _POOL = _BACKGROUND = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def side_by_side(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The results of ``calls``, in their order, run side by side where there is more than one
    call and more than one core (in this thread otherwise). An exception in a call is raised
    here, once every call has finished."""
    if len(calls) <= 1 or workers() == 1:
        return [call() for call in calls]
    futures = [_pool().submit(call) for call in calls]
    wait(futures)
    return [future.result() for future in futures]


def in_background(call: Callable[[], T]) -> Future[T]:
    """``call`` started on a thread apart from ``side_by_side``'s (it may read side by side
    itself), its result to be taken from the future returned."""
    return _background().submit(call)
