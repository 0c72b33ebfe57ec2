"""Independent Tesseract calls run side by side, their results in the order given."""

from __future__ import annotations

import threading

import pytest

from ocr_expert.engines import side_by_side as module
from ocr_expert.engines.side_by_side import side_by_side


@pytest.fixture
def two_workers(monkeypatch):
    # two threads whatever this machine's cores, and a pool made for the test
    monkeypatch.setattr(module, "workers", lambda: 2)
    monkeypatch.setattr(module, "_POOL", None)
    yield
    if module._POOL is not None:
        module._POOL.shutdown()


def test_calls_run_at_the_same_time_and_come_back_in_their_order(two_workers):
    # each call waits for the other: run one after the other, the barrier would break
    barrier = threading.Barrier(2, timeout=10)

    def call(value: int) -> int:
        barrier.wait()
        return value

    assert side_by_side([lambda: call(1), lambda: call(2)]) == [1, 2]


def test_a_failing_call_fails_the_batch_after_every_call_has_finished(two_workers):
    finished: list[str] = []
    slow_started = threading.Event()

    def slow() -> str:
        slow_started.set()
        threading.Event().wait(0.2)
        finished.append("slow")
        return "slow"

    def failing() -> str:
        slow_started.wait(10)
        raise RuntimeError("tesseract failed")

    with pytest.raises(RuntimeError, match="tesseract failed"):
        side_by_side([failing, slow])
    assert finished == ["slow"]  # no process is left running behind the error


def test_one_call_or_one_core_runs_in_the_callers_thread(monkeypatch):
    monkeypatch.setattr(module, "workers", lambda: 1)
    caller = threading.get_ident()
    assert side_by_side([threading.get_ident, threading.get_ident]) == [caller, caller]
    monkeypatch.setattr(module, "workers", lambda: 2)
    assert side_by_side([threading.get_ident]) == [caller]
    assert side_by_side([]) == []


def test_the_thread_budget_given_to_the_process_bounds_the_calls_at_once(monkeypatch):
    # the OCR pre-pass gives each worker process its share of the cores in OMP_NUM_THREADS
    monkeypatch.setattr(module.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert module.workers() == module.MAX_WORKERS
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert module.workers() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert module.workers() == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "not a number")
    assert module.workers() == module.MAX_WORKERS
