// OpenStack network_data.json → network config v1, as cloud-init 22.4 converts it: links become
// devices (physical by MAC, bondN for bonds, <parent>.<vlan_id> for VLANs), the networks on a link
// become its subnets, top-level services become nameservers. NIC names come from the MAC table
// (from /sys/class/net at boot, from -m in net-convert).
import { checkNetworkData } from '../../wire/openstack/network-data.js';
import { NetworkConfigError } from './model.js';
import type { Warn } from './normalize.js';
import { pyRepr } from './pyfmt.js';
import type { MacTable } from './names.js';

// link types that are plain NICs (the legacy Nova VIF types and a few seen in the field)
const PHYSICAL_TYPES = [null, 'bgpovs', 'bridge', 'cascading', 'dvs', 'ethernet', 'hw_veb', 'hyperv', 'ovs', 'phy', 'tap', 'vhostuser', 'vif'];
const LINK_KEYS = ['name', 'type', 'mac_address', 'subnets', 'params', 'mtu'];
const SUBNET_KEYS = ['type', 'address', 'netmask', 'broadcast', 'metric', 'gateway', 'pointopoint', 'scope', 'dns_nameservers', 'dns_search', 'routes'];

type Dict = Record<string, unknown>;

export interface V1Config {
  version: 1;
  config: Dict[];
}

export interface OpenStackOptions {
  /** MAC (lower case) → NIC name */
  knownMacs: MacTable;
  /** NIC name → 20-byte InfiniBand address, for IPoIB NICs */
  ibHwaddrs?: Map<string, string>;
  warn?: Warn;
}

const pick = (o: Dict, keys: string[]): Dict => Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k)));

function subnetFor(network: Dict, link: Dict): Dict {
  const subnet = pick(network, SUBNET_KEYS);
  const t = network.type;
  if (t === 'ipv4_dhcp') subnet.type = 'dhcp4';
  else if (t === 'ipv6_dhcp') subnet.type = 'dhcp6';
  else if (t === 'ipv6_slaac' || t === 'ipv6_dhcpv6-stateless' || t === 'ipv6_dhcpv6-stateful') subnet.type = t;
  else if (t === 'ipv4' || t === 'static') Object.assign(subnet, { type: 'static', address: network.ip_address ?? null });
  else if (t === 'ipv6' || t === 'static6') {
    link['accept-ra'] = false;
    Object.assign(subnet, { type: 'static6', address: network.ip_address ?? null });
  }
  // stateful DHCPv6 (and the legacy ipv6_dhcp) needs router advertisements for the default route
  if (t === 'ipv6_dhcpv6-stateful' || t === 'ipv6_dhcp') link['accept-ra'] = true;
  if (t === 'ipv4') subnet.ipv4 = true;
  if (t === 'ipv6') subnet.ipv6 = true;
  return subnet;
}

interface LinkInfo { name: unknown; mac: unknown; id: unknown }

