"""The OCR stage of a run: read each image once, ahead of the model.

OCR (ONNX Runtime, Tesseract's subprocess) releases the GIL, so a small thread pool reads
the next batches while the model generates the current one: OCR time hides behind
generation instead of adding to it. Results come back in sample order. A sample whose
image cannot be read, or whose OCR fails, comes back with the reason instead of raising.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr_expert.image_io import ImageInputError, load_image, pixel_digest, source_digest


@dataclass
class ReadSample:
    """A sample after the OCR stage: its OCR result, or why it is broken."""

    sample: Any  # eval_vqa.data.Sample
    ocr: Any = None  # OCRResult | None (None: no OCR variant in the run, or an error)
    digest: str | None = None  # content hash of the image, names the OCR file in the run folder
    error: dict[str, str] | None = None  # {"stage": "image" | "ocr", "reason": ...}
    timings: dict[str, float] = field(default_factory=dict)
    tag: Any = None  # whatever the caller keeps with the sample (its log key, its index)


def read_sample(sample: Any, expert: Any | None, mode: str = "auto") -> ReadSample:
    """Check the image and run OCR on it (through the expert's cache). Never raises."""
    start = time.perf_counter()
    out = ReadSample(sample=sample)
    image = sample.image
    try:
        if expert is None:
            loaded = load_image(image)  # no OCR variant: still refuse unreadable images up front
            out.digest = loaded.digest
        else:
            out.digest = source_digest(image) if isinstance(image, (str, Path, bytes)) else None
            tokens = sample.ocr_tokens if expert.engine_name == "dataset" else None
            out.ocr = expert.read(image, mode=mode, tokens=tokens)
            if out.digest is None:
                out.digest = pixel_digest(load_image(image).image)
    except ImageInputError as exc:
        out.error = {"stage": "image", "reason": str(exc)}
    except Exception as exc:  # any engine failure is this sample's problem, not the run's
        out.error = {"stage": "ocr", "reason": f"{type(exc).__name__}: {exc}"}
    out.timings["ocr_s"] = time.perf_counter() - start
    return out


class ImageMemo:
    """Runs OCR once per image file within a run, even when two questions on the same page
    are in flight on different threads at once (before the disk cache has the result)."""

    def __init__(self, expert: Any | None, mode: str = "auto") -> None:
        self.expert, self.mode = expert, mode
        self._lock = threading.Lock()
        self._done: dict[str, Future[ReadSample]] = {}

    def __call__(self, sample: Any) -> ReadSample:
        if not isinstance(sample.image, (str, Path)):
            return read_sample(sample, self.expert, self.mode)
        key = str(sample.image)
        with self._lock:
            existing = self._done.get(key)
            first = existing is None
            fut: Future[ReadSample] = Future() if existing is None else existing
            if existing is None:
                self._done[key] = fut
        if first:
            try:
                fut.set_result(read_sample(sample, self.expert, self.mode))
            except BaseException as exc:  # never leave another thread waiting on this image
                fut.set_exception(exc)
                raise
        shared = fut.result()
        # the result is shared; the sample and its timings are this question's own
        return ReadSample(sample=sample, ocr=shared.ocr, digest=shared.digest, error=shared.error,
                          timings=dict(shared.timings) if first else {"ocr_s": 0.0})


def read_ahead(
    samples: Iterable[Any],
    read: Callable[[Any], ReadSample],
    *,
    overlap: bool = True,
    workers: int = 1,
    window: int = 8,
) -> Iterator[ReadSample]:
    """Yield ``read(sample)`` in order, keeping up to ``window`` samples in flight on a thread pool.

    With ``overlap=False`` each sample is read only when asked for (OCR, then generation,
    one after the other), the baseline the overlap is measured against.
    """
    if not overlap:
        for sample in samples:
            item = read(sample)
            item.timings["ocr_wait_s"] = item.timings.get("ocr_s", 0.0)
            yield item
        return
    it = iter(samples)
    pending: deque[Future[ReadSample]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr") as pool:
        try:
            for sample in it:
                pending.append(pool.submit(read, sample))
                if len(pending) >= window:
                    break
            while pending:
                wait_start = time.perf_counter()
                item = pending.popleft().result()
                item.timings["ocr_wait_s"] = time.perf_counter() - wait_start
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(pool.submit(read, nxt))
                yield item
        finally:
            for fut in pending:  # the consumer stopped early: do not OCR what nobody will read
                fut.cancel()
