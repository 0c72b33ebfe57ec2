"""The built wheel carries what an installed (not editable) copy needs: the run configs, the
benchmark definitions, the report template and the bundled data, found from any folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import sys
from pathlib import Path
from eval_vqa.config import load_config, resolve_config_path
from eval_vqa.benchmarks import get_benchmark
from eval_vqa.report.html_page import _template
root = Path(sys.argv[1]).resolve()
for name in ("smoke", "seed_table5"):
    path = Path(str(resolve_config_path(name))).resolve()
    assert root in path.parents, (name, path)
    load_config(name)
spec = get_benchmark("mini_scene")
assert Path(spec.default_source).is_file() and root in Path(spec.default_source).resolve().parents
assert root in Path(_template().filename).resolve().parents
print("ok")
"""


@pytest.mark.slow
def test_the_wheel_runs_from_another_folder(tmp_path: Path):
    # built from a copy of the sources: a build/ folder left by an earlier build (whose stale
    # files setuptools would pack) is not read, and none is left in the checkout
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "dist",
            "runs",
            "*.egg-info",
            "__pycache__",
            ".pytest_cache",
            ".hypothesis",
        ),
    )
    out = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = out.glob("ocrvqa-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "eval_vqa/configs/smoke.yaml" in names and "eval_vqa/configs/seed_table5.yaml" in names
    assert "eval_vqa/configs/bridge/qwen-vl-chat.yaml" in names
    assert any(n.startswith("eval_vqa/benchmarks/") and n.endswith(".yaml") for n in names)
    assert not any(n.startswith("configs/") for n in names)  # no top-level package named "configs"
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"  # no configs/ folder here
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(site)],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
