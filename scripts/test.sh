#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, builds, and runs every test:
# unit tests next to the code and end-to-end tests under test/, including the guest lab.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
[[ -d node_modules ]] || npm ci --no-fund --no-audit
npm run --silent build
npm run --silent build:agent
# The bundle's V8 code cache lives in the machine's /var/cache/kindling-init when run as root; tests
# that run the bundle on this machine must not leave one there (the lab's guests run it under env -i,
# in their own root, and bundle.test.ts points it at a directory of its own).
export KINDLING_INIT_CODE_CACHE=0
# KINDLING_TEST_FILTER narrows the run to matching test files (a path substring), for local work.
mapfile -t files < <(find build/src build/test -name '*.test.js' | sort | grep -- "${KINDLING_TEST_FILTER:-}" || true)
((${#files[@]})) || { echo "no test files matched" >&2; exit 1; }
exec node --test --test-concurrency="${KINDLING_TEST_CONCURRENCY:-2}" "${files[@]}"
