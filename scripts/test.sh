#!/usr/bin/env bash
# Set up (see setup.sh), then run the test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec "${VENV:-.venv}/bin/python" -m pytest -q -n 2 "$@"
