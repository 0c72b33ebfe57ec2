"""A run folder's bookkeeping: making it, its ``run.json`` and ``results.json``, its log read
once for the merge and the report.

The folder holds ``run.json`` (written once per run, after the model loads, when everything
it records is known), the per-sample log (see :mod:`eval_vqa.log`), ``selection.json``,
the merged ``samples.jsonl`` and the report files. A run started again on a folder whose
log holds samples must have the same settings: :func:`check_resumable` refuses it before
any work otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from eval_vqa.config import ConfigError, RunConfig
from eval_vqa.log import read_records, read_selection, select_records
from eval_vqa.provenance import Provenance
from eval_vqa.run_files import NewerSchemaError, ResultsFile, RunFile
from ocrvqa.files import write_atomic
from ocrvqa.validation import format_validation_error

if TYPE_CHECKING:
    from eval_vqa.records import SampleRecord

RUN_FILE = "run.json"
RESULTS_FILE = "results.json"


def prepare_run_dir(run_dir: Path) -> None:
    """Make the run folder; refuse one that cannot be made (a file in its path, no
    permission) in one line."""
    for parent in [run_dir, *run_dir.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(
                    f"output_dir: cannot make {run_dir}: {parent} is a file, not a folder; "
                    "pick another with output_dir=..."
                )
            break
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"output_dir: cannot make {run_dir} ({exc.strerror or exc}); "
            "pick another with output_dir=..."
        ) from None


def read_run_file(run_dir: str | Path) -> RunFile:
    """The folder's ``run.json`` (of any schema version this code reads)."""
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{run_dir} is not a run folder: it has no {RUN_FILE} (run `ocrvqa eval` first)"
        )
    return _read(path, RunFile)


def write_run_file(run_dir: str | Path, run_file: RunFile) -> Path:
    """Write ``run.json`` whole or not at all."""
    text = json.dumps(run_file.model_dump(mode="json"), indent=2, ensure_ascii=False)
    return write_atomic(Path(run_dir) / RUN_FILE, text)


def new_run_file(
    config: RunConfig,
    *,
    backend: str | None,
    prompt_profile: dict[str, Any] | None,
    provenance: Provenance,
) -> RunFile:
    """``run.json`` of a run of ``config`` that ran on ``backend`` with ``prompt_profile``."""
    return RunFile(
        config=config,
        fingerprint=config.fingerprint(),
        model_build=model_build(config.model),
        backend=backend,
        prompt_profile=prompt_profile,
        provenance=provenance,
    )


def check_resumable(run_dir: Path, config: RunConfig, has_log: bool) -> None:
    """Refuse to mix a log (``has_log``: the folder holds finished samples) with one made
    under different settings, or by an older recipe of a bundled tiny model. A folder whose
    log is empty is free to take."""
    if not has_log or not (run_dir / RUN_FILE).is_file():
        return
    old = read_run_file(run_dir)
    build = model_build(config.model)
    # a folder written before the build stamp existed has none, and passes
    if old.model_build is not None and old.model_build != build:
        raise ConfigError(
            f"{run_dir} holds answers of {config.model} as an older recipe built it "
            f"(build {old.model_build}, now {build}), and they differ from today's; "
            "delete the folder to run again, or pick a new one with output_dir=..."
        )
    if old.fingerprint != config.fingerprint():
        before, now = old.config.model_dump(mode="json"), config.model_dump(mode="json")
        changed = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
        raise ConfigError(
            f"{run_dir} holds a run made with other settings (changed: {', '.join(changed)}); "
            "resume it with the same settings, or pick a new folder with output_dir=... "
            "or name=..."
        )


def model_build(model: str) -> str | None:
    """The recipe version of a model built from a preset (rebuilt when the recipe changes, and
    then answering differently); None for any other model."""
    from eval_vqa.presets import preset_of

    preset = preset_of(model)
    return None if preset is None else str(preset.build_version)


@dataclass(frozen=True)
class LoggedRun:
    """A run's log as the merge and the report use it, read once."""

    records: list[SampleRecord]  # the selected samples' records, in sample order
    selected: dict[str, int]  # how many samples the config selected per benchmark, where known


def read_log(run_dir: str | Path, order: Sequence[str]) -> LoggedRun:
    """Every shard of the log read once: the records of the selected samples, benchmarks in
    ``order`` (canonical names) and each in its selection's order."""
    selection = read_selection(run_dir)
    records = select_records(read_records(run_dir), selection, order)
    return LoggedRun(records, {name: len(keys) for name, keys in selection.items()})


def write_results(run_dir: str | Path, results: ResultsFile) -> Path:
    """Write ``results.json`` (an undefined statistic, NaN, as null: NaN is not JSON)."""
    text = json.dumps(_finite(results.to_json_dict()), indent=2, ensure_ascii=False)
    return write_atomic(Path(run_dir) / RESULTS_FILE, text)


def read_results(run_dir: str | Path) -> ResultsFile:
    """The folder's ``results.json`` (of any schema version this code reads)."""
    return _read(Path(run_dir) / RESULTS_FILE, ResultsFile)


def _read(path: Path, model: type[RunFile] | type[ResultsFile]) -> Any:
    try:
        return model.read(path.read_bytes())
    except NewerSchemaError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path), f"{path.name} file")) from None


def _finite(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
