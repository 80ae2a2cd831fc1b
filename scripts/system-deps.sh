#!/usr/bin/env bash
# Debian packages some tests need: a PostgreSQL server (the store's second backend) and Chromium (the map page's
# browser tests). Installed when missing and this user may; otherwise those tests skip and say why.
set -uo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: ${need[*]} not installed and apt-get not usable here: their tests will be skipped" >&2
  exit 0
fi
echo "installing ${need[*]} (Debian packages) for the tests..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; } \
  || echo "note: could not install ${need[*]}: their tests will be skipped" >&2
exit 0
