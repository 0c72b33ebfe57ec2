"""Benchmark definitions read from YAML files, with ``include:`` of shared templates.

A file holds the keys of a :class:`BenchmarkSpec`, plus an optional ``include:`` naming
another YAML file whose keys it starts from: relative to the including file, else one
shipped here (``include: _default.yaml`` works from any folder); includes may chain, and a
key of the including file wins over the included one. A relative
``default_source`` is read relative to the file that writes it, so a definition can point
at data shipped beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from eval_vqa.benchmarks.spec import BenchmarkSpec
from ocrvqa.errors import OcrvqaError
from ocrvqa.validation import format_validation_error

#: The folder of the benchmark definitions shipped with the package.
BENCHMARKS_DIR = Path(__file__).resolve().parent


class BenchmarkFileError(OcrvqaError, ValueError):
    """A benchmark YAML file that cannot be read; the message names the file and the key."""


def read_benchmark_file(path: str | Path) -> dict[str, Any]:
    """The keys a benchmark file defines, its includes merged in (the file's own keys win)."""
    return _read(Path(path).expanduser().resolve(), chain=())


def _read(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise BenchmarkFileError(f"{chain[0]}: circular include: {cycle}")
    data = _mapping(path)
    include = data.pop("include", None)
    if "default_source" in data and isinstance(data["default_source"], str):
        source = Path(data["default_source"]).expanduser()
        data["default_source"] = str(
            source if source.is_absolute() else (path.parent / source).resolve()
        )
    if include is None:
        return data
    if not isinstance(include, str):
        raise BenchmarkFileError(
            f"{path}: include: expected the name of one YAML file (got {include!r})"
        )
    beside = (path.parent / include).resolve()
    target = beside if beside.is_file() else (BENCHMARKS_DIR / include).resolve()
    if not target.is_file():
        raise BenchmarkFileError(
            f"{path}: include: no such file {include!r} (looked for {beside}, {target})"
        )
    return {**_read(target, (*chain, path)), **data}


def _mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BenchmarkFileError(f"{path}: cannot read the benchmark file: {exc}") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise BenchmarkFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise BenchmarkFileError(f"{path}: expected a mapping of keys at the top level")
    return data


def parse_benchmark_file(path: str | Path) -> BenchmarkSpec:
    """The validated :class:`BenchmarkSpec` a YAML file defines (not registered)."""
    data = read_benchmark_file(path)
    try:
        return BenchmarkSpec.model_validate(data)
    except ValidationError as exc:
        raise BenchmarkFileError(
            format_validation_error(exc, str(path), "benchmark definition")
        ) from None
