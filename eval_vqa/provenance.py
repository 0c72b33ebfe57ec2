"""What produced a run's numbers: library versions, the data files read and the model's commit.

All of it is read from what is already on this machine (installed packages, the files the
loaders opened, the loaded model's config, the hub cache's folder names): nothing here asks
the network. A checksum is the sha256 of a file's bytes; for a file in the Hugging Face
cache it is the name of the blob the cache stores it under, which is that sha256 already.
"""

from __future__ import annotations

import contextlib
import platform
import re
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ocrvqa.files import sha256_file

if TYPE_CHECKING:
    from eval_vqa.data.loader import BenchmarkData

#: Installed packages whose versions are recorded (the project's own first).
PACKAGES = (
    "ocrvqa",
    "torch",
    "transformers",
    "accelerate",
    "datasets",
    "rapidocr",
    "rapidocr_onnxruntime",
    "pytesseract",
)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{40}")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataFile(_Record):
    """One data file a benchmark was read from."""

    path: str  # a local path, or the hub URL of a file read without a local copy
    sha256: str | None = None  # None: not a local file


class DataProvenance(_Record):
    """Where one benchmark's samples came from."""

    #: hub: the benchmark's own hub copy; fallback: an older hub copy tried after it;
    #: bundled: the files its definition ships (the mini benchmarks); given: a source the
    #: run config named
    origin: Literal["hub", "fallback", "bundled", "given"]
    source: str
    kind: str  # how it was opened: hub, parquet, jsonl, ... (see eval_vqa.data.sources)
    split: str
    config: str | None = None
    pinned_revision: str | None = None  # the benchmark definition's ``revision``
    revision: str | None = None  # the hub commit the files came from, where known
    files: list[DataFile] = Field(default_factory=list)


class ModelProvenance(_Record):
    """The model that answered."""

    name: str
    path: str | None = None  # the folder or hub id it was loaded from
    pinned_revision: str | None = None  # asked for (``model_kwargs.revision``)
    revision: str | None = None  # the hub commit it was loaded at, where known
    remote_code: bool = False  # its repository's own code ran (trust_remote_code)


class Provenance(_Record):
    """Library versions, the data read, the model's commit."""

    versions: dict[str, str] = Field(default_factory=dict)
    model: ModelProvenance | None = None
    data: dict[str, DataProvenance] = Field(default_factory=dict)


def library_versions() -> dict[str, str]:
    """Versions of Python, the recorded packages that are installed, and the tesseract binary."""
    return dict(_library_versions())


# once per process: the packages this process imported do not change under it, and asking
# tesseract for its version starts a process
@lru_cache(maxsize=1)
def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        with contextlib.suppress(PackageNotFoundError):  # not installed: nothing to record
            out[pkg] = version(pkg)
    binary = tesseract_version()
    if binary is not None:
        out["tesseract"] = binary
    return out


def tesseract_version() -> str | None:
    """The tesseract binary's version (pytesseract runs ``tesseract --version``); None
    without pytesseract or the binary."""
    try:
        import pytesseract

        return str(pytesseract.get_tesseract_version())
    except Exception:  # not installed, not on PATH, or it failed: nothing to record
        return None


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file: the blob name for a file in the Hugging Face cache, else hashed."""
    real = Path(path).resolve()
    if real.parent.name == "blobs" and _SHA256.fullmatch(real.name):
        return real.name
    return sha256_file(real)


def data_files(paths: Sequence[str]) -> list[DataFile]:
    """Each path with its checksum where it is a local file."""
    return [DataFile(path=p, sha256=file_sha256(p) if Path(p).is_file() else None) for p in paths]


def data_provenance(data: BenchmarkData) -> DataProvenance:
    """Where an opened benchmark's samples come from (its table knows the files it read)."""
    spec, table = data.spec, data.table
    if spec.hf_path and data.source == spec.hf_path:
        origin = "hub"
    elif data.source in spec.hf_fallbacks:
        origin = "fallback"
    elif spec.default_source and data.source == spec.default_source:
        origin = "bundled"
    else:
        origin = "given"
    return DataProvenance(
        origin=origin,
        source=data.source,
        kind=table.kind,
        split=data.split,
        config=data.config,
        pinned_revision=spec.revision if origin == "hub" else None,
        revision=table.revision or snapshot_commit(table.files),
        files=data_files(table.files),
    )


def snapshot_commit(paths: Sequence[str | Path]) -> str | None:
    """The commit named by a hub cache snapshot folder (``.../snapshots/<commit>/...``) in
    any of ``paths``."""
    for path in paths:
        parts = Path(path).parts
        for i, part in enumerate(parts[:-1]):
            if part == "snapshots" and _COMMIT.fullmatch(parts[i + 1]):
                return parts[i + 1]
    return None


def cached_commit(repo_id: str, revision: str | None) -> str | None:
    """The commit the hub cache's ref for ``revision`` (default ``main``) of a model repository
    points at, read from the cache's ``refs`` file."""
    try:
        from huggingface_hub.constants import HF_HUB_CACHE
    except ImportError:
        return None
    ref = (
        Path(HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}" / "refs" / (revision or "main")
    )
    try:
        commit = ref.read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    return commit if _COMMIT.fullmatch(commit) else None


def model_provenance(name: str, backend: Any) -> ModelProvenance:
    """The model a backend loaded: its folder or id, the commit it was loaded at (the loaded
    config's ``_commit_hash``, a snapshot folder's name, or the hub cache's ref), and whether
    its repository's own code runs. Remote code run without a pinned revision is warned
    about, naming the commit that ran."""
    path = getattr(backend, "model_path", None)
    pinned = getattr(getattr(backend, "options", None), "revision", None)
    config = getattr(getattr(backend, "model", None), "config", None)
    commit = getattr(config, "_commit_hash", None)
    if not (isinstance(commit, str) and _COMMIT.fullmatch(commit)):
        commit = None
    if commit is None and path is not None:
        commit = snapshot_commit([path])
        if commit is None and not Path(path).exists() and "/" in str(path):
            commit = cached_commit(str(path), pinned)
    remote_code = bool(getattr(config, "auto_map", None)) or (
        getattr(backend, "trust_remote_code", False) is True
    )
    # a folder of one's own holds the code that runs; a hub copy changes under the same id
    from_hub = commit is not None or (path is not None and not Path(path).exists())
    if remote_code and pinned is None and from_hub:
        warnings.warn(
            f"model {name}: its repository's own code ran (trust_remote_code) at commit "
            f"{commit or 'unknown'} without a pinned revision; pin it with "
            f"model_kwargs.revision={commit or '<commit>'} so a rerun runs the same code",
            stacklevel=2,
        )
    return ModelProvenance(
        name=name,
        path=None if path is None else str(path),
        pinned_revision=pinned,
        revision=commit,
        remote_code=remote_code,
    )


def collect(model: str, backend: Any, opened: Sequence[BenchmarkData]) -> Provenance:
    """The provenance of a run: versions, the model ``backend`` loaded (named ``model`` in
    the config), and each opened benchmark's data."""
    return Provenance(
        versions=library_versions(),
        model=model_provenance(model, backend),
        data={data.spec.name: data_provenance(data) for data in opened},
    )
