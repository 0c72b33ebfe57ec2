"""The runner's OCR read-ahead: in order, and sized from the OCR and generation speeds it
measures."""

from __future__ import annotations

import threading
import time

from eval_vqa.ocr_stage import Pace, ReadSample, read_ahead
from eval_vqa.runner import batched


def _reader(seconds: float, started: list[int]):
    lock = threading.Lock()

    def read(sample: int) -> ReadSample:
        with lock:
            started.append(sample)
        time.sleep(seconds)
        return ReadSample(sample=sample, timings={"ocr_s": seconds})

    return read


def test_slow_generation_lets_ocr_run_further_ahead():
    started: list[int] = []
    stream = read_ahead(
        range(200), _reader(0.002, started), workers=1, window=4, batch_size=4, max_window=64
    )
    in_flight = []
    order: list[int] = []
    for batch in batched(stream, 4):
        order.extend(x.sample for x in batch)
        in_flight.append(len(started) - len(order))  # read or being read, not yet handed over
        time.sleep(0.03)  # the model generating this batch: 15 images' worth of OCR
        if len(order) >= 80:
            break
    assert order == list(range(80))
    assert in_flight[0] <= 4  # the floor before anything is measured
    assert max(in_flight[-5:]) >= 12  # grown towards 4 + 0.03 / 0.002


def test_fast_generation_keeps_the_floor_and_waits_are_ocr_bound():
    started: list[int] = []
    stream = read_ahead(range(40), _reader(0.01, started), workers=1, window=8, batch_size=4)
    items = list(stream)
    assert [x.sample for x in items] == list(range(40))
    assert len(started) == 40


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


def test_a_consumer_that_stops_early_cancels_what_is_queued():
    started: list[int] = []
    stream = read_ahead(range(1000), _reader(0.001, started), workers=1, window=4, batch_size=2)
    for item in stream:
        if item.sample == 3:
            break
    stream.close()
    time.sleep(0.05)
    assert len(started) < 20
