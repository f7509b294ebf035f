#!/usr/bin/env bash
# `npm run bench`: benchmarks, not tests. Each prints its figures; docs/benchmarks.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
[[ -d node_modules ]] || npm ci --no-fund --no-audit
npm run --silent build
# the metadata service against nginx serving the same document (issue 2)
node scripts/bench-metadata.mjs "$@"
# building one instance's config drive against genisoimage (and vfat against mkfs.fat + mcopy) (issue 7)
node scripts/bench/config-drive.mjs
# kindling-init finding and reading a NoCloud seed / config drive in user space, against blkid + mount (issue 5)
node scripts/bench/seed-media.mjs --markdown docs/benchmarks.md
# kindling replicas on the PostgreSQL store at 100,000 instances, against nginx (issue 8)
node scripts/bench-postgres.mjs
