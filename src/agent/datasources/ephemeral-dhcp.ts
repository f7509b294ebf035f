// A temporary DHCPv4 lease for the local stage, as cloud-init's EphemeralDHCPv4 does: bring the NIC
// up, ask once with the distro's DHCP client (no hook scripts), apply the address and routes
// with one `ip -batch`, run the crawl, then remove exactly what was added (one more). Skipped when the metadata address
// is already routable (the network came up earlier, e.g. in an initramfs).
import type { Host } from '../host/host.js';
import type { DistroChoice } from '../distros/detect.js';
import { findFallbackNic } from './fallback-nic.js';

export interface DhcpLease {
  interface: string;
  address: string;
  netmask: string;
  routers?: string;
  broadcast?: string;
  staticRoutes?: string;
}

export class NoDhcpLease extends Error {}

/** The last lease in a dhclient lease file, as key → value (options unprefixed). */
export function parseDhclientLeases(text: string): Record<string, string>[] {
  const leases: Record<string, string>[] = [];
  for (const block of text.matchAll(/lease\s*\{([\s\S]*?)\n\}/g)) {
    const lease: Record<string, string> = {};
    for (let line of (block[1] ?? '').split('\n')) {
      line = line.trim().replace(/;$/, '');
      if (!line) continue;
      const m = /^(?:option\s+)?(\S+)\s+(.*)$/.exec(line);
      if (!m) continue;
      lease[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1');
    }
    leases.push(lease);
  }
  return leases;
}

export function maskToPrefix(mask: string): number {
  return mask.split('.').reduce((n, o) => n + ((Number(o) >>> 0).toString(2).match(/1/g)?.length ?? 0), 0);
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => ((n << 8) | (Number(o) & 255)) >>> 0, 0);
}

