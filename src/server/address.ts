// Canonical forms of IPs and MACs, so that the registry, its uniqueness checks and the guest
// listener's peer lookups all compare the same strings: IPv4 dotted quad; IPv6 compressed lower
// case (RFC 5952, as sockets report peers); IPv4-mapped IPv6 as plain IPv4; MACs lower case.
import { isIPv4, isIPv6, isMac } from '../wire/openstack/network-data.js';

const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

export function canonicalIp(ip: string): string | undefined {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip) || (ip as string).includes("%")) return undefined;
  let host: string;
  try {
    host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const m = MAPPED_HEX.exec(host);
  if (m) {
    const hi = parseInt(m[1]!, 16);
    const lo = parseInt(m[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}

export function canonicalMac(mac: string): string | undefined {
  return isMac(mac) ? mac.toLowerCase() : undefined;
}

/**
 * A socket's peer address as the index keys it. Node reports IPv4 clients of a dual-stack socket
 * as ::ffff:a.b.c.d and may append a zone to link-local peers; both are stripped. Cheap on the
 * common path (a plain IPv4 peer is returned as is).
 */
export function peerKey(remote: string | undefined): string {
  if (remote === undefined) return '';
  if (remote.charCodeAt(0) === 58 /* : */ && remote.startsWith('::ffff:') && remote.indexOf('.') > 0) return remote.slice(7);
  const z = remote.indexOf('%');
  return z < 0 ? remote : remote.slice(0, z);
}

/**
 * The MAC an EUI-64 IPv6 link-local address was formed from (fe80::XXYY:ZZff:feAA:BBCC), the way
 * Neutron identifies guests that ask over fe80::a9fe:a9fe; undefined for other addresses
 * (privacy or stable-random interface ids carry no MAC).
 */
export function macFromLinkLocal(ip: string): string | undefined {
  if (!ip.startsWith('fe80:')) return undefined;
  const full = canonicalIp(ip);
  if (!full) return undefined;
  const groups = expandIPv6(full);
  if (!groups || groups[0] !== 0xfe80 || groups[1] !== 0 || groups[2] !== 0 || groups[3] !== 0) return undefined;
  const [a, b, c, d] = [groups[4]!, groups[5]!, groups[6]!, groups[7]!];
  if ((b & 0xff) !== 0xff || c >> 8 !== 0xfe) return undefined;
  const bytes = [(a >> 8) ^ 0x02, a & 0xff, b >> 8, c & 0xff, d >> 8, d & 0xff];
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function expandIPv6(ip: string): number[] | undefined {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  if (t.some((x) => x.includes('.')) || h.some((x) => x.includes('.'))) return undefined;
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  const all = [...h, ...Array<string>(fill).fill('0'), ...t];
  return all.length === 8 ? all.map((g) => parseInt(g, 16)) : undefined;
}
