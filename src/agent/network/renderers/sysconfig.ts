// RHEL-style and SUSE-style /etc/sysconfig network scripts: one ifcfg-<dev> per device, route-<dev>
// and route6-<dev> for non-default routes, /etc/sysconfig/network, resolv.conf merged with the one
// present, a NetworkManager snippet that keeps NM away from resolv.conf, and udev name rules.
import { isIPv6Address, prefixToIPv4Mask } from '../ip.js';
import {
  hasDefaultRoute, IPV6_DYNAMIC_TYPES, isDefaultRoute, NetworkConfigError, subnetIsIpv6, type Iface, type NetworkState, type Subnet,
} from '../model.js';
import { pyStr } from '../pyfmt.js';
import { rel, type RenderContext, type Renderer, type RendererConfigs, type RenderResult } from '../renderer.js';
import { ResolvConf } from './resolv-conf.js';
import { udevRules } from './udev.js';

type Cfg = NonNullable<RendererConfigs['sysconfig']>;
type Flavor = 'rhel' | 'suse';

const header = (sep: string) => `${sep} Created by cloud-init on instance boot automatically, do not edit.\n${sep}`;

function quote(v: string): string {
  if (!/\s/.test(v)) return v;
  return v.startsWith('"') && v.endsWith('"') ? v : `"${v}"`;
}

const shellValue = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : pyStr(v));

/** An ordered KEY=value map written sorted by key, as the sysconfig files are. */
class ConfigMap {
  conf = new Map<string, unknown>();
  set(k: string, v: unknown): void {
    this.conf.set(k, v);
  }
  get(k: string): unknown {
    return this.conf.get(k);
  }
  has(k: string): boolean {
    return this.conf.has(k);
  }
  get size(): number {
    return this.conf.size;
  }
  protected skip(_k: string, _v: unknown): boolean {
    return false;
  }
  toString(): string {
    let out = header('#');
    if (this.conf.size) out += '\n';
    for (const k of [...this.conf.keys()].sort()) {
      const v = this.conf.get(k);
      if (this.skip(k, v)) continue;
      out += `${k}=${quote(shellValue(v))}\n`;
    }
    return out;
  }
}

class Routes extends ConfigMap {
  lastIdx = 1;
  hasDefault4 = false;
  hasDefault6 = false;

  render(proto: 'ipv4' | 'ipv6', dev: string): string {
    let out = header('#');
    if (this.conf.size) out += '\n';
    let reindex = -1;
    for (const key of [...this.conf.keys()].sort()) {
      if (!key.includes('ADDRESS')) continue;
      const idx = key.replace('ADDRESS', '');
      const addr = pyStr(this.conf.get(key));
      // an on-link route has no gateway (22.4 raises on those)
      const gw = this.conf.has(`GATEWAY${idx}`) ? pyStr(this.conf.get(`GATEWAY${idx}`)) : undefined;
      const v6 = addr.includes(':');
      if (proto === 'ipv4' && !v6) {
        reindex++;
        out += `ADDRESS${reindex}=${quote(addr)}\n`;
        if (gw !== undefined) out += `GATEWAY${reindex}=${quote(gw)}\n`;
        out += `NETMASK${reindex}=${quote(pyStr(this.conf.get(`NETMASK${idx}`)))}\n`;
        if (this.conf.has(`METRIC${idx}`)) out += `METRIC${reindex}=${quote(pyStr(this.conf.get(`METRIC${idx}`)))}\n`;
      } else if (proto === 'ipv6' && v6) {
        const metric = this.conf.has(`METRIC${idx}`) ? `metric ${pyStr(this.conf.get(`METRIC${idx}`))}` : '';
        out += `${addr}/${pyStr(this.conf.get(`PREFIX${idx}`))}${gw === undefined ? '' : ` via ${gw}`} ${metric} dev ${dev}\n`;
      }
    }
    return out;
  }
}

const IFACE_TYPES: Record<string, string> = { ethernet: 'Ethernet', bond: 'Bond', bridge: 'Bridge', infiniband: 'InfiniBand', vlan: 'Vlan' };

