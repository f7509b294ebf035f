// network_data.json (OpenStack, 2015-10-15 and later): types and a pure structural check shared by
// the service (which refuses bad registry input with 400) and the agent (which refuses bad metadata
// with a log line and falls back). Field names are Nova's.

export const LEGACY_PHYSICAL_LINK_TYPES = [
  'phy', 'ethernet', 'bridge', 'dvs', 'hw_veb', 'hyperv', 'ovs', 'tap', 'vhostuser', 'vif',
  // seen in the field and treated as physical by cloud-init
  'bgpovs', 'cascading',
] as const;

export const BOND_MODES = [
  '802.3ad', 'balance-rr', 'active-backup', 'balance-xor', 'broadcast', 'balance-tlb', 'balance-alb',
] as const;

export const NETWORK_TYPES = [
  'ipv4', 'ipv6', 'ipv4_dhcp', 'ipv6_dhcp', 'ipv6_slaac', 'ipv6_dhcpv6-stateful', 'ipv6_dhcpv6-stateless',
] as const;
export type NetworkType = (typeof NETWORK_TYPES)[number];

export interface NetworkDataLink {
  id: string;
  type: string;
  ethernet_mac_address?: string;
  mtu?: number | null;
  vif_id?: string;
  name?: string;
  // bond
  bond_links?: string[];
  bond_mode?: string;
  bond_miimon?: number;
  bond_xmit_hash_policy?: string;
  // vlan
  vlan_id?: number;
  vlan_link?: string;
  vlan_mac_address?: string;
  [extra: string]: unknown;
}

export interface NetworkDataRoute {
  network: string;
  netmask: string;
  gateway: string;
  services?: NetworkDataService[];
  [extra: string]: unknown;
}

export interface NetworkDataService {
  type: string; // 'dns' is the one cloud-init reads
  address: string;
  [extra: string]: unknown;
}

export interface NetworkDataNetwork {
  id: string;
  link: string;
  type: string;
  network_id?: string;
  ip_address?: string;
  netmask?: string;
  routes?: NetworkDataRoute[];
  services?: NetworkDataService[];
  [extra: string]: unknown;
}

export interface NetworkData {
  links: NetworkDataLink[];
  networks: NetworkDataNetwork[];
  services: NetworkDataService[];
}

export interface FieldError {
  /** JSON-pointer-like path from the document root, e.g. `/links/0/ethernet_mac_address`. */
  path: string;
  reason: string;
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
// InfiniBand hardware addresses are 20 bytes.
const IB_MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){19}$/;

export function isMac(s: unknown): s is string {
  return typeof s === 'string' && (MAC_RE.test(s) || IB_MAC_RE.test(s));
}

export function isIPv4(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIPv6(s: unknown): s is string {
  if (typeof s !== 'string' || s.length > 45 || !s.includes(':')) return false;
  let body = s;
  const zone = body.indexOf('%');
  if (zone >= 0) body = body.slice(0, zone);
  let tailGroups = 0;
  const lastColon = body.lastIndexOf(':');
  const tail = body.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    body = body.slice(0, lastColon + 1) + '0:0';
    tailGroups = 0;
  }
  const dbl = body.split('::');
  if (dbl.length > 2) return false;
  const groups = (x: string) => (x === '' ? [] : x.split(':'));
  const head = groups(dbl[0] ?? '');
  const rest = dbl.length === 2 ? groups(dbl[1] ?? '') : [];
  const all = [...head, ...rest];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const n = all.length + tailGroups;
  return dbl.length === 2 ? n <= 7 : n === 8;
}

export function isIP(s: unknown): s is string {
  return isIPv4(s) || isIPv6(s);
}

/** A dotted IPv4 netmask, an expanded IPv6 mask, or a prefix length written as a number string. */
export function isNetmask(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  if (/^\d{1,3}$/.test(s)) return Number(s) <= 128;
  return isIPv4(s) || isIPv6(s);
}

/**
 * Checks structure and references: types, MACs, addresses, that networks name existing links,
 * that bond members and VLAN parents exist. It does not judge semantics that cloud-init accepts.
 */
