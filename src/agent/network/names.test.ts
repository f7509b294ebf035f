import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Host, RunResult } from '../host/host.js';
import { ibHwaddrsByInterface, interfacesByMac, type SysHost } from './names.js';
import { extractPhysdevs, renameInterfaces } from './renames.js';

/** A planted sysfs under a scratch root, read through a SysHost the way the rooted host reads it. */
class FakeSys {
  readonly root = mkdtempSync(join(tmpdir(), 'kindling-sysfs-'));
  readonly host: SysHost = {
    fs: {
      readdir: async (p) => (existsSync(this.at(p)) ? readdirSync(this.at(p)).sort() : []),
      readTextIfExists: async (p) => (existsSync(this.at(p)) ? readFileSync(this.at(p), 'utf8') : undefined),
      exists: async (p) => existsSync(this.at(p)),
      readlink: async (p) => {
        try {
          return readlinkSync(this.at(p));
        } catch {
          return undefined;
        }
      },
    },
  };
  at(p: string): string {
    return join(this.root, p);
  }
  file(p: string, text: string): void {
    mkdirSync(dirname(this.at(p)), { recursive: true });
    writeFileSync(this.at(p), text);
  }
  dir(p: string): void {
    mkdirSync(this.at(p), { recursive: true });
  }
  link(target: string, p: string): void {
    mkdirSync(dirname(this.at(p)), { recursive: true });
    symlinkSync(target, this.at(p));
  }
  /** a NIC as the kernel shows it: /sys/class/net/NAME -> ../../devices/.../net/NAME */
  nic(name: string, attrs: Record<string, string>, opts: { driver?: string; virtual?: boolean } = {}): void {
    const dev = opts.virtual ? `/sys/devices/virtual/net/${name}` : `/sys/devices/pci0000:00/0000:00:0${name.length}.0/net/${name}`;
    for (const [k, v] of Object.entries(attrs)) this.file(`${dev}/${k}`, `${v}\n`);
    this.dir(dev);
    if (opts.driver) {
      this.dir(`/sys/bus/virtio/drivers/${opts.driver}`);
      this.link(`../../../../bus/virtio/drivers/${opts.driver}`, `${dirname(dirname(dev))}/driver`);
      this.link('../../0000:00:0' + name.length + '.0', `${dev}/device`);
    }
    this.link(`../../devices/${dev.slice('/sys/devices/'.length)}`, `/sys/class/net/${name}`);
  }
  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

test('MAC table: NICs with their own MAC; bonds, bridges, VLANs, MAC-less and zero-MAC devices left out', async () => {
  const sys = new FakeSys();
  try {
    sys.nic('eth0', { address: 'fa:16:3e:00:00:01', addr_assign_type: '0', type: '1' }, { driver: 'virtio_net' });
    // a bond member shows the bond's MAC; its own is kept in bonding_slave/perm_hwaddr
    sys.nic('eth1', { address: 'fa:16:3e:00:00:01', addr_assign_type: '0', 'bonding_slave/perm_hwaddr': 'fa:16:3e:00:00:02' });
    sys.nic('bond0', { address: 'fa:16:3e:00:00:01', addr_assign_type: '3', 'bonding/mode': 'active-backup 1' }, { virtual: true });
    sys.link('../../devices/virtual/net/bond0', '/sys/devices/pci0000:00/0000:00:04.0/net/eth1/master');
    sys.nic('br0', { address: 'fa:16:3e:00:00:09', addr_assign_type: '3', 'bridge/stp_state': '0' }, { virtual: true });
    sys.nic('eth0.100', { address: 'fa:16:3e:00:00:01', addr_assign_type: '2', uevent: 'DEVTYPE=vlan\nINTERFACE=eth0.100' }, { virtual: true });
    sys.nic('lo', { address: '00:00:00:00:00:00', addr_assign_type: '0' }, { virtual: true });
    sys.nic('dummy0', { address: '00:00:00:00:00:00', addr_assign_type: '0' }, { virtual: true });
    sys.nic('tun0', { addr_assign_type: '0' }, { virtual: true });
    const ib = 'a0:00:02:20:fe:80:00:00:00:00:00:00:ec:0d:9a:03:00:15:e2:c1';
    sys.nic('ib0', { address: ib, addr_assign_type: '0', type: '32' });
    const table = await interfacesByMac(sys.host);
    assert.deepEqual(Object.fromEntries(table), {
      'fa:16:3e:00:00:01': 'eth0', 'fa:16:3e:00:00:02': 'eth1', '00:00:00:00:00:00': 'lo', [ib]: 'ib0', 'ec:0d:9a:15:e2:c1': 'ib0',
    });
    assert.deepEqual(Object.fromEntries(await ibHwaddrsByInterface(sys.host)), { ib0: ib });
  } finally {
    sys.cleanup();
  }
});

test('two NICs with one MAC is an error (outside Hyper-V accelerated networking)', async () => {
  const sys = new FakeSys();
  try {
    sys.nic('eth0', { address: 'fa:16:3e:00:00:01' });
    sys.nic('eth1', { address: 'fa:16:3e:00:00:01' });
    await assert.rejects(interfacesByMac(sys.host), /duplicate mac found! both 'eth1' and 'eth0' have mac 'fa:16:3e:00:00:01'/);
  } finally {
    sys.cleanup();
  }
});

test('physical devices to rename: v1 entries with a MAC, v2 entries with set-name and a MAC match', async () => {
  const sys = new FakeSys();
  try {
    assert.deepEqual(await extractPhysdevs(sys.host, {
      version: 1,
      config: [
        { type: 'physical', name: 'eth0', mac_address: 'fa:16:3e:00:00:01', params: { driver: 'virtio_net' } },
        { type: 'physical', name: 'eth1' },
        { type: 'bond', name: 'bond0', mac_address: 'fa:16:3e:00:00:01' },
      ],
    }), [['fa:16:3e:00:00:01', 'eth0', 'virtio_net', undefined]]);
    assert.deepEqual(await extractPhysdevs(sys.host, {
      version: 2,
      ethernets: { a: { match: { macaddress: 'fa:16:3e:00:00:02' }, 'set-name': 'lan0' }, b: { match: { name: 'en*' } } },
    }), [['fa:16:3e:00:00:02', 'lan0', undefined, undefined]]);
  } finally {
    sys.cleanup();
  }
});

function recordingHost(sys: FakeSys, addrOutput = ''): { host: Host; calls: string[][] } {
  const calls: string[][] = [];
  const run = async (argv: string[]): Promise<RunResult> => {
    calls.push(argv);
    if (argv[0] === 'ip' && argv.includes('addr')) return { code: 0, stdout: argv[1] === '-4' ? addrOutput : '', stderr: '' };
    if (argv[0] === 'ip' && argv[1] === 'link') return { code: 0, stdout: '', stderr: '' };
    throw new Error(`unexpected command ${argv.join(' ')}`);
  };
  return { host: { fs: sys.host.fs, run } as unknown as Host, calls };
}

test('renaming by MAC swaps two names through a temporary name', async () => {
  const sys = new FakeSys();
  try {
    sys.nic('eth0', { address: 'fa:16:3e:00:00:01', operstate: 'down' });
    sys.nic('eth1', { address: 'fa:16:3e:00:00:02', operstate: 'down' });
    const { host, calls } = recordingHost(sys);
    const errors = await renameInterfaces(host, [['fa:16:3e:00:00:01', 'eth1', undefined, undefined], ['fa:16:3e:00:00:02', 'eth0', undefined, undefined]], () => {});
    assert.deepEqual(errors, []);
    assert.deepEqual(calls.filter((c) => c[1] === 'link').map((c) => c.join(' ')), [
      'ip link set eth1 name cirename0',
      'ip link set eth0 name eth1',
      'ip link set cirename0 name eth0',
    ]);
  } finally {
    sys.cleanup();
  }
});

test('a NIC that is up with addresses is not renamed; a missing MAC is reported', async () => {
  const sys = new FakeSys();
  try {
    sys.nic('ens3', { address: 'fa:16:3e:00:00:01', operstate: 'up' });
    sys.nic('ens4', { address: 'fa:16:3e:00:00:02', operstate: 'up' });
    const { host, calls } = recordingHost(sys, '2: ens3: <BROADCAST,MULTICAST,UP> mtu 1500\n    inet 10.0.0.5/24 scope global ens3\n');
    const errors = await renameInterfaces(host, [
      ['fa:16:3e:00:00:01', 'eth0', undefined, undefined],
      ['fa:16:3e:00:00:02', 'eth1', undefined, undefined],
      ['fa:16:3e:00:00:09', 'eth2', undefined, undefined],
    ], () => {});
    assert.deepEqual(errors, [
      '[busy] Error renaming mac=fa:16:3e:00:00:01 from ens3 to eth0',
      '[nic not present] Cannot rename mac=fa:16:3e:00:00:09 to eth2, not available.',
    ]);
    // ens4 is up but holds no address: down, rename, up
    assert.deepEqual(calls.filter((c) => c[1] === 'link').map((c) => c.join(' ')), ['ip link set ens4 down', 'ip link set ens4 name eth1', 'ip link set eth1 up']);
  } finally {
    sys.cleanup();
  }
});
