// The EC2-compatible tree, as Nova's get_ec2_metadata builds it: a nested dict per version whose
// directories print as sorted listings (ec2_md_print) and whose leaves print as text. One builder
// serves the HTTP API (walk the tree) and the config drive (ec2/<v>/meta-data.json).
import {
  DEFAULT_BLOCK_DEVICE_MAPPING, ec2InstanceId, servedHostname, type Instance,
} from '../instance.js';
import { ec2AtLeast, type Ec2Version } from './versions.js';

/** A directory of the tree. `_name` replaces `key/` in the parent's listing (public-keys' `0=name`). */
export interface Ec2Dir {
  [key: string]: Ec2Node;
}
export type Ec2Node = Ec2Dir | string | number | string[] | Uint8Array;

export interface Ec2Options {
  /** Appended to the instance's host name (Nova's dhcp_domain); '' serves the bare name. */
  dhcpDomain: string;
  /** The region named in the instance identity document. */
  region?: string;
}

/** The EC2 region when none is configured: OpenStack's default region name. */
export const DEFAULT_REGION = 'RegionOne';

export function isEc2Dir(n: Ec2Node | undefined): n is Ec2Dir {
  return typeof n === 'object' && n !== null && !Array.isArray(n) && !(n instanceof Uint8Array);
}

/** Nova's first fixed IPv4 (the EC2 local-ipv4), or '' when the instance has none. */
export function firstFixedIPv4(instance: Pick<Instance, 'addresses'>): string {
  for (const a of instance.addresses) if (a.ip !== undefined && !a.ip.includes(':')) return a.ip;
  return '';
}

/** The `meta-data` directory for one version, in Nova's member order. */
export function ec2MetaData(instance: Instance, version: Ec2Version, opts: Ec2Options): Ec2Dir {
  const hostname = servedHostname(instance, opts.dhcpDomain);
  const md: Ec2Dir = {
    'ami-id': instance.image_id || 'ami-00000000',
    'ami-launch-index': instance.launch_index,
    'ami-manifest-path': 'FIXME',
    'instance-id': ec2InstanceId(instance.uuid),
    hostname,
    'local-ipv4': firstFixedIPv4(instance),
    'reservation-id': instance.reservation_id,
    'security-groups': [...instance.security_groups],
  };
  const sshKeys = instance.keys.filter((k) => k.type === 'ssh');
  if (sshKeys.length) {
    const pk: Ec2Dir = {};
    sshKeys.forEach((k, i) => {
      pk[String(i)] = { _name: `${i}=${k.name}`, 'openssh-key': k.data };
    });
    md['public-keys'] = pk;
  }
  if (ec2AtLeast(version, '2007-01-19')) {
    md['local-hostname'] = hostname;
    md['public-hostname'] = hostname;
    md['public-ipv4'] = instance.public_ipv4 ?? '';
  }
  if (ec2AtLeast(version, '2007-08-29')) md['instance-type'] = instance.instance_type;
  if (ec2AtLeast(version, '2007-12-15')) {
    md['block-device-mapping'] = { ...(instance.block_device_mapping ?? DEFAULT_BLOCK_DEVICE_MAPPING) };
    if (instance.kernel_id) md['kernel-id'] = instance.kernel_id;
    if (instance.ramdisk_id) md['ramdisk-id'] = instance.ramdisk_id;
  }
  if (ec2AtLeast(version, '2008-02-01')) md.placement = { 'availability-zone': instance.availability_zone };
  if (ec2AtLeast(version, '2008-09-01')) md['instance-action'] = 'none';
  if (ec2AtLeast(version, '2009-04-04')) {
    // AWS's per-interface tree (2011-01-01 on AWS): what cloud-init's Ec2 datasource turns into
    // network config, one entry per MAC the registry knows.
    const nics = interfacesByMac(instance);
    if (nics.length) {
      md.mac = nics[0]!.mac;
      const macs: Ec2Dir = {};
      nics.forEach((nic, i) => {
        const d: Ec2Dir = { 'device-number': String(i), 'local-hostname': hostname, mac: nic.mac };
        if (nic.ipv4.length) d['local-ipv4s'] = nic.ipv4;
        if (nic.ipv6.length) d.ipv6s = nic.ipv6;
        if (i === 0 && instance.public_ipv4) {
          d['public-hostname'] = hostname;
          d['public-ipv4s'] = instance.public_ipv4;
        }
        macs[nic.mac] = d;
      });
      md.network = { interfaces: { macs } };
    }
  }
  return md;
}

