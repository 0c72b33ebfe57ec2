"""The OCR stage of a run: read each image once, ahead of the model.

OCR (ONNX Runtime, Tesseract's subprocess) releases the GIL, so a small thread pool reads
the next batches while the model generates the current one: OCR time hides behind
generation instead of adding to it. Results come back in sample order. A sample whose
image cannot be read, or whose OCR fails, comes back with the reason instead of raising.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocr_expert.image_io import (
    ImageHandle,
    ImageInputError,
    ImageSource,
    LoadedImage,
    load_image,
)


@dataclass
class ReadSample:
    """One sample as it goes through a run: the data row, its image, its OCR result, or why
    it is broken.

    ``image`` carries the image from stage to stage (OCR, the copy for the report, every
    prompt variant's model input): hashed once and decoded at most once, on first need.
    """

    sample: Any  # eval_vqa.data.Sample
    ocr: Any = None  # OCRResult | None (None: no OCR variant in the run, or an error)
    digest: str | None = None  # content hash of the image, names the OCR file in the run folder
    error: dict[str, str] | None = None  # {"stage": "image" | "ocr", "reason": ...}
    timings: dict[str, float] = field(default_factory=dict)
    tag: Any = None  # whatever the caller keeps with the sample (its log key, its index)
    image: ImageHandle | None = None  # None: the row has no image

    @property
    def model_image(self) -> ImageSource | None:
        """The image as prompts and the model take it: the shared handle, or the row's own
        value where there is none."""
        return self.image if self.image is not None else self.sample.image


def read_sample(
    sample: Any, expert: Any | None, mode: str = "auto", image: ImageHandle | None = None
) -> ReadSample:
    """Check the image and run OCR on it (through the expert's cache). Never raises.
    ``image``: the sample's image handle where the caller has one already."""
    start = time.perf_counter()
    if image is None and sample.image is not None:
        image = ImageHandle(sample.image)
    out = ReadSample(sample=sample, image=image)
    try:
        if expert is None:
            # no OCR variant: still refuse unreadable images up front
            out.digest = load_image(sample.image if image is None else image).digest
        else:
            # a file's or a buffer's digest is known before OCR, and kept should OCR fail
            out.digest = None if image is None else image.known_digest()
            tokens = sample.ocr_tokens if expert.engine.takes_tokens else None
            out.ocr = expert.read(
                sample.image if image is None else image, mode=mode, tokens=tokens
            )
            if image is not None:
                out.digest = image.digest
    except ImageInputError as exc:
        out.error = {"stage": "image", "reason": str(exc)}
    except Exception as exc:  # any engine failure is this sample's problem, not the run's
        out.error = {"stage": "ocr", "reason": f"{type(exc).__name__}: {exc}"}
    out.timings["ocr_s"] = time.perf_counter() - start
    return out


class CheckedImages:
    """Images the run decoded before its stages began (the checks before the model loads),
    kept for the sample that reads them first, so that sample decodes nothing again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, ImageHandle] = {}

    def load(self, source: ImageSource) -> LoadedImage:
        """``load_image(source)``; an image file's handle is kept for :meth:`take`."""
        if not isinstance(source, (str, Path)):
            return load_image(source)
        with self._lock:
            handle = self._kept.setdefault(str(source), ImageHandle(source))
        return handle.load()

    def take(self, key: str) -> ImageHandle | None:
        """The kept handle of an image file, handed over once."""
        with self._lock:
            return self._kept.pop(key, None)


class ImageMemo:
    """Runs OCR once per image file within a run, even when two questions on the same page
    are in flight on different threads at once (before the disk cache has the result).

    Questions on one file share its image handle while any of them is in flight, so its
    pixels are decoded once for all of them; once none holds it the pixels go, and a later
    question on the file gets a new handle that knows the digest (no hashing again)."""

    def __init__(
        self, expert: Any | None, mode: str = "auto", checked: CheckedImages | None = None
    ) -> None:
        self.expert, self.mode, self.checked = expert, mode, checked
        self._lock = threading.Lock()
        self._done: dict[str, Future[ReadSample]] = {}
        self._handles: dict[str, weakref.ref[ImageHandle]] = {}

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
                kept = self.checked.take(key) if self.checked is not None else None
                fut.set_result(read_sample(sample, self.expert, self.mode, kept))
            except BaseException as exc:  # never leave another thread waiting on this image
                fut.set_exception(exc)
                raise
        shared = fut.result()
        # the result is shared; the sample and its timings are this question's own
        return ReadSample(
            sample=sample,
            ocr=shared.ocr,
            digest=shared.digest,
            error=shared.error,
            timings=dict(shared.timings) if first else {"ocr_s": 0.0},
            image=self._handle(key, shared),
        )

    def _handle(self, key: str, shared: ReadSample) -> ImageHandle | None:
        """The file's live handle, or a new one that knows the digest. The memo holds
        handles weakly: pixels live only while a question in flight holds them."""
        if shared.image is None:
            return None
        with self._lock:
            ref = self._handles.get(key)
            live = ref() if ref is not None else None
            if live is None:
                live = shared.image
                self._handles[key] = weakref.ref(live)
                # the memo keeps the result, not the pixels
                shared.image = ImageHandle(live.source, digest=shared.digest)
            return live


def read_ahead(
    samples: Iterable[Any],
    read: Callable[[Any], ReadSample],
    *,
    overlap: bool = True,
    workers: int = 1,
    window: int = 8,
    batch_size: int = 1,
    max_window: int | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Generator[ReadSample, None, None]:
    """Yield ``read(sample)`` in order, reading ahead on a pool of ``workers`` threads.

    The read-ahead is sized from what the run measures: while the consumer works on a batch
    (the model generating), the OCR threads must have enough samples in flight to stay busy,
    that is a batch plus ``workers * batch seconds / OCR seconds per image``. It starts at
    ``window`` and moves within ``[window, max_window]`` (default: 8 batches) as the two
    speeds are measured. With ``overlap=False`` each sample is read only when asked for
    (OCR, then generation, one after the other), the baseline the overlap is measured against.
    ``clock`` (seconds) times the consumer and the waits; each sample's OCR time is the
    ``ocr_s`` its reader reports.
    """
    if not overlap:
        for sample in samples:
            item = read(sample)
            item.timings["ocr_wait_s"] = item.timings.get("ocr_s", 0.0)
            yield item
        return
    pace = Pace(
        batch_size=max(1, batch_size),
        workers=max(1, workers),
        floor=max(1, window),
        cap=max(window, max_window or 8 * max(1, batch_size)),
    )
    it = iter(samples)
    pending: deque[Future[ReadSample]] = deque()
    exhausted = False

    def top_up() -> None:
        nonlocal exhausted
        while not exhausted and len(pending) < pace.window():
            nxt = next(it, _END)
            if nxt is _END:
                exhausted = True
            else:
                pending.append(pool.submit(read, nxt))

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr") as pool:
        try:
            top_up()
            while pending:
                wait_start = clock()
                item = pending.popleft().result()
                item.timings["ocr_wait_s"] = clock() - wait_start
                pace.ocr_done(item.timings.get("ocr_s", 0.0))
                top_up()
                handed = clock()
                yield item
                pace.consumer_done(clock() - handed)
        finally:
            for fut in pending:  # the consumer stopped early: do not OCR what nobody will read
                fut.cancel()


_END = object()


class Pace:
    """The read-ahead a run needs, from its measured OCR and consumer (generation) speeds."""

    def __init__(self, *, batch_size: int, workers: int, floor: int, cap: int) -> None:
        self.batch_size, self.workers, self.floor, self.cap = batch_size, workers, floor, cap
        self.ocr_s = self.consumer_s = 0.0
        self.ocr_n = self.consumer_n = 0

    def ocr_done(self, seconds: float) -> None:
        self.ocr_s += seconds
        self.ocr_n += 1

    def consumer_done(self, seconds: float) -> None:
        self.consumer_s += seconds
        self.consumer_n += 1

    def window(self) -> int:
        """Samples to keep in flight."""
        if not self.consumer_n or not self.ocr_n:
            return self.floor
        per_ocr = self.ocr_s / self.ocr_n
        per_batch = self.batch_size * self.consumer_s / self.consumer_n
        if per_ocr <= 0:  # all cached: any read-ahead keeps up
            return self.floor
        needed = self.batch_size + int(self.workers * per_batch / per_ocr + 0.999)
        return max(self.floor, min(self.cap, needed))
