"""Opening a data source as a table of rows, whatever it is.

- a Hugging Face dataset id (``lmms-lab/textvqa``): ``datasets.load_dataset``;
- a local clone of such a repository, or a folder of parquet files: the split's own files;
- a folder written by ``Dataset.save_to_disk``: ``datasets.load_from_disk``;
- a ``.parquet`` file, read as it is (no Arrow copy), row group by row group;
- a ``.jsonl`` file (one object per line; Qwen-VL's evaluation files name images from
  their evaluation folder, which is found by walking up from the file) or a ``.json``
  file (a list, an object with a ``data`` list as in the official TextVQA, DocVQA and
  InfographicVQA files, or OCR-VQA's ``dataset.json`` keyed by image id); a folder
  holding such files;
- a VLMEvalKit ``.tsv`` (base64 images, list-literal answers), read lazily by offsets;
- a ``datasets.Dataset``, ``DatasetDict``, ``IterableDataset`` or ``IterableDatasetDict``
  object (an iterable one is written to the Arrow cache first, so it can be indexed).
"""

from __future__ import annotations

import ast
import base64
import csv
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ocrvqa.files import read_jsonl

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
    # what was read, for the run's provenance: data files (local paths, or hub URLs of files
    # not downloaded here) and the hub commit they came from, where known
    files: list[str] = field(default_factory=list)
    revision: str | None = None


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


def _jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """The objects of a JSON-lines file, in order (``read_jsonl`` without line numbers)."""
    return [row for _, row in read_jsonl(path)]


#: OCR-VQA's dataset.json marks each book's split with a number
_OCRVQA_SPLITS = {"train": 1, "validation": 2, "val": 2, "test": 3}


def _ocrvqa_rows(data: dict[str, Any], split: str, path: Path) -> list[dict[str, Any]]:
    """OCR-VQA's ``dataset.json`` ({image id: {imageURL, questions, answers, split, ...}}):
    the books of ``split``, each named ``<id><extension of its URL>`` as its downloader saves it."""
    if split not in _OCRVQA_SPLITS:
        raise ValueError(f"{path}: OCR-VQA's splits are {', '.join(_OCRVQA_SPLITS)}, not {split!r}")
    rows = []
    for image_id, book in data.items():
        if book.get("split") != _OCRVQA_SPLITS[split]:
            continue
        suffix = Path(str(book.get("imageURL", ""))).suffix or ".jpg"
        rows.append(
            {
                "image_id": image_id,
                "image": f"{image_id}{suffix}",
                **{k: v for k, v in book.items() if k != "split"},
            }
        )
    return rows


def _is_ocrvqa(data: Any) -> bool:
    first = next(iter(data.values()), None) if isinstance(data, dict) and data else None
    return isinstance(first, dict) and "questions" in first and "split" in first


def _read_json(path: Path, split: str = "test") -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]  # official TextVQA / DocVQA / InfographicVQA / ST-VQA layout
    elif _is_ocrvqa(data):
        data = _ocrvqa_rows(data, split, path)
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


def infer_image_root(rows: list[dict[str, Any]], folder: Path, levels: int = 4) -> list[Path]:
    """Folders above ``folder`` under which the first relative image path exists: Qwen-VL's
    evaluation files (``eval_mm/data/textvqa/textvqa_val.jsonl``) name images from the
    evaluation folder (``data/textvqa/train_images/...``), not from their own."""
    from eval_vqa.data.rows import FIELD_ALIASES

    first = next(
        (
            r.get(k)
            for r in rows[:1]
            for k in FIELD_ALIASES["image"]
            if isinstance(r.get(k), str) and r.get(k)
        ),
        None,
    )
    if first is None or Path(first).is_absolute() or (folder / first).exists():
        return []
    for parent in list(folder.parents)[:levels]:
        if (parent / first).exists():
            return [parent]
    return []


# ---------------------------------------------------------------------------------------
# VLMEvalKit TSV
# ---------------------------------------------------------------------------------------


class _OffsetLines:
    """The lines of a binary file as text, remembering where each one starts."""

    def __init__(self, f: Any) -> None:
        self.f = f
        self.starts: list[int] = []

    def __iter__(self) -> Iterator[str]:
        while True:
            self.starts.append(self.f.tell())
            line = self.f.readline()
            if not line:
                return
            yield line.decode("utf-8")


def _tsv_cell(name: str, value: str) -> Any:
    """VLMEvalKit writes lists as Python literals (``['a', 'b']``)."""
    if name in ("answer", "answers") and value.startswith("[") and value.endswith("]"):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return [str(v) for v in parsed] if isinstance(parsed, (list, tuple)) else value
    return value


