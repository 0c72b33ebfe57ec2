"""Run configuration: a YAML file validated with pydantic, plus ``key=value`` overrides.

A run config names the model, the benchmarks, the OCR engine and the prompt variants.
Every mistake is reported as a ``ConfigError`` that names the offending key, e.g.
``ocr.engin: unknown key`` or ``batch_size: must be greater than 0 (got -1)``.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import re
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
)

from lmm_bridge.variants import BUILTIN_VARIANTS, VariantSpec, get_variant
from ocrvqa.errors import OcrvqaError
from ocrvqa.openai_api import CLIENT_SETTINGS
from ocrvqa.validation import error_lines, format_validation_error

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable


class ConfigError(OcrvqaError, ValueError):
    """A run config that cannot be used; the message names the key and what to do."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class BenchmarkConfig(_Strict):
    """One benchmark of a run and where its data comes from."""

    name: str
    source: str | None = (
        None  # None: the benchmark's Hugging Face copy; else an HF id or a local file/folder
    )
    image_root: str | None = None
    config: str | None = None  # the dataset's config (subset) name; None: the benchmark's own
    split: str | None = None
    limit: int | None = Field(default=None, gt=0)
    offset: int | None = Field(default=None, ge=0)
    subset: int | None = Field(default=None, gt=0)
    instruction: str | None = None  # replaces the profile's answer instruction ("": none)
    max_new_tokens: int | None = Field(default=None, gt=0)


class OCRConfig(_Strict):
    """The OCR expert and how it runs beside generation."""

    engine: str = "ppocr"
    options: dict[str, Any] = Field(default_factory=dict)  # engine options (lang=..., model=...)
    cache_dir: str | None = None
    use_cache: bool = True
    mode: Literal["auto", "page", "crop"] = "auto"
    overlap: bool = True  # read ahead in threads while the model generates
    workers: int = Field(default=1, ge=1)
    lookahead: int = Field(default=2, ge=1)  # batches read ahead of the one being generated


class GenerationConfig(_Strict):
    max_new_tokens: int | None = Field(default=None, gt=0)  # None: each benchmark's default


#: Resamples of the bootstrap intervals and random sign flips of the paired test, unless a
#: run's ``report`` section sets them (the statistics functions default to them too).
BOOTSTRAP_SAMPLES = 2000
PERMUTATION_SAMPLES = 10000


class ReportConfig(_Strict):
    metric: str = "anls"  # the metric of the main table (the seed's Table 5 is all ANLS)
    baseline: str = "none"  # the variant the paired deltas are measured against
    bootstrap_samples: int = Field(default=BOOTSTRAP_SAMPLES, ge=100)
    permutation_samples: int = Field(default=PERMUTATION_SAMPLES, ge=100)
    seed: int = 0
    html_samples: int = Field(default=300, ge=0)  # samples shown on the error-analysis page
    chart: bool = True
    html: bool = True


def _default_variants() -> list[VariantSpec]:
    return [get_variant("none"), get_variant("tokens")]


class RunConfig(_Strict):
    """Everything one ``ocrvqa eval`` run needs."""

    name: str = "run"
    model: str
    backend: str | None = None  # None: inferred from the model's config
    device: str | None = None  # None: the accelerate process's device
    dtype: str | None = None
    # what surrounds question and context: auto (the model family's official prompt),
    # qwen-vl-vqa, short-answer or plain (see lmm_bridge.profiles)
    prompt_profile: str = "auto"
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    # modules imported before the run, e.g. one that registers a backend with @register_backend
    plugins: list[str] = Field(default_factory=list)
    benchmarks: list[BenchmarkConfig] = Field(min_length=1)
    # each a built-in variant's name or a mapping (see lmm_bridge.variants), validated here
    variants: list[VariantSpec] = Field(default_factory=_default_variants, min_length=1)
    ocr: OCRConfig = Field(default_factory=OCRConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    batch_size: int = Field(default=8, gt=0)
    limit: int | None = Field(
        default=None, gt=0
    )  # per benchmark, unless the benchmark sets its own
    offset: int = Field(default=0, ge=0)
    subset: int | None = Field(default=None, gt=0)  # a fixed-seed random subset of this size
    seed: int = 0
    output_dir: str = "runs/{name}/{model}"  # {name}; {model}: the model's last path part
    progress: bool = True
    report: ReportConfig = Field(default_factory=ReportConfig)

    @field_validator("benchmarks", mode="before")
    @classmethod
    def _benchmark_names(cls, value: Any) -> Any:
        # a bare name is shorthand for {name: ...}
        if isinstance(value, (str, dict)):
            value = [value]
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("variants", mode="before")
    @classmethod
    def _variant_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, (str, dict)) else value

    @field_serializer("variants")
    def _variants_as_written(self, value: list[VariantSpec]) -> list[str | dict[str, Any]]:
        # a built-in variant is recorded by its name, as configs write it: run.json stays
        # readable and the fingerprint of a run does not depend on how it was spelt
        return [
            v.name if BUILTIN_VARIANTS.get(v.name, None) == v else v.model_dump() for v in value
        ]

    @field_validator("variants")
    @classmethod
    def _unique_variant_names(cls, value: list[VariantSpec]) -> list[VariantSpec]:
        names = [v.name for v in value]
        if len(set(names)) != len(names):  # results are keyed by variant name
            raise ValueError(f"two variants share a name ({', '.join(names)}); give each a name")
        return value

    @property
    def run_dir(self) -> Path:
        model = re.sub(r"[^A-Za-z0-9._-]+", "_", self.model.rstrip("/").split("/")[-1]) or "model"
        try:
            return Path(self.output_dir.format(name=self.name, model=model))
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"output_dir: {self.output_dir!r} may use {{name}} and {{model}} only ({exc})"
            ) from None

    @property
    def benchmark_names(self) -> list[str]:
        """The benchmarks' registered names, in run order: how the log and the results name
        them, whatever alias the config used."""
        from eval_vqa.benchmarks import canonical_name

        return [canonical_name(b.name) for b in self.benchmarks]

    def fingerprint(self) -> str:
        """Hash of every setting that changes a sample's record: a resumed run must match it."""
        keys = (
            "model",
            "backend",
            "dtype",
            "prompt_profile",
            "model_kwargs",
            "variants",
            "ocr",
            "generation",
            "benchmarks",
        )
        data = self.model_dump(include=set(keys))
        for bench in data["benchmarks"]:
            for key in ("limit", "offset", "subset"):
                bench.pop(key, None)  # which samples are chosen does not change a sample's record
        for key in ("overlap", "workers", "lookahead", "cache_dir", "use_cache"):
            data["ocr"].pop(key, None)  # how OCR is scheduled does not change its output
        for options in (data["model_kwargs"], data["ocr"]["options"]):
            for (
                key
            ) in CLIENT_SETTINGS:  # nor how patiently a server is asked (a resume may wait longer)
                options.pop(key, None)
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[
            :16
        ]


