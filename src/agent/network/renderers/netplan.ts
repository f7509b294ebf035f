// Netplan YAML (/etc/netplan/50-cloud-init.yaml). v2 input is written back as given; v1 input is
// converted section by section (ethernets, wifis, bonds, bridges, vlans), each dumped with PyYAML's
// layout so the file is the one cloud-init writes.
import { IPV6_DYNAMIC_TYPES, subnetIsIpv6, type Iface, type NetworkState } from '../model.js';
import { isTrue } from '../from-v1.js';
import { pyStr } from '../pyfmt.js';
import { pyyamlDump } from '../pyyaml-dump.js';
import { rel, type RenderContext, type Renderer, type RendererConfigs, type RenderResult } from '../renderer.js';

type Cfg = NonNullable<RendererConfigs['netplan']>;
type Dict = Record<string, unknown>;

// v1 parameter → v2 key
const BOND_V1_TO_V2: Record<string, string> = {
  'bond-ad-select': 'ad-select', 'bond-arp-interval': 'arp-interval', 'bond-arp-ip-target': 'arp-ip-target',
  'bond-arp-validate': 'arp-validate', 'bond-downdelay': 'down-delay', 'bond-fail-over-mac': 'fail-over-mac-policy',
  'bond-lacp-rate': 'lacp-rate', 'bond-miimon': 'mii-monitor-interval', 'bond-min-links': 'min-links',
  'bond-mode': 'mode', 'bond-num-grat-arp': 'gratuitous-arp', 'bond-primary': 'primary',
  'bond-primary-reselect': 'primary-reselect-policy', 'bond-updelay': 'up-delay', 'bond-xmit-hash-policy': 'transmit-hash-policy',
};
const BRIDGE_V1_TO_V2: Record<string, string | null> = {
  bridge_ageing: 'ageing-time', bridge_bridgeprio: 'priority', bridge_fd: 'forward-delay', bridge_gcint: null,
  bridge_hello: 'hello-time', bridge_maxage: 'max-age', bridge_maxwait: null, bridge_pathcost: 'path-cost',
  bridge_portprio: 'port-priority', bridge_stp: 'stp', bridge_waitport: null,
};

const KNOWN_SNAPD_CONFIG = `# This is the initial network config.
# It can be overwritten by cloud-init or console-conf.
network:
    version: 2
    ethernets:
        all-en:
            match:
                name: "en*"
            dhcp4: true
        all-eth:
            match:
                name: "eth*"
            dhcp4: true
`;

const listify = (v: unknown): unknown[] => {
  if (typeof v !== 'string' || v === '') return v as unknown[];
  return v.includes(' ') ? v.split(' ') : [v];
};

/** A device's addresses, gateways, routes, DNS, MTU and accept-ra as netplan keys on `entry`. */
function addAddressing(iface: Dict, entry: Dict, features: string[], warn: (m: string) => void): void {
  const addresses: string[] = [];
  const routes: Dict[] = [];
  const nameservers: unknown[] = [];
  const search: unknown[] = [];
  for (const subnet of (iface.subnets ?? []) as Iface['subnets']) {
    const t = String(subnet.type);
    if (t.startsWith('dhcp')) entry[t === 'dhcp' ? 'dhcp4' : t] = true;
    else if (IPV6_DYNAMIC_TYPES.includes(t)) entry.dhcp6 = true;
    else if (t === 'static' || t === 'static6') {
      let addr = pyStr(subnet.address);
      if ('prefix' in subnet) addr += `/${pyStr(subnet.prefix)}`;
      if (subnet.gateway) entry[String(subnet.gateway).includes(':') ? 'gateway6' : 'gateway4'] = subnet.gateway;
      if ('dns_nameservers' in subnet) nameservers.push(...(listify(subnet.dns_nameservers) ?? []));
      if ('dns_search' in subnet) search.push(...(listify(subnet.dns_search) ?? []));
      if ('mtu' in subnet) entry[subnetIsIpv6(subnet) && features.includes('ipv6-mtu') ? 'ipv6-mtu' : 'mtu'] = subnet.mtu;
      for (const r of subnet.routes ?? []) {
        const route: Dict = { via: r.gateway ?? null, to: `${pyStr(r.network)}/${pyStr(r.prefix)}` };
        if ('metric' in r) route.metric = r.metric;
        routes.push(route);
      }
      addresses.push(addr);
    }
  }
  if ('mtu' in iface) {
    const entryMtu = entry.mtu;
    if (entryMtu && iface.mtu !== entryMtu) {
      warn(`Network config: ignoring ${pyStr(iface.name)} device-level mtu:${pyStr(iface.mtu)} because ipv4 subnet-level mtu:${pyStr(entryMtu)} provided.`);
    } else entry.mtu = iface.mtu;
  }
  if (addresses.length) entry.addresses = addresses;
  if (routes.length) entry.routes = routes;
  if (nameservers.length) entry.nameservers = { addresses: nameservers };
  if (search.length) entry.nameservers = { ...((entry.nameservers as Dict) ?? {}), search };
  if ('accept-ra' in iface && iface['accept-ra'] !== null && iface['accept-ra'] !== undefined) entry['accept-ra'] = isTrue(iface['accept-ra']);
}

