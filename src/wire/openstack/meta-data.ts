// meta_data.json, as Nova's _metadata_as_json builds it for each version: member order, version
// gates and device filtering follow Nova so that the bytes match.
import { randomBytes } from 'node:crypto';
import { servedHostname, type DeviceMetadata, type Instance } from '../instance.js';
import { atLeast, EPOXY, GRIZZLY, LIBERTY, NEWTON_ONE, OCATA, ROCKY, VICTORIA, type OpenstackVersion } from './versions.js';

export interface MetaDataOptions {
  /** Appended to the host name (Nova's [api] dhcp_domain, default "novalocal"); '' disables. */
  dhcpDomain: string;
  /** Where the document goes: only a config drive carries admin_pass (Nova's extra_md). */
  target: 'service' | 'config-drive';
  /** base64 of 512 random bytes; called once per document. */
  randomSeed?: () => string;
}

export const RANDOM_SEED_BYTES = 512;
/** Length of random_seed's base64 text. */
export const RANDOM_SEED_BASE64_LENGTH = Math.ceil(RANDOM_SEED_BYTES / 3) * 4;

export function freshRandomSeed(): string {
  return randomBytes(RANDOM_SEED_BYTES).toString('base64');
}

/** `files` entries point at content/NNNN, numbered in order (Nova's "%04i"). */
export function contentKey(index: number): string {
  return String(index).padStart(4, '0');
}

function devicesFor(devices: readonly DeviceMetadata[], version: OpenstackVersion): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const d of devices) {
    const md: Record<string, unknown> = {};
    if (d.type === 'nic') {
      if (atLeast(version, OCATA) && d.vlan !== undefined) md.vlan = d.vlan;
      if (atLeast(version, ROCKY)) md.vf_trusted = d.vf_trusted ?? false;
      md.type = 'nic';
      md.mac = d.mac;
      // Nova hides a NIC that has neither tags, a VLAN nor vf_trusted (older versions).
      if (d.tags === undefined && !('vlan' in md) && !('vf_trusted' in md)) continue;
    } else if (d.type === 'disk') {
      md.type = 'disk';
      if (d.serial !== undefined) md.serial = d.serial;
      if (d.path !== undefined) md.path = d.path;
    } else if (d.type === 'share' && atLeast(version, EPOXY)) {
      md.type = 'share';
      md.share_id = d.share_id;
      md.tag = d.tag;
    } else {
      continue;
    }
    md.bus = d.bus;
    md.address = d.address;
    if (d.tags !== undefined) md.tags = [...d.tags];
    out.push(md);
  }
  return out;
}

/**
 * The meta_data.json object for `version`, members in Nova's order. With `randomSeed` absent the
 * random_seed member is present with the value '' (callers splice their own; see python-json).
 */
export function metaDataObject(instance: Instance, version: OpenstackVersion, opts: MetaDataOptions): Record<string, unknown> {
  const md: Record<string, unknown> = { uuid: instance.uuid };
  if (Object.keys(instance.meta).length) md.meta = { ...instance.meta };
  if (instance.files.length) {
    md.files = instance.files.map((f, i) => ({ path: f.path, content_path: `/content/${contentKey(i)}` }));
  }
  if (opts.target === 'config-drive' && instance.admin_pass) md.admin_pass = instance.admin_pass;
  if (instance.keys.length) {
    const pk: Record<string, string> = {};
    for (const k of instance.keys) pk[k.name] = k.data;
    md.public_keys = pk;
    md.keys = instance.keys.map((k) => ({ name: k.name, type: k.type, data: k.data }));
  }
  md.hostname = servedHostname(instance, opts.dhcpDomain);
  md.name = instance.name;
  md.launch_index = instance.launch_index;
  md.availability_zone = instance.availability_zone;
  if (atLeast(version, GRIZZLY)) md.random_seed = opts.randomSeed ? opts.randomSeed() : '';
  if (atLeast(version, LIBERTY)) md.project_id = instance.project_id;
  if (atLeast(version, NEWTON_ONE)) md.devices = devicesFor(instance.devices, version);
  if (atLeast(version, VICTORIA)) md.dedicated_cpus = [...instance.dedicated_cpus].sort((a, b) => a - b);
  return md;
}
