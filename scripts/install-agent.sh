#!/usr/bin/env bash
# Installs kindling-init into an image (or a running system) in place of cloud-init:
#   scripts/install-agent.sh [--root DIR] [--no-cloud-init-names]
# DIR is the image's root (default /). The image needs Node.js 18+ at /usr/bin/node (Debian and
# Ubuntu: the `nodejs` package) and must not have the cloud-init package installed (its units and
# /usr/bin/cloud-init would clash). Installs:
#   /usr/lib/kindling-init/kindling-init.cjs     the agent (one file, no node_modules)
#   /usr/bin/kindling-init                       the command
#   /usr/bin/cloud-init, /usr/bin/cloud-id       the same agent under cloud-init's names (unless --no-cloud-init-names)
#   /lib/systemd/system/cloud-*.service, *.target and the generator, enabled
#   /var/cache/kindling-init/snapshot.blob       Node's startup snapshot of the agent, when the image's Node can be run here
# Keeps /etc/cloud/cloud.cfg and cloud.cfg.d as they are: kindling-init reads cloud-init's config.
set -euo pipefail
cd "$(dirname "$0")/.."
root=/
names=1
while (($#)); do
  case $1 in
    --root) root=$2; shift 2 ;;
    --no-cloud-init-names) names=0; shift ;;
    *) echo "usage: $0 [--root DIR] [--no-cloud-init-names]" >&2; exit 2 ;;
  esac
done
[[ -f dist/kindling-init.cjs ]] || npm run --silent build:agent
if [[ -e $root/usr/lib/python3/dist-packages/cloudinit && $names = 1 ]]; then
  echo "install-agent: the cloud-init package is installed in $root; remove it first (apt-get purge cloud-init)" >&2
  exit 1
fi
inst() { install -D -m "$1" "$2" "$root/$3"; }
inst 0644 dist/kindling-init.cjs usr/lib/kindling-init/kindling-init.cjs
inst 0755 packaging/bin/kindling-init usr/bin/kindling-init
if [[ $names = 1 ]]; then
  inst 0755 packaging/bin/cloud-init usr/bin/cloud-init
  inst 0755 packaging/bin/cloud-id usr/bin/cloud-id
fi
for u in cloud-init-local.service cloud-init.service cloud-config.service cloud-final.service cloud-config.target cloud-init.target; do
  inst 0644 "packaging/systemd/$u" "lib/systemd/system/$u"
done
inst 0755 packaging/systemd/cloud-init-generator lib/systemd/system-generators/cloud-init-generator
wants=$root/etc/systemd/system/cloud-init.target.wants
mkdir -p "$wants"
for u in cloud-init-local.service cloud-init.service cloud-config.service cloud-final.service; do
  ln -sfn "/lib/systemd/system/$u" "$wants/$u"
done
mkdir -p "$root/etc/cloud/cloud.cfg.d" "$root/var/lib/cloud"
# The startup snapshot (scripts/agent-loader.js), built by the image's own Node when this script can run
# it (as root, chrooted into the image); otherwise the first boot builds it in the background.
if [[ $(id -u) = 0 && -x $root/usr/bin/node ]]; then
  install -d -m 0700 "$root/var/cache/kindling-init"
  run=(/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin KINDLING_INIT_SNAPSHOT_BUILDING=1 /usr/bin/node /usr/lib/kindling-init/kindling-init.cjs)
  if [[ $(realpath "$root") != / ]]; then run=(chroot "$root" "${run[@]}"); fi
  "${run[@]}" || echo "install-agent: no startup snapshot now (the first boot builds one)" >&2
fi
echo "kindling-init installed in $root"
