#!/usr/bin/env bash
# Installs the Debian packages that the tests, the lab and the benchmarks use, when any is missing.
# Idempotent and quiet when everything is present.
set -euo pipefail
pkgs=(
  debootstrap dnsmasq-base iproute2 util-linux bc curl attr # the guest lab
  xorriso genisoimage libarchive-tools fuseiso         # ISO readers (and genisoimage as the bench reference)
  mtools dosfstools fusefat                            # vfat readers and writers
  nginx-light wrk hyperfine                            # benchmarks and the signed-header proxy test
  postgresql-client                                    # psql for the PostgreSQL tests
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ensure-system-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
