// An /etc/network/interfaces text (ConfigDrive's legacy `network_config` file, net-convert -k eni)
// → network config v1, the way cloud-init 22.4 reads it: one device per interface name (eth0:1
// adds a subnet to eth0), one subnet per iface stanza, dns-* options onto the subnet.
import type { V1Config } from './from-openstack.js';
import { NetworkConfigError } from './model.js';

type Dict = Record<string, unknown>;

const OPTIONS = ['address', 'netmask', 'broadcast', 'network', 'metric', 'gateway', 'pointtopoint', 'media', 'mtu', 'hostname',
  'leasehours', 'leasetime', 'vendor', 'client', 'bootfile', 'server', 'hwaddr', 'provider', 'frame', 'netnum', 'endpoint', 'local', 'ttl'];
const COMMANDS = ['pre-up', 'up', 'post-up', 'down', 'pre-down', 'post-down'];
const BRIDGE_OPTIONS = ['bridge_ageing', 'bridge_bridgeprio', 'bridge_fd', 'bridge_gcinit', 'bridge_hello', 'bridge_maxage', 'bridge_maxwait', 'bridge_stp'];

/** Reads a `source`/`source-directory` target; undefined when not available. */
export type IncludeReader = (pattern: string) => Array<{ path: string; text: string }>;

function parseInto(ifaces: Map<string, Dict>, contents: string, include?: IncludeReader): void {
  let current: string | undefined;
  const cur = (): Dict => {
    const c = current === undefined ? undefined : ifaces.get(current);
    if (!c) throw new NetworkConfigError('interfaces option outside of an iface stanza');
    return c;
  };
  const ensure = (name: string): Dict => {
    let d = ifaces.get(name);
    if (!d) ifaces.set(name, (d = {}));
    return d;
  };
  for (const raw of contents.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/)) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    const split = line.split(' ');
    const option = split[0]!;
    if (option === 'source' || option === 'source-directory') {
      if (!include) throw new NetworkConfigError(`interfaces ${option} ${split[1]} cannot be followed here`);
      for (const f of include(`${option === 'source-directory' ? 'dir:' : ''}${split[1]}`)) parseInto(ifaces, f.text.trim(), include);
    } else if (option === 'auto') {
      for (const name of split.slice(1)) ensure(name).auto = true;
    } else if (option === 'iface') {
      if (split.length < 4) throw new NetworkConfigError(`iface line needs a name, a family and a method: ${line}`);
      const [, name, family, method] = split as [string, string, string, string];
      const d = ensure(name);
      if ('family' in d) throw new NetworkConfigError(`Interface ${name} can only be defined once.`);
      d.family = family;
      d.method = method;
      current = name;
    } else if (option === 'hwaddress') {
      cur().hwaddress = split[1] === 'ether' ? split[2] : split[1];
    } else if (OPTIONS.includes(option)) {
      cur()[option] = split[1];
    } else if (COMMANDS.includes(option)) {
      const c = cur();
      ((c[option] ??= []) as string[]).push(split.slice(1).join(' '));
    } else if (option.startsWith('dns-')) {
      const dns = ((cur().dns ??= {}) as Dict);
      if (option === 'dns-search') dns.search = split.slice(1);
      else if (option === 'dns-nameservers') dns.nameservers = split.slice(1);
    } else if (option.startsWith('bridge_')) {
      const br = ((cur().bridge ??= {}) as Dict);
      if (BRIDGE_OPTIONS.includes(option)) br[option.slice('bridge_'.length)] = split[1];
      else if (option === 'bridge_ports') br.ports = split.slice(1);
      else if (option === 'bridge_hw') br.mac = split[1]?.toLowerCase() === 'mac' ? split[2] : split[1];
      else if (option === 'bridge_pathcost' || option === 'bridge_portprio') {
        const key = option.slice('bridge_'.length);
        ((br[key] ??= {}) as Dict)[split[1]!] = split[2];
      }
    } else if (option.startsWith('bond-')) {
      ((cur().bond ??= {}) as Dict)[option.slice('bond-'.length)] = split[1];
    }
  }
}

export function eniToV1(text: string, include?: IncludeReader): V1Config {
  const ifaces = new Map<string, Dict>();
  parseInto(ifaces, text, include);
  const devs = new Map<string, Dict>();
  for (const [name, data] of ifaces) {
    const dev = name.split(':')[0]!;
    if (!devs.has(dev)) {
      const d: Dict = { type: dev === 'lo' ? 'loopback' : 'physical', name: dev, subnets: [] };
      if ('hwaddress' in data) d.mac_address = data.hwaddress;
      devs.set(dev, d);
    }
    if (!('method' in data)) throw new NetworkConfigError(`interface ${name} is marked auto but has no iface stanza`);
    const subnet: Dict = { _orig_eni_name: name, type: data.method, control: data.auto ? 'auto' : 'manual' };
    if (data.method === 'static') {
      if (!('address' in data)) throw new NetworkConfigError(`static interface ${name} has no address`);
      subnet.address = data.address;
    }
    for (const k of ['netmask', 'gateway', 'broadcast']) if (k in data) subnet[k] = data[k];
    const dns = data.dns as Dict | undefined;
    if (dns) {
      for (const n of ['nameservers', 'search']) {
        const v = dns[n] as unknown[] | undefined;
        if (v && v.length) subnet[`dns_${n}`] = v;
      }
    }
    (devs.get(dev)!.subnets as Dict[]).push(subnet);
  }
  const names = [...devs.keys()].sort();
  return { version: 1, config: names.map((n) => devs.get(n)!) };
}
