// The one-request form of the OpenStack metadata tree, proposed by kindling: instead of a GET per
// document (and a GET per EC2 metadata node), the agent asks once for
//
//   GET /kindling/v1/bundle     (on the metadata service, e.g. http://169.254.169.254)
//
// and gets a JSON object whose `files` map tree paths to their exact bytes in base64, i.e. the
// same paths and contents a config drive holds:
//
//   { "kindling_bundle": 1,
//     "files": { "openstack/2018-08-27/meta_data.json": "<base64>",
//                "openstack/2018-08-27/user_data": "<base64>", ...,
//                "openstack/content/0000": "<base64>",
//                "ec2/latest/meta-data.json": "<base64>" } }
//
// Absent documents are absent keys. The agent reads the bundle with the same reader as the HTTP
// crawl and the config drive (read-tree.ts), so the tree is still parsed in one place. A service
// without the endpoint answers 404 (real Nova does), and the agent falls back to the crawl.
// Its content is exactly as sensitive as the tree it mirrors (it carries user_data).

import { base64Decode } from '../base64.js';

export const BUNDLE_PATH = '/kindling/v1/bundle';
export const BUNDLE_FORMAT = 1;

export interface Bundle {
  kindling_bundle: number;
  files: Record<string, string>;
}

function b64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Builds a bundle from a path → bytes map (what the service serves for one instance). */
export function encodeBundle(files: Record<string, Uint8Array>): Bundle {
  const out: Record<string, string> = {};
  for (const [p, v] of Object.entries(files)) out[p] = b64(v);
  return { kindling_bundle: BUNDLE_FORMAT, files: out };
}

export class BundleError extends Error {}

/** Decodes a bundle's bytes into a path → bytes map. Throws BundleError on anything malformed. */
export function decodeBundle(body: Uint8Array): Map<string, Uint8Array> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(body));
  } catch (e) {
    throw new BundleError(`bundle is not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BundleError('bundle is not an object');
  const o = v as Record<string, unknown>;
  if (o.kindling_bundle !== BUNDLE_FORMAT) throw new BundleError(`unsupported bundle format ${JSON.stringify(o.kindling_bundle)}`);
  if (typeof o.files !== 'object' || o.files === null || Array.isArray(o.files)) throw new BundleError('bundle has no files object');
  const out = new Map<string, Uint8Array>();
  for (const [p, s] of Object.entries(o.files as Record<string, unknown>)) {
    if (typeof s !== 'string') throw new BundleError(`bundle file ${p} is not a base64 string`);
    if (p.startsWith('/') || p.split('/').includes('..')) throw new BundleError(`bundle file path ${p} is not relative`);
    try {
      out.set(p, base64Decode(s));
    } catch {
      throw new BundleError(`bundle file ${p} is not valid base64`);
    }
  }
  return out;
}

/** The openstack/<version>/ directories present in a bundle (its "/openstack" listing). */
export function bundleVersions(files: Map<string, Uint8Array>): string[] {
  const vs = new Set<string>();
  for (const p of files.keys()) {
    const m = /^openstack\/([^/]+)\//.exec(p);
    if (m && m[1] !== 'content') vs.add(m[1] as string);
  }
  return [...vs].sort();
}
