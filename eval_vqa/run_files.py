"""The files a run folder describes itself with: ``run.json`` and ``results.json``.

Both carry a ``schema_version``. Version 1 (files without the field) kept the library
versions at the top level as ``versions`` and had no other provenance; it is read as the
current version with only ``provenance.versions`` filled in, so a folder written then still
resumes and reports. A file of a newer version than this code knows is refused.

``run.json`` (:class:`RunFile`): the run config as validated, its resume fingerprint, the
tiny model's recipe build, the backend and prompt profile that ran, and the provenance.
``results.json`` (:class:`ResultsFile`): the run's summary line (``run``), the scores per
benchmark (``benchmarks``), the config and the provenance.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import Self

from eval_vqa.config import RunConfig
from eval_vqa.provenance import Provenance
from ocrvqa.errors import OcrvqaError

SCHEMA_VERSION = 2


class NewerSchemaError(OcrvqaError, ValueError):
    """A run file written by a newer version of the project."""


def migrate(data: Any) -> Any:
    """``data`` of any known schema version in the current shape (version 1: no
    ``schema_version``, library versions under a top-level ``versions``)."""
    if not isinstance(data, dict):
        return data
    version = data.get("schema_version", 1)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"schema_version {version} is newer than this version of ocrvqa reads "
            f"({SCHEMA_VERSION}); upgrade ocrvqa to read it"
        )
    if version == 1:
        data = {k: v for k, v in data.items() if k != "versions"} | {
            "provenance": {"versions": data.get("versions") or {}}
        }
    return {**data, "schema_version": SCHEMA_VERSION}


class _RunDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION

    @classmethod
    def read(cls, text: str | bytes) -> Self:
        """The document a file holds, of any schema version this code reads."""
        return cls.model_validate(migrate(json.loads(text)))


class RunFile(_RunDocument):
    """``run.json``: what a run folder was made with; a resumed run must match it."""

    config: RunConfig
    fingerprint: str
    model_build: str | None = None  # a bundled tiny model's recipe build, None for others
    backend: str | None = None  # the backend that ran (the config may leave it to inference)
    prompt_profile: dict[str, Any] | None = None  # what surrounded question and context
    provenance: Provenance = Field(default_factory=Provenance)


class ResultsRun(BaseModel):
    """The summary line of ``results.json``: what ran and how it was scored."""

    model_config = ConfigDict(extra="forbid")

    name: str
    model: str
    backend: str | None
    prompt_profile: dict[str, Any] | None
    ocr_engine: str
    variants: list[str]
    baseline: str | None  # None: the run has no baseline variant, so no deltas
    table_metric: str
    fingerprint: str
    scale: str = "percent"
    test: str = (
        "two-sided paired sign-flip permutation test of the mean difference "
        "(exact up to 16 differing samples, else permutation_samples random flips)"
    )
    interval: str = "percentile bootstrap 95% interval over samples"
    bootstrap_samples: int
    permutation_samples: int
    seed: int


class ResultsFile(_RunDocument):
    """``results.json``: scores, paired deltas and counts per benchmark (see
    :mod:`eval_vqa.report.results` for the ``benchmarks`` entries)."""

    run: ResultsRun
    benchmarks: dict[str, dict[str, Any]]
    config: RunConfig
    provenance: Provenance = Field(default_factory=Provenance)

    def to_json_dict(self) -> dict[str, Any]:
        """The file's content in key order: version, summary, scores, config, provenance."""
        return {
            "schema_version": self.schema_version,
            "run": self.run.model_dump(mode="json"),
            "benchmarks": self.benchmarks,
            "config": self.config.model_dump(mode="json"),
            "provenance": self.provenance.model_dump(mode="json"),
        }
