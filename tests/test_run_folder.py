"""Run folders: run.json and results.json with a schema version and provenance, folders
written before the version existed (``fixtures/run_v1``, left by a run of that code),
and the provenance read from what is on the machine."""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from eval_vqa.config import ConfigError, load_config
from eval_vqa.provenance import file_sha256, model_provenance, snapshot_commit
from eval_vqa.report import build_report
from eval_vqa.run_files import SCHEMA_VERSION
from eval_vqa.run_folder import read_results, read_run_file
from eval_vqa.runner import run
from eval_vqa.sharding import Shard

V1 = Path(__file__).resolve().parent / "fixtures" / "run_v1"
ALONE = Shard(rank=0, world_size=1, device="cpu")
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def v1_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "v1"
    shutil.copytree(V1, folder)
    return folder


def _v1_config(folder: Path):
    data = json.loads((V1 / "run.json").read_text())["config"]
    return load_config({**data, "output_dir": str(folder)})  # the folder is not in the fingerprint


def test_a_folder_without_schema_version_resumes_with_every_sample_done(v1_folder: Path):
    old_results = json.loads((V1 / "results.json").read_text())
    summary = run(_v1_config(v1_folder), shard=ALONE)
    assert (summary.skipped, summary.written) == (4, 0)
    run_file = json.loads((v1_folder / "run.json").read_text())
    assert run_file["schema_version"] == SCHEMA_VERSION and "versions" not in run_file
    results = json.loads((v1_folder / "results.json").read_text())
    assert results["schema_version"] == SCHEMA_VERSION
    assert results["benchmarks"] == old_results["benchmarks"]
    assert results["run"] == old_results["run"]


def test_a_folder_without_schema_version_reports(v1_folder: Path):
    old = json.loads((V1 / "run.json").read_text())
    run_file = read_run_file(v1_folder)
    assert run_file.provenance.versions == old["versions"]  # moved under provenance
    assert run_file.provenance.model is None and run_file.provenance.data == {}
    assert run_file.config.benchmark_names == ["mini_scene"]  # the config's alias, resolved
    assert read_results(v1_folder).provenance.versions == old["versions"]
    build_report(v1_folder)
    results = json.loads((v1_folder / "results.json").read_text())
    assert results["benchmarks"]["mini_scene"]["counts"]["scored"] == 4
    assert results["provenance"]["versions"] == old["versions"]


def test_run_json_records_the_data_read_and_the_libraries(v1_folder: Path):
    run(_v1_config(v1_folder), shard=ALONE)
    prov = read_run_file(v1_folder).provenance
    scene = prov.data["mini_scene"]
    assert scene.origin == "bundled" and scene.kind == "jsonl" and scene.split == "test"
    [data_file] = scene.files
    digest = hashlib.sha256(Path(data_file.path).read_bytes()).hexdigest()
    assert Path(data_file.path).name == "scene.jsonl" and data_file.sha256 == digest
    assert {"python", "ocrvqa", "torch", "transformers", "datasets"} <= set(prov.versions)
    assert prov.model is not None and prov.model.name == "echo" and not prov.model.remote_code
    assert read_results(v1_folder).provenance == prov


def test_a_run_file_of_a_newer_schema_is_refused(v1_folder: Path):
    data = json.loads((v1_folder / "run.json").read_text())
    (v1_folder / "run.json").write_text(json.dumps({**data, "schema_version": 99}))
    with pytest.raises(ConfigError, match="schema_version 99 is newer"):
        build_report(v1_folder)


def test_a_resumed_run_with_other_settings_names_what_changed(v1_folder: Path):
    data = json.loads((V1 / "run.json").read_text())["config"]
    changed = load_config({**data, "output_dir": str(v1_folder), "variants": ["none", "lines"]})
    with pytest.raises(ConfigError, match=r"changed: [^)]*variants\)"):
        run(changed, shard=ALONE)


def test_the_commit_of_a_model_comes_from_its_config_or_its_snapshot_folder(tmp_path: Path):
    loaded = SimpleNamespace(
        model_path="org/model",
        options=SimpleNamespace(revision=None),
        model=SimpleNamespace(config=SimpleNamespace(_commit_hash=COMMIT, auto_map=None)),
    )
    assert model_provenance("org/model", loaded).revision == COMMIT
    snapshot = tmp_path / "models--org--model" / "snapshots" / COMMIT
    folder = SimpleNamespace(model_path=str(snapshot), options=None, model=None)
    assert model_provenance("m", folder).revision == COMMIT
    assert snapshot_commit([tmp_path / "data.parquet"]) is None


def test_remote_code_without_a_pinned_revision_is_warned_about_naming_its_commit():
    config = SimpleNamespace(_commit_hash=COMMIT, auto_map={"AutoModel": "modeling.Model"})
    backend = SimpleNamespace(
        model_path="org/model",
        options=SimpleNamespace(revision=None),
        model=SimpleNamespace(config=config),
    )
    with pytest.warns(UserWarning, match=f"trust_remote_code.*{COMMIT}"):
        assert model_provenance("org/model", backend).remote_code
    backend.options.revision = COMMIT
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model_provenance("org/model", backend).pinned_revision == COMMIT


def test_a_file_in_the_hub_cache_is_named_by_its_sha256(tmp_path: Path):
    data = b"parquet bytes"
    digest = hashlib.sha256(data).hexdigest()
    blob = tmp_path / "blobs" / digest
    blob.parent.mkdir()
    blob.write_bytes(b"not read: the cache names blobs by their sha256")
    link = tmp_path / "snapshots" / COMMIT / "test.parquet"
    link.parent.mkdir(parents=True)
    link.symlink_to(blob)
    assert file_sha256(link) == digest
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(data)
    assert file_sha256(plain) == digest


def test_a_pinned_revision_is_asked_of_the_benchmarks_own_hub_copy(monkeypatch):
    from eval_vqa.benchmarks import get_benchmark
    from eval_vqa.data import loader

    asked = []

    def fake_open(source, **kwargs):
        asked.append((source, kwargs["revision"]))
        raise ConnectionError("offline")

    monkeypatch.setattr(loader, "open_source", fake_open)
    spec = get_benchmark("textvqa").replace(name="pinned_textvqa", revision=COMMIT)
    with pytest.raises(loader.DataLoadError):
        loader.open_benchmark(spec)
    # the pin is one of hf_path's commits; the older copy is another repository
    assert asked == [(spec.hf_path, COMMIT), (spec.hf_fallbacks[0], None)]
