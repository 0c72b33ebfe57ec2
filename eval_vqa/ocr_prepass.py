"""``ocrvqa ocr-cache``: OCR every image of a run's benchmarks into the shared cache first.

The evaluation then finds every OCR result cached and its OCR stage costs next to nothing,
so a GPU spends the run generating. The images are read by ``workers`` processes, each
with its own engine limited to ``threads`` threads (the cores are split between them,
rather than every engine fighting for all of them); engines that read several images at
once get them in batches.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval_vqa.config import RunConfig
from eval_vqa.sharding import launched_rank
from ocr_expert.engines import check_options
from ocr_expert.engines.generative import GenerativeOptions
from ocr_expert.engines.openai_ocr import OpenAIOCROptions

#: environment variables that bound the threads of OpenMP (Tesseract, PyTorch) and BLAS
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OMP_THREAD_LIMIT",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
)


@dataclass
class PrepassSummary:
    """What a pre-pass did."""

    images: int = 0  # distinct images of the selected samples
    cached: int = 0  # found in the cache already
    read: int = 0  # read now and cached
    failed: int = 0
    seconds: float = 0.0
    startup_s: float = (
        0.0  # loading the samples and starting the workers (engines built, models loaded)
    )
    workers: int = 1
    threads: int = 1
    rank: int = 0  # this process's share of the images, under torchrun/accelerate launch
    world_size: int = 1
    errors: list[str] = field(default_factory=list)  # "image: reason", first few

    @property
    def images_per_s(self) -> float:
        return self.images / self.seconds if self.seconds else 0.0

    @property
    def steady_images_per_s(self) -> float:
        """Images per second once the workers are up (what more images would cost)."""
        busy = self.seconds - self.startup_s
        return self.images / busy if busy > 0 else 0.0

    def line(self) -> str:
        plural = lambda n, word: f"{n} {word}{'s' if n != 1 else ''}"  # noqa: E731
        return (
            f"{self.images} images: {self.cached} cached already, {self.read} read, {self.failed} "
            f"failed, in {self.seconds:.1f} s ({self.images_per_s:.2f} img/s; "
            f"{self.steady_images_per_s:.2f} img/s after {self.startup_s:.1f} s of start-up; "
            f"{plural(self.workers, 'worker')} x {plural(self.threads, 'thread')})"
            + (f"; share {self.rank + 1} of {self.world_size}" if self.world_size > 1 else "")
        )


def default_workers(config: RunConfig) -> int:
    """One worker per core for CPU engines; one for an engine on a GPU (a model copy each)."""
    from ocr_expert.engines import get_engine_class

    device = str(config.ocr.options.get("device") or "")
    uses_torch = get_engine_class(config.ocr.engine).uses_torch_for(config.ocr.options)
    if device.startswith("cuda") or (not device and uses_torch and _gpu()):
        return 1
    return max(1, os.cpu_count() or 1)


def unique_images(config: RunConfig) -> list[Any]:
    """Every distinct image of the samples the config selects, benchmark after benchmark."""
    from eval_vqa.runner import load_benchmark
    from ocr_expert.image_io import source_digest

    seen: set[str] = set()
    images: list[Any] = []
    for bench in config.benchmarks:
        for sample in load_benchmark(config, bench):
            image = sample.image
            if image is None:
                continue
            key = str(image) if isinstance(image, (str, Path)) else source_digest(image)
            if key is None:  # a PIL image: no cheap identity, kept as it is
                images.append(image)
            elif key not in seen:
                seen.add(key)
                images.append(image)
    return images


def fill_cache(
    config: RunConfig,
    *,
    workers: int | None = None,
    threads: int | None = None,
    progress: bool = True,
) -> PrepassSummary:
    """Read every image of ``config``'s benchmarks through its OCR engine into its cache."""
    from tqdm.auto import tqdm

    from ocr_expert.engines import get_engine_class
    from ocr_expert.engines.base import OCREngineError

    engine = get_engine_class(config.ocr.engine)
    if engine.takes_tokens or not engine.cacheable:
        raise OCREngineError(
            f"the {config.ocr.engine} engine does no OCR, so there is nothing to cache"
        )
    if not config.ocr.use_cache:
        raise OCREngineError(
            "ocr.use_cache is false in this config: the evaluation would not read the cache"
        )
    workers = max(1, workers or default_workers(config))
    threads = max(1, threads or (os.cpu_count() or 1) // workers)
    start = time.perf_counter()
    rank, world_size = launched_rank()
    images = unique_images(config)[rank::world_size]  # ranks on any node: one share each, one cache
    summary = PrepassSummary(
        images=len(images), workers=workers, threads=threads, rank=rank, world_size=world_size
    )
    bar = tqdm(
        total=len(images), desc="OCR cache", unit="img", disable=not progress, dynamic_ncols=True
    )
    with bar:
        for n, cached, failures, busy_s in _run_chunks(config, images, workers, threads):
            if not summary.startup_s:  # the first chunk back: its worker was ready this long before
                summary.startup_s = max(0.0, time.perf_counter() - start - busy_s)
            summary.cached += cached
            summary.failed += len(failures)
            summary.read += n - cached - len(failures)
            summary.errors.extend(failures[: max(0, 10 - len(summary.errors))])
            bar.update(n)
            bar.set_postfix(
                cached=summary.cached, read=summary.read, failed=summary.failed, refresh=False
            )
    summary.seconds = time.perf_counter() - start
    return summary


def _run_chunks(
    config: RunConfig, images: list[Any], workers: int, threads: int
) -> Iterator[tuple[int, int, list[str], float]]:
    chunk = _chunk_size(config, len(images), workers)
    chunks = [images[i : i + chunk] for i in range(0, len(images), chunk)]
    # Worker processes even for one: the thread limits stay out of the caller's process.
    # spawn: each worker starts clean, without a copy of this process's thread pools or models.
    context = multiprocessing.get_context("spawn")
    with context.Pool(
        workers, initializer=_init_worker, initargs=(config.model_dump(mode="json"), threads)
    ) as pool:
        yield from pool.imap_unordered(_read_chunk, chunks)


def _chunk_size(config: RunConfig, n_images: int, workers: int) -> int:
    """Images per task: the engine's batch of images, or small pieces so the workers finish
    together."""
    options = check_options(config.ocr.engine, config.ocr.options)
    # Only generative and served engines read several images per call (their default batch
    # included); the vision-encoder-decoder engine's batch_size counts crops of one image.
    batch = options.batch_size if isinstance(options, (GenerativeOptions, OpenAIOCROptions)) else 1
    return max(1, batch, min(8, n_images // (4 * workers) or 1))


# --- worker side ---------------------------------------------------------------------------

_EXPERT: Any = None
_MODE = "auto"


def _init_worker(config_data: dict[str, Any], threads: int) -> None:
    """Build this worker's expert, bounded to ``threads`` threads."""
    global _EXPERT, _MODE
    for name in _THREAD_VARIABLES:
        os.environ[name] = str(threads)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    config = RunConfig.model_validate(config_data)
    from eval_vqa.runner import make_expert

    options = dict(config.ocr.options)
    from ocr_expert.engines import EngineOptions, get_engine_class

    # ONNX Runtime ignores the OpenMP variables: engines with a threads option get it directly.
    if "threads" in (get_engine_class(config.ocr.engine).Options or EngineOptions).model_fields:
        options.setdefault("threads", threads)
    _EXPERT = make_expert(
        config.model_copy(update={"ocr": config.ocr.model_copy(update={"options": options})})
    )
    _MODE = config.ocr.mode


def _read_chunk(images: Sequence[Any]) -> tuple[int, int, list[str], float]:
    """(images, of which found cached, "image: reason" of each failure, seconds spent)."""
    start = time.perf_counter()
    hits = _EXPERT.stats["hits"]
    results = _EXPERT.read_many(list(images), mode=_MODE)
    failures = [
        f"{image if isinstance(image, (str, Path)) else 'an in-memory image'}: {result}"
        for image, result in zip(images, results)
        if isinstance(result, Exception)
    ]
    return len(images), _EXPERT.stats["hits"] - hits, failures, time.perf_counter() - start


def _gpu() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:  # pragma: no cover
        return False


__all__ = ["PrepassSummary", "default_workers", "fill_cache", "unique_images"]
