// systemd-networkd: /etc/systemd/network/10-cloud-init-<dev>.network per device, sections and keys
// sorted as cloud-init 22.4 writes them; unlike 22.4, also the .netdev files that create bonds,
// VLANs and bridges (with Bond=/VLAN=/Bridge= on their members), and .link files that pin each NIC's
// name to its MAC (what the udev rules file does for eni and sysconfig).
import { bondOption, type Iface, type NetworkState, type Route } from '../model.js';
import { pyStr } from '../pyfmt.js';
import { rel, type RenderContext, type Renderer, type RendererConfigs, type RenderResult } from '../renderer.js';
import { NetworkConfigError } from '../model.js';
import { isTrue } from '../from-v1.js';

type Cfg = NonNullable<RendererConfigs['networkd']>;
type Dict = Record<string, unknown>;

const SECTIONS = ['Match', 'Link', 'Network', 'DHCPv4', 'DHCPv6', 'Address', 'Bridge'] as const;

/** One .network file: key=value lines per section (deduplicated, sorted), routes by id. */
class UnitFile {
  private readonly sections = new Map<string, string[]>(SECTIONS.map((s) => [s, []]));
  private readonly routes = new Map<string, string[]>();

  set(section: string, key: string, value: unknown): void {
    const list = this.sections.get(section);
    if (!list) return;
    const line = `${key}=${pyStr(value)}`;
    if (!list.includes(line)) list.push(line);
    list.sort();
  }

  route(id: string, key: string, value: unknown): void {
    const list = this.routes.get(id) ?? [];
    const line = `${key}=${pyStr(value)}`;
    if (!list.includes(line)) list.push(line);
    list.sort();
    this.routes.set(id, list);
  }

  toString(): string {
    let out = '';
    const names = [...this.sections.keys(), 'Route'].sort();
    for (const name of names) {
      if (name === 'Route') {
        // 22.4 puts a blank line after every key of a [Route] section
        for (const id of [...this.routes.keys()].sort()) {
          out += '[Route]\n';
          for (const line of this.routes.get(id)!) out += `${line}\n\n`;
        }
      } else if (name === 'Address') {
        for (const line of [...this.sections.get(name)!].sort()) out += `[Address]\n${line}\n\n`;
      } else {
        const lines = this.sections.get(name)!;
        if (!lines.length) continue;
        out += `[${name}]\n${lines.join('\n')}\n\n`;
      }
    }
    return out;
  }
}

function addRoute(f: UnitFile, id: string, route: Route): void {
  const prefix = 'prefix' in route ? `/${pyStr(route.prefix)}` : '';
  for (const [k, v] of Object.entries(route)) {
    if (k === 'gateway') f.route(id, 'Gateway', v);
    else if (k === 'network') f.route(id, 'Destination', `${pyStr(v)}${prefix}`);
    else if (k === 'metric') f.route(id, 'Metric', v);
  }
}

/** [Network] DHCP=, addresses, per-subnet gateways and DNS; returns the DHCP mode. */
function addSubnets(iface: Iface, f: UnitFile): string {
  let dhcp = 'no';
  let rid = 0;
  for (const s of iface.subnets ?? []) {
    const t = s.type;
    if (t === 'dhcp4' || t === 'dhcp') dhcp = dhcp === 'no' ? 'ipv4' : dhcp === 'ipv6' ? 'yes' : dhcp;
    else if (t === 'dhcp6') dhcp = dhcp === 'no' ? 'ipv6' : dhcp === 'ipv4' ? 'yes' : dhcp;
    for (const r of s.routes ?? []) addRoute(f, `r${rid++}`, r);
    if ('address' in s) {
      for (const [k, v] of Object.entries(s)) {
        if (k === 'address') f.set('Address', 'Address', 'prefix' in s ? `${pyStr(v)}/${pyStr(s.prefix)}` : v);
        else if (k === 'gateway') f.route(`a${rid++}`, 'Gateway', v);
        else if (k === 'dns_nameservers') f.set('Network', 'DNS', (v as unknown[]).map(pyStr).join(' '));
        else if (k === 'dns_search') f.set('Network', 'Domains', (v as unknown[]).map(pyStr).join(' '));
      }
    }
  }
  f.set('Network', 'DHCP', dhcp);
  if ((dhcp === 'ipv6' || dhcp === 'yes') && typeof iface['accept-ra'] === 'boolean') f.set('Network', 'IPv6AcceptRA', iface['accept-ra']);
  return dhcp;
}