interface Nic {
  mac: string;
  ipv4: string[];
  ipv6: string[];
}

/** The instance's NICs by MAC, in registry order: addresses first, then network_data.json links. */
export function interfacesByMac(instance: Pick<Instance, 'addresses' | 'network'>): Nic[] {
  const byMac = new Map<string, Nic>();
  for (const a of instance.addresses) {
    if (a.mac === undefined) continue;
    let nic = byMac.get(a.mac);
    if (!nic) {
      nic = { mac: a.mac, ipv4: [], ipv6: [] };
      byMac.set(a.mac, nic);
    }
    if (a.ip !== undefined) (a.ip.includes(':') ? nic.ipv6 : nic.ipv4).push(a.ip);
  }
  for (const l of instance.network?.links ?? []) {
    const mac = l.ethernet_mac_address?.toLowerCase();
    if (mac && l.type !== 'bond' && l.type !== 'vlan' && !byMac.has(mac)) byMac.set(mac, { mac, ipv4: [], ipv6: [] });
  }
  return [...byMac.values()];
}

/**
 * dynamic/instance-identity/document, as AWS writes it (pretty-printed, `"key" : value`), with the
 * registry's values: the project as the account, the creation time as pendingTime.
 */
export function identityDocument(instance: Instance, opts: Ec2Options): string {
  const doc: [string, unknown][] = [
    ['accountId', instance.project_id],
    ['architecture', 'x86_64'],
    ['availabilityZone', instance.availability_zone],
    ['billingProducts', null],
    ['devpayProductCodes', null],
    ['marketplaceProductCodes', null],
    ['imageId', instance.image_id || 'ami-00000000'],
    ['instanceId', ec2InstanceId(instance.uuid)],
    ['instanceType', instance.instance_type],
    ['kernelId', instance.kernel_id],
    ['pendingTime', `${instance.created_at.slice(0, 19)}Z`],
    ['privateIp', firstFixedIPv4(instance) || null],
    ['ramdiskId', instance.ramdisk_id],
    ['region', opts.region ?? DEFAULT_REGION],
    ['version', '2017-09-30'],
  ];
  return `{\n${doc.map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`).join(',\n')}\n}`;
}

/** The version directory: `meta-data/`, `dynamic/` (2009-04-04 on) and, only when the instance has user data, `user-data`. */
export function ec2VersionTree(instance: Instance, version: Ec2Version, opts: Ec2Options): Ec2Dir {
  const data: Ec2Dir = { 'meta-data': ec2MetaData(instance, version, opts) };
  if (ec2AtLeast(version, '2009-04-04')) data.dynamic = { 'instance-identity': { document: identityDocument(instance, opts) } };
  if (instance.user_data !== null) data['user-data'] = instance.user_data;
  return data;
}

/**
 * Nova's find_path_in_tree, minus its crashes: the node at `tokens` below `root`, or undefined.
 * The `_name` helper is never reachable, and a leaf has no children.
 */
export function ec2Find(root: Ec2Node, tokens: readonly string[]): Ec2Node | undefined {
  let node: Ec2Node | undefined = root;
  for (const t of tokens) {
    if (!isEc2Dir(node) || t === '_name' || !Object.hasOwn(node, t)) return undefined;
    node = node[t];
  }
  return node;
}

/** Nova's ec2_md_print: how a node reads as a response body. */
export function ec2Render(node: Ec2Node): string | Uint8Array {
  if (node instanceof Uint8Array) return node;
  if (Array.isArray(node)) return node.join('\n');
  if (typeof node === 'number') return String(node);
  if (typeof node === 'string') return node;
  const lines: string[] = [];
  for (const key of Object.keys(node).sort()) {
    if (key === '_name') continue;
    const child = node[key];
    if (isEc2Dir(child)) {
      const name = child._name;
      lines.push(typeof name === 'string' ? name : `${key}/`);
    } else {
      lines.push(key);
    }
  }
  return lines.join('\n');
}

/** The meta-data dict as Nova writes it onto a config drive: `_name` helpers removed. */
export function ec2MetaDataForDrive(node: Ec2Dir): Ec2Dir {
  const out: Ec2Dir = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '_name') continue;
    out[k] = isEc2Dir(v) ? ec2MetaDataForDrive(v) : v;
  }
  return out;
}