def parse_overrides(items: Sequence[str]) -> list[tuple[list[str], Any]]:
    """Parse ``key=value`` strings: dotted keys, values read as YAML (``limit=50`` is an int)."""
    parsed = []
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(
                f"override {item!r}: expected key=value, e.g. limit=50 or ocr.engine=tesseract"
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else None
        except yaml.YAMLError as exc:
            raise ConfigError(f"override {key}: cannot read value {raw!r} as YAML: {exc}") from exc
        parsed.append((key.split("."), value))
    return parsed


def apply_overrides(data: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Return a copy of ``data`` with each ``key=value`` applied (list items by index:
    ``benchmarks.0.limit=5``)."""
    data = copy.deepcopy(data)
    for path, value in parse_overrides(overrides):
        node: Any = data
        for i, part in enumerate(path[:-1]):
            where = ".".join(path[: i + 1])
            if isinstance(node, list):
                i_item = _index(node, part, where)
                if isinstance(node[i_item], str):
                    # a bare name in a list is shorthand for {name: ...}:
                    # variants.1.budget_tokens=64
                    node[i_item] = {"name": node[i_item]}
                node = node[i_item]
                continue
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, (dict, list)):
                raise ConfigError(f"override {'.'.join(path)}: {where} is a value, not a section")
            node = child
        last = path[-1]
        if isinstance(node, list):
            node[_index(node, last, ".".join(path))] = value
        else:
            node[last] = value
    return data


def _index(node: list, part: str, where: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ConfigError(
            f"override {where}: {part!r} is not an index of a list of {len(node)} items"
        )
    return int(part)


def shipped_configs() -> dict[str, Traversable]:
    """The run configs shipped in the package (``eval_vqa/configs/*.yaml``), by name."""
    folder = resources.files("eval_vqa") / "configs"
    entries = folder.iterdir() if folder.is_dir() else ()
    return {
        e.name.removesuffix(".yaml"): e
        for e in sorted(entries, key=lambda e: e.name)
        if e.name.endswith(".yaml") and e.is_file()
    }


def resolve_config_path(name: str | Path) -> Path | Traversable:
    """A config path as given, one in ``./configs``, or a shipped config by name
    (``smoke`` or ``smoke.yaml``), found wherever the package is installed."""
    path = Path(name)
    if path.is_file():
        return path
    for candidate in (Path.cwd() / "configs" / path, Path.cwd() / "configs" / f"{path}.yaml"):
        if candidate.is_file():
            return candidate
    shipped = shipped_configs()
    found = shipped.get(str(name).removesuffix(".yaml"))
    if found is not None:
        return found
    raise ConfigError(
        f"config not found: {name} (pass a YAML file or one of: {', '.join(shipped) or 'none'})"
    )


def load_config(source: str | Path | dict[str, Any], overrides: Sequence[str] = ()) -> RunConfig:
    """Read, override and validate a run config. ``source`` is a path, a shipped name or a dict."""
    if isinstance(source, dict):
        data, where = source, "config"
    else:
        path = resolve_config_path(source)
        where = str(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{where}: not valid YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a mapping of keys at the top level")
    data = apply_overrides(data, overrides)
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, where)) from None
    check_references(config)
    return config


def check_references(config: RunConfig) -> None:
    """Names that refer to registries elsewhere: benchmarks, variants, metrics, the baseline."""
    from eval_vqa.metrics import METRICS
    from ocr_expert.engines import ENGINES

    load_plugins(config)
    if config.ocr.engine not in ENGINES:
        raise ConfigError(f"ocr.engine: {ENGINES.unknown_message(config.ocr.engine)}")
    check_benchmarks(config)
    check_ocr_options(config)
    check_backend_options(config)
    if config.device is not None:
        check_device(config.device)
    if config.dtype is not None:
        check_dtype(config.dtype)
    if config.prompt_profile != "auto":
        from lmm_bridge.profiles import resolve_profile

        try:
            resolve_profile(config.prompt_profile)
        except ValueError as exc:
            raise ConfigError(f"prompt_profile: {exc}") from None
    if config.report.metric not in METRICS:
        raise ConfigError(f"report.metric: {METRICS.unknown_message(config.report.metric)}")
    seen = [v.name for v in config.variants]
    # the default baseline may be absent (a run without `none` has no deltas); a chosen one may not
    if "baseline" in config.report.model_fields_set and config.report.baseline not in seen:
        raise ConfigError(
            f"report.baseline: {config.report.baseline!r} is not one of the run's variants "
            f"({', '.join(seen)})"
        )


def check_benchmarks(config: RunConfig) -> None:
    """Check every benchmark entry against the registry (after the plugins registered theirs).

    An entry named by a YAML file (``name: my_bench.yaml``, relative to the current folder)
    is read and registered first, and the entry then carries the name the file defines.
    """
    from eval_vqa.benchmarks import BenchmarkFileError, get_benchmark, load_benchmark_file

    for i, bench in enumerate(config.benchmarks):
        try:
            if bench.name.endswith((".yaml", ".yml")):
                bench.name = load_benchmark_file(bench.name).name
            get_benchmark(bench.name)
        except KeyError as exc:
            raise ConfigError(f"benchmarks.{i}.name: {exc.args[0]}") from None
        except BenchmarkFileError as exc:
            raise ConfigError(f"benchmarks.{i}.name: {exc}") from None
    names = config.benchmark_names
    if len(set(names)) != len(names):
        raise ConfigError(f"benchmarks: a benchmark is listed twice ({', '.join(names)})")


def check_ocr_options(config: RunConfig) -> None:
    """``ocr.options`` against what the engine declares (a misspelt option fails here, not
    after the benchmarks are opened)."""
    from ocr_expert.engines import OCREngineError, check_options

    try:
        check_options(config.ocr.engine, config.ocr.options)
    except OCREngineError as exc:
        raise ConfigError(f"ocr.options: {exc}") from None


def check_backend_options(config: RunConfig) -> None:
    """``backend`` names a known backend, and ``batch_size`` with ``model_kwargs`` are options
    that backend takes. The backend is the named one, or the one a local model folder's
    config (or a model preset) implies; a hub model's is known only once it loads."""
    from eval_vqa.presets import preset_of
    from lmm_bridge.backends import BackendError, get_backend_class, infer_backend
    from lmm_bridge.backends.base import BackendOptions

    try:
        if config.backend is not None:
            cls = get_backend_class(config.backend)
        elif (preset := preset_of(config.model)) is not None:
            cls = get_backend_class(preset.backend)
        elif Path(config.model).is_dir():
            cls = get_backend_class(infer_backend(config.model))
        else:
            return
    except BackendError as exc:
        raise ConfigError(f"backend: {exc}") from None
    if cls.options_model is BackendOptions:
        return  # a backend that declares no options of its own checks its arguments itself
    try:
        cls.options_model(**{"batch_size": config.batch_size, **config.model_kwargs})
    except ValidationError as exc:
        raise ConfigError(
            f"model_kwargs: {cls.name} backend: " + "; ".join(error_lines(exc))
        ) from None


def check_device(device: str) -> None:
    """Refuse a device the machine lacks (``device: cuda`` without CUDA) before anything loads."""
    from ocrvqa.devices import check_device as check

    try:
        check(device)
    except ValueError as exc:
        raise ConfigError(f"device: {exc}") from None


def check_dtype(dtype: str) -> None:
    """Refuse a precision the model loader does not know, before any model is loaded."""
    import warnings

    from ocrvqa.devices import resolve_device

    try:
        with warnings.catch_warnings():  # only the name is checked here, not the device
            warnings.simplefilter("ignore")
            resolve_device("cpu", dtype)
    except ValueError as exc:
        raise ConfigError(f"dtype: {exc}") from None


def load_plugins(config: RunConfig) -> None:
    """Import the config's plugin modules (they register backends, engines, benchmarks)."""
    for i, module in enumerate(config.plugins):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ConfigError(f"plugins.{i}: cannot import {module!r}: {exc}") from exc