class IfCfg extends ConfigMap {
  readonly routes = new Routes();
  constructor(readonly name: string) {
    super();
    this.set('TYPE', 'Ethernet');
    this.set('DEVICE', name);
  }
  set kind(k: string) {
    this.set('TYPE', IFACE_TYPES[k]);
  }
  drop(k: string): void {
    this.conf.delete(k);
  }
  protected override skip(k: string, v: unknown): boolean {
    return k === 'TYPE' && v === 'Vlan';
  }
}

const DEFAULTS: Record<Flavor, Array<[string, unknown]>> = {
  rhel: [['ONBOOT', true], ['USERCTL', false], ['NM_CONTROLLED', false], ['BOOTPROTO', 'none']],
  suse: [['BOOTPROTO', 'static'], ['STARTMODE', 'auto']],
};
const KEY_MAPS: Record<Flavor, Record<string, string>> = {
  rhel: { 'accept-ra': 'IPV6_FORCE_ACCEPT_RA', bridge_stp: 'STP', bridge_ageing: 'AGEING', bridge_bridgeprio: 'PRIO', mac_address: 'HWADDR', mtu: 'MTU' },
  suse: { bridge_stp: 'BRIDGE_STP', bridge_ageing: 'BRIDGE_AGEINGTIME', bridge_bridgeprio: 'BRIDGE_PRIORITY', mac_address: 'LLADDR', mtu: 'MTU' },
};
// bonding options, in the order they are written into BONDING_OPTS
const BOND_OPTS: Array<[string, string]> = [
  ['bond_mode', 'mode'], ['bond_xmit_hash_policy', 'xmit_hash_policy'], ['bond_miimon', 'miimon'], ['bond_min_links', 'min_links'],
  ['bond_arp_interval', 'arp_interval'], ['bond_arp_ip_target', 'arp_ip_target'], ['bond_arp_validate', 'arp_validate'],
  ['bond_ad_select', 'ad_select'], ['bond_num_grat_arp', 'num_grat_arp'], ['bond_downdelay', 'downdelay'],
  ['bond_updelay', 'updelay'], ['bond_lacp_rate', 'lacp_rate'], ['bond_fail_over_mac', 'fail_over_mac'],
  ['bond_primary', 'primary'], ['bond_primary_reselect', 'primary_reselect'],
];

function renderShared(iface: Iface, cfg: IfCfg, flavor: Flavor): void {
  for (const [k, v] of DEFAULTS[flavor]) cfg.set(k, v);
  for (const old of ['mac_address', 'mtu', 'accept-ra']) {
    const v = iface[old];
    if (v === null || v === undefined) continue;
    // only NICs get HWADDR: a bond or VLAN takes its MAC from its members
    if (old === 'mac_address' && !['physical', 'infiniband'].includes(iface.type)) continue;
    const key = KEY_MAPS[flavor][old];
    if (key) cfg.set(key, v);
  }
  if (iface.wakeonlan && iface.type === 'physical') cfg.set('ETHTOOL_OPTS', 'wol g');
}

