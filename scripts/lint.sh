#!/usr/bin/env bash
# Style and types, as CI checks them: ruff's lint rules and formatting, then mypy (configured
# in pyproject.toml). The tools come with the dev extras; setup.sh runs first where they lack.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${VENV:-.venv}/bin"
if [ ! -x "$BIN/ruff" ] || [ ! -x "$BIN/mypy" ]; then
  bash scripts/setup.sh
fi
"$BIN/ruff" check .
"$BIN/ruff" format --check .
"$BIN/mypy"
