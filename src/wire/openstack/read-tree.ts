// Reading an OpenStack metadata tree the way cloud-init's read_v2 does, over any source: the HTTP
// service, a mounted config drive, or the one-request bundle. The caller supplies `read(path)`
// (a path relative to the tree's root, such as "openstack/2018-08-27/meta_data.json"); this
// module holds the version choice, which documents are required, and how each is decoded.
// Pure: no I/O of its own.

import { base64Decode } from '../base64.js';

/** The dated versions cloud-init 22.4 knows, oldest first; 'latest' is the fallback. */
export const OPENSTACK_KNOWN_VERSIONS = [
  '2012-08-10', // Folsom
  '2013-04-04', // Grizzly
  '2013-10-17', // Havana
  '2015-10-15', // Liberty: network_data.json
  '2016-06-30', // Newton: devices
  '2016-10-06', // Newton: vendor_data2.json
  '2017-02-22', // Ocata
  '2018-08-27', // Rocky
] as const;
export const OPENSTACK_LATEST = 'latest';

/** The /openstack listing: one version per line. */
export function parseVersionList(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

/** The newest known version the service offers, else 'latest'. */
export function chooseVersion(available: readonly string[]): string {
  for (let i = OPENSTACK_KNOWN_VERSIONS.length - 1; i >= 0; i--) {
    const v = OPENSTACK_KNOWN_VERSIONS[i] as string;
    if (available.includes(v)) return v;
  }
  return OPENSTACK_LATEST;
}

export class BrokenMetadata extends Error {}
export class NonReadable extends Error {}

/** What a reader returns for a path: the bytes, or undefined when absent (HTTP 404, no file). */
export type TreeReader = (path: string) => Promise<Uint8Array | undefined>;

export interface OpenStackTree {
  version: string;
  /** meta_data.json, with cloud-init's key copies (instance-id, local-hostname) and random_seed decoded. */
  metadata: Record<string, unknown>;
  /** meta_data.json as served (for instance-data.json). */
  metadataRaw: Record<string, unknown>;
  /** Raw user_data bytes; undefined when there is none. */
  userdata?: Uint8Array;
  vendordata?: unknown;
  vendordata2?: unknown;
  networkdata?: unknown;
  /** files[] of meta_data.json, path → content. */
  files: Record<string, Uint8Array>;
  /** Legacy ENI text from meta_data.network_config. */
  networkConfig?: string;
  dsmode?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const text = (b: Uint8Array) => decoder.decode(b);

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function jsonOf(path: string, b: Uint8Array, roots: ('object' | 'array' | 'string')[]): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text(b));
  } catch (e) {
    throw new BrokenMetadata(`Failed to process path ${path}: ${(e as Error).message}`);
  }
  const kind = isObj(v) ? 'object' : Array.isArray(v) ? 'array' : typeof v === 'string' ? 'string' : 'other';
  if (!(roots as string[]).includes(kind)) throw new BrokenMetadata(`Failed to process path ${path}: unexpected JSON root (${kind})`);
  return v;
}

function b64decodeStrict(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw new Error('Incorrect padding or invalid characters');
  return base64Decode(clean);
}

function contentPath(item: Record<string, unknown>): string {
  const p = String(item.content_path ?? '').replace(/^\/+/, '');
  const pieces = p.split('/').filter((x) => x.length > 0);
  if (pieces.length === 0) throw new BrokenMetadata(`Item ${JSON.stringify(item)} has no valid content path`);
  if (pieces.includes('..')) throw new BrokenMetadata(`Item ${JSON.stringify(item)} has an unsafe content path`);
  return `openstack/${pieces.join('/')}`;
}

/**
 * Reads version `version` of the tree. meta_data.json is required (NonReadable without it) and must
 * carry `uuid` (BrokenMetadata otherwise); the other documents are optional.
 */
export async function readOpenStackTree(read: TreeReader, version: string): Promise<OpenStackTree> {
  const base = `openstack/${version}`;
  const paths = {
    metadata: `${base}/meta_data.json`,
    userdata: `${base}/user_data`,
    vendordata: `${base}/vendor_data.json`,
    vendordata2: `${base}/vendor_data2.json`,
    networkdata: `${base}/network_data.json`,
  };
  // The documents are independent: read them together.
  const [md, ud, vd, vd2, nd] = await Promise.all([
    read(paths.metadata),
    read(paths.userdata),
    read(paths.vendordata),
    read(paths.vendordata2),
    read(paths.networkdata),
  ]);
  if (!md) throw new NonReadable(`Missing mandatory path: ${paths.metadata}`);
  const metadataRaw = jsonOf(paths.metadata, md, ['object']) as Record<string, unknown>;
  const metadata: Record<string, unknown> = structuredClone(metadataRaw);
  const tree: OpenStackTree = { version, metadata, metadataRaw, files: {} };
  if (ud) tree.userdata = ud;
  const anyRoot: ('object' | 'array' | 'string')[] = ['object', 'array', 'string'];
  if (vd) tree.vendordata = jsonOf(paths.vendordata, vd, anyRoot);
  if (vd2) tree.vendordata2 = jsonOf(paths.vendordata2, vd2, anyRoot);
  if (nd) tree.networkdata = jsonOf(paths.networkdata, nd, anyRoot);

  if ('random_seed' in metadata) {
    try {
      metadata.random_seed = b64decodeStrict(String(metadata.random_seed));
    } catch (e) {
      throw new BrokenMetadata(`Badly formatted metadata random_seed entry: ${(e as Error).message}`);
    }
  }
  const items = Array.isArray(metadata.files) ? metadata.files : [];
  for (const item of items) {
    if (!isObj(item) || !('path' in item)) continue;
    const p = contentPath(item);
    const content = await read(p);
    if (!content) throw new BrokenMetadata(`Failed to read provided file ${String(item.path)}: ${p} is missing`);
    tree.files[String(item.path)] = content;
  }
  if (isObj(metadata.network_config)) {
    const p = contentPath(metadata.network_config);
    const content = await read(p);
    if (!content) throw new BrokenMetadata(`Failed to read network configuration: ${p} is missing`);
    tree.networkConfig = text(content);
  }
  if (isObj(metadata.meta) && metadata.meta.dsmode !== undefined) tree.dsmode = String(metadata.meta.dsmode);
  if (!('uuid' in metadata)) throw new BrokenMetadata("No 'uuid' entry in metadata");
  metadata['instance-id'] = metadata.uuid;
  if ('hostname' in metadata) metadata['local-hostname'] = metadata.hostname;
  return tree;
}

/**
 * vendor_data.json to cloud-init's vendordata_raw: a string or list is used as is, an object
 * contributes its `cloud-init` key; an object nested there is an error.
 */
export function convertVendorData(data: unknown, recurse = true): string | unknown[] | undefined {
  if (data === undefined || data === null || data === '' || data === false || data === 0) return undefined;
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return data.length ? structuredClone(data) : undefined;
  if (isObj(data)) {
    if (Object.keys(data).length === 0) return undefined;
    if (recurse) return convertVendorData(data['cloud-init'], false);
    throw new Error("vendordata['cloud-init'] cannot be dict");
  }
  throw new Error(`Unknown data type for vendordata: ${typeof data}`);
}