function renderSubnets(cfg: IfCfg, subnets: Subnet[], defaultRoute: boolean, flavor: Flavor, warn: (m: string) => void): void {
  if (flavor === 'suse') {
    cfg.set('BOOTPROTO', 'static');
    if (cfg.has('BRIDGE')) {
      cfg.set('BOOTPROTO', 'dhcp');
      cfg.drop('BRIDGE');
    }
  } else cfg.set('BOOTPROTO', 'none');
  const suseDhcp6 = (mode: string) => {
    cfg.set('BOOTPROTO', cfg.get('BOOTPROTO') === 'dhcp4' ? 'dhcp' : 'dhcp6');
    cfg.set('DHCLIENT6_MODE', mode);
  };
  for (const subnet of subnets) {
    let mtuKey = 'MTU';
    const t = subnet.type;
    if (t === 'dhcp6' || t === 'ipv6_dhcpv6-stateful') {
      if (flavor === 'suse') suseDhcp6('managed');
      else if (t === 'ipv6_dhcpv6-stateful') {
        cfg.set('BOOTPROTO', 'dhcp');
        cfg.set('DHCPV6C', true);
        cfg.set('IPV6INIT', true);
        cfg.set('IPV6_AUTOCONF', false);
      } else {
        cfg.set('IPV6INIT', true);
        cfg.set('DHCPV6C', true);
      }
    } else if (t === 'ipv6_dhcpv6-stateless') {
      if (flavor === 'suse') suseDhcp6('info');
      else {
        cfg.set('IPV6INIT', true);
        cfg.set('IPV6_AUTOCONF', true);
        cfg.set('DHCPV6C', true);
        cfg.set('DHCPV6C_OPTIONS', '-S'); // information-request only: options without an address
      }
    } else if (t === 'ipv6_slaac') {
      if (flavor === 'suse') suseDhcp6('info');
      else {
        cfg.set('IPV6INIT', true);
        cfg.set('IPV6_AUTOCONF', true);
      }
    } else if (t === 'dhcp4' || t === 'dhcp') {
      const before = cfg.get('BOOTPROTO');
      cfg.set('BOOTPROTO', 'dhcp');
      if (flavor === 'suse' && t === 'dhcp4' && before !== 'dhcp6') cfg.set('BOOTPROTO', 'dhcp4');
    } else if (t === 'static' || t === 'static6') {
      const v6 = subnetIsIpv6(subnet);
      if (v6 && flavor !== 'suse') {
        mtuKey = 'IPV6_MTU';
        cfg.set('IPV6INIT', true);
      }
      if ('mtu' in subnet) {
        if (cfg.has(mtuKey) && subnet.mtu !== cfg.get(mtuKey)) {
          warn(`Network config: ignoring ${cfg.name} device-level mtu:${pyStr(cfg.get(mtuKey))} because ipv4 subnet-level mtu:${pyStr(subnet.mtu)} provided.`);
        }
        if (!v6 || flavor !== 'suse') cfg.set(mtuKey, subnet.mtu);
      }
      if (v6 && flavor === 'rhel') {
        cfg.set('IPV6_FORCE_ACCEPT_RA', false);
        cfg.set('IPV6_AUTOCONF', false);
      }
    } else if (t === 'manual') {
      if (flavor !== 'suse') cfg.set('ONBOOT', cfg.has(mtuKey)); // up only to apply an MTU
    } else {
      throw new NetworkConfigError(`Unknown subnet type '${t}' found for interface '${cfg.name}'`);
    }
    if (subnet.control === 'manual') {
      if (flavor === 'suse') cfg.set('STARTMODE', 'manual');
      else cfg.set('ONBOOT', false);
    }
  }
  let v4 = -1;
  let v6 = -1;
  for (const subnet of subnets) {
    const t = subnet.type;
    if ('metric' in subnet && flavor !== 'suse') cfg.set('METRIC', subnet.metric);
    if (t === 'dhcp' || t === 'dhcp4') {
      // on SUSE this is the global DHCLIENT_SET_DEFAULT_ROUTE in /etc/sysconfig/network/dhcp
      if (flavor !== 'suse' && defaultRoute && cfg.get('BOOTPROTO') !== 'none') cfg.set('DHCLIENT_SET_DEFAULT_ROUTE', false);
      continue;
    }
    if (IPV6_DYNAMIC_TYPES.includes(t) || (t !== 'static' && t !== 'static6')) continue;
    if (subnetIsIpv6(subnet)) {
      v6++;
      const cidr = `${pyStr(subnet.address)}/${pyStr(subnet.prefix)}`;
      if (flavor === 'suse') cfg.set(v6 === 0 ? 'IPADDR6' : `IPADDR6_${v6}`, cidr);
      else if (v6 === 0) cfg.set('IPV6ADDR', cidr);
      else if (v6 === 1) cfg.set('IPV6ADDR_SECONDARIES', cidr);
      else cfg.set('IPV6ADDR_SECONDARIES', `${pyStr(cfg.get('IPV6ADDR_SECONDARIES'))} ${cidr}`);
    } else {
      v4++;
      const suffix = v4 === 0 ? '' : String(v4);
      cfg.set(`IPADDR${suffix}`, subnet.address);
      cfg.set(`NETMASK${suffix}`, prefixToIPv4Mask(Number(subnet.prefix)));
    }
    if ('gateway' in subnet && flavor !== 'suse') {
      cfg.set('DEFROUTE', true);
      cfg.set(isIPv6Address(subnet.gateway) ? 'IPV6_DEFAULTGW' : 'GATEWAY', subnet.gateway);
    }
    if ('dns_search' in subnet && flavor !== 'suse') cfg.set('DOMAIN', (subnet.dns_search ?? []).map(pyStr).join(' '));
    if ('dns_nameservers' in subnet && flavor !== 'suse') {
      // resolv.conf(5) reads at most 3
      (subnet.dns_nameservers ?? []).slice(0, 3).forEach((ns, i) => cfg.set(`DNS${i + 1}`, ns));
    }
  }
}

