// The openstack/ tree, produced in one place: the HTTP service serves these entries and the
// config-drive builder writes them, so the two can never drift. Content types are Nova's.
import type { Instance, JsonObject } from '../instance.js';
import { pythonJson } from '../python-json.js';
import { contentKey, freshRandomSeed, metaDataObject, type MetaDataOptions } from './meta-data.js';
import {
  atLeast, GRIZZLY, HAVANA, LIBERTY, NEWTON_TWO, OPENSTACK_VERSIONS, resolveOpenstackVersion,
  type OpenstackVersion,
} from './versions.js';

export const TEXT_PLAIN = 'text/plain; charset=UTF-8';
export const APPLICATION_JSON = 'application/json';

export interface WireEntry {
  /** Relative to the medium's root: "openstack/latest/meta_data.json". */
  path: string;
  body: Uint8Array | string;
  contentType: string;
}

export interface OpenstackOptions extends MetaDataOptions {
  /** The service-wide static vendor data (Nova's StaticJSON file); {} when none. */
  vendorData?: JsonObject;
}

export const META_DATA = 'meta_data.json';
export const USER_DATA = 'user_data';
export const PASSWORD = 'password';
export const VENDOR_DATA = 'vendor_data.json';
export const NETWORK_DATA = 'network_data.json';
export const VENDOR_DATA2 = 'vendor_data2.json';

/** The version directory's listing, in Nova's order (meta_data, user_data, password, ...). */
export function openstackFileNames(instance: Pick<Instance, 'user_data'>, version: OpenstackVersion): string[] {
  const names = [META_DATA];
  if (instance.user_data !== null) names.push(USER_DATA);
  if (atLeast(version, GRIZZLY)) names.push(PASSWORD);
  if (atLeast(version, HAVANA)) names.push(VENDOR_DATA);
  if (atLeast(version, LIBERTY)) names.push(NETWORK_DATA);
  if (atLeast(version, NEWTON_TWO)) names.push(VENDOR_DATA2);
  return names;
}

export function vendorDataFor(instance: Pick<Instance, 'vendor_data'>, opts: Pick<OpenstackOptions, 'vendorData'>): JsonObject {
  return instance.vendor_data ?? opts.vendorData ?? {};
}

/** network_data.json with Nova's member order at the top (links, networks, services). */
export function networkDataJson(instance: Pick<Instance, 'network'>): string {
  const n = instance.network;
  if (n === null) return '{}';
  return pythonJson({ links: n.links, networks: n.networks, services: n.services });
}

/**
 * One file of a version directory, or undefined when that version does not have it or the
 * instance has none (user_data). `password` is not a file here: it is the service's live
 * endpoint, and Nova never writes it to a config drive.
 */
export function openstackFile(
  instance: Instance, version: OpenstackVersion, name: string, opts: OpenstackOptions, dir = version as string,
): WireEntry | undefined {
  const path = `openstack/${dir}/${name}`;
  switch (name) {
    case META_DATA: {
      const md = metaDataObject(instance, version, { ...opts, randomSeed: opts.randomSeed ?? freshRandomSeed });
      return { path, body: pythonJson(md), contentType: APPLICATION_JSON };
    }
    case USER_DATA:
      return instance.user_data === null ? undefined : { path, body: instance.user_data, contentType: TEXT_PLAIN };
    case VENDOR_DATA:
      if (!atLeast(version, HAVANA)) return undefined;
      return { path, body: pythonJson(vendorDataFor(instance, opts)), contentType: APPLICATION_JSON };
    case NETWORK_DATA:
      // Nova does not switch the mime type for this one: it goes out as text/plain.
      if (!atLeast(version, LIBERTY)) return undefined;
      return { path, body: networkDataJson(instance), contentType: TEXT_PLAIN };
    case VENDOR_DATA2:
      if (!atLeast(version, NEWTON_TWO)) return undefined;
      return { path, body: pythonJson({ static: vendorDataFor(instance, opts) }), contentType: APPLICATION_JSON };
    default:
      return undefined;
  }
}

/** openstack/content/NNNN: the injected files that meta_data.json's `files` point at. */
export function openstackContent(instance: Pick<Instance, 'files'>, key: string): WireEntry | undefined {
  if (!/^\d{4,}$/.test(key)) return undefined;
  const i = Number(key);
  const f = instance.files[i];
  if (f === undefined || contentKey(i) !== key) return undefined;
  return { path: `openstack/content/${key}`, body: f.content, contentType: TEXT_PLAIN };
}

/**
 * Every file of the openstack/ tree for a medium that has no live endpoints (a config drive):
 * every version directory (no date filter, like Nova's config drive) plus `latest`, then content/.
 */
export function openstackTree(instance: Instance, opts: OpenstackOptions): WireEntry[] {
  const out: WireEntry[] = [];
  for (const dir of [...OPENSTACK_VERSIONS, 'latest']) {
    const version = resolveOpenstackVersion(dir)!;
    for (const name of openstackFileNames(instance, version)) {
      if (name === PASSWORD) continue;
      const e = openstackFile(instance, version, name, opts, dir);
      if (e) out.push(e);
    }
  }
  instance.files.forEach((_, i) => {
    const e = openstackContent(instance, contentKey(i));
    if (e) out.push(e);
  });
  return out;
}
