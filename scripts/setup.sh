#!/usr/bin/env bash
# The quick start (README): installs the Debian and npm packages, builds, and leaves the service
# running on the embedded default store (SQLite) with the example instance. `npm run stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
[[ -d node_modules ]] || npm ci --no-fund --no-audit
npm run --silent build
bash scripts/start.sh
