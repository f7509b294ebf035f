// Normalising subnets and routes the way cloud-init 22.4 does before any renderer sees them:
// falsy keys dropped, "addr/prefix" split, netmasks turned into prefixes (and back into dotted
// IPv4 masks), defaults of /24 and /64, DNS lists made lists, metrics made integers.
import { isIPNetwork, isIPv4Network, isIPv6Network, ipv4MaskToPrefix, ipv6MaskToPrefix, prefixToIPv4Mask } from './ip.js';
import { NetworkConfigError, truthy, type Route, type Subnet } from './model.js';
import { pyRepr, pyStr } from './pyfmt.js';

export type Warn = (message: string) => void;

function pickTruthy(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (truthy(v)) out[k] = v;
  return out;
}

function maskToPrefix(mask: unknown, v6: boolean): number {
  const m = pyStr(mask);
  const p = v6 ? ipv6MaskToPrefix(m) : ipv4MaskToPrefix(m);
  if (p === undefined) throw new NetworkConfigError(`invalid netmask or prefix ${JSON.stringify(m)}`);
  return p;
}

/** Resolves address + netmask/prefix; returns the keys to merge over the original object. */
function normalizeNetKeys(network: Record<string, unknown>, addressKeys: string[], warn: Warn): Record<string, unknown> {
  const net = pickTruthy(network);
  const addrKey = addressKeys.find((k) => truthy(net[k]));
  if (addrKey === undefined) {
    throw new NetworkConfigError(`no address (${addressKeys.join(' or ')}) in ${pyRepr(network)}`);
  }
  const addr = pyStr(net[addrKey]);
  if (!isIPNetwork(addr)) throw new NetworkConfigError(`address ${addr} is not a valid IP address or network`);
  const v6 = isIPv6Network(addr);
  const v4 = isIPv4Network(addr);
  const netmask = net.netmask;
  let prefix: number;
  const slash = addr.indexOf('/');
  if (slash >= 0) {
    net[addrKey] = addr.slice(0, slash);
    prefix = maskToPrefix(addr.slice(slash + 1), v6);
  } else if ('prefix' in net) {
    prefix = pyInt(net.prefix, 'prefix');
  } else if (truthy(netmask) && v4) {
    prefix = maskToPrefix(netmask, false);
  } else if (truthy(netmask) && v6) {
    prefix = maskToPrefix(netmask, true);
  } else {
    prefix = v6 ? 64 : 24;
  }
  if ('prefix' in net && pyStr(net.prefix) !== String(prefix)) {
    warn(`Overwriting existing 'prefix' with '${prefix}' in network info: ${pyRepr(net)}`);
  }
  net.prefix = prefix;
  if (v6) delete net.netmask;
  else if (v4) net.netmask = prefixToIPv4Mask(prefix);
  return net;
}

/** Python's int() of a config value (int, numeric string, float truncated). */
export function pyInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[-+]?[0-9](_?[0-9])*\s*$/.test(v)) return Number(v.replace(/_/g, ''));
  throw new NetworkConfigError(`${what} ${pyRepr(v)} is not an integer`);
}

export function normalizeRoute(route: Record<string, unknown>, warn: Warn): Route {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(route)) if (v !== '' && v !== null && v !== undefined) r[k] = v;
  if ('destination' in r) {
    r.network = r.destination;
    delete r.destination;
  }
  Object.assign(r, normalizeNetKeys(r, ['network', 'destination'], warn));
  if (truthy(r.metric)) r.metric = pyInt(r.metric, 'route metric');
  return r as Route;
}

export function normalizeSubnet(subnet: Record<string, unknown>, warn: Warn): Subnet {
  const s: Record<string, unknown> = structuredClone(pickTruthy(subnet));
  if (subnet.type === 'static' || subnet.type === 'static6') {
    Object.assign(s, normalizeNetKeys(s, ['address', 'ip_address'], warn));
  }
  const routes = subnet.routes === undefined ? [] : subnet.routes;
  if (!Array.isArray(routes)) throw new NetworkConfigError(`subnet routes must be a list, got ${pyRepr(routes)}`);
  s.routes = routes.map((r) => {
    if (typeof r !== 'object' || r === null) throw new NetworkConfigError(`route must be a mapping, got ${pyRepr(r)}`);
    return normalizeRoute(r as Record<string, unknown>, warn);
  });
  for (const k of ['dns_search', 'dns_nameservers']) {
    if (k in s && !Array.isArray(s[k])) s[k] = pyStr(s[k]).split(/\s+/).filter(Boolean);
  }
  return s as Subnet;
}
