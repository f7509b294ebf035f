// The NIC to use for an ephemeral DHCP lease: cloud-init's fallback choice, from /sys/class/net
// through the host's fs. Loopback, bridges, bonds, VLANs and veth devices are never candidates;
// NICs with carrier come first, eth0 (or the kernel's first name) preferred, then natural order.
import type { Host } from '../host/host.js';

const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export async function findFallbackNic(host: Host): Promise<string | undefined> {
  const names = await host.fs.readdir('/sys/class/net');
  const connected: string[] = [];
  const others: string[] = [];
  for (const n of names) {
    if (n === 'lo' || n.startsWith('veth')) continue;
    const base = `/sys/class/net/${n}`;
    if (await host.fs.exists(`${base}/bridge`)) continue;
    if (await host.fs.exists(`${base}/bonding`)) continue;
    const type = (await host.fs.readTextIfExists(`${base}/type`).catch(() => undefined))?.trim();
    if (type && type !== '1' && type !== '32') continue; // ethernet / infiniband only
    const uevent = (await host.fs.readTextIfExists(`${base}/uevent`).catch(() => undefined)) ?? '';
    if (/DEVTYPE=(vlan|bridge|bond|wlan)/.test(uevent)) continue;
    const carrier = (await host.fs.readTextIfExists(`${base}/carrier`).catch(() => undefined))?.trim();
    (carrier === '1' ? connected : others).push(n);
  }
  const order = (l: string[]) => l.sort((a, b) => (a === 'eth0' ? -1 : b === 'eth0' ? 1 : natural(a, b)));
  return [...order(connected), ...order(others)][0];
}
