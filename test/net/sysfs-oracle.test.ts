// NIC discovery against the real cloud-init 22.4.2: planted /sys/class/net trees (bonds, bridges,
// VLANs, veths, InfiniBand, net_failover trios, carrier and operstate mixes), read by cloud-init's
// own get_interfaces_by_mac() / generate_fallback_config() in the lab rootfs and by kindling's
// names.ts / fallback.ts. The MAC table, the fallback NIC and the fallback config must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Host, RunResult } from '../../src/agent/host/host.js';
import { interfacesByMac } from '../../src/agent/network/names.js';
import { candidateNics, fallbackConfig } from '../../src/agent/network/fallback.js';
import { scratchHost } from './scratch-host.js';
import { oracleRootfs } from './rootfs.js';

interface Nic {
  name: string;
  attrs: Record<string, string>;
  driver?: string;
  virtual?: boolean;
  /** relative link name → target NIC (master) */
  master?: string;
}

const phy = (name: string, mac: string, extra: Record<string, string> = {}, driver = 'virtio_net'): Nic =>
  ({ name, driver, attrs: { address: mac, addr_assign_type: '0', type: '1', carrier: '1', operstate: 'up', name_assign_type: '4', ...extra } });
const FEATURES_STANDBY = '0'.repeat(62) + '1' + '0'.repeat(1);

const SCENARIOS: Record<string, Nic[]> = {
  'two NICs with carrier': [phy('eth1', 'fa:16:3e:00:00:02'), phy('eth0', 'fa:16:3e:00:00:01')],
  'natural order, carrier first': [phy('ens3', 'fa:16:3e:00:00:03', { carrier: '0', operstate: 'down' }), phy('ens10', 'fa:16:3e:00:00:10'), phy('ens4', 'fa:16:3e:00:00:04')],
  'virtual devices never chosen': [
    phy('veth0', 'fa:16:3e:00:00:09'),
    { name: 'bond0', virtual: true, attrs: { address: 'fa:16:3e:00:00:0b', addr_assign_type: '3', carrier: '1', 'bonding/mode': 'balance-rr 0', name_assign_type: '3' } },
    { name: 'br0', virtual: true, attrs: { address: 'fa:16:3e:00:00:0c', addr_assign_type: '3', carrier: '1', 'bridge/stp_state': '0', name_assign_type: '3' } },
    phy('eth2', 'FA:16:3E:00:00:22', { carrier: '0', dormant: '1', operstate: 'dormant' }),
  ],
  'bond member, VLAN, loopback, InfiniBand': [
    { name: 'lo', virtual: true, attrs: { address: '00:00:00:00:00:00', addr_assign_type: '0', type: '772', carrier: '1', name_assign_type: '4' } },
    { name: 'bond0', virtual: true, attrs: { address: 'fa:16:3e:00:00:01', addr_assign_type: '3', 'bonding/mode': 'active-backup 1', carrier: '1', name_assign_type: '3' } },
    { ...phy('eth0', 'fa:16:3e:00:00:01', { 'bonding_slave/perm_hwaddr': 'fa:16:3e:00:00:01' }), master: 'bond0' },
    { ...phy('eth1', 'fa:16:3e:00:00:01', { 'bonding_slave/perm_hwaddr': 'fa:16:3e:00:00:02' }), master: 'bond0' },
    { name: 'eth0.7', virtual: true, attrs: { address: 'fa:16:3e:00:00:01', addr_assign_type: '2', uevent: 'DEVTYPE=vlan\nINTERFACE=eth0.7', carrier: '1', name_assign_type: '3' } },
    phy('ib0', 'a0:00:02:20:fe:80:00:00:00:00:00:00:ec:0d:9a:03:00:15:e2:c1', { type: '32', carrier: '0', operstate: 'down' }, 'mlx5_core'),
  ],
  'net_failover trio: the master, matched by name': [
    phy('net0', 'fa:16:3e:00:00:05', { 'device/features': FEATURES_STANDBY }),
    { ...phy('net0nsby', 'fa:16:3e:00:00:05', { 'device/features': FEATURES_STANDBY }), master: 'net0' },
    { ...phy('net0npri', 'fa:16:3e:00:00:05', {}, 'mlx5_core'), master: 'net0' },
  ],
  'only NICs without a MAC or with a zero MAC': [
    { name: 'tun0', virtual: true, attrs: { addr_assign_type: '0', carrier: '1', name_assign_type: '3' } },
    phy('dummy0', '00:00:00:00:00:00'),
  ],
};