function renderSubnetRoutes(cfg: IfCfg, subnets: Subnet[], flavor: Flavor): void {
  if (flavor === 'suse') return; // SUSE routes live in ifroute-* files that 22.4 does not write
  const routes = cfg.routes;
  for (const subnet of subnets) {
    for (const route of subnet.routes ?? []) {
      const v6 = !!subnet.ipv6 || isIPv6Address('gateway' in route ? route.gateway : route.network);
      if (isDefaultRoute(route) && !IPV6_DYNAMIC_TYPES.includes(subnet.type)) {
        if ((subnet.ipv4 && routes.hasDefault4) || (subnet.ipv6 && routes.hasDefault6)) {
          throw new NetworkConfigError(`Duplicate declaration of default route found for interface '${cfg.name}'`);
        }
        // the device that owns the default route carries it as GATEWAY/IPV6_DEFAULTGW
        cfg.set('DEFROUTE', true);
        if (cfg.get('BOOTPROTO') === 'dhcp' || cfg.get('BOOTPROTO') === 'dhcp4') cfg.set('DHCLIENT_SET_DEFAULT_ROUTE', true);
        if (!('gateway' in route)) {
          // on-link default route: the device itself is the way out
        } else if (v6) {
          cfg.set('IPV6_DEFAULTGW', route.gateway);
          routes.hasDefault6 = true;
        } else {
          cfg.set('GATEWAY', route.gateway);
          routes.hasDefault4 = true;
        }
        if ('metric' in route) cfg.set('METRIC', route.metric);
      } else {
        for (const [old, key] of [['gateway', 'GATEWAY'], ['metric', 'METRIC'], ['prefix', 'PREFIX'], ['netmask', 'NETMASK'], ['network', 'ADDRESS']]) {
          if (old! in route) routes.set(`${key}${routes.lastIdx}`, route[old!]);
        }
        routes.lastIdx++;
      }
    }
  }
}

function renderBondingOpts(cfg: IfCfg, iface: Iface, flavor: Flavor): void {
  const opts: string[] = [];
  for (const [key, opt] of BOND_OPTS) {
    for (const k of [key, key.replace(/_/g, '-')]) {
      if (!(k in iface)) continue;
      const v = iface[k];
      opts.push(`${opt}=${Array.isArray(v) ? v.map(pyStr).join(' ') : pyStr(v)}`);
      break;
    }
  }
  if (opts.length) cfg.set(flavor === 'suse' ? 'BONDING_MODULE_OPTS' : 'BONDING_OPTS', opts.join(' '));
}

function rhelVlanNames(rdev: string, vid: number): string[] {
  const pad = String(vid).padStart(4, '0');
  return [`${rdev}${pad}`, `${rdev}${vid}`, `${rdev}.${pad}`, `${rdev}.${vid}`];
}

interface Templates { iface: string; route4: string; route6: string; base: string }

