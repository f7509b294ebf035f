#!/usr/bin/env bash
# `npm run bench:agent`: kindling-init against the real cloud-init 22.4.2 in the lab (issues 4 and 5), the
# seed and mime-heavy scenarios booted by each in the same run. A benchmark, not a test: docs/benchmarks.md records
# the figures. Options: --runs N (per agent, default 5), --scenario NAME[,NAME...] (default
# seed,mime-heavy), --json FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
[[ -d node_modules ]] || npm ci --no-fund --no-audit
npm run --silent build
npm run --silent build:agent
exec node build/test/agent/bench-agent.js "$@"
