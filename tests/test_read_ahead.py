"""The runner's OCR read-ahead: in order, and sized from the OCR and generation speeds it
measures. The consumer's time runs on a fake clock and each read reports its own OCR time,
so what is asserted does not depend on the machine's load."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from eval_vqa.ocr_stage import Pace, ReadSample, read_ahead
from eval_vqa.runner import batched


class FakeClock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Counted:
    """The samples, counting how many the read-ahead has taken (read, being read or queued)."""

    def __init__(self, samples: Iterable[int]) -> None:
        self.samples, self.taken = samples, 0

    def __iter__(self) -> Iterator[int]:
        for sample in self.samples:
            self.taken += 1
            yield sample


def _reader(
    ocr_s: float, started: list[int], gate: Callable[[int], None] = lambda sample: None
) -> Callable[[int], ReadSample]:
    """A read that takes no time but reports ``ocr_s`` seconds of OCR."""
    lock = threading.Lock()

    def read(sample: int) -> ReadSample:
        with lock:
            started.append(sample)
        gate(sample)
        return ReadSample(sample=sample, timings={"ocr_s": ocr_s})

    return read


def test_slow_generation_lets_ocr_run_further_ahead():
    clock, source, started = FakeClock(), Counted(range(200)), list[int]()
    stream = read_ahead(
        source,
        _reader(0.002, started),
        workers=1,
        window=4,
        batch_size=4,
        max_window=64,
        clock=clock,
    )
    in_flight = []
    order: list[int] = []
    for batch in batched(stream, 4):
        order.extend(x.sample for x in batch)
        in_flight.append(source.taken - len(order))  # taken, not yet handed over
        clock.advance(0.03)  # the model generating this batch: 15 images' worth of OCR
        if len(order) >= 80:
            break
    stream.close()
    assert order == list(range(80))
    assert in_flight[0] == 4  # the floor before anything is measured
    # a batch plus what one worker reads while the model generates one: 4 + 0.03 / 0.002
    assert in_flight[-5:] == [4 + 15] * 5


def test_fast_generation_keeps_the_floor():
    clock, source, started = FakeClock(), Counted(range(40)), list[int]()
    stream = read_ahead(
        source, _reader(0.01, started), workers=1, window=8, batch_size=4, clock=clock
    )
    order, in_flight = [], []
    for item in stream:  # the consumer takes no time at all
        order.append(item.sample)
        in_flight.append(source.taken - len(order))  # queued behind the one handed over
        assert item.timings["ocr_wait_s"] == 0.0  # timed on the clock given
    assert order == list(range(40))
    assert sorted(started) == list(range(40))
    assert max(in_flight) == 8


def test_pace_formula():
    pace = Pace(batch_size=8, workers=2, floor=16, cap=64)
    assert pace.window() == 16  # nothing measured yet
    for _ in range(8):
        pace.ocr_done(0.5)
        pace.consumer_done(0.5)  # 4 s per batch of 8: 2 workers read 16 images meanwhile
    assert pace.window() == 8 + 16
    for _ in range(8):
        pace.consumer_done(20.0)
    assert pace.window() == 64  # capped
    cached = Pace(batch_size=8, workers=1, floor=16, cap=64)
    cached.ocr_done(0.0)
    cached.consumer_done(1.0)
    assert cached.window() == 16


def test_a_consumer_that_stops_early_cancels_what_is_queued(monkeypatch: pytest.MonkeyPatch):
    # The one worker holds sample 4 until the read-ahead shuts its pool down, after it has
    # cancelled what is queued: samples 5 to 7 were queued, none of them may be read.
    release = threading.Event()
    shutdown = ThreadPoolExecutor.shutdown

    def shutdown_releasing(self: ThreadPoolExecutor, *args: object, **kwargs: object) -> None:
        release.set()
        shutdown(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ThreadPoolExecutor, "shutdown", shutdown_releasing)

    def hold_from_4(sample: int) -> None:
        if sample >= 4:
            assert release.wait(timeout=30), "the pool was never shut down"

    source, started = Counted(range(1000)), list[int]()
    stream = read_ahead(
        source, _reader(0.001, started, hold_from_4), workers=1, window=4, batch_size=2
    )
    for item in stream:
        if item.sample == 3:
            break
    stream.close()
    assert source.taken == 8  # 4 handed over, a window of 4 queued
    assert started == [0, 1, 2, 3, 4]  # 5, 6 and 7 cancelled before they started