function addDns(iface: Iface, f: UnitFile, ns: NetworkState): void {
  let dns: Dict | undefined = iface.dns as Dict | undefined;
  const empty = !dns || Object.keys(dns).length === 0;
  if (empty && ns.version === 1) dns = { search: ns.dns.search, nameservers: ns.dns.nameservers };
  else if (empty) return;
  for (const [k, key] of [['search', 'Domains'], ['nameservers', 'DNS'], ['addresses', 'DNS']] as const) {
    const v = dns![k];
    if (Array.isArray(v) ? v.length : v) f.set('Network', key, (v as unknown[]).map(pyStr).join(' '));
  }
}

const DHCP_OVERRIDES: Array<[string, string, '4' | '46']> = [
  ['UseDNS', 'use-dns', '46'], ['UseDomains', 'use-domains', '46'], ['UseHostname', 'use-hostname', '46'], ['UseNTP', 'use-ntp', '46'],
  ['SendHostname', 'send-hostname', '4'], ['Hostname', 'hostname', '4'], ['RouteMetric', 'route-metric', '4'],
  ['UseMTU', 'use-mtu', '4'], ['UseRoutes', 'use-routes', '4'],
];

/** v2 only: dhcp4-overrides / dhcp6-overrides of the device the interface came from. */
function addDhcpOverrides(iface: Iface, f: UnitFile, ns: NetworkState, dhcp: string): void {
  const ethernets = ((ns.v2Config ?? {}).ethernets ?? {}) as Record<string, Dict>;
  let name = iface.name;
  for (const [dev, cfg] of Object.entries(ethernets)) {
    if (cfg && 'set-name' in cfg && cfg['set-name'] === name) {
      name = dev;
      break;
    }
  }
  const device = Object.hasOwn(ethernets, name) ? ethernets[name] : undefined;
  if (!device) return;
  for (const v of ['4', '6'] as const) {
    const item = `dhcp${v}domain`;
    if (item in device) {
      // anything but a true-ish value (even 'route') ends up as "no" in 22.4
      const val = isTrue(pyStr(device[item]).toLowerCase()) ? 'yes' : 'no';
      f.set(`DHCPv${v}`, 'UseDomains', val);
    }
  }
  for (const v of ['4', '6'] as const) {
    const overrides = device[`dhcp${v}-overrides`] as Dict | undefined;
    if (`dhcp${v}domain` in device && overrides && 'use-domains' in overrides) {
      throw new NetworkConfigError(`${name} has both dhcp${v}domain and dhcp${v}-overrides.use-domains configured. Use one`);
    }
    if (!overrides || !(dhcp === 'yes' || dhcp === `ipv${v}`)) continue;
    for (const [key, ov, which] of DHCP_OVERRIDES) {
      if (which === '4' && v === '6') continue;
      if (ov in overrides) f.set(`DHCPv${v}`, key, overrides[ov]);
    }
  }
}

const VIRTUAL = ['bond', 'vlan', 'bridge'];

export function renderNetworkdFiles(ns: NetworkState): Map<string, string> {
  const out = new Map<string, string>();
  const ifaces = [...ns.interfaces.values()];
  for (const iface of ifaces) {
    const f = new UnitFile();
    for (const [k, key] of [['name', 'Name'], ['driver', 'Driver'], ['mac_address', 'MACAddress']] as const) {
      // a bond, VLAN or bridge borrows a member's MAC, which can change: match those by name only
      if (k === 'mac_address' && VIRTUAL.includes(iface.type)) continue;
      const v = iface[k];
      if (v !== undefined && v !== null && v !== '' && v !== false && v !== 0) f.set('Match', key, v);
    }
    if (iface.mtu) f.set('Link', 'MTUBytes', iface.mtu);
    const dhcp = addSubnets(iface, f);
    addDns(iface, f, ns);
    ns.routes.forEach((r, i) => addRoute(f, `c${i}`, r));
    if (ns.version === 2) addDhcpOverrides(iface, f, ns, dhcp);
    addMembership(iface, ifaces, f);
    out.set(`${iface.name}.network`, f.toString());
    const netdev = renderNetdev(iface);
    if (netdev) out.set(`${iface.name}.netdev`, netdev);
    if (iface.type === 'physical' && iface.mac_address) out.set(`${iface.name}.link`, renderLink(iface));
  }
  return out;
}

/** Bond=, VLAN=, Bridge= (and a bridge port's cost and priority) on the devices that carry others. */
function addMembership(iface: Iface, ifaces: Iface[], f: UnitFile): void {
  const master = iface['bond-master'];
  if (master) {
    f.set('Network', 'Bond', master);
    const bond = ifaces.find((i) => i.name === master);
    if (bond && bondOption(bond, 'primary') === iface.name) f.set('Network', 'PrimarySlave', 'yes');
  }
  for (const v of ifaces) if (v.type === 'vlan' && v['vlan-raw-device'] === iface.name) f.set('Network', 'VLAN', v.name);
  for (const br of ifaces) {
    if (br.type !== 'bridge' || !(br.bridge_ports ?? []).includes(iface.name)) continue;
    f.set('Network', 'Bridge', br.name);
    for (const [param, key] of [['bridge_pathcost', 'Cost'], ['bridge_portprio', 'Priority']] as const) {
      for (const line of (Array.isArray(br[param]) ? br[param] : []) as unknown[]) {
        const [port, value] = pyStr(line).split(/\s+/);
        if (port === iface.name && value !== undefined) f.set('Bridge', key, value);
      }
    }
  }
}