def tsv_table(path: Path, roots: list[Path]) -> Table:
    """A VLMEvalKit TSV (``index``, base64 ``image``, ``question``, ``answer``...). Text
    columns are kept; an image is decoded from the file when its row is read. An image
    cell holding another row's ``index`` shares that row's image, as VLMEvalKit stores it."""
    csv.field_size_limit(sys.maxsize)  # base64 images are longer than csv's default limit
    texts: list[dict[str, Any]] = []
    offsets: list[int] = []
    with path.open("rb") as f:
        lines = _OffsetLines(f)
        reader = csv.reader(lines, delimiter="\t")
        header = next(reader)
        consumed = len(lines.starts)
        for record in reader:
            offsets.append(lines.starts[consumed])
            consumed = len(lines.starts)
            row = dict(zip(header, record))
            texts.append({k: _tsv_cell(k, v) for k, v in row.items() if k != "image"})
    by_index = {str(r.get("index")): i for i, r in enumerate(texts)}

    def image_of(f: Any, i: int, depth: int = 0) -> bytes | None:
        f.seek(offsets[i])
        record = next(csv.reader(_OffsetLines(f), delimiter="\t"))
        cell = dict(zip(header, record)).get("image", "")
        if len(cell) < 64 and cell in by_index and depth < 2:
            return image_of(f, by_index[cell], depth + 1)
        return base64.b64decode(cell) if cell else None

    def rows(idx: list[int]) -> list[dict[str, Any]]:
        with path.open("rb") as f:
            return [
                {**texts[i], "image": image_of(f, i)} if "image" in header else dict(texts[i])
                for i in idx
            ]

    return Table(
        kind="tsv",
        columns=list(header),
        num_rows=len(texts),
        column=lambda name: [r.get(name) for r in texts],
        rows=rows,
        roots=roots,
    )


# ---------------------------------------------------------------------------------------
# Hugging Face datasets
# ---------------------------------------------------------------------------------------


def dataset_table(ds: Any, kind: str, roots: list[Path]) -> Table:
    """A :class:`Table` over a ``datasets.Dataset``. Rows are read in Arrow form, so image
    columns are not decoded: samples carry the original encoded bytes and nothing is
    decoded twice (nor all at once)."""
    raw = ds.with_format("arrow")

    def rows(idx: list[int]) -> list[dict[str, Any]]:
        return raw[idx].to_pylist() if idx else []

    return Table(
        kind=kind,
        columns=list(ds.column_names),
        num_rows=len(ds),
        column=lambda name: raw[name].to_pylist(),
        rows=rows,
        roots=roots,
    )


def parquet_table(files: list[str], kind: str, roots: list[Path]) -> Table:
    """A :class:`Table` read straight from parquet files, with no Arrow copy prepared:
    a column is read alone for selection, and rows are read by row group (the hub's image
    datasets hold about a hundred rows per group), keeping only the last group read."""
    import pyarrow.parquet as pq

    handles = [pq.ParquetFile(f) for f in files]
    groups: list[tuple[int, int, int]] = []  # (file, row group, first global row)
    total = 0
    for n, handle in enumerate(handles):
        for g in range(handle.metadata.num_row_groups):
            groups.append((n, g, total))
            total += handle.metadata.row_group(g).num_rows
    starts = [g[2] for g in groups]
    columns = list(handles[0].schema_arrow.names) if handles else []
    held: dict[int, list[dict[str, Any]]] = {}

    def group_rows(k: int) -> list[dict[str, Any]]:
        if k not in held:
            held.clear()  # one group held at a time
            n, g, _ = groups[k]
            held[k] = handles[n].read_row_group(g).to_pylist()
        return held[k]

    def rows(idx: list[int]) -> list[dict[str, Any]]:
        import bisect

        out = []
        for i in idx:
            k = bisect.bisect_right(starts, i) - 1
            out.append(group_rows(k)[i - starts[k]])
        return out

    def column(name: str) -> list[Any]:
        return [v for h in handles for v in h.read(columns=[name]).column(name).to_pylist()]

    return Table(kind=kind, columns=columns, num_rows=total, column=column, rows=rows, roots=roots)


