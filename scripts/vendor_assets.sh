#!/usr/bin/env bash
# Install the npm packages pinned in package-lock.json and copy what the browser needs into
# static/vendor/ (served by the app itself: no CDN). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "assets: installing Debian's nodejs and npm"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) || true
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: maps (Leaflet) and the accessibility checks (axe-core) need it (apt-get install npm)." >&2
  exit 0
fi
stamp=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.installed 2>/dev/null)" != "$stamp" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$stamp" > node_modules/.installed
fi
mkdir -p static/vendor/leaflet/images
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css static/vendor/leaflet/
cp node_modules/leaflet/dist/images/*.png static/vendor/leaflet/images/
cp node_modules/leaflet/LICENSE static/vendor/leaflet/LICENSE 2>/dev/null || true
