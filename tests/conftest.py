"""Shared test helpers: text rendered with Pillow, so OCR tests need no data files."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest
from PIL import Image, ImageDraw

if TYPE_CHECKING:
    from ocr_expert import OCRResult

# Nothing in the tests may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The second Arabic model (``ocrvqa tessdata``) is read only where a test hands one over: what
# the tests expect does not depend on whether this machine fetched it.
os.environ["OCRVQA_TESSDATA"] = os.path.join(
    tempfile.gettempdir(), "ocrvqa-tests-without-a-second-arabic-model"
)


ROOT = Path(__file__).resolve().parents[1]


def load_script(relative: str) -> ModuleType:
    """A bench or helper script of the repository (``bench/ocr_quality.py``) as a module, under
    its file name: its dataclasses look their module up there."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def render_lines(
    lines: list[str],
    *,
    font_size: int = 32,
    rtl: bool = False,
    width: int | None = None,
    margin: int = 24,
    spacing: float = 1.6,
) -> Image.Image:
    """Black text on white, one line per item; right-aligned and shaped for RTL scripts."""
    from ocr_expert.draw import load_font

    font = load_font(font_size)
    widths = [font.getlength(line) for line in lines] or [0]
    width = width or int(max(widths) + 2 * margin)
    height = int(len(lines) * font_size * spacing + 2 * margin)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        y = margin + i * font_size * spacing
        if rtl:
            draw.text(
                (width - margin, y),
                line,
                font=font,
                fill="black",
                anchor="ra",
                direction="rtl",
                language="ar",
            )
        else:
            draw.text((margin, y), line, font=font, fill="black")
    return image


def texts_of(results: Sequence[OCRResult | Exception]) -> list[str]:
    """The text of each result ``read_many`` returned; an error in their place fails the test."""
    failed = [r for r in results if isinstance(r, Exception)]
    assert not failed, failed
    return [r.text for r in results if not isinstance(r, Exception)]


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "ocr-cache"


def run_eval(tmp_path: Path, *overrides: str, env: Mapping[str, str], timeout: float = 600) -> Path:
    """``ocrvqa eval OVERRIDES output_dir=<tmp_path>/run progress=false`` in a child process
    started in ``tmp_path``, as a user runs it; asserts it exits 0 and returns the run folder."""
    out_dir = tmp_path / "run"
    cmd = [sys.executable, "-m", "eval_vqa.console", "eval", *overrides]
    cmd += [f"output_dir={out_dir}", "progress=false"]
    done = subprocess.run(
        cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out_dir


def write_hub_card(repo: Path, configs: Mapping[str, Sequence[str]]) -> None:
    """The README.md of a hub data set laid out as the hub copies are: each config's splits
    in ``<config>/<split>-*`` parquet files."""
    lines = ["---", "configs:"]
    for name, splits in configs.items():
        lines += [f"- config_name: {name}", "  data_files:"]
        for split in splits:
            lines += [f"  - split: {split}", f"    path: {name}/{split}-*"]
    (repo / "README.md").write_text("\n".join([*lines, "---"]) + "\n")
