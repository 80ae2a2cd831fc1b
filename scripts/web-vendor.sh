#!/usr/bin/env bash
# Installs the map page's front-end libraries from npm (pinned in web/package-lock.json) and copies the files the
# page loads into src/dateline/web/vendor, so `dateline serve` needs no network at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "warning: npm not found: the map page of 'dateline serve' will lack its map (the API works)" >&2
  exit 0
fi
npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null
src=web/node_modules
dst=src/dateline/web/vendor
rm -rf "$dst"
mkdir -p "$dst/leaflet/images" "$dst/leaflet.markercluster" "$dst/topojson-client" "$dst/world-atlas"
cp "$src/leaflet/dist/leaflet.js" "$src/leaflet/dist/leaflet.css" "$src/leaflet/LICENSE" "$dst/leaflet/"
cp "$src/leaflet/dist/images/"*.png "$dst/leaflet/images/"
cp "$src/leaflet.markercluster/dist/leaflet.markercluster.js" "$src/leaflet.markercluster/dist/MarkerCluster.css" \
   "$src/leaflet.markercluster/dist/MarkerCluster.Default.css" "$src/leaflet.markercluster/MIT-LICENCE.txt" \
   "$dst/leaflet.markercluster/"
cp "$src/topojson-client/dist/topojson-client.min.js" "$src/topojson-client/LICENSE" "$dst/topojson-client/"
cp "$src/world-atlas/countries-50m.json" "$src/world-atlas/LICENSE" "$dst/world-atlas/"
