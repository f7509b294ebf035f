// The NoCloud seed (a filesystem labelled "cidata"): meta-data, user-data, vendor-data and
// network-config, holding the same facts the OpenStack tree gives a ConfigDrive guest, so that
// cloud-init ends up with the same hostname, keys, user data and network either way.
import YAML from 'yaml';
import { servedHostname, type Instance, type JsonObject, type JsonValue } from '../instance.js';
import { networkDataJson, TEXT_PLAIN, vendorDataFor, type WireEntry } from '../openstack/tree.js';

export const NOCLOUD_LABEL = 'cidata';

export interface NocloudOptions {
  /** Appended to the host name, as for meta_data.json's `hostname`. */
  dhcpDomain: string;
  /** Service-wide vendor data; an instance's own wins. */
  vendorData?: JsonObject;
  /**
   * network-config (v1/v2 YAML) from network_data.json. The conversion is cloud-init's
   * convert_net_json, whose one implementation lives with the agent's network model; the
   * composition root passes it in.
   */
  networkConfig(networkDataJson: string): string;
}

/** meta-data: instance-id and local-hostname, and the keys meta_data.json's public_keys carries. */
export function nocloudMetaData(instance: Instance, dhcpDomain: string): string {
  const md: Record<string, unknown> = {
    'instance-id': instance.uuid,
    'local-hostname': servedHostname(instance, dhcpDomain),
  };
  if (instance.keys.length) md['public-keys'] = Object.fromEntries(instance.keys.map((k) => [k.name, k.data]));
  return new YAML.Document(md, { version: '1.1' }).toString({ lineWidth: 0 });
}

/**
 * vendor-data: what cloud-init's ConfigDrive takes from vendor_data.json (convert_vendordata):
 * the `cloud-init` member of an object, or the document itself when it is a string or a list.
 */
export function nocloudVendorData(vendor: JsonValue): string {
  const v = typeof vendor === 'object' && vendor !== null && !Array.isArray(vendor) ? vendor['cloud-init'] : vendor;
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function nocloudSeed(instance: Instance, opts: NocloudOptions): WireEntry[] {
  return [
    { path: 'meta-data', body: nocloudMetaData(instance, opts.dhcpDomain), contentType: TEXT_PLAIN },
    // cloud-init requires user-data on a NoCloud seed; an empty file means none.
    { path: 'user-data', body: instance.user_data ?? new Uint8Array(0), contentType: TEXT_PLAIN },
    { path: 'vendor-data', body: nocloudVendorData(vendorDataFor(instance, opts)), contentType: TEXT_PLAIN },
    { path: 'network-config', body: opts.networkConfig(networkDataJson(instance)), contentType: TEXT_PLAIN },
  ];
}