const fill = (tpl: string, base: string, name: string) => tpl.replace(/%\(base\)s/g, base).replace(/%\(name\)s/g, name);

export function renderSysconfigFiles(ns: NetworkState, flavor: Flavor, tpl: Templates, warn: (m: string) => void): Map<string, string> {
  const cfgs = new Map<string, IfCfg>();
  const ifaces = [...ns.interfaces.values()];
  const dflt = hasDefaultRoute(ns);
  for (const iface of ifaces) {
    if (iface.type === 'loopback') continue;
    const cfg = new IfCfg(iface.name);
    if (flavor === 'suse') {
      cfg.drop('DEVICE');
      cfg.drop('TYPE');
    }
    renderShared(iface, cfg, flavor);
    cfgs.set(iface.name, cfg);
  }
  const cfgOf = (name: string): IfCfg => {
    const c = cfgs.get(name);
    if (!c) throw new NetworkConfigError(`the sysconfig renderer has no device ${name}`);
    return c;
  };
  const addressing = (iface: Iface, cfg: IfCfg) => {
    renderSubnets(cfg, iface.subnets, dflt, flavor, warn);
    renderSubnetRoutes(cfg, iface.subnets, flavor);
  };
  for (const iface of ifaces.filter((i) => i.type === 'physical')) addressing(iface, cfgOf(iface.name));
  for (const iface of ifaces.filter((i) => i.type === 'bond')) {
    const cfg = cfgOf(iface.name);
    renderBondingOpts(cfg, iface, flavor);
    cfg.set('BONDING_MASTER', true);
    if (flavor !== 'suse') cfg.kind = 'bond';
    if (iface.mac_address) cfg.set(flavor === 'suse' ? 'LLADDR' : 'MACADDR', iface.mac_address);
    addressing(iface, cfg);
    const members = ifaces.filter((i) => i['bond-master'] && i['bond-master'] === iface.name).map((i) => i.name).sort();
    members.forEach((m, index) => {
      cfg.set(flavor === 'suse' ? `BONDING_SLAVE_${index}` : `BONDING_SLAVE${index}`, m);
      const mc = cfgOf(m);
      if (flavor === 'suse') {
        mc.set('BOOTPROTO', 'none');
        mc.set('STARTMODE', 'hotplug');
      } else {
        mc.set('MASTER', iface.name);
        mc.set('SLAVE', true);
      }
    });
  }
  for (const iface of ifaces.filter((i) => i.type === 'vlan')) {
    const cfg = cfgOf(iface.name);
    if (flavor === 'suse') {
      if (iface.vlan_id) cfg.set('VLAN_ID', iface.vlan_id);
      const dot = iface.name.lastIndexOf('.');
      cfg.set('ETHERDEVICE', iface.name.slice(0, dot >= 0 ? dot : -1));
    } else {
      cfg.set('VLAN', true);
      cfg.kind = 'vlan';
      const rdev = String(iface['vlan-raw-device']);
      const supported = rhelVlanNames(rdev, Number(iface.vlan_id));
      if (!supported.includes(iface.name)) {
        warn(`Name '${iface.name}' for vlan '${rdev}' is not officially supported by RHEL. Supported: ${supported.join(' ')}`);
      }
      cfg.set('PHYSDEV', rdev);
    }
    addressing(iface, cfg);
  }
  const bridgeKeys = Object.entries(KEY_MAPS[flavor]).filter(([k]) => k.startsWith('bridge'));
  for (const iface of ifaces.filter((i) => i.type === 'bridge')) {
    const cfg = cfgOf(iface.name);
    if (flavor !== 'suse') cfg.kind = 'bridge';
    for (const [old, key] of bridgeKeys) if (old in iface) cfg.set(key, iface[old]);
    if (flavor === 'suse' && cfg.has('BRIDGE_STP')) cfg.set('BRIDGE_STP', cfg.get('BRIDGE_STP') ? 'on' : 'off');
    if (iface.mac_address) cfg.set(flavor === 'suse' ? 'LLADDRESS' : 'MACADDR', iface.mac_address);
    const ports = iface.bridge_ports ?? [];
    if (flavor === 'suse' && ports.length) cfg.set('BRIDGE_PORTS', ports.join(' '));
    for (const port of ports) cfgOf(port).set('BRIDGE', flavor === 'suse' ? 'yes' : iface.name);
    addressing(iface, cfg);
  }
  for (const iface of ifaces.filter((i) => i.type === 'infiniband')) {
    const cfg = cfgOf(iface.name);
    cfg.kind = 'infiniband';
    addressing(iface, cfg);
  }
  const files = new Map<string, string>();
  for (const [name, cfg] of cfgs) {
    if (cfg.size) files.set(fill(tpl.iface, tpl.base, name), cfg.toString());
    if (cfg.routes.size) {
      for (const [path, proto] of [[fill(tpl.route4, tpl.base, name), 'ipv4'], [fill(tpl.route6, tpl.base, name), 'ipv6']] as const) {
        if (!files.has(path)) files.set(path, cfg.routes.render(proto, name));
      }
    }
  }
  return files;
}

