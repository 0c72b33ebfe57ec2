"""Tesseract's processes start with one OpenMP thread; this process keeps its own threads."""

from __future__ import annotations

import os
import subprocess
import sys

from ocr_expert.engines.tesseract import TesseractEnvironment


def test_tesseract_starts_with_one_openmp_thread_and_this_process_is_left_alone(monkeypatch):
    from pytesseract import pytesseract as runner

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    # what pytesseract hands every Tesseract process it starts
    assert isinstance(runner.environ, TesseractEnvironment)
    shell = ["sh", "-c", 'echo "$OMP_THREAD_LIMIT $HOME"']
    out = subprocess.run(shell, env=runner.environ, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", os.environ["HOME"]]
    assert "OMP_THREAD_LIMIT" not in os.environ
    # a limit the user set is theirs, for Tesseract too
    monkeypatch.setenv("OMP_THREAD_LIMIT", "3")
    assert runner.environ["OMP_THREAD_LIMIT"] == "3"
    assert list(runner.environ).count("OMP_THREAD_LIMIT") == 1
    assert len(runner.environ) == len(os.environ)


def test_pytorch_keeps_its_threads_once_the_tesseract_engine_is_loaded():
    # Set for the whole process, the limit reached PyTorch's OpenMP, and MKL waited forever
    # for a thread it had counted on in a QR decomposition this large.
    code = (
        "import ocr_expert.engines.tesseract, torch; torch.set_num_threads(2); "
        "torch.linalg.qr(torch.randn(2048, 2000)); print('done')"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "done", out.stderr
