// ifupdown's /etc/network/interfaces(.d) format, plus the udev rules that pin NIC names to MACs.
// Global DNS goes on `lo` (the one interface that is always up), devices are written loopback,
// physical, infiniband, bond, bridge, vlan (members before masters), one stanza per subnet.
import { NetworkConfigError, subnetIsIpv6, type Iface, type NetworkState, type Route, type Subnet } from '../model.js';
import { pyStr } from '../pyfmt.js';
import { rel, type RenderContext, type Renderer, type RendererConfigs, type RenderResult } from '../renderer.js';
import { udevRules } from './udev.js';

type Cfg = NonNullable<RendererConfigs['eni']>;

const SUBNET_KEYS = ['address', 'netmask', 'broadcast', 'metric', 'gateway', 'pointopoint', 'mtu', 'scope', 'dns_search', 'dns_nameservers'];
const IGNORED_ATTRS = ['control', 'device_id', 'driver', 'index', 'inet', 'mode', 'name', 'subnets', 'type'];
const REPEATED_ATTRS = ['bridge_pathcost', 'bridge_portprio', 'bridge_waitport'];
const TYPE_ORDER: Record<string, number> = { loopback: 0, physical: 1, infiniband: 2, bond: 3, bridge: 4, vlan: 5 };

const fmtValue = (v: unknown): string => (Array.isArray(v) ? v.map(pyStr).join(' ') : pyStr(v));

function subnetLines(subnet: Subnet): string[] {
  const out: string[] = [];
  for (const [key, raw] of Object.entries(subnet)) {
    if (key === 'netmask') continue;
    if (key === 'address' && !('prefix' in subnet)) {
      // only static subnets get a prefix: an address on another kind is refused, as 22.4 does
      throw new NetworkConfigError(`subnet of type ${pyStr(subnet.type)} has an address (${pyStr(subnet.address)}) but no prefix`);
    }
    const value = key === 'address' ? `${pyStr(subnet.address)}/${pyStr(subnet.prefix)}` : raw;
    if (!isTruthyValue(value) || !SUBNET_KEYS.includes(key)) continue;
    out.push(`    ${key.replace(/_/g, '-')} ${fmtValue(value)}`);
  }
  return out.sort();
}

function isTruthyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Device-level options; only on a device's first stanza (the others are address aliases). */
function attrLines(iface: Record<string, unknown>, index: number, ipv4SubnetMtu: unknown, warn: (m: string) => void): string[] {
  if (index !== 0) return [];
  const ignore = [...IGNORED_ATTRS];
  if (!['bond', 'bridge', 'infiniband', 'vlan'].includes(iface.type as string)) ignore.push('mac_address');
  const out: string[] = [];
  for (const [key, raw] of Object.entries(iface)) {
    const value = typeof raw === 'boolean' ? (raw ? 'on' : 'off') : raw;
    if (!isTruthyValue(value) || ignore.includes(key)) continue;
    const name = key === 'mac_address' ? 'hwaddress' : key;
    if (key === 'mtu' && isTruthyValue(ipv4SubnetMtu)) {
      if (value !== ipv4SubnetMtu) {
        warn(`Network config: ignoring ${pyStr(iface.name)} device-level mtu:${pyStr(value)} because ipv4 subnet-level mtu:${pyStr(ipv4SubnetMtu)} provided.`);
      }
      continue;
    }
    if (REPEATED_ATTRS.includes(key) && Array.isArray(value)) {
      for (const v of value) out.push(`    ${name} ${pyStr(v)}`);
      continue;
    }
    out.push(`    ${name} ${fmtValue(value)}`);
  }
  return out.sort();
}

/** `dev` names the device of an on-link route (no gateway); 22.4 raises on those. */
function routeLines(route: Route, indent: string, dev?: string): string[] {
  let defaultGw = '';
  if (route.network === '0.0.0.0' && route.netmask === '0.0.0.0') defaultGw = ' default';
  else if (route.network === '::' && route.prefix === 0) defaultGw = ' -A inet6 default';
  let line = '';
  if (!defaultGw) {
    if (String(route.network).includes(':')) line += ' -A inet6';
    else if (route.prefix === 32) line += ' -host';
    else line += ' -net';
    line += ` ${route.network}/${route.prefix}`;
  }
  if ('gateway' in route) line += `${defaultGw} gw ${pyStr(route.gateway)}`;
  else if (dev !== undefined) line += `${defaultGw} dev ${dev}`;
  else throw new NetworkConfigError(`route ${route.network}/${route.prefix} has neither a gateway nor a device`);
  if ('metric' in route) line += ` metric ${pyStr(route.metric)}`;
  return [`${indent}post-up route add${line} || true`, `${indent}pre-down route del${line} || true`];
}

