// RHEL-style and SUSE-style /etc/sysconfig network scripts: one ifcfg-<dev> per device, route-<dev>
// and route6-<dev> for non-default routes, /etc/sysconfig/network, resolv.conf merged with the one
// present, a NetworkManager snippet that keeps NM away from resolv.conf, and udev name rules.
import { hasDefaultRoute, NetworkConfigError, type Iface, type NetworkState } from '../model.js';
import { pyStr } from '../pyfmt.js';
import { header, IfCfg } from './sysconfig-maps.js';
import { KEY_MAPS, renderBondingOpts, renderShared, renderSubnetRoutes, renderSubnets, type Flavor } from './sysconfig-addressing.js';
import { rel, type RenderContext, type Renderer, type RendererConfigs, type RenderResult } from '../renderer.js';
import { ResolvConf } from './resolv-conf.js';
import { udevRules } from './udev.js';

type Cfg = NonNullable<RendererConfigs['sysconfig']>;

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
