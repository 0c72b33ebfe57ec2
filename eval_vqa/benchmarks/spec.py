"""The :class:`BenchmarkSpec` record: one benchmark's data source, field names, metrics and
generation defaults, validated as it is built (from a YAML file or from Python)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from eval_vqa.metrics import METRICS


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DerivedSplit(_Frozen):
    """An evaluation split drawn from another split: the ``size`` samples whose
    sha256 of ``"{seed}\\0{question id}"`` ranks lowest (see
    :func:`eval_vqa.data.select.select_positions`), kept in source order. The draw depends
    only on the ids, so every copy of the source with the same ids gives the same split."""

    base: str
    size: int
    seed: int
    why: str = ""


class BenchmarkSpec(_Frozen):
    """One benchmark: its data source, field names, metrics and generation defaults.

    ``fields`` maps our names (``question_id``, ``image``, ``question``, ``answers``,
    ``ocr_tokens``) to the source's column names; columns missing from a source are
    looked up under common aliases (see :mod:`eval_vqa.data.rows`). ``explode`` marks
    sources with one row per image holding lists of questions and answers (OCR-VQA).
    """

    name: str
    hf_path: str | None = None
    hf_config: str | None = None
    #: the hub commit (or tag, branch) of ``hf_path`` to load; None: the latest. Older
    #: copies in ``hf_fallbacks`` are other repositories and are loaded at their latest
    revision: str | None = None
    split: str
    metrics: tuple[str, ...]
    primary_metric: str
    instruction: str
    max_new_tokens: int = Field(ge=1)
    title: str = ""
    fields: dict[str, str] = Field(default_factory=dict)
    explode: bool = False
    #: a local path used when no source is given
    default_source: str | None = None
    #: other sources to suggest in error messages
    alternatives: tuple[str, ...] = ()
    notes: str = ""
    #: older hub ids of the same data, tried in order when ``hf_path`` cannot be loaded
    hf_fallbacks: tuple[str, ...] = ()
    #: split names defined here as a fixed draw from another split (ST-VQA's ``val``)
    derived_splits: dict[str, DerivedSplit] = Field(default_factory=dict)
    #: a column whose values divide the benchmark into parts reported on their own
    #: (ChartQA's ``type``: human / augmented), and how the report names each value
    part_field: str | None = None
    part_titles: dict[str, str] = Field(default_factory=dict)
    #: other spellings :func:`eval_vqa.benchmarks.get_benchmark` accepts (case-insensitive)
    aliases: tuple[str, ...] = ()

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, metrics: tuple[str, ...]) -> tuple[str, ...]:
        # every benchmark reports ANLS so the all-ANLS table (the seed's Table 5) can be rebuilt
        if "anls" not in metrics:
            raise ValueError("metrics must include 'anls'")
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"unknown metrics {unknown} (known: {', '.join(METRICS)})")
        return metrics

    @field_validator("primary_metric")
    @classmethod
    def _primary_among_metrics(cls, primary: str, info: ValidationInfo) -> str:
        metrics = info.data.get("metrics")  # absent when metrics failed its own check
        if metrics is not None and primary not in metrics:
            raise ValueError(f"primary_metric {primary!r} is not among its metrics {list(metrics)}")
        return primary

    def replace(self, **changes: Any) -> BenchmarkSpec:
        """A validated copy with some fields changed (for a config that overrides split,
        metrics...)."""
        return type(self).model_validate({**self.model_dump(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description, for results files."""
        return self.model_dump(mode="json")
