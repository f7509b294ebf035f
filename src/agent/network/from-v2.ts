// Network config v2 (the netplan subset) → the model, as cloud-init 22.4 reads it for renderers
// other than netplan: every section is turned into v1 commands. Netplan itself gets the document
// unchanged (passthroughV2), so anything netplan understands survives there.
import { emptyState, NetworkConfigError, truthy, type NetworkState } from './model.js';
import { InvalidCommand, StateBuilder } from './from-v1.js';
import { normalizeRoute, type Warn } from './normalize.js';
import { pyRepr } from './pyfmt.js';
import { findNameByMac, type MacTable } from './names.js';

type Dict = Record<string, unknown>;

// v1 parameter names by their v2 spelling
const BOND_V2_TO_V1: Record<string, string> = {
  'ad-select': 'bond-ad-select', 'arp-interval': 'bond-arp-interval', 'arp-ip-target': 'bond-arp-ip-target',
  'arp-validate': 'bond-arp-validate', 'down-delay': 'bond-downdelay', 'fail-over-mac-policy': 'bond-fail-over-mac',
  'lacp-rate': 'bond-lacp-rate', 'mii-monitor-interval': 'bond-miimon', 'min-links': 'bond-min-links',
  mode: 'bond-mode', 'gratuitous-arp': 'bond-num-grat-arp', primary: 'bond-primary',
  'primary-reselect-policy': 'bond-primary-reselect', 'up-delay': 'bond-updelay',
  'transmit-hash-policy': 'bond-xmit-hash-policy',
};
const BRIDGE_V2_TO_V1: Record<string, string> = {
  'ageing-time': 'bridge_ageing', priority: 'bridge_bridgeprio', 'forward-delay': 'bridge_fd',
  'hello-time': 'bridge_hello', 'max-age': 'bridge_maxage', 'path-cost': 'bridge_pathcost',
  'port-priority': 'bridge_portprio', stp: 'bridge_stp',
};
// keys of a bond/bridge entry that are not its parameters
const DEVICE_KEYS = new Set(['addresses', 'dhcp4', 'dhcp4-overrides', 'dhcp6', 'dhcp6-overrides', 'gateway4', 'gateway6',
  'interfaces', 'match', 'mtu', 'nameservers', 'renderer', 'set-name', 'wakeonlan', 'accept-ra']);

const dict = (v: unknown): Dict => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Dict) : {});

/** A v2 device's addressing as v1 subnets (routes hang off the first subnet, as in 22.4). */
function ipConfig(cfg: Dict, b: StateBuilder, warn: Warn): Dict[] {
  const subnets: Dict[] = [];
  for (const v of ['4', '6']) {
    if (!truthy(cfg[`dhcp${v}`])) continue;
    const subnet: Dict = { type: `dhcp${v}` };
    if (v === '6') b.ns.useIpv6 = true;
    const overrides = dict(cfg[`dhcp${v}-overrides`]);
    if ('route-metric' in overrides) subnet.metric = overrides['route-metric'];
    subnets.push(subnet);
  }
  let gw4: unknown, gw6: unknown;
  let ns: Dict = {};
  const addresses = cfg.addresses ?? [];
  if (!Array.isArray(addresses)) throw new NetworkConfigError(`addresses must be a list, got ${pyRepr(addresses)}`);
  for (const address of addresses) {
    if (typeof address !== 'string') throw new NetworkConfigError(`address ${pyRepr(address)} must be a string`);
    const subnet: Dict = { type: 'static', address };
    if (address.includes(':')) {
      if ('gateway6' in cfg && gw6 === undefined) subnet.gateway = gw6 = cfg.gateway6;
    } else if ('gateway4' in cfg && gw4 === undefined) subnet.gateway = gw4 = cfg.gateway4;
    // only the first address carries the device's nameservers
    if ('nameservers' in cfg && Object.keys(ns).length === 0) {
      const nsCfg = dict(cfg.nameservers);
      if (truthy(nsCfg.addresses)) ns.dns_nameservers = nsCfg.addresses;
      if (truthy(nsCfg.search)) ns.dns_search = nsCfg.search;
      Object.assign(subnet, ns);
    }
    subnets.push(subnet);
  }
  const routesIn = cfg.routes ?? [];
  if (!Array.isArray(routesIn)) throw new NetworkConfigError(`routes must be a list, got ${pyRepr(routesIn)}`);
  const routes = routesIn.map((r) => normalizeRoute({ destination: dict(r).to, gateway: dict(r).via }, warn));
  if (subnets.length && routes.length) subnets[0]!.routes = routes;
  return subnets;
}