export function checkNetworkData(doc: unknown, base = ''): FieldError[] {
  const errs: FieldError[] = [];
  const at = (p: string, reason: string) => errs.push({ path: `${base}${p}`, reason });
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    at('', 'must be an object with links, networks and services');
    return errs;
  }
  const d = doc as Record<string, unknown>;
  const arr = (k: string): unknown[] => {
    const v = d[k];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      at(`/${k}`, 'must be an array');
      return [];
    }
    return v;
  };
  const links = arr('links');
  const networks = arr('networks');
  const services = arr('services');
  const ids = new Set<string>();
  links.forEach((l, i) => {
    const p = `/links/${i}`;
    if (typeof l !== 'object' || l === null || Array.isArray(l)) return at(p, 'must be an object');
    const link = l as Record<string, unknown>;
    if (typeof link.id !== 'string' || link.id === '') at(`${p}/id`, 'must be a non-empty string');
    else if (ids.has(link.id)) at(`${p}/id`, `duplicate link id ${JSON.stringify(link.id)}`);
    else ids.add(link.id);
    if (typeof link.type !== 'string' || link.type === '') at(`${p}/type`, 'must be a non-empty string');
    if (link.ethernet_mac_address !== undefined && !isMac(link.ethernet_mac_address)) {
      at(`${p}/ethernet_mac_address`, 'must be a MAC address like fa:16:3e:00:00:01');
    }
    if (link.mtu !== undefined && link.mtu !== null && !(Number.isInteger(link.mtu) && (link.mtu as number) >= 68 && (link.mtu as number) <= 65535)) {
      at(`${p}/mtu`, 'must be an integer from 68 to 65535, or null');
    }
    if (link.type === 'bond') {
      if (!Array.isArray(link.bond_links) || link.bond_links.length === 0) at(`${p}/bond_links`, 'a bond needs a non-empty list of member link ids');
      if (link.bond_mode !== undefined && !(BOND_MODES as readonly string[]).includes(link.bond_mode as string)) {
        at(`${p}/bond_mode`, `must be one of ${BOND_MODES.join(', ')}`);
      }
      if (link.bond_miimon !== undefined && !(Number.isInteger(link.bond_miimon) && (link.bond_miimon as number) >= 0)) {
        at(`${p}/bond_miimon`, 'must be a non-negative integer');
      }
    }
    if (link.type === 'vlan') {
      if (!(Number.isInteger(link.vlan_id) && (link.vlan_id as number) >= 0 && (link.vlan_id as number) <= 4094)) at(`${p}/vlan_id`, 'must be an integer from 0 to 4094');
      if (typeof link.vlan_link !== 'string') at(`${p}/vlan_link`, 'a VLAN needs the id of its parent link');
      if (link.vlan_mac_address !== undefined && !isMac(link.vlan_mac_address)) at(`${p}/vlan_mac_address`, 'must be a MAC address');
    }
  });
  // references, once every id is known
  links.forEach((l, i) => {
    if (typeof l !== 'object' || l === null) return;
    const link = l as Record<string, unknown>;
    if (link.type === 'bond' && Array.isArray(link.bond_links)) {
      link.bond_links.forEach((m, j) => {
        if (typeof m !== 'string' || !ids.has(m)) at(`/links/${i}/bond_links/${j}`, `names unknown link ${JSON.stringify(m)}`);
        else if (m === link.id) at(`/links/${i}/bond_links/${j}`, 'a bond cannot contain itself');
      });
    }
    if (link.type === 'vlan' && typeof link.vlan_link === 'string' && !ids.has(link.vlan_link)) {
      at(`/links/${i}/vlan_link`, `names unknown link ${JSON.stringify(link.vlan_link)}`);
    }
  });
  const checkService = (s: unknown, p: string) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return at(p, 'must be an object');
    const svc = s as Record<string, unknown>;
    if (typeof svc.type !== 'string') at(`${p}/type`, 'must be a string');
    if (svc.type === 'dns' && !isIP(svc.address)) at(`${p}/address`, 'must be an IP address');
  };
  networks.forEach((n, i) => {
    const p = `/networks/${i}`;
    if (typeof n !== 'object' || n === null || Array.isArray(n)) return at(p, 'must be an object');
    const net = n as Record<string, unknown>;
    if (typeof net.id !== 'string' || net.id === '') at(`${p}/id`, 'must be a non-empty string');
    if (typeof net.link !== 'string' || !ids.has(net.link)) at(`${p}/link`, `names unknown link ${JSON.stringify(net.link)}`);
    if (!(NETWORK_TYPES as readonly string[]).includes(net.type as string)) at(`${p}/type`, `must be one of ${NETWORK_TYPES.join(', ')}`);
    const isStatic = net.type === 'ipv4' || net.type === 'ipv6';
    const v6 = typeof net.type === 'string' && net.type.startsWith('ipv6');
    if (net.ip_address !== undefined || isStatic) {
      if (!(v6 ? isIPv6(net.ip_address) : isIPv4(net.ip_address))) at(`${p}/ip_address`, `must be an IPv${v6 ? 6 : 4} address`);
    }
    if (net.netmask !== undefined && !isNetmask(net.netmask)) at(`${p}/netmask`, 'must be a netmask');
    if (net.routes !== undefined) {
      if (!Array.isArray(net.routes)) at(`${p}/routes`, 'must be an array');
      else net.routes.forEach((r, j) => {
        const rp = `${p}/routes/${j}`;
        if (typeof r !== 'object' || r === null) return at(rp, 'must be an object');
        const route = r as Record<string, unknown>;
        if (!isIP(route.network)) at(`${rp}/network`, 'must be an IP address');
        if (!isNetmask(route.netmask)) at(`${rp}/netmask`, 'must be a netmask');
        if (!isIP(route.gateway)) at(`${rp}/gateway`, 'must be an IP address');
        if (Array.isArray(route.services)) route.services.forEach((s, k) => checkService(s, `${rp}/services/${k}`));
      });
    }
    if (net.services !== undefined) {
      if (!Array.isArray(net.services)) at(`${p}/services`, 'must be an array');
      else net.services.forEach((s, k) => checkService(s, `${p}/services/${k}`));
    }
  });
  services.forEach((s, i) => checkService(s, `/services/${i}`));
  return errs;
}