function ifaceSections(src: Iface, warn: (m: string) => void): string[][] {
  // per-stanza state lives on a copy: control, index, mode and inet change from stanza to stanza
  const iface: Record<string, unknown> = { ...src };
  const sections: string[][] = [];
  const subnets = (iface.subnets ?? []) as Subnet[];
  const acceptRa = iface['accept-ra'];
  delete iface['accept-ra'];
  const wol = iface.wakeonlan;
  delete iface.wakeonlan;
  if (wol) iface['ethernet-wol'] = 'g';
  if (subnets.length === 0) {
    const lines: string[] = [];
    if ('bond-master' in iface || 'bond-slaves' in iface) lines.push(`auto ${pyStr(iface.name)}`);
    lines.push(`iface ${pyStr(iface.name)} ${pyStr(iface.inet)} ${pyStr(iface.mode)}`);
    lines.push(...attrLines(iface, 0, undefined, warn));
    return [lines];
  }
  subnets.forEach((subnet, index) => {
    let ipv4SubnetMtu: unknown;
    iface.index = index;
    iface.mode = subnet.type;
    iface.control = subnet.control ?? 'auto';
    const v6 = subnetIsIpv6(subnet);
    if (!v6) ipv4SubnetMtu = subnet.mtu;
    iface.inet = v6 ? 'inet6' : 'inet';
    const t = subnet.type;
    if (t === 'dhcp4' || t === 'dhcp6' || t === 'ipv6_dhcpv6-stateful') {
      iface.mode = 'dhcp';
      if (acceptRa !== null && acceptRa !== undefined) iface.accept_ra = acceptRa ? '1' : '0';
    } else if (t === 'ipv6_dhcpv6-stateless' || t === 'ipv6_slaac') {
      iface.mode = 'auto';
      iface.dhcp = t === 'ipv6_slaac' ? '0' : '1'; // stateless DHCPv6 for the extra options
    } else if (v6) {
      iface.mode = 'static';
      if (acceptRa !== null && acceptRa !== undefined) iface.accept_ra = acceptRa ? '1' : '0';
    }
    // ifupdown refuses a second `auto NAME` line: later stanzas are marked as aliases
    if (sections.some((s) => s.includes(`auto ${pyStr(iface.name)}`))) iface.control = 'alias';
    const control = String(iface.control);
    const verb = control === 'auto' ? 'auto' : control === 'hotplug' ? 'allow-hotplug' : `# control-${control}`;
    const lines = [
      `${verb} ${pyStr(iface.name)}`,
      `iface ${pyStr(iface.name)} ${pyStr(iface.inet)} ${pyStr(iface.mode)}`,
      ...subnetLines(subnet),
      ...attrLines(iface, index, ipv4SubnetMtu, warn),
    ];
    for (const route of subnet.routes ?? []) lines.push(...routeLines(route, '    ', pyStr(iface.name)));
    sections.push(lines);
  });
  return sections;
}

export function renderInterfaces(ns: NetworkState, warn: (m: string) => void): string {
  let lo: Iface = { name: 'lo', type: 'physical', inet: 'inet', subnets: [{ type: 'loopback', control: 'auto', routes: [] }] };
  const declaredLo = ns.interfaces.get('lo');
  if (declaredLo) lo = structuredClone(declaredLo);
  else delete (lo.subnets[0] as Partial<Subnet>).routes;
  if (ns.dns.nameservers.length && lo.subnets[0]) lo.subnets[0].dns_nameservers = ns.dns.nameservers.join(' ') as unknown as string[];
  if (ns.dns.search.length && lo.subnets[0]) lo.subnets[0].dns_search = ns.dns.search.join(' ') as unknown as string[];
  const sections: string[][] = [...ifaceSections(lo, warn)];
  const order = (i: Iface): number => {
    const o = TYPE_ORDER[i.type];
    if (o === undefined) throw new Error(`the eni renderer cannot order interface ${i.name} of type ${pyStr(i.type)}`);
    return o;
  };
  const sorted = [...ns.interfaces.values()].sort((a, b) => order(a) - order(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const iface of sorted) {
    if (iface.name === 'lo') continue;
    sections.push(...ifaceSections(iface, warn));
  }
  for (const route of ns.routes) sections.push(routeLines(route, ''));
  return sections.map((s) => s.join('\n')).join('\n\n') + '\n';
}

export const eniRenderer: Renderer<'eni'> = {
  name: 'eni',
  reads: () => [],
  render(ns: NetworkState, cfg: Cfg, ctx: RenderContext): RenderResult {
    const files = [{ path: rel(cfg.eniPath ?? 'etc/network/interfaces'), content: (cfg.eniHeader ?? '') + renderInterfaces(ns, ctx.warn), mode: 0o644 }];
    const rules = cfg.netrulesPath === undefined ? 'etc/udev/rules.d/70-persistent-net.rules' : cfg.netrulesPath;
    if (rules) files.push({ path: rel(rules), content: udevRules(ns), mode: 0o644 });
    return { files, remove: [] };
  },
};