/** Throws NetworkConfigError for input 22.4 cannot convert either (the message is the log line). */
export function openstackToV1(doc: unknown, opts: OpenStackOptions): V1Config {
  const warn = opts.warn ?? (() => {});
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new NetworkConfigError('network_data.json must be a JSON object');
  const d = doc as Dict;
  const list = (k: string): Dict[] => {
    const v = d[k] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) {
      throw new NetworkConfigError(`network_data.json ${k} must be a list of objects`);
    }
    return v as Dict[];
  };
  const links = list('links');
  const networks = list('networks');
  const services = list('services');
  const linkInfo = new Map<unknown, LinkInfo>();
  // fix-ups that need every link's final name: [entry, key, format, target link id(s)]
  const updates: Array<[Dict, string, (n: string) => string, unknown]> = [];
  const config: Dict[] = [];
  let bondNumber = 0;
  for (const link of links) {
    const cfg = pick(link, LINK_KEYS);
    if (!('id' in link)) throw new NetworkConfigError(`network_data.json link without an id: ${pyRepr(link)}`);
    if (!('type' in link)) throw new NetworkConfigError(`network_data.json link ${pyRepr(link.id)} has no type`);
    const mac = link.ethernet_mac_address ? String(link.ethernet_mac_address).toLowerCase() : null;
    const info: LinkInfo = { name: cfg.name ?? null, mac, id: link.id };
    cfg.subnets = networks.filter((n) => {
      if (!('link' in n)) throw new NetworkConfigError(`network_data.json network without a link: ${pyRepr(n)}`);
      return n.link === link.id;
    }).map((n) => {
      if (!('type' in n)) throw new NetworkConfigError(`network_data.json network without a type: ${pyRepr(n)}`);
      return subnetFor(n, cfg);
    });
    if (link.type === 'bond') {
      if (mac) cfg.mac_address = mac;
      const params: Dict = {};
      for (const [k, v] of Object.entries(link)) if (k !== 'bond_links' && k.startsWith('bond')) params[k] = v;
      // Nova's link id is the host-side port name, so bonds are named bond0, bond1, ... in link order
      const name = `bond${bondNumber++}`;
      if (!Array.isArray(link.bond_links)) throw new NetworkConfigError(`bond link ${String(link.id)} has no bond_links list`);
      updates.push([cfg, 'bond_interfaces', (n) => n, [...link.bond_links]]);
      Object.assign(cfg, { params, name });
      info.name = name;
    } else if (link.type === 'vlan') {
      if (!('vlan_link' in link) || !('vlan_id' in link)) throw new NetworkConfigError(`VLAN link ${String(link.id)} needs vlan_link and vlan_id`);
      if (!('vlan_mac_address' in link)) throw new NetworkConfigError(`VLAN link ${String(link.id)} has no vlan_mac_address`);
      const name = `${String(link.vlan_link)}.${String(link.vlan_id)}`;
      Object.assign(cfg, { name, vlan_id: link.vlan_id, mac_address: link.vlan_mac_address });
      updates.push([cfg, 'vlan_link', (n) => n, link.vlan_link]);
      updates.push([cfg, 'name', (n) => `${n}.${String(link.vlan_id)}`, link.vlan_link]);
      info.mac = link.vlan_mac_address;
      info.name = name;
    } else {
      if (!PHYSICAL_TYPES.includes(link.type as string)) {
        warn(`Unknown network_data link type (${String(link.type)}); treating as physical`);
      }
      Object.assign(cfg, { type: 'physical', mac_address: mac });
    }
    config.push(cfg);
    linkInfo.set(link.id, info);
  }

  const needNames = config.filter((c) => c.type === 'physical' && !('name' in c));
  if (needNames.length || updates.length) {
    for (const info of linkInfo.values()) {
      if (info.name) continue;
      const n = opts.knownMacs.get(info.mac as string);
      if (n !== undefined) info.name = n;
    }
    for (const c of needNames) {
      if (!c.mac_address) throw new NetworkConfigError(`No mac_address or name entry for ${pyRepr(c)}`);
      const n = opts.knownMacs.get(c.mac_address as string);
      if (n === undefined) throw new NetworkConfigError(`Unable to find a system nic for ${pyRepr(c)}`);
      c.name = n;
    }
    const nameOf = (id: unknown): string => {
      const info = linkInfo.get(id);
      if (!info) throw new NetworkConfigError(`a link refers to unknown link id ${pyRepr(id)}`);
      return String(info.name ?? 'None');
    };
    for (const [cfg, key, fmt, target] of updates) {
      cfg[key] = Array.isArray(target) ? target.map((t) => fmt(nameOf(t))) : fmt(nameOf(target));
    }
  }
  // IPoIB NICs: network_data.json gives a 6-byte form; the config needs the real 20-byte address
  for (const cfg of config) {
    const hw = opts.ibHwaddrs?.get(cfg.name as string);
    if (hw !== undefined) Object.assign(cfg, { mac_address: hw, type: 'infiniband' });
  }
  // every service becomes a nameserver entry, whatever its type (22.4 reads no other service)
  for (const service of services) config.push({ ...service, type: 'nameserver' });
  return { version: 1, config };
}

/** The structural problems the shared wire checker finds, as log lines (for a clear rejection). */
export function describeProblems(doc: unknown): string[] {
  return checkNetworkData(doc).map((e) => `network_data.json${e.path}: ${e.reason}`);
}
