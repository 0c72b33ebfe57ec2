#!/usr/bin/env bash
# Set up (see setup.sh), then the main job on the embedded default, offline:
#   1. OCR (PP-OCRv6, Arabic through Tesseract) of the bundled sample images, with overlays in runs/ocr-samples/;
#   2. the smoke evaluation: the bundled mini benchmark, every prompt variant, a tiny model with
#      random weights (its answers are noise; OCR answer recall and the plumbing are real),
#      writing table, chart and HTML page to runs/smoke/.
# Extra arguments are config overrides for step 2, e.g. model=Qwen/Qwen-VL-Chat on a GPU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
BIN="${VENV:-.venv}/bin"
"$BIN/ocrvqa" ocr --samples --draw runs/ocr-samples
"$BIN/ocrvqa" eval configs/smoke.yaml "$@"