def object_table(source: Any, split: str, roots: list[Path]) -> Table:
    """A table over a ``datasets`` object handed over in Python."""
    import datasets

    if isinstance(source, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        source = _pick_split(source, split)
    if isinstance(source, datasets.IterableDataset):
        # written to the Arrow cache once, so rows can be read by index without holding them
        source = datasets.Dataset.from_generator(
            _generate, gen_kwargs={"iterable": source}, features=source.features
        )
    if isinstance(source, datasets.Dataset):
        return dataset_table(source, "dataset", roots)
    raise TypeError(
        f"a source object must be a datasets Dataset, DatasetDict or IterableDataset, not "
        f"{type(source).__name__}; pass other data as a path or a hub id"
    )


def _generate(iterable: Any) -> Iterator[dict[str, Any]]:
    yield from iterable


def _pick_split(dd: Any, split: str) -> Any:
    """One split of a DatasetDict; a dict with a single split serves any request."""
    if split in dd:
        return dd[split]
    if len(dd) == 1:
        return next(iter(dd.values()))
    raise ValueError(f"split {split!r} not found; available: {sorted(dd)}")


#: packaged builders whose splits are plain data files, so one split can be prepared alone
_FILE_BUILDERS = {"parquet", "arrow", "json", "csv"}


def split_files(
    source: str, config: str | None, split: str, revision: str | None = None
) -> tuple[str, list[str], Any] | None:
    """(builder, data files, features) of one split of a hub id or dataset folder, when its
    splits are data files; None when they are not, or cannot be listed."""
    import datasets

    try:
        builder = datasets.load_dataset_builder(source, config, revision=revision)
    except Exception:  # offline, a script dataset...: load_dataset says what is wrong
        return None
    files = getattr(builder.config, "data_files", None)
    if builder.name not in _FILE_BUILDERS or not files or split not in files:
        return None
    return builder.name, [str(f) for f in files[split]], builder.info.features


def hub_table(
    source: str,
    config: str | None,
    split: str,
    kind: str,
    roots: list[Path],
    revision: str | None = None,
) -> Table:
    """One split of a hub id or a local dataset folder, at ``revision`` (a hub commit, tag
    or branch; None: the latest).

    ``load_dataset(source, config, split=...)`` downloads and prepares every split of the
    config (TextVQA: about 13 GB of Arrow for its 5,000 validation questions). When the
    splits are parquet files, only the split's own files are downloaded and read as they
    are, with no Arrow copy; other data files are prepared for that split alone.
    """
    import datasets

    found = split_files(source, config, split, revision)
    if found is None:
        ds = datasets.load_dataset(source, config, split=split, revision=revision)
        table = dataset_table(ds, kind, roots)
        table.files = [f["filename"] for f in ds.cache_files]
        table.revision = revision
        return table
    builder, files, features = found
    commit = hub_commit(files) or revision
    if builder == "parquet":
        local = [str(f) for f in datasets.DownloadManager().download(files)]  # the hub's cache
        table = parquet_table(local, kind, roots)
    else:
        table = dataset_table(
            datasets.load_dataset(
                builder, data_files={split: files}, split=split, features=features
            ),
            kind,
            roots,
        )
        local = files
    table.files, table.revision = local, commit
    return table


def hub_commit(files: list[str]) -> str | None:
    """The hub commit that data file URLs name (``hf://datasets/org/name@<commit>/...``),
    as ``datasets`` resolves them: read from the URLs, never asked of the hub."""
    import re

    for name in files:
        found = re.search(r"@([0-9a-f]{40})/", name)
        if found:
            return found.group(1)
    return None


def open_source(
    source: Any,
    *,
    split: str,
    config: str | None,
    image_root: str | Path | None,
    revision: str | None = None,
) -> Table:
    """Open ``source`` (see the module docstring); ``revision`` pins a hub id's commit.
    Raises ``FileNotFoundError`` for a missing path and lets the library's errors through;
    the caller words them."""
    extra_roots = [Path(image_root).expanduser()] if image_root else []
    if not isinstance(source, (str, Path)):
        return object_table(source, split, extra_roots)
    source = str(source)
    if not looks_like_path(source):
        return hub_table(source, config, split, "hub", extra_roots, revision)
    table = _open_path(source, split=split, config=config, image_root=image_root)
    if not table.files and Path(source).expanduser().is_file():
        table.files = [str(Path(source).expanduser())]
    return table


def _open_path(
    source: str, *, split: str, config: str | None, image_root: str | Path | None
) -> Table:
    """A local file or folder as a table (see :func:`open_source`)."""
    extra_roots = [Path(image_root).expanduser()] if image_root else []

    path = Path(source).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    roots = extra_roots + [path if path.is_dir() else path.parent]

    if path.is_file():
        suffix = path.suffix.lower()
        if suffix in (".jsonl", ".json"):
            rows = _jsonl_rows(path) if suffix == ".jsonl" else _read_json(path, split)
            # OCR-VQA keeps its covers in images/ beside dataset.json
            found = infer_image_root(rows, path.parent) + [path.parent / "images"]
            return rows_table(rows, suffix[1:], roots + found)
        if suffix == ".tsv":
            return tsv_table(path, roots)
        if suffix == ".parquet":
            return parquet_table([str(path)], "parquet", roots)
        raise ValueError(f"unsupported file type {suffix!r} (use .jsonl, .json, .tsv or .parquet)")

    if any((path / m).exists() for m in _DISK_MARKERS):
        import datasets  # here: every other source opens without it (seconds of import)

        loaded = datasets.load_from_disk(str(path))
        ds = _pick_split(loaded, split) if isinstance(loaded, datasets.DatasetDict) else loaded
        table = dataset_table(ds, "hf-disk", roots)
        table.files = [f["filename"] for f in ds.cache_files]
        return table

    plain = sorted(p for p in path.iterdir() if p.suffix.lower() in {".jsonl", ".json"})
    if plain:
        named = [p for p in plain if p.stem == split] or plain
        if len(named) > 1:
            raise ValueError(
                f"{path} holds several question files {[p.name for p in plain]}; "
                "pass one of them as the source"
            )
        return open_source(str(named[0]), split=split, config=config, image_root=image_root)

    return hub_table(str(path), config, split, "hf-folder", roots)
