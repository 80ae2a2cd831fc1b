#!/usr/bin/env bash
# The test suite, in the project's own pinned environment.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/system-deps.sh  # PostgreSQL and Chromium for the store and browser tests
exec .venv/bin/python -m pytest "$@"
