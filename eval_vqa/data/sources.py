"""Opening a data source as a table of rows, whatever it is.

- a Hugging Face dataset id (``lmms-lab/textvqa``): ``datasets.load_dataset``;
- a local clone of such a repository, or a folder of parquet files: ``load_dataset(folder)``;
- a folder written by ``Dataset.save_to_disk``: ``datasets.load_from_disk``;
- a ``.parquet`` file: ``load_dataset("parquet", data_files=...)`` (keeps image features);
- a ``.jsonl`` file (one object per line) or a ``.json`` file (a list, or an object with a
  ``data`` list as in the official TextVQA/DocVQA/ST-VQA files); a folder holding such files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_DISK_MARKERS = ("state.json", "dataset_dict.json", "dataset_info.json")


@dataclass
class Table:
    """Rows of a source, read column by column for selection, row by row for samples."""

    kind: str  # "hub", "hf-folder", "hf-disk", "parquet", "jsonl", "json"
    columns: list[str]
    num_rows: int
    column: Callable[[str], list[Any]]
    rows: Callable[[list[int]], list[dict[str, Any]]]
    roots: list[Path]  # where relative image paths are looked up


def looks_like_path(source: str) -> bool:
    """True for strings meant as local paths rather than Hugging Face ids."""
    p = Path(source).expanduser()
    return (
        p.exists()
        or source.startswith(("/", ".", "~"))
        or p.suffix.lower() in {".jsonl", ".json", ".parquet", ".arrow"}
        or source.count("/") > 1
    )


# ---------------------------------------------------------------------------------------
# Plain rows (jsonl / json)
# ---------------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not valid JSON ({e.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{n}: each line must be a JSON object")
            rows.append(row)
    return rows


def _read_json(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]  # official TextVQA / DocVQA / ST-VQA layout
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError(f"{path}: expected a list of objects or an object with a 'data' list")
    return data


def rows_table(rows: list[dict[str, Any]], kind: str, roots: list[Path]) -> Table:
    """A :class:`Table` over rows held in memory."""
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    return Table(
        kind=kind,
        columns=columns,
        num_rows=len(rows),
        column=lambda name: [r.get(name) for r in rows],
        rows=lambda idx: [rows[i] for i in idx],
        roots=roots,
    )


# ---------------------------------------------------------------------------------------
# Hugging Face datasets
# ---------------------------------------------------------------------------------------


def dataset_table(ds: Any, kind: str, roots: list[Path]) -> Table:
    """A :class:`Table` over a ``datasets.Dataset``. Image columns are read undecoded, so
    samples carry the original encoded bytes and nothing is decoded twice."""
    import datasets

    for name, feature in ds.features.items():
        if isinstance(feature, datasets.Image) and feature.decode:
            ds = ds.cast_column(name, datasets.Image(decode=False))

    def rows(idx: list[int]) -> list[dict[str, Any]]:
        return [dict(r) for r in ds.select(idx)] if idx else []

    return Table(
        kind=kind,
        columns=list(ds.column_names),
        num_rows=len(ds),
        column=lambda name: list(ds[name]),
        rows=rows,
        roots=roots,
    )


def _pick_split(dd: Any, split: str) -> Any:
    """One split of a DatasetDict; a dict with a single split serves any request."""
    if split in dd:
        return dd[split]
    if len(dd) == 1:
        return next(iter(dd.values()))
    raise ValueError(f"split {split!r} not found; available: {sorted(dd)}")


def load_hub(source: str, config: str | None, split: str) -> Any:
    """``datasets.load_dataset`` for a hub id or a local dataset folder."""
    import datasets

    return datasets.load_dataset(source, config, split=split)


def open_source(source: str, *, split: str, config: str | None,
                image_root: str | Path | None) -> Table:
    """Open ``source`` (see the module docstring). Raises ``FileNotFoundError`` for a
    missing path and lets the library's errors through; the caller words them."""
    import datasets

    extra_roots = [Path(image_root).expanduser()] if image_root else []
    if not looks_like_path(source):
        ds = load_hub(source, config, split)
        return dataset_table(ds, "hub", extra_roots)

    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    roots = extra_roots + [path if path.is_dir() else path.parent]

    if path.is_file():
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            return rows_table(_read_jsonl(path), "jsonl", roots)
        if suffix == ".json":
            return rows_table(_read_json(path), "json", roots)
        if suffix == ".parquet":
            ds = datasets.load_dataset("parquet", data_files=str(path), split="train")
            return dataset_table(ds, "parquet", roots)
        raise ValueError(f"unsupported file type {suffix!r} (use .jsonl, .json or .parquet)")

    if any((path / m).exists() for m in _DISK_MARKERS):
        loaded = datasets.load_from_disk(str(path))
        ds = _pick_split(loaded, split) if isinstance(loaded, datasets.DatasetDict) else loaded
        return dataset_table(ds, "hf-disk", roots)

    plain = sorted(p for p in path.iterdir() if p.suffix.lower() in {".jsonl", ".json"})
    if plain:
        named = [p for p in plain if p.stem == split] or plain
        if len(named) > 1:
            raise ValueError(
                f"{path} holds several question files {[p.name for p in plain]}; "
                "pass one of them as the source"
            )
        return open_source(str(named[0]), split=split, config=config, image_root=image_root)

    ds = load_hub(str(path), config, split)
    return dataset_table(ds, "hf-folder", roots)
