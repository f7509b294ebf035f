// The one network model every renderer consumes. It is network config v1 made explicit: interfaces
// by name (in the order the config declared them), global routes, global DNS, and for v2 input the
// original document (netplan passes it through unchanged). Field names keep v1's spelling so that
// a device's extra parameters (bond-mode, bridge_stp, driver, ...) flow from the input to the
// renderers without a translation table in between. Imports no renderer.

import { isIPv6Address } from './ip.js';

export type IfaceType = 'physical' | 'bond' | 'bridge' | 'vlan' | 'infiniband' | 'loopback' | 'nameserver';

export interface Route {
  network: string;
  prefix: number;
  /** dotted form, IPv4 routes only */
  netmask?: string;
  gateway?: string;
  metric?: unknown;
  /** anything else the source carried (e.g. network_data.json route `services`), kept as given */
  [extra: string]: unknown;
}

export interface Subnet {
  type: string;
  control?: string;
  address?: string;
  prefix?: number;
  netmask?: string;
  gateway?: string;
  dns_nameservers?: string[];
  dns_search?: string[];
  routes: Route[];
  metric?: unknown;
  mtu?: unknown;
  ipv4?: boolean;
  ipv6?: boolean;
  [extra: string]: unknown;
}

export interface IfaceDns {
  addresses?: string[];
  search?: string[];
  nameservers?: string[];
}

/**
 * One device. Keys other than the typed ones are device parameters merged from the config
 * (`params` in v1, bond/bridge parameters, `driver`), exactly as renderers expect to read them.
 */
export interface Iface {
  name: string;
  type: IfaceType | string;
  mac_address?: string | null;
  inet?: string;
  mode?: string;
  mtu?: unknown;
  subnets: Subnet[];
  'accept-ra'?: boolean | null;
  wakeonlan?: boolean | null;
  'bond-master'?: string;
  'bond-slaves'?: string;
  'vlan-raw-device'?: string;
  vlan_id?: unknown;
  bridge_ports?: string[];
  dns?: IfaceDns;
  [param: string]: unknown;
}

export interface NetworkState {
  /** 1 for v1 and network_data.json input, 2 for v2 input. */
  version: 1 | 2;
  /** Insertion order is the order the config declared devices in. */
  interfaces: Map<string, Iface>;
  routes: Route[];
  dns: { nameservers: string[]; search: string[] };
  useIpv6: boolean;
  /** The v2 document as given (v2 input only): netplan writes it back unchanged. */
  v2Config?: Record<string, unknown>;
}

export const IPV6_DYNAMIC_TYPES = ['dhcp6', 'ipv6_slaac', 'ipv6_dhcpv6-stateless', 'ipv6_dhcpv6-stateful'];

export function emptyState(version: 1 | 2): NetworkState {
  return { version, interfaces: new Map(), routes: [], dns: { nameservers: [], search: [] }, useIpv6: false };
}

export function isDefaultRoute(r: Route): boolean {
  return r.prefix === 0 && (r.network === '::' || r.network === '0.0.0.0');
}

export function hasDefaultRoute(ns: NetworkState): boolean {
  if (ns.routes.some(isDefaultRoute)) return true;
  for (const iface of ns.interfaces.values()) {
    for (const s of iface.subnets) if (s.routes.some(isDefaultRoute)) return true;
  }
  return false;
}

export function ifacesOfType(ns: NetworkState, type: string): Iface[] {
  return [...ns.interfaces.values()].filter((i) => i.type === type);
}

/** Thrown for input that cannot become a network state; the message is the log line. */
export class NetworkConfigError extends Error {
  override name = 'NetworkConfigError';
}

/** Python truthiness: cloud-init drops keys whose value is falsy (0, '', [], {}, False, None). */
export function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '' || Number.isNaN(v)) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && !(v instanceof Date)) return Object.keys(v).length > 0;
  return true;
}

export function subnetIsIpv6(s: Subnet): boolean {
  const t = String(s.type);
  if (t.endsWith('6') || IPV6_DYNAMIC_TYPES.includes(t)) return true;
  return t === 'static' && isIPv6Address(s.address);
}

/**
 * A bond option by its kernel name (mode, miimon, xmit_hash_policy, ...), whichever way the config
 * spelled it: v1 and v2 give `bond-xmit-hash-policy`, network_data.json gives `bond_xmit_hash_policy`.
 */
export function bondOption(iface: Iface, kernelName: string): unknown {
  for (const k of [`bond-${kernelName.replace(/_/g, '-')}`, `bond_${kernelName}`]) {
    if (k in iface && iface[k] !== null && iface[k] !== undefined) return iface[k];
  }
  return undefined;
}
