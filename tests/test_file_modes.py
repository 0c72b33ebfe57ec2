"""Files the project writes can be read by whoever the umask allows, as ``open()`` would
make them: a run folder or an OCR cache on a shared filesystem is useful to the next
account, node or web server."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_runner import ALONE, config_dict, make_benchmark

from eval_vqa.config import load_config
from eval_vqa.runner import run
from ocrvqa.files import write_atomic


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_an_atomic_write_gets_the_mode_the_umask_gives(
    tmp_path: Path, umask, mask: int, expected: int
):
    umask(mask)
    written = [
        write_atomic(tmp_path / "text.json", "{}"),
        write_atomic(tmp_path / "raw.bin", b"\0"),
        write_atomic(tmp_path / "by-function.png", lambda f: f.write(b"x")),
    ]
    with open(tmp_path / "plain.txt", "w") as f:  # what open() makes, for comparison
        f.write("x")
    assert {_mode(p) for p in written} == {_mode(tmp_path / "plain.txt")} == {expected}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "by-function.png",
        "plain.txt",
        "raw.bin",
        "text.json",
    ]


def test_every_file_of_a_run_and_its_ocr_cache_is_readable_by_others(tmp_path: Path, umask):
    umask(0o022)
    source = make_benchmark(tmp_path / "data", n=3)
    cache = tmp_path / "cache"
    config = load_config(
        config_dict(tmp_path, source, ocr={"engine": "test-picky", "cache_dir": str(cache)})
    )
    run(config, shard=ALONE)
    run_dir = config.run_dir
    named = [
        run_dir / n
        for n in ("run.json", "results.json", "table.md", "samples.jsonl", "report/index.html")
    ]
    assert all(p.is_file() for p in named)
    files = [p for p in [*run_dir.rglob("*"), *cache.rglob("*")] if p.is_file()]
    assert any(p.suffix == ".json" for p in cache.rglob("*"))  # the cache was filled
    not_readable = {str(p.relative_to(tmp_path)): oct(_mode(p)) for p in files if _mode(p) != 0o644}
    assert not_readable == {}
