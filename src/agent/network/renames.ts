// Renaming NICs to the names the network config gives their MACs, before any config is written,
// the way cloud-init does: `ip link set` with temporary names for swaps, downing a NIC only when it
// holds no addresses, every problem reported (not present, busy) and the rest still done.
import type { Host } from '../host/host.js';
import { deviceDriver, listNics, type SysHost } from './names.js';
import { pyRepr } from './pyfmt.js';

const readSys = async (host: SysHost, dev: string, rel: string): Promise<string | undefined> =>
  (await host.fs.readTextIfExists(`/sys/class/net/${dev}/${rel}`).catch(() => undefined))?.trim();

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

interface NicState { name: string; orig: string; mac: string; driver?: string; deviceId?: string; up: boolean }

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
  const cur: NicState[] = [];
  for (const n of await listNics(host)) {
    const up = await isUp(host, n.name);
    cur.push({ name: n.name, orig: n.name, mac: n.mac.toLowerCase(), driver: n.driver, deviceId: n.deviceId, up });
  }
  // which NICs held addresses at the start matters only for a rename that has to down an up NIC:
  // ask `ip` then, once
  let withAddr: Set<string> | undefined;
  const downable = async (c: NicState) => !(withAddr ??= await nicsWithAddresses(host)).has(c.orig);
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
      if (!(await downable(c))) {
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
        if (!(await downable(target))) {
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
