#!/usr/bin/env bash
# Installs the Python huggingface_hub client (with hf_xet, its default Xet upload path) into .venv/ for the
# interoperability tests and benchmarks. Pass pip options (for example --index-url URL) as arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check "$@" 'huggingface_hub>=1.20' hf_xet
.venv/bin/python -c 'import huggingface_hub, hf_xet; print("huggingface_hub", huggingface_hub.__version__, "with hf_xet in .venv/")'
