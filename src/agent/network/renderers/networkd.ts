// systemd-networkd: /etc/systemd/network/10-cloud-init-<dev>.network per device, sections and keys
// sorted as cloud-init 22.4 writes them.
import type { Iface, NetworkState, Route } from '../model.js';
import { pyStr } from '../pyfmt.js';
import { rel, type RenderContext, type Renderer, type RendererConfigs, type RenderResult } from '../renderer.js';
import { NetworkConfigError } from '../model.js';
import { isTrue } from '../from-v1.js';

type Cfg = NonNullable<RendererConfigs['networkd']>;
type Dict = Record<string, unknown>;

const SECTIONS = ['Match', 'Link', 'Network', 'DHCPv4', 'DHCPv6', 'Address'] as const;

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

export function renderNetworkdFiles(ns: NetworkState): Map<string, string> {
  const out = new Map<string, string>();
  for (const iface of ns.interfaces.values()) {
    const f = new UnitFile();
    for (const [k, key] of [['name', 'Name'], ['driver', 'Driver'], ['mac_address', 'MACAddress']] as const) {
      const v = iface[k];
      if (v !== undefined && v !== null && v !== '' && v !== false && v !== 0) f.set('Match', key, v);
    }
    if (iface.mtu) f.set('Link', 'MTUBytes', iface.mtu);
    const dhcp = addSubnets(iface, f);
    addDns(iface, f, ns);
    ns.routes.forEach((r, i) => addRoute(f, `c${i}`, r));
    if (ns.version === 2) addDhcpOverrides(iface, f, ns, dhcp);
    out.set(iface.name, f.toString());
  }
  return out;
}

export const networkdRenderer: Renderer<'networkd'> = {
  name: 'networkd',
  reads: () => [],
  render(ns: NetworkState, cfg: Cfg, _ctx: RenderContext): RenderResult {
    const dir = rel(cfg.networkConfDir ?? '/etc/systemd/network/');
    const files = [...renderNetworkdFiles(ns)].map(([name, content]) => ({
      path: `${dir}10-cloud-init-${name}.network`, content, mode: 0o644, owner: 'systemd-network',
    }));
    return { files, remove: [] };
  },
};
