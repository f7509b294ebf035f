// NIC names and MAC addresses, read from /sys/class/net through the rooted host (so tests plant a
// fake sysfs), and renaming NICs by MAC the way cloud-init does before it writes any config:
// `ip link set` with temporary names for swaps, downing a NIC only when it holds no addresses.
import type { Host, HostFs } from '../host/host.js';
import { pyRepr } from './pyfmt.js';

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

/** [mac, name, driver, device id] of every physical device the config names by MAC. */
export type Physdev = [mac: string, name: string, driver: string | undefined, deviceId: string | undefined];

export async function extractPhysdevs(host: SysHost, netcfg: Record<string, unknown>): Promise<Physdev[]> {
  const out: Physdev[] = [];
  const fill = async (mac: string, name: string, driver: unknown, deviceId: unknown) => {
    out.push([mac, name, (driver as string) || (await deviceDriver(host, name)),
      (deviceId as string) || (await readSys(host, name, 'device/device'))]);
  };
  if (netcfg.version === 1) {
    for (const ent of (Array.isArray(netcfg.config) ? netcfg.config : []) as Array<Record<string, unknown>>) {
      if (ent?.type !== 'physical' || !ent.mac_address) continue;
      const params = (ent.params ?? {}) as Record<string, unknown>;
      await fill(String(ent.mac_address), String(ent.name), params.driver, params.device_id);
    }
  } else if (netcfg.version === 2) {
    for (const ent of Object.values((netcfg.ethernets ?? {}) as Record<string, Record<string, unknown>>)) {
      const match = (ent?.match ?? {}) as Record<string, unknown>;
      if (!ent?.['set-name'] || !match.macaddress) continue;
      await fill(String(match.macaddress), String(ent['set-name']), match.driver, match.device_id);
    }
  } else {
    throw new Error(`Unknown network config version: ${pyRepr(netcfg.version)}`);
  }
  return out;
}

interface NicState { name: string; mac: string; driver?: string; deviceId?: string; up: boolean; downable: boolean }

async function isUp(host: SysHost, dev: string): Promise<boolean> {
  const state = await readSys(host, dev, 'operstate');
  return state === 'up' || state === 'unknown';
}

/** Which NICs hold addresses (global IPv6 or any IPv4): those must not be downed for a rename. */
async function nicsWithAddresses(host: Host): Promise<Set<string>> {
  const names = new Set<string>();
  for (const argv of [['ip', '-6', 'addr', 'show', 'permanent', 'scope', 'global'], ['ip', '-4', 'addr', 'show']]) {
    const r = await host.run(argv);
    for (const m of r.stdout.matchAll(/[0-9]+:\s+(\w+)[@:]/g)) names.add(m[1]!);
  }
  return names;
}

/**
 * Renames NICs to the names the config gives their MACs. Returns the errors (not present, busy);
 * the caller logs them as one warning, as cloud-init does, and carries on.
 */
export async function renameInterfaces(host: Host, renames: Physdev[], log: (m: string) => void): Promise<string[]> {
  if (!renames.length) return [];
  const withAddr = await nicsWithAddresses(host);
  const cur: NicState[] = [];
  for (const n of await listNics(host)) {
    const up = await isUp(host, n.name);
    cur.push({ name: n.name, mac: n.mac.toLowerCase(), driver: n.driver, deviceId: n.deviceId, up, downable: !up || !withAddr.has(n.name) });
  }
  const byName = () => new Map(cur.map((c) => [c.name, c]));
  const ops: string[][] = [];
  const ups: string[][] = [];
  const errors: string[] = [];
  let tmpi = -1;
  for (const [rawMac, newName, driver, deviceId] of renames) {
    const mac = rawMac.toLowerCase();
    const matches = cur.filter((c) => c.mac === mac && (!driver || c.driver === driver) && (!driver || !deviceId || c.deviceId === deviceId));
    if (matches.length > 1) {
      errors.push(`Failed to match a single device for mac=${mac} driver=${driver} device_id=${deviceId}`);
      continue;
    }
    const c = matches[0];
    if (!c) {
      errors.push(`[nic not present] Cannot rename mac=${mac} to ${newName}, not available.`);
      continue;
    }
    if (c.name === newName) continue;
    const curOps: string[][] = [];
    if (c.up) {
      if (!c.downable) {
        errors.push(`[busy] Error renaming mac=${mac} from ${c.name} to ${newName}`);
        continue;
      }
      c.up = false;
      curOps.push(['down', c.name]);
      ups.push(['up', newName]);
    }
    const target = byName().get(newName);
    if (target) {
      if (target.up) {
        if (!target.downable) {
          errors.push(`[busy-target] Error renaming mac=${mac} from ${c.name} to ${newName}.`);
          continue;
        }
        curOps.push(['down', newName]);
      }
      let tmp: string;
      do tmp = `cirename${++tmpi}`; while (byName().has(tmp));
      curOps.push(['rename', newName, tmp]);
      target.name = tmp;
      if (target.up) ups.push(['up', tmp]);
    }
    curOps.push(['rename', c.name, newName]);
    c.name = newName;
    ops.push(...curOps);
  }
  for (const op of [...ops, ...ups]) {
    const argv = op[0] === 'rename' ? ['ip', 'link', 'set', op[1]!, 'name', op[2]!] : ['ip', 'link', 'set', op[1]!, op[0]!];
    log(`renaming: ${argv.join(' ')}`);
    const r = await host.run(argv);
    if (r.code !== 0) errors.push(`[unknown] Error performing ${argv.join(' ')}: ${r.stderr.trim()}`);
  }
  return errors;
}