function plant(root: string, nics: Nic[]): void {
  const file = (p: string, text: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), `${text}\n`);
  };
  const link = (target: string, p: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    symlinkSync(target, join(root, p));
  };
  mkdirSync(join(root, 'class/net'), { recursive: true });
  nics.forEach((n, i) => {
    const pci = `pci0000:00/0000:00:${String(i + 3).padStart(2, '0')}.0`;
    const devdir = `devices/${pci}/virtio${i}`;
    const dev = n.virtual ? `devices/virtual/net/${n.name}` : `${devdir}/net/${n.name}`;
    for (const [k, v] of Object.entries(n.attrs)) {
      if (k.startsWith('device/')) file(`${devdir}/${k.slice('device/'.length)}`, v);
      else file(`${dev}/${k}`, v);
    }
    mkdirSync(join(root, dev), { recursive: true });
    if (!n.virtual) {
      link('../../../virtio' + i, `${dev}/device`);
      if (n.driver) {
        mkdirSync(join(root, `bus/virtio/drivers/${n.driver}`), { recursive: true });
        link(`../../../../bus/virtio/drivers/${n.driver}`, `${devdir}/driver`);
      }
    }
    link(`../../${dev}`, `class/net/${n.name}`);
  });
  for (const n of nics) if (n.master) link(`../../../../../virtual/net/${n.master}`, `class/net/${n.name}/master`);
  // masters that are real NICs (net_failover)
  for (const n of nics) {
    if (!n.master || nics.find((m) => m.name === n.master)?.virtual) continue;
    rmSync(join(root, `class/net/${n.name}/master`));
    symlinkSync(`../../../../../../class/net/${n.master}`, join(root, `class/net/${n.name}/master`));
  }
}

const PY = `
import json, sys
from cloudinit import net
out = {}
for name, d in json.loads(sys.stdin.read()).items():
    net.SYS_CLASS_NET = d + "/class/net/"
    r = {}
    for key, fn in (("by_mac", net.get_interfaces_by_mac), ("candidates", net.find_candidate_nics), ("fallback", net.generate_fallback_config)):
        try:
            r[key] = fn()
        except Exception as e:
            r[key] = {"error": str(e)}
    out[name] = r
print(json.dumps(out))
`;

test('NIC discovery and the fallback config agree with cloud-init 22.4.2 (live)', async () => {
  const work = mkdtempSync(join(tmpdir(), 'kindling-sysfs-oracle-'));
  try {
    const dirs: Record<string, string> = {};
    Object.entries(SCENARIOS).forEach(([name, nics], i) => {
      plant(join(work, `s${i}`), nics);
      dirs[name] = `/tmp/s${i}`;
    });
    const rootfs = await oracleRootfs();
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$1" "$0/tmp" && exec chroot "$0" python3 -c "$2"', rootfs, work, PY],
      { input: JSON.stringify(dirs), encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', PYTHONDONTWRITEBYTECODE: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const theirs = JSON.parse(r.stdout) as Record<string, { by_mac: unknown; candidates: unknown; fallback: unknown }>;
    const mismatches: string[] = [];
    for (const name of Object.keys(SCENARIOS)) {
      const h = scratchHost((argv): RunResult | undefined => (argv[0] === 'udevadm' ? { code: 0, stdout: '', stderr: '' } : undefined));
      try {
        // the same tree, planted as this guest's /sys
        plant(join(h.root, 'sys'), SCENARIOS[name]!);
        const host = h as Host;
        const mine = {
          by_mac: await interfacesByMac(host).then((m) => Object.fromEntries(m), (e: Error) => ({ error: e.message })),
          candidates: await candidateNics(host),
          fallback: (await fallbackConfig(host)) ?? null,
        };
        for (const k of ['by_mac', 'candidates', 'fallback'] as const) {
          const a = JSON.stringify(theirs[name]![k]);
          const b = JSON.stringify(mine[k]);
          if (k === 'by_mac' ? JSON.stringify(sortKeys(theirs[name]![k])) !== JSON.stringify(sortKeys(mine[k])) : a !== b) {
            mismatches.push(`${name} ${k}: 22.4 ${a} / ours ${b}`);
          }
        }
      } finally {
        h.cleanup();
      }
    }
    assert.deepEqual(mismatches, []);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

function sortKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)));
}