export function renderResolvConf(ns: NetworkState, existing: string | undefined, warn: (m: string) => void): string | undefined {
  if (!ns.dns.nameservers.length && !ns.dns.search.length) return undefined;
  const rc = new ResolvConf(existing ?? '', warn);
  for (const n of ns.dns.nameservers) rc.addNameserver(pyStr(n));
  for (const s of ns.dns.search) rc.addSearchDomain(pyStr(s));
  const text = rc.toString();
  const h = header(';');
  return text.startsWith(h) ? text : `${h}\n${text}`;
}

export const sysconfigRenderer: Renderer<'sysconfig'> = {
  name: 'sysconfig',
  reads: (cfg) => (cfg.dnsPath === null ? [] : [rel(cfg.dnsPath ?? 'etc/resolv.conf')]),
  render(ns: NetworkState, cfg: Cfg, ctx: RenderContext): RenderResult {
    const flavor = cfg.flavor ?? 'rhel';
    const base = rel(cfg.sysconfDir ?? 'etc/sysconfig');
    if (!cfg.ifaceTemplate || !cfg.routeTemplates || !cfg.control) {
      throw new NetworkConfigError('this distro has no sysconfig layout (ifcfg and route file templates)');
    }
    const files: RenderResult['files'] = [];
    const tpl = { iface: cfg.ifaceTemplate, route4: cfg.routeTemplates.ipv4, route6: cfg.routeTemplates.ipv6, base };
    for (const [path, content] of renderSysconfigFiles(ns, flavor, tpl, ctx.warn)) files.push({ path, content, mode: 0o644 });
    const dnsPath = cfg.dnsPath === undefined ? 'etc/resolv.conf' : cfg.dnsPath;
    if (dnsPath) {
      const resolv = renderResolvConf(ns, ctx.existing(rel(dnsPath)), ctx.warn);
      if (resolv) files.push({ path: rel(dnsPath), content: resolv, mode: 0o644 });
    }
    const nmPath = cfg.nmConfPath === undefined ? 'etc/NetworkManager/conf.d/99-cloud-init.conf' : cfg.nmConfPath;
    // with static DNS, NetworkManager must not rewrite resolv.conf
    if (nmPath && ns.dns.nameservers.length) files.push({ path: rel(nmPath), content: `${header('#')}\n[main]\ndns = none\n`, mode: 0o644 });
    const rules = cfg.netrulesPath === undefined ? 'etc/udev/rules.d/70-persistent-net.rules' : cfg.netrulesPath;
    if (rules) files.push({ path: rel(rules), content: udevRules(ns), mode: 0o644 });
    const control = rel(cfg.control);
    if (control.endsWith('network')) {
      const lines = [header('#'), 'NETWORKING=yes'];
      if (ns.useIpv6) lines.push('NETWORKING_IPV6=yes', 'IPV6_AUTOCONF=no');
      files.push({ path: control, content: lines.join('\n') + '\n', mode: 0o644 });
    }
    return { files, remove: [] };
  },
};
