#!/usr/bin/env bash
# `npm run bench:agent`: kindling-init against the real cloud-init 22.4.2 in the lab (issue 4), the
# seed scenario booted by each in the same run. A benchmark, not a test: docs/benchmarks.md records
# the figures. Options: --runs N (per agent, default 5), --scenario NAME, --json FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
[[ -d node_modules ]] || npm ci --no-fund --no-audit
npm run --silent build
npm run --silent build:agent
exec node build/test/agent/bench-agent.js "$@"
