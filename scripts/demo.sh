#!/usr/bin/env bash
# The main job on the embedded default: code the bundled example articles into dateline.duckdb and summarise.
# With --serve, then serve the API and the map page on http://127.0.0.1:8000/ (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
db="${DATELINE_DB:-dateline.duckdb}"
if [ "${1:-}" = "--serve" ]; then
  shift
  .venv/bin/dateline demo --db "$db" "$@"
  exec .venv/bin/dateline serve --db "$db" --port "${DATELINE_PORT:-8000}"
fi
exec .venv/bin/dateline demo --db "$db" "$@"
