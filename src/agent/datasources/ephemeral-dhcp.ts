// A temporary DHCPv4 lease for the local stage, as cloud-init's EphemeralDHCPv4 does: bring the NIC
// up, ask once with the distro's DHCP client (no hook scripts), apply the address and routes
// with `ip`, run the crawl, then remove exactly what was added. Skipped when the metadata address
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
  const undo: string[][] = [];
  const must = async (argv: string[]) => {
    const r = await host.run(argv);
    if (r.code !== 0) throw new NoDhcpLease(`${argv.join(' ')} failed: ${r.stderr.trim()}`);
  };
  try {
    const addArgs = ['ip', '-family', 'inet', 'addr', 'add', cidr];
    if (lease.broadcast) addArgs.push('broadcast', lease.broadcast);
    await must([...addArgs, 'dev', nic]);
    undo.unshift(['ip', '-family', 'inet', 'addr', 'del', cidr, 'dev', nic]);
    await must(['ip', '-family', 'inet', 'link', 'set', 'dev', nic, 'up']);
    undo.unshift(['ip', '-family', 'inet', 'link', 'set', 'dev', nic, 'down']);
    if (lease.routers) {
      const existing = await host.run(['ip', 'route', 'show', '0.0.0.0/0']);
      if (!existing.stdout.includes('default')) {
        // a host route to the router first, in case it lies outside the leased subnet
        await must(['ip', '-4', 'route', 'add', lease.routers, 'dev', nic, 'src', lease.address]);
        undo.unshift(['ip', '-4', 'route', 'del', lease.routers, 'dev', nic, 'src', lease.address]);
        await must(['ip', '-4', 'route', 'add', 'default', 'via', lease.routers, 'dev', nic]);
        undo.unshift(['ip', '-4', 'route', 'del', 'default', 'dev', nic]);
      }
    }
    return await fn();
  } finally {
    for (const argv of undo) await host.run(argv);
  }
}