/** True when /proc/net/route has a route (default or covering) to the given IPv4 address. */
export async function hasRouteTo(host: Host, ip: string): Promise<boolean> {
  const t = await host.fs.readTextIfExists('/proc/net/route').catch(() => undefined);
  if (!t) return false;
  const target = ipToInt(ip);
  for (const line of t.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    // little-endian hex, as the kernel prints it
    const le = (h: string) => Number.parseInt((h.match(/../g) ?? []).reverse().join(''), 16) >>> 0;
    const dest = le(f[1] as string);
    const mask = le(f[7] as string);
    if (((target & mask) >>> 0) === ((dest & mask) >>> 0)) return true;
  }
  return false;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True when /proc/net/route (the main table) has an IPv4 default route, as `ip route show 0.0.0.0/0` would list. */
async function hasDefaultRoute(host: Host): Promise<boolean> {
  const t = await host.fs.readTextIfExists('/proc/net/route').catch(() => undefined);
  return (t ?? '').split('\n').slice(1).some((line) => {
    const f = line.trim().split(/\s+/);
    return f.length >= 8 && /^0+$/.test(f[1] as string) && /^0+$/.test(f[7] as string);
  });
}

async function which(host: Host, name: string): Promise<string | undefined> {
  for (const dir of ['/usr/sbin', '/sbin', '/usr/bin', '/bin']) {
    const p = `${dir}/${name}`;
    const st = await host.fs.stat(p);
    if (st?.kind === 'file' && st.mode & 0o111) return p;
  }
  return undefined;
}

async function dhclientLease(host: Host, nic: string, dhclient: string, timeoutMs: number): Promise<DhcpLease> {
  const pidFile = '/run/dhclient.pid';
  const leaseFile = '/run/dhclient.lease';
  await host.fs.remove(pidFile);
  await host.fs.remove(leaseFile);
  const r = await host.run([dhclient, '-1', '-v', '-lf', leaseFile, '-pf', pidFile, nic, '-sf', '/bin/true'], { timeoutMs });
  if (r.code !== 0) throw new NoDhcpLease(`dhclient exited ${r.code}${r.error ? ` (${r.error})` : ''}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  // dhclient -1 daemonizes once it has a lease; stop it so it neither renews nor runs hooks later.
  const pid = (await host.fs.readTextIfExists(pidFile))?.trim();
  if (pid && /^\d+$/.test(pid)) {
    host.log.log('DEBUG', 'dhcp', `killing dhclient with pid=${pid}`);
    await host.run(['kill', '-KILL', pid]);
  }
  const leases = parseDhclientLeases((await host.fs.readTextIfExists(leaseFile)) ?? '');
  const l = leases[leases.length - 1];
  if (!l || !l['fixed-address'] || !l['subnet-mask']) throw new NoDhcpLease(`no usable lease in ${leaseFile}`);
  const lease: DhcpLease = { interface: nic, address: l['fixed-address'], netmask: l['subnet-mask'] };
  if (l.routers) lease.routers = l.routers.split(',')[0]?.trim() as string;
  if (l['broadcast-address']) lease.broadcast = l['broadcast-address'];
  if (l['rfc3442-classless-static-routes']) lease.staticRoutes = l['rfc3442-classless-static-routes'];
  return lease;
}

export interface EphemeralOptions {
  /** The metadata address the crawl needs to reach (default 169.254.169.254). */
  target?: string;
  timeoutMs?: number;
}

/**
 * Runs fn with a temporary lease on the fallback NIC, unless `target` is already routable.
 * Teardown removes the routes and address that were added and sets the link down again, as
 * cloud-init does, so the image's own networking starts from the same state.
 */
export async function withEphemeralDhcp<T>(host: Host, distro: DistroChoice, fn: () => Promise<T>, opts: EphemeralOptions = {}): Promise<T> {
  const target = opts.target ?? '169.254.169.254';
  if (await hasRouteTo(host, target)) {
    host.log.log('DEBUG', 'ephemeral', `${target} is already reachable: no ephemeral DHCP needed`);
    return fn();
  }
  const nic = await findFallbackNic(host);
  if (!nic) throw new NoDhcpLease('no network interface to run DHCP on');
  let client: { name: string; path: string } | undefined;
  for (const name of distro.info.dhcpClients) {
    const p = await which(host, name);
    if (p) {
      client = { name, path: p };
      break;
    }
  }
  if (!client) throw new NoDhcpLease(`no DHCP client found (tried ${distro.info.dhcpClients.join(', ')})`);
  host.log.log('DEBUG', 'dhcp', `Performing a dhcp discovery on ${nic}`);
  await host.run(['ip', 'link', 'set', 'dev', nic, 'up']);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const lease = await dhclientLease(host, nic, client.path, timeoutMs);
  const prefix = maskToPrefix(lease.netmask);
  const cidr = `${lease.address}/${prefix}`;
  host.log.log('DEBUG', 'ephemeral', `Received dhcp lease on ${nic} for ${lease.address}/${lease.netmask}`);
  // the lease's values go into `ip -batch` lines (split on blanks): only plain addresses pass
  for (const [what, v] of [['address', lease.address], ['router', lease.routers], ['broadcast', lease.broadcast]] as const) {
    if (v !== undefined && !IPV4.test(v)) throw new NoDhcpLease(`bad ${what} in the lease: ${JSON.stringify(v)}`);
  }
  if (!/^[A-Za-z0-9_.:@-]+$/.test(nic)) throw new NoDhcpLease(`bad interface name ${JSON.stringify(nic)}`);
  // one `ip -batch` for the set-up and one for the teardown (each line as cloud-init's own `ip` calls)
  const setup: string[] = [];
  const undo: string[] = [];
  setup.push(`addr add ${cidr}${lease.broadcast ? ` broadcast ${lease.broadcast}` : ''} dev ${nic}`);
  undo.unshift(`addr del ${cidr} dev ${nic}`);
  setup.push(`link set dev ${nic} up`);
  undo.unshift(`link set dev ${nic} down`);
  if (lease.routers && !(await hasDefaultRoute(host))) {
    // a host route to the router first, in case it lies outside the leased subnet
    setup.push(`route add ${lease.routers} dev ${nic} src ${lease.address}`);
    undo.unshift(`route del ${lease.routers} dev ${nic} src ${lease.address}`);
    setup.push(`route add default via ${lease.routers} dev ${nic}`);
    undo.unshift(`route del default dev ${nic}`);
  }
  let done = 0;
  try {
    host.log.log('DEBUG', 'ephemeral', `ip -4 -batch: ${setup.join('; ')}`);
    const r = await host.run(['ip', '-4', '-batch', '-'], { input: `${setup.join('\n')}\n` });
    if (r.code !== 0) {
      // ip stops at the first failing line ("Command failed -:N"): the lines before it took effect
      const n = Number(/Command failed -:(\d+)/.exec(r.stderr)?.[1]);
      done = Number.isInteger(n) && n >= 1 ? Math.min(n - 1, setup.length) : setup.length;
      throw new NoDhcpLease(`ip -4 -batch failed at ${setup[done] ?? 'an unknown line'}: ${r.stderr.trim()}`);
    }
    done = setup.length;
    return await fn();
  } finally {
    const lines = undo.slice(undo.length - done);
    if (lines.length) {
      host.log.log('DEBUG', 'ephemeral', `ip -4 -force -batch: ${lines.join('; ')}`);
      await host.run(['ip', '-4', '-force', '-batch', '-'], { input: `${lines.join('\n')}\n` });
    }
  }
}
