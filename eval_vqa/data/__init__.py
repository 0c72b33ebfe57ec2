"""Benchmark data: the :class:`Sample` record and loaders for Hugging Face datasets and
local files (our jsonl/parquet layout, Qwen-VL's evaluation jsonl, official JSON files).

The bundled mini benchmark lives in ``mini/`` next to this file (see ``MINI_DIR``).
"""

from eval_vqa.benchmarks import MINI_DIR
from eval_vqa.data.loader import BenchmarkData, load_samples, open_benchmark
from eval_vqa.data.types import DataLoadError, Sample

__all__ = ["MINI_DIR", "BenchmarkData", "DataLoadError", "Sample", "load_samples", "open_benchmark"]
