// NIC names and MAC addresses, read from /sys/class/net through the rooted host (so tests plant a
// fake sysfs): which NICs own their MAC, the MAC → name table, InfiniBand addresses.
import type { HostFs } from '../host/host.js';

/** The part of a Host that reading /sys/class/net needs. */
export interface SysHost {
  fs: Pick<HostFs, 'readdir' | 'readTextIfExists' | 'exists' | 'readlink'>;
}

/** MAC (lower case) → interface name. */
export type MacTable = Map<string, string>;

const SYS = '/sys/class/net';
const sysPath = (dev: string, rel = '') => `${SYS}/${dev}${rel ? '/' + rel : ''}`;

async function readSys(host: SysHost, dev: string, rel: string): Promise<string | undefined> {
  try {
    const t = await host.fs.readTextIfExists(sysPath(dev, rel));
    return t === undefined ? undefined : t.trim();
  } catch {
    return undefined; // EINVAL and friends: sysfs attributes that cannot be read count as absent
  }
}

const exists = (host: SysHost, dev: string, rel: string) => host.fs.exists(sysPath(dev, rel)).catch(() => false);

export async function deviceList(host: SysHost): Promise<string[]> {
  try {
    return await host.fs.readdir(SYS);
  } catch {
    return [];
  }
}

export async function deviceDriver(host: SysHost, dev: string): Promise<string | undefined> {
  const link = await host.fs.readlink(sysPath(dev, 'device/driver')).catch(() => undefined);
  return link ? link.split('/').filter(Boolean).pop() : undefined;
}

async function standbyFeature(host: SysHost, dev: string): Promise<boolean> {
  const f = await readSys(host, dev, 'device/features');
  return !!f && f.length >= 64 && f[62] === '1';
}

/** Primary or standby leg of a virtio net_failover trio: never configured on its own. */
async function isNetfailover(host: SysHost, dev: string, driver: string | undefined): Promise<boolean> {
  if (!(await exists(host, dev, 'master'))) return false;
  if (driver === 'virtio_net') return standbyFeature(host, dev); // standby
  const master = (await host.fs.readlink(sysPath(dev, 'master')).catch(() => undefined))?.split('/').pop();
  if (!master || (await deviceDriver(host, master)) !== 'virtio_net') return false;
  return standbyFeature(host, master); // primary
}

export async function isNetfailMaster(host: SysHost, dev: string): Promise<boolean> {
  if (await exists(host, dev, 'master')) return false;
  if ((await deviceDriver(host, dev)) !== 'virtio_net') return false;
  return standbyFeature(host, dev);
}

export interface SysNic {
  name: string;
  mac: string;
  driver?: string;
  deviceId?: string;
}

/** NICs that own their MAC: no bridges, VLANs, bonds, enslaved (non-bond/bridge) or failover legs. */
export async function listNics(host: SysHost, blacklistDrivers: string[] = []): Promise<SysNic[]> {
  const out: SysNic[] = [];
  for (const name of await deviceList(host)) {
    const assign = await readSys(host, name, 'addr_assign_type');
    if (assign !== undefined && /^-?\d+$/.test(assign) && ![0, 1, 3].includes(Number(assign))) continue;
    if (await exists(host, name, 'bridge')) continue;
    if ((await readSys(host, name, 'uevent'))?.split('\n').includes('DEVTYPE=vlan')) continue;
    if (await exists(host, name, 'bonding')) continue;
    if (await exists(host, name, 'master')) {
      const bondOrBridge = (await exists(host, name, 'master/bonding')) || (await exists(host, name, 'master/bridge'));
      if (!bondOrBridge && !(await exists(host, name, 'upper_ovs-system'))) continue;
    }
    const driver = await deviceDriver(host, name);
    if (await isNetfailover(host, name, driver)) continue;
    // a bond member reports the bond's MAC; its own is kept in bonding_slave/perm_hwaddr
    const macPath = (await exists(host, name, 'bonding_slave')) ? 'bonding_slave/perm_hwaddr' : 'address';
    const mac = await readSys(host, name, macPath);
    if (!mac) continue;
    if (name !== 'lo' && /^(00:)*00$/.test(mac)) continue;
    if (driver !== undefined && blacklistDrivers.includes(driver)) continue;
    out.push({ name, mac, driver, deviceId: await readSys(host, name, 'device/device') });
  }
  return out;
}

/** IPoIB: an Ethernet-style 6-byte form of the 20-byte hardware address (bytes 13-15 and 18-20). */
function ibEthernetForm(hw: string): string {
  return hw.slice(36, -14) + hw.slice(51);
}

/**
 * MAC → name for every NIC. Two NICs with one MAC is an error, except for Hyper-V's accelerated
 * networking, where the VF shares the synthetic NIC's MAC (the hv_netvsc one wins).
 */
export async function interfacesByMac(host: SysHost, warn: (m: string) => void = () => {}): Promise<MacTable> {
  const byMac: MacTable = new Map();
  const driverOf = new Map<string, string | undefined>();
  for (const nic of await listNics(host)) {
    const prev = byMac.get(nic.mac);
    if (prev !== undefined) {
      const msg = `duplicate mac found! both '${nic.name}' and '${prev}' have mac '${nic.mac}'.`;
      if (driverOf.get(nic.mac) !== nic.driver && driverOf.get(nic.mac) === 'hv_netvsc') {
        warn(`${msg} Ignoring '${nic.name}' due to driver '${nic.driver}' and '${prev}' having driver hv_netvsc.`);
        continue;
      }
      if (!(driverOf.get(nic.mac) !== nic.driver && nic.driver === 'hv_netvsc')) throw new Error(msg);
      warn(`${msg} Ignoring '${prev}' due to driver '${driverOf.get(nic.mac)}' and '${nic.name}' having driver hv_netvsc.`);
    }
    byMac.set(nic.mac, nic.name);
    driverOf.set(nic.mac, nic.driver);
    if ((await readSys(host, nic.name, 'type')) === '32') {
      const ib = ibEthernetForm(nic.mac);
      if (!byMac.has(ib)) byMac.set(ib, nic.name);
      else warn(`Ethernet and InfiniBand interfaces have the same address both '${nic.name}' and '${byMac.get(ib)}' have address '${ib}'.`);
    }
  }
  return byMac;
}

/** Interface name → full 20-byte InfiniBand hardware address. */
export async function ibHwaddrsByInterface(host: SysHost): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const nic of await listNics(host)) {
    if ((await readSys(host, nic.name, 'type')) === '32') out.set(nic.name, nic.mac);
  }
  return out;
}

export function findNameByMac(table: MacTable, mac: string): string | undefined {
  const want = mac.toLowerCase();
  for (const [m, name] of table) if (m.toLowerCase() === want) return name;
  return undefined;
}
