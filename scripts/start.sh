#!/usr/bin/env bash
# Starts `kindling serve` in the background for the quick start: guests on 127.0.0.1:8775, control
# API on 127.0.0.1:8776, database in var/kindling.db, log in var/kindling.log, and makes sure the
# example instance (examples/seed-instance.json) is registered and mapped to 127.0.0.1, so that
#   curl http://127.0.0.1:8775/openstack/latest/meta_data.json
# answers at once. `npm run stop` stops it. Extra arguments go to kindling serve.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
pidfile=var/kindling.pid
if [[ -s $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "kindling is already running (pid $(cat "$pidfile")); npm run stop first to restart it" >&2
else
  setsid node bin/kindling.js serve --listen 127.0.0.1:8775 --control-listen 127.0.0.1:8776 \
    --db var/kindling.db --pid-file "$pidfile" "$@" >>var/kindling.log 2>&1 </dev/null &
  pid=$!
  ready=
  for _ in $(seq 100); do
    if ! kill -0 "$pid" 2>/dev/null; then break; fi
    if node -e "fetch('http://127.0.0.1:8776/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then ready=1; break; fi
    sleep 0.1
  done
  if [[ -z $ready ]]; then
    echo "kindling serve did not come up; the end of var/kindling.log:" >&2
    tail -n 5 var/kindling.log >&2
    exit 1
  fi
  echo "kindling serve is running (pid $pid): guests on 127.0.0.1:8775, control API on 127.0.0.1:8776, log in var/kindling.log"
fi
export KINDLING_URL=http://127.0.0.1:8776
uuid=$(node -p "require('./examples/seed-instance.json').uuid")
if node bin/kindling.js instance show "$uuid" >/dev/null 2>&1; then
  echo "example instance $uuid is registered"
else
  node -e "const s = require('./examples/seed-instance.json'); s.addresses.push({ ip: '127.0.0.1' }); process.stdout.write(JSON.stringify(s))" \
    | node bin/kindling.js instance create --file - >/dev/null
  echo "registered example instance $uuid (addresses 169.254.0.2 and 127.0.0.1)"
fi
echo "try: curl http://127.0.0.1:8775/openstack/latest/meta_data.json"
