// The registry's instance record: what the service stores, serves over HTTP and writes onto config
// drives. Field names follow Nova's where Nova has one. Pure data, no I/O: the service, the
// config-drive builder and tests all share this one shape.
import type { NetworkData } from './openstack/network-data.js';

export type HttpTokens = 'optional' | 'required';
export type HttpEndpoint = 'enabled' | 'disabled';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A keypair, as Nova's `keys` list carries it. `type` is Nova's keypair type. */
export interface InstanceKey {
  name: string;
  type: 'ssh' | 'x509';
  data: string;
}

/**
 * An address the instance is identified by: a fixed IP, its MAC, or both. IPs are stored in
 * canonical form (IPv4 dotted quad, IPv6 compressed lower case) and MACs in lower case, so that a
 * lookup by a socket's peer address is one map access.
 */
export interface InstanceAddress {
  ip?: string;
  mac?: string;
}

/** A file injected onto the config drive (Nova's personality files), served as content/NNNN. */
export interface InjectedFile {
  path: string;
  content: Uint8Array;
}

/** Nova's tagged device metadata (2016-06-30 on), passed through with Nova's version rules. */
export interface DeviceMetadata {
  type: 'nic' | 'disk' | 'share';
  bus: 'pci' | 'usb' | 'scsi' | 'ide' | 'xen' | 'none';
  address: string;
  tags?: string[];
  mac?: string; // nic
  vlan?: number; // nic, 2017-02-22 on
  vf_trusted?: boolean; // nic, 2018-08-27 on
  serial?: string; // disk
  path?: string; // disk
  share_id?: string; // share, 2025-04-04 on
  tag?: string; // share
}

export interface Instance {
  // identity
  uuid: string;
  name: string;
  /** The short host name; the service appends its DHCP domain (Nova's `dhcp_domain`) when serving. */
  hostname: string;
  project_id: string;
  availability_zone: string;
  launch_index: number;

  // EC2-facing
  image_id: string;
  kernel_id: string | null;
  ramdisk_id: string | null;
  instance_type: string;
  reservation_id: string;
  security_groups: string[];
  /** EC2 block-device-mapping (ami, root, ephemeralN, swap, ebsN); null means Nova's default. */
  block_device_mapping: Record<string, string> | null;
  public_ipv4: string | null;

  // content
  meta: Record<string, string>;
  keys: InstanceKey[];
  /** Raw user-data bytes, served verbatim; null when the instance has none (404 and unlisted). */
  user_data: Uint8Array | null;
  /** Static vendor data for this instance; null means the service-wide default. */
  vendor_data: JsonObject | null;
  /** network_data.json; null is served as `{}` like Nova does for an instance without networks. */
  network: NetworkData | null;
  devices: DeviceMetadata[];
  dedicated_cpus: number[];
  files: InjectedFile[];
  /** Nova's admin password: written into config-drive meta_data.json only, never served over HTTP. */
  admin_pass: string | null;

  // identification
  addresses: InstanceAddress[];

  // EC2 metadata options
  http_tokens: HttpTokens;
  http_endpoint: HttpEndpoint;

  /** The password the guest posted to /openstack/<v>/password (at most 1020 characters). */
  password: string | null;

  // bookkeeping, set by the store
  created_at: string;
  updated_at: string;
  /** Monotonic across the whole store: a change feed and optimistic concurrency both use it. */
  revision: number;
}

/** The most characters the password endpoint stores (Nova: 4 chunks of 255). */
export const PASSWORD_MAX_LENGTH = 1020;

/** Nova's limit on user_data: 65535 characters once base64-encoded. */
export const USER_DATA_MAX_BASE64 = 65535;

export function base64Length(byteLength: number): number {
  return Math.ceil(byteLength / 3) * 4;
}

/** The host name guests see: the short name plus the DHCP domain, as Nova's `_get_hostname`. */
export function servedHostname(instance: Pick<Instance, 'hostname'>, dhcpDomain: string): string {
  return dhcpDomain ? `${instance.hostname}.${dhcpDomain}` : instance.hostname;
}

/**
 * The EC2 instance id. Nova formats an internal integer as `i-%08x`; a registry without such an
 * integer derives the modern 17-digit form from the UUID so it is stable and, in practice, unique
 * (64 random bits of a v4 UUID).
 */
export function ec2InstanceId(uuid: string): string {
  return `i-${uuid.replace(/-/g, '').slice(0, 17).toLowerCase()}`;
}

/**
 * The block-device mapping when the registry records none: what Nova's libvirt driver gives an
 * instance whose root disk is virtio (/dev/vda) with no ephemeral or swap disk. (Nova's own fallback
 * for a missing root device name, sda1 with ephemeral0 sda2 and swap sda3, names disks that such an
 * instance does not have, and guests then look for them.) Operators describe other layouts with
 * `block_device_mapping`.
 */
export const DEFAULT_BLOCK_DEVICE_MAPPING: Readonly<Record<string, string>> = Object.freeze({
  ami: 'vda',
  root: '/dev/vda',
});
