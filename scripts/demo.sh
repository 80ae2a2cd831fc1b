#!/usr/bin/env bash
# The main job on the embedded default: code the bundled example articles into dateline.duckdb and summarise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/dateline demo --db "${DATELINE_DB:-dateline.duckdb}" "$@"
