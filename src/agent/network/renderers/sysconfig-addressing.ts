// A device's addressing in sysconfig terms: BOOTPROTO and the IPv6 switches per subnet type, the
// addresses (IPADDRn, IPV6ADDR and secondaries), gateways, DNS, MTUs, the default route on the device
// that owns it and every other route into route-<dev>, and bonding options; RHEL and SUSE flavours.
import { isIPv6Address, prefixToIPv4Mask } from '../ip.js';
import { IPV6_DYNAMIC_TYPES, isDefaultRoute, NetworkConfigError, subnetIsIpv6, type Iface, type Subnet } from '../model.js';
import { pyStr } from '../pyfmt.js';
import type { IfCfg } from './sysconfig-maps.js';

export type Flavor = 'rhel' | 'suse';

const DEFAULTS: Record<Flavor, Array<[string, unknown]>> = {
  rhel: [['ONBOOT', true], ['USERCTL', false], ['NM_CONTROLLED', false], ['BOOTPROTO', 'none']],
  suse: [['BOOTPROTO', 'static'], ['STARTMODE', 'auto']],
};
export const KEY_MAPS: Record<Flavor, Record<string, string>> = {
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

export function renderShared(iface: Iface, cfg: IfCfg, flavor: Flavor): void {
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

export function renderSubnets(cfg: IfCfg, subnets: Subnet[], defaultRoute: boolean, flavor: Flavor, warn: (m: string) => void): void {
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

export function renderSubnetRoutes(cfg: IfCfg, subnets: Subnet[], flavor: Flavor): void {
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

export function renderBondingOpts(cfg: IfCfg, iface: Iface, flavor: Flavor): void {
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