function ethernets(section: Dict, b: StateBuilder, macs: MacTable): void {
  for (const [key, raw] of Object.entries(section)) {
    const cfg = dict(raw);
    const match = dict(cfg.match);
    const mac = match.macaddress as string | undefined;
    const cmd: Dict = { type: 'physical', mac_address: mac ?? null };
    let name = key;
    if (truthy(cfg['set-name'])) name = String(cfg['set-name']);
    else if (mac && macs.size) name = findNameByMac(macs, String(mac).toLowerCase()) ?? key;
    cmd.name = name;
    if (truthy(match.driver)) cmd.params = { driver: match.driver };
    for (const k of ['mtu', 'match', 'wakeonlan', 'accept-ra']) if (k in cfg) cmd[k] = cfg[k];
    const subnets = ipConfig(cfg, b, b.warn);
    if (subnets.length) cmd.subnets = subnets;
    b.physical(cmd);
  }
}

function vlans(section: Dict, b: StateBuilder): void {
  for (const [name, raw] of Object.entries(section)) {
    const cfg = dict(raw);
    const cmd: Dict = { type: 'vlan', name, vlan_id: cfg.id ?? null, vlan_link: cfg.link ?? null };
    if ('mtu' in cfg) cmd.mtu = cfg.mtu;
    const subnets = ipConfig(cfg, b, b.warn);
    if (subnets.length) cmd.subnets = subnets;
    b.vlan(cmd);
  }
}

function bondsOrBridges(kind: 'bond' | 'bridge', section: Dict, b: StateBuilder): void {
  const map = kind === 'bond' ? BOND_V2_TO_V1 : BRIDGE_V2_TO_V1;
  for (const [name, raw] of Object.entries(section)) {
    const cfg = dict(raw);
    const extra = Object.fromEntries(Object.entries(cfg).filter(([k]) => !DEVICE_KEYS.has(k)));
    const params = dict(extra.parameters);
    // netplan accepts the old misspelling too
    if ('gratuitious-arp' in params) {
      const v = params['gratuitious-arp'];
      delete params['gratuitious-arp'];
      if (v) params['gratuitous-arp'] = v;
    }
    const v1params: Dict = {};
    for (const [k, v] of Object.entries(params)) {
      const v1 = map[k];
      if (v1 === undefined) throw new NetworkConfigError(`unknown ${kind} parameter ${JSON.stringify(k)} for ${name}`);
      v1params[v1] = v;
    }
    const cmd: Dict = { type: kind, name, [`${kind}_interfaces`]: cfg.interfaces ?? null, params: v1params };
    if ('mtu' in cfg) cmd.mtu = cfg.mtu;
    const subnets = ipConfig(cfg, b, b.warn);
    if (subnets.length) cmd.subnets = subnets;
    if (kind === 'bond') b.bond(cmd);
    else b.bridge(cmd);
  }
}

/** Per-device nameservers: into the global list and onto the device (22.4 does both). */
function deviceNameservers(section: Dict, b: StateBuilder, macs: MacTable): void {
  for (const [key, raw] of Object.entries(section)) {
    const cfg = dict(raw);
    let ifname = truthy(cfg['set-name']) ? String(cfg['set-name']) : key;
    if (!('nameservers' in cfg)) continue;
    const nsCfg = dict(cfg.nameservers);
    const search = (nsCfg.search ?? []) as unknown[];
    const addrs = (nsCfg.addresses ?? []) as unknown[];
    const cmd: Dict = { type: 'nameserver' };
    if (search.length) cmd.search = search;
    if (addrs.length) cmd.address = addrs;
    b.nameserver(cmd);
    const mac = dict(cfg.match).macaddress;
    if (truthy(mac)) ifname = findNameByMac(macs, String(mac)) ?? ifname;
    b.deviceNameserver(cmd, ifname);
  }
}

/** The document under `network:` (or the whole document) with `version: 2` → the model. */
export function fromV2(doc: Dict, macs: MacTable = new Map(), warn: Warn = () => {}): NetworkState {
  const b = new StateBuilder(2, warn);
  b.ns.v2Config = doc;
  for (const [section, body] of Object.entries(doc)) {
    if (section === 'version' || section === 'renderer') continue;
    const cfg = dict(body);
    try {
      switch (section) {
        case 'ethernets': ethernets(cfg, b, macs); break;
        case 'vlans': vlans(cfg, b); break;
        case 'bonds': bondsOrBridges('bond', cfg, b); break;
        case 'bridges': bondsOrBridges('bridge', cfg, b); break;
        case 'wifis': warn('Wifi configuration is only available to distros with netplan rendering support.'); break;
        default: throw new NetworkConfigError(`No handler found for command '${section}'`);
      }
      deviceNameservers(cfg, b, macs);
    } catch (e) {
      if (!(e instanceof InvalidCommand)) throw e;
      warn(`Skipping invalid command: ${pyRepr(body)} (${e.message})`);
    }
  }
  return b.ns;
}

/** What the netplan renderer receives for v2 input: the document, not interpreted. */
export function passthroughV2(doc: Dict): NetworkState {
  const ns = emptyState(2);
  ns.v2Config = doc;
  return ns;
}