function renderV1(ns: NetworkState, features: string[], warn: (m: string) => void): string {
  const ethernets: Dict = {};
  const bonds: Dict = {};
  const bridges: Dict = {};
  const vlans: Dict = {};
  for (const full of ns.interfaces.values()) {
    const name = full.name;
    // None-valued keys are dropped up front (False is kept)
    const iface: Dict = Object.fromEntries(Object.entries(full).filter(([, v]) => v !== null && v !== undefined));
    if (iface.type === 'physical') {
      const eth: Dict = { 'set-name': name, match: iface.match ?? null };
      if (eth.match === null) {
        if (iface.mac_address !== undefined) eth.match = { macaddress: String(iface.mac_address).toLowerCase() };
        else {
          delete eth.match;
          delete eth['set-name'];
        }
      }
      addAddressing(iface, eth, features, warn);
      ethernets[name] = eth;
    } else if (iface.type === 'bond') {
      const bond: Dict = {};
      const params: Dict = {};
      for (const prefix of ['bond_', 'bond-']) {
        for (const [k, v] of Object.entries(iface)) {
          if (!k.startsWith(prefix)) continue;
          const v2 = BOND_V1_TO_V2[k.replace(/_/g, '-')];
          if (v2 !== undefined) params[v2] = v;
        }
      }
      if (Object.keys(params).length) bond.parameters = params;
      if (iface.mac_address) bond.macaddress = String(iface.mac_address).toLowerCase();
      if (iface['bond-slaves'] === 'none') {
        const members = [...ns.interfaces.values()].filter((i) => i['bond-master'] === name).map((i) => i.name).sort();
        if (members.length) bond.interfaces = members;
      }
      addAddressing(iface, bond, features, warn);
      bonds[name] = bond;
    } else if (iface.type === 'bridge') {
      const bridge: Dict = { interfaces: [...((iface.bridge_ports as string[]) ?? [])].sort() };
      const params: Dict = {};
      for (const [k, v] of Object.entries(iface)) {
        if (!k.startsWith('bridge_')) continue;
        const v2 = BRIDGE_V1_TO_V2[k];
        if (!v2) continue;
        params[v2] = v;
        if (v2 === 'path-cost' || v2 === 'port-priority') {
          // "<port> <value>" lines → {port: value}
          const byPort: Dict = {};
          for (const line of v as string[]) {
            const [port, val] = String(line).split(/\s+/);
            byPort[port!] = Number.parseInt(val!, 10);
          }
          params[v2] = byPort;
        }
      }
      if (Object.keys(params).length) bridge.parameters = params;
      if (iface.mac_address) bridge.macaddress = String(iface.mac_address).toLowerCase();
      addAddressing(iface, bridge, features, warn);
      bridges[name] = bridge;
    } else if (iface.type === 'vlan') {
      const vlan: Dict = { id: iface.vlan_id ?? null, link: iface['vlan-raw-device'] ?? null };
      if (iface.mac_address !== undefined) vlan.macaddress = String(iface.mac_address).toLowerCase();
      addAddressing(iface, vlan, features, warn);
      vlans[name] = vlan;
    }
  }
  // global DNS goes on every device that has addresses and no DNS of its own
  if (ns.dns.nameservers.length || ns.dns.search.length) {
    const global = { addresses: ns.dns.nameservers, search: ns.dns.search };
    for (const section of [ethernets, bonds, bridges, vlans]) {
      for (const dev of Object.values(section) as Dict[]) {
        if ('nameservers' in dev || !('addresses' in dev)) continue;
        dev.nameservers = global;
      }
    }
  }
  let out = 'network:\n    version: 2\n';
  for (const [key, section] of [['ethernets', ethernets], ['bonds', bonds], ['bridges', bridges], ['vlans', vlans]] as const) {
    if (!Object.keys(section).length) continue;
    // textwrap.indent: every line that is not blank
    out += pyyamlDump({ [key]: section }, { noAlias: true }).split('\n').map((l) => (l.trim() ? '    ' + l : l)).join('\n');
  }
  return out;
}

export function renderNetplanContent(ns: NetworkState, features: string[], warn: (m: string) => void): string {
  if (ns.version === 2 && ns.v2Config) return pyyamlDump({ network: ns.v2Config });
  return renderV1(ns, features, warn);
}

export const netplanRenderer: Renderer<'netplan'> = {
  name: 'netplan',
  reads: () => ['etc/netplan/00-snapd-config.yaml'],
  render(ns: NetworkState, cfg: Cfg, ctx: RenderContext): RenderResult {
    let header = cfg.netplanHeader ?? '';
    if (!header.endsWith('\n')) header += '\n';
    const content = header + renderNetplanContent(ns, cfg.features ?? [], ctx.warn);
    const remove: string[] = [];
    // the snapd default matches every NIC by name and would fight the rendered config
    if (cfg.cleanDefault !== false && ctx.existing('etc/netplan/00-snapd-config.yaml') === KNOWN_SNAPD_CONFIG) {
      remove.push('etc/netplan/00-snapd-config.yaml', 'run/systemd/network/10-netplan-all-en.network',
        'run/systemd/network/10-netplan-all-eth.network', 'run/systemd/generator/netplan.stamp');
    }
    return { files: [{ path: rel(cfg.netplanPath ?? 'etc/netplan/50-cloud-init.yaml'), content, mode: 0o644 }], remove };
  },
};