const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];
const ms = (v: unknown) => `${pyStr(v)}ms`;
// kernel bonding option → networkd [Bond] key (time options are milliseconds in the kernel's terms)
const BOND_KEYS: Array<[string, string, (v: unknown) => string]> = [
  ['mode', 'Mode', (v) => (/^[0-6]$/.test(pyStr(v)) ? BOND_MODES[Number(v)]! : pyStr(v))],
  ['xmit_hash_policy', 'TransmitHashPolicy', pyStr],
  ['lacp_rate', 'LACPTransmitRate', (v) => ({ '0': 'slow', '1': 'fast' })[pyStr(v)] ?? pyStr(v)],
  ['miimon', 'MIIMonitorSec', ms],
  ['updelay', 'UpDelaySec', ms],
  ['downdelay', 'DownDelaySec', ms],
  ['ad_select', 'AdSelect', pyStr],
  ['fail_over_mac', 'FailOverMACPolicy', pyStr],
  ['arp_interval', 'ARPIntervalSec', ms],
  ['arp_ip_target', 'ARPIPTargets', (v) => (Array.isArray(v) ? v.map(pyStr).join(' ') : pyStr(v).replace(/,/g, ' '))],
  ['arp_validate', 'ARPValidate', pyStr],
  ['num_grat_arp', 'GratuitousARP', pyStr],
  ['primary_reselect', 'PrimaryReselectPolicy', pyStr],
  ['min_links', 'MinLinks', pyStr],
];
const BRIDGE_KEYS: Array<[string, string, (v: unknown) => string]> = [
  ['bridge_stp', 'STP', (v) => (v === true || isTrue(v) ? 'yes' : 'no')],
  ['bridge_fd', 'ForwardDelaySec', pyStr],
  ['bridge_hello', 'HelloTimeSec', pyStr],
  ['bridge_maxage', 'MaxAgeSec', pyStr],
  ['bridge_ageing', 'AgeingTimeSec', pyStr],
  ['bridge_bridgeprio', 'Priority', pyStr],
];

/** The .netdev that creates a bond, VLAN or bridge; undefined for NICs. */
function renderNetdev(iface: Iface): string | undefined {
  if (!VIRTUAL.includes(iface.type)) return undefined;
  const kind = iface.type;
  let out = `[NetDev]\nName=${iface.name}\nKind=${kind}\n`;
  if (iface.mac_address) out += `MACAddress=${pyStr(iface.mac_address).toLowerCase()}\n`;
  const lines: string[] = [];
  if (kind === 'bond') {
    for (const [opt, key, conv] of BOND_KEYS) {
      const v = bondOption(iface, opt);
      if (v !== undefined && v !== '') lines.push(`${key}=${conv(v)}`);
    }
  } else if (kind === 'vlan') {
    lines.push(`Id=${pyStr(iface.vlan_id)}`);
  } else {
    for (const [param, key, conv] of BRIDGE_KEYS) {
      if (iface[param] !== undefined && iface[param] !== null) lines.push(`${key}=${conv(iface[param])}`);
    }
  }
  const section = kind === 'bond' ? 'Bond' : kind === 'vlan' ? 'VLAN' : 'Bridge';
  if (lines.length) out += `\n[${section}]\n${lines.join('\n')}\n`;
  return out;
}

/** Names the NIC with this MAC when udev adds it (the networkd-native udev rule). */
function renderLink(iface: Iface): string {
  let out = `[Match]\nMACAddress=${pyStr(iface.mac_address).toLowerCase()}\n`;
  if (iface.driver) out += `Driver=${pyStr(iface.driver)}\n`;
  return `${out}\n[Link]\nName=${iface.name}\n`;
}

export const networkdRenderer: Renderer<'networkd'> = {
  name: 'networkd',
  reads: () => [],
  render(ns: NetworkState, cfg: Cfg, _ctx: RenderContext): RenderResult {
    const dir = rel(cfg.networkConfDir ?? '/etc/systemd/network/');
    const files = [...renderNetworkdFiles(ns)].map(([file, content]) => ({
      path: `${dir}10-cloud-init-${file}`, content, mode: 0o644, owner: 'systemd-network',
    }));
    return { files, remove: [] };
  },
};
