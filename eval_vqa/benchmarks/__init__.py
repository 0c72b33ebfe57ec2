"""Benchmark definitions: where the data lives, how its fields are named, how it is scored.

Each benchmark is a YAML file in this folder (``textvqa.yaml``), most of them starting from
the shared ``_default.yaml`` through ``include:``; files whose name starts with ``_`` are
templates, not benchmarks. A :class:`BenchmarkSpec` is plain data: the loaders in
:mod:`eval_vqa.data` read ``hf_path``/``hf_config``/``split`` and the field names; the
runner reads the metrics, the answer instruction and ``max_new_tokens``.

Every benchmark lists ``"anls"`` among its metrics so that the all-ANLS table of
"An Empirical Study of Scaling Law for OCR" (Table 5) can be rebuilt from any run.

A benchmark of one's own is a YAML file of the same keys: :func:`load_benchmark_file`
registers it, and a run config may name the file in place of a benchmark name.
"""

from __future__ import annotations

from pathlib import Path

from eval_vqa.benchmarks.files import BENCHMARKS_DIR, BenchmarkFileError, parse_benchmark_file
from eval_vqa.benchmarks.spec import BenchmarkSpec, DerivedSplit
from ocrvqa.registry import Registry

#: The folder of the bundled mini benchmark (rendered images with questions and answers).
MINI_DIR = BENCHMARKS_DIR.parent / "data" / "mini"

#: Other spellings accepted by :func:`get_benchmark` (each spec's ``aliases``), lower case.
ALIASES: dict[str, str] = {}


def _registered_name(name: str) -> str:
    key = name.strip().lower()
    return ALIASES.get(key, key)


#: Benchmark definitions by name; a lookup is case-insensitive and takes the aliases.
BENCHMARKS: Registry[BenchmarkSpec] = Registry("benchmark", normalize=_registered_name)


def register_benchmark(spec: BenchmarkSpec) -> BenchmarkSpec:
    """Add (or replace) a benchmark definition under ``spec.name`` and its aliases."""
    BENCHMARKS[spec.name] = spec
    ALIASES.update({alias.strip().lower(): spec.name for alias in spec.aliases})
    return spec


def load_benchmark_file(path: str | Path) -> BenchmarkSpec:
    """Read, validate and register the benchmark a YAML file defines; returns its spec.

    Raises :class:`BenchmarkFileError` naming the file and the key when it cannot be used.
    """
    return register_benchmark(parse_benchmark_file(path))


def get_benchmark(name: str | BenchmarkSpec) -> BenchmarkSpec:
    """The benchmark called ``name`` (case-insensitive; "ST-VQA", "InfographicVQA" work).

    A :class:`BenchmarkSpec` passes through. An unknown name raises ``KeyError``
    (:class:`ocrvqa.registry.UnknownNameError`) listing the known names.
    """
    if isinstance(name, BenchmarkSpec):
        return name
    if not isinstance(name, str):
        raise TypeError(f"benchmark must be a name or a BenchmarkSpec, got {name!r}")
    return BENCHMARKS.get(name)


def canonical_name(name: str) -> str:
    """The registered name ``name`` stands for (an alias, another case), else ``name`` as it
    is: a run folder may name a benchmark that a plugin registers and nobody imported."""
    try:
        return get_benchmark(name).name
    except KeyError:
        return name


for _path in sorted(BENCHMARKS_DIR.glob("*.yaml")):
    if not _path.name.startswith("_"):
        load_benchmark_file(_path)

__all__ = [
    "ALIASES",
    "BENCHMARKS",
    "BENCHMARKS_DIR",
    "MINI_DIR",
    "BenchmarkFileError",
    "BenchmarkSpec",
    "DerivedSplit",
    "canonical_name",
    "get_benchmark",
    "load_benchmark_file",
    "register_benchmark",
]
