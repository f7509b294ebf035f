#!/usr/bin/env bash
# Stops the service that scripts/start.sh (npm run setup / npm start) started.
set -euo pipefail
cd "$(dirname "$0")/.."
pidfile=var/kindling.pid
if [[ ! -s $pidfile ]] || ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "kindling is not running"
  rm -f "$pidfile"
  exit 0
fi
pid=$(cat "$pidfile")
kill "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || { echo "stopped kindling (pid $pid)"; exit 0; }; sleep 0.1; done
echo "kindling (pid $pid) did not stop within 5 s" >&2
exit 1
