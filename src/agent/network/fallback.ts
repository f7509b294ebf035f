// The fallback network config: DHCP on the NIC most likely to be connected, used when no source
// gives a network config. Connected NICs first (eth0 before the rest, then natural order), then NICs
// that may get a carrier once up; loopback, veth, bridges, bonds and failover legs never.
import type { Host } from '../host/host.js';
import { deviceDriver, deviceList, isNetfailMaster, type SysHost } from './names.js';

const PRIMARY = 'eth0';

async function read(host: SysHost, dev: string, attr: string): Promise<string | undefined> {
  try {
    return (await host.fs.readTextIfExists(`/sys/class/net/${dev}/${attr}`))?.trim();
  } catch {
    return undefined; // e.g. carrier of a down interface: EINVAL
  }
}

const readInt = async (host: SysHost, dev: string, attr: string) => {
  const v = await read(host, dev, attr);
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
};

/** Sorting for humans: ens3 < ens10 < eth0. */
export function naturalCompare(a: string, b: string): number {
  const split = (s: string) => s.split(/(\d+)/).map((p, i) => (i % 2 ? Number(p) : p.toLowerCase()));
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/** NIC names a fallback DHCP could use, best first. */
export async function candidateNics(host: Host, blacklistDrivers: string[] = [], log: (m: string) => void = () => {}): Promise<string[]> {
  const cmdline = (await host.fs.readTextIfExists('/proc/cmdline').catch(() => undefined)) ?? '';
  if (!cmdline.split(/\s+/).includes('net.ifnames=0')) {
    // names still unstable (not renamed yet by udev): let udev finish first
    const unstable: string[] = [];
    for (const d of await deviceList(host)) {
      if (d !== 'lo' && !['3', '4'].includes((await read(host, d, 'name_assign_type')) ?? '')) unstable.push(d);
    }
    if (unstable.length) {
      log(`Found unstable nic names: ${unstable.join(', ')}; calling udevadm settle`);
      await host.run(['udevadm', 'settle'], { timeoutMs: 120_000 }).catch(() => undefined);
    }
  }
  const connected: string[] = [];
  const possibly: string[] = [];
  for (const d of await deviceList(host)) {
    if (d === 'lo') continue;
    const driver = await deviceDriver(host, d);
    if (driver !== undefined && blacklistDrivers.includes(driver)) continue;
    if (!(await read(host, d, 'address'))) continue;
    if (d.startsWith('veth')) continue;
    if (await host.fs.exists(`/sys/class/net/${d}/bridge`)) continue;
    if (await host.fs.exists(`/sys/class/net/${d}/bonding`)) continue;
    if (await isFailoverLeg(host, d, driver)) continue;
    if (await readInt(host, d, 'carrier')) connected.push(d);
    else if (await readInt(host, d, 'dormant')) possibly.push(d);
    else if (['dormant', 'down', 'lowerlayerdown', 'unknown'].includes((await read(host, d, 'operstate')) ?? '')) possibly.push(d);
  }
  const order = (list: string[]) => {
    const sorted = [...list].sort(naturalCompare);
    const i = sorted.indexOf(PRIMARY);
    if (i > 0) sorted.unshift(...sorted.splice(i, 1));
    return sorted;
  };
  return [...order(connected), ...order(possibly)];
}

async function isFailoverLeg(host: SysHost, dev: string, driver: string | undefined): Promise<boolean> {
  const standby = async (d: string) => {
    const f = await read(host, d, 'device/features');
    return !!f && f.length >= 64 && f[62] === '1';
  };
  if (!(await host.fs.exists(`/sys/class/net/${dev}/master`))) return false;
  if (driver === 'virtio_net') return standby(dev);
  const master = (await host.fs.readlink(`/sys/class/net/${dev}/master`))?.split('/').pop();
  return !!master && (await deviceDriver(host, master)) === 'virtio_net' && standby(master);
}

/** `{version: 2, ethernets: {<nic>: {dhcp4: true, set-name, match}}}`, or undefined with no NIC at all. */
export async function fallbackConfig(host: Host, opts: { blacklistDrivers?: string[]; matchDriver?: boolean; log?: (m: string) => void } = {}): Promise<Record<string, unknown> | undefined> {
  const [nic] = await candidateNics(host, opts.blacklistDrivers, opts.log);
  if (!nic) return undefined;
  // a failover master shares its MAC with its legs: match it by name
  const match: Record<string, string> = (await isNetfailMaster(host, nic))
    ? { name: nic }
    : { macaddress: ((await read(host, nic, 'address')) ?? '').toLowerCase() };
  if (opts.matchDriver) {
    const driver = await deviceDriver(host, nic);
    if (driver) match.driver = driver;
  }
  return { ethernets: { [nic]: { dhcp4: true, 'set-name': nic, match } }, version: 2 };
}
