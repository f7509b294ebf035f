// Turns a control-API body into a registry record, or refuses it with every problem found, each
// with the JSON pointer of the bad field and a reason. Structure comes from the JSON Schema (ajv);
// formats, sizes and references are checked here. Create and merge-patch share this one path.
import { randomBytes, randomUUID } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { base64Length, USER_DATA_MAX_BASE64, type Instance, type JsonObject } from '../../wire/instance.js';
import { checkNetworkData, type NetworkData } from '../../wire/openstack/network-data.js';
import { canonicalIp, canonicalMac } from '../address.js';
import { invalidInstance, KindlingError, type FieldProblem } from '../errors.js';
import type { InstanceData } from '../store/store.js';
import { instanceInputSchema } from './instance-schema.js';
import { toApi } from './representation.js';
import { sshPublicKeyProblem, x509Problem } from './ssh-key.js';

// Compiled on first use: a replica that only serves guests never validates, and compiling costs
// about 80 ms of its start-up (measured with --cpu-prof).
let compiled: ValidateFunction | undefined;
function structure(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, strict: false, useDefaults: false }).compile(instanceInputSchema);
  return compiled;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME_RE = new RegExp(`^${LABEL}(\\.${LABEL})*$`, 'i');
const BDM_KEY_RE = /^(ami|root|swap|ephemeral\d+|ebs\d+)$/;
// Control characters would break line-oriented listings (EC2 keys, security groups) and logs.
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export const MAX_FILE_BYTES = 64 * 1024;
export const MAX_VENDOR_DATA_BYTES = 256 * 1024;

export interface ValidatedInput {
  data: InstanceData;
  /** The body's `revision`, for optimistic concurrency on update. */
  ifRevision?: number;
  /** PATCH asked to clear the guest-set password. */
  clearPassword: boolean;
}

function ajvProblems(errors: ErrorObject[] | null | undefined): FieldProblem[] {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    let path = e.instancePath;
    let reason: string;
    if (e.keyword === 'additionalProperties') {
      path += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
      reason = 'unknown field';
    } else if (e.keyword === 'required') {
      path += `/${(e.params as { missingProperty: string }).missingProperty}`;
      reason = 'is required';
    } else if (e.keyword === 'anyOf') {
      continue; // its branches already said why
    } else if (e.keyword === 'enum') {
      reason = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    } else {
      reason = e.message ?? 'is invalid';
      if (e.keyword === 'type' && e.parentSchema && (e.schema === 'null')) continue;
    }
    const key = `${path}\0${reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path, reason });
    }
  }
  return out;
}

function sanitizeHostname(name: string): string {
  // Nova's sanitize_hostname: spaces and underscores become dashes, the rest of the junk goes.
  return name.toLowerCase().replace(/[ _]/g, '-').replace(/[^a-z0-9.-]+/g, '').replace(/^[.-]+|[.-]+$/g, '').slice(0, 63);
}

function decodeBase64(s: string): Buffer | undefined {
  const t = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return undefined;
  return Buffer.from(t, 'base64');
}

const RESERVATION_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function newReservationId(): string {
  return `r-${[...randomBytes(8)].map((b) => RESERVATION_ALPHABET[b % 36]).join('')}`;
}

/**
 * Validates a create body, or (with `current`) the result of applying a merge patch: the caller
 * passes the merged document. Throws KindlingError 400 (all problems) or 413 (user_data too big).
 */
export function validateInstance(body: unknown, current?: Instance, patch?: Record<string, unknown>): ValidatedInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidInstance([{ path: '', reason: 'must be a JSON object' }]);
  }
  const checkStructure = structure();
  if (!checkStructure(body)) throw invalidInstance(ajvProblems(checkStructure.errors));
  const b = body as Record<string, any>;
  const problems: FieldProblem[] = [];
  const at = (path: string, reason: string) => problems.push({ path, reason });

  // user_data first: Nova answers an oversized one with 413 whatever else is wrong.
  let userData: Uint8Array | null = null;
  if (b.user_data != null && b.user_data_base64 != null) at('/user_data_base64', 'give user_data or user_data_base64, not both');
  else if (b.user_data != null) userData = new Uint8Array(Buffer.from(b.user_data as string, 'utf8'));
  else if (b.user_data_base64 != null) {
    const d = decodeBase64(b.user_data_base64);
    if (!d) at('/user_data_base64', 'is not valid base64');
    else userData = new Uint8Array(d);
  }
  if (userData && base64Length(userData.length) > USER_DATA_MAX_BASE64) {
    throw new KindlingError(413, 'payload_too_large',
      `user_data is ${userData.length} bytes, ${base64Length(userData.length)} characters once base64-encoded; the limit is ${USER_DATA_MAX_BASE64} (about 48 KiB)`,
      [{ path: b.user_data != null ? '/user_data' : '/user_data_base64', reason: `over ${USER_DATA_MAX_BASE64} base64 characters` }]);
  }

  let uuid: string;
  if (current) {
    uuid = current.uuid;
    if (b.uuid !== undefined && String(b.uuid).toLowerCase() !== current.uuid) at('/uuid', 'cannot change');
  } else if (b.uuid === undefined) {
    uuid = randomUUID();
  } else if (!UUID_RE.test(b.uuid)) {
    at('/uuid', 'must be a UUID like 380cc09f-25ce-4a4e-aa88-bba53234d92e');
    uuid = '';
  } else {
    uuid = (b.uuid as string).toLowerCase();
  }

  for (const f of ['name', 'project_id', 'availability_zone', 'image_id', 'kernel_id', 'ramdisk_id', 'instance_type', 'reservation_id', 'admin_pass']) {
    if (typeof b[f] === 'string' && CONTROL_RE.test(b[f])) at(`/${f}`, 'must not contain control characters');
  }
  let hostname: string;
  if (b.hostname !== undefined) {
    hostname = b.hostname;
    if (!HOSTNAME_RE.test(hostname)) at('/hostname', 'must be a host name: labels of letters, digits and inner dashes, 1-63 characters each, separated by dots');
  } else {
    hostname = sanitizeHostname(b.name ?? '') || `server-${uuid}`.slice(0, 63);
  }
  const name: string = b.name ?? hostname;

  (b.security_groups ?? []).forEach((g: string, i: number) => {
    if (CONTROL_RE.test(g)) at(`/security_groups/${i}`, 'must not contain control characters');
  });
  for (const [k, v] of Object.entries((b.block_device_mapping ?? {}) as Record<string, string>)) {
    if (!BDM_KEY_RE.test(k)) at(`/block_device_mapping/${k}`, 'key must be ami, root, swap, ephemeralN or ebsN');
    if (CONTROL_RE.test(v) || v === '') at(`/block_device_mapping/${k}`, 'must be a device name');
  }
  if (b.public_ipv4 != null && canonicalIp(b.public_ipv4) === undefined || (b.public_ipv4 != null && b.public_ipv4.includes(':'))) {
    at('/public_ipv4', 'must be an IPv4 address');
  }
  for (const [k, v] of Object.entries((b.meta ?? {}) as Record<string, string>)) {
    if (k === '' || k.length > 255) at(`/meta/${k}`, 'keys must be 1 to 255 characters');
    void v;
  }

  const keyNames = new Set<string>();
  (b.keys ?? []).forEach((k: { name: string; type?: string; data: string }, i: number) => {
    if (CONTROL_RE.test(k.name)) at(`/keys/${i}/name`, 'must not contain control characters');
    if (keyNames.has(k.name)) at(`/keys/${i}/name`, `duplicate key name ${JSON.stringify(k.name)}`);
    keyNames.add(k.name);
    const problem = (k.type ?? 'ssh') === 'ssh' ? sshPublicKeyProblem(k.data) : x509Problem(k.data);
    if (problem) at(`/keys/${i}/data`, problem);
  });

  const addresses: { ip?: string; mac?: string }[] = [];
  const seenAddr = new Set<string>();
  (b.addresses ?? []).forEach((a: { ip?: string; mac?: string }, i: number) => {
    const out: { ip?: string; mac?: string } = {};
    if (a.ip === undefined && a.mac === undefined) at(`/addresses/${i}`, 'needs an ip, a mac, or both');
    if (a.ip !== undefined) {
      const ip = canonicalIp(a.ip);
      if (ip === undefined) at(`/addresses/${i}/ip`, 'must be an IPv4 or IPv6 address (no zone)');
      else if (seenAddr.has(ip)) at(`/addresses/${i}/ip`, `${ip} is listed twice`);
      else {
        seenAddr.add(ip);
        out.ip = ip;
      }
    }
    if (a.mac !== undefined) {
      const mac = canonicalMac(a.mac);
      if (mac === undefined) at(`/addresses/${i}/mac`, 'must be a MAC address like fa:16:3e:d8:bb:81');
      else if (seenAddr.has(mac)) at(`/addresses/${i}/mac`, `${mac} is listed twice`);
      else {
        seenAddr.add(mac);
        out.mac = mac;
      }
    }
    addresses.push(out);
  });

  let network: NetworkData | null = null;
  if (b.network != null) {
    for (const p of checkNetworkData(b.network, '/network')) at(p.path, p.reason);
    const n = b.network as Partial<NetworkData>;
    network = { links: n.links ?? [], networks: n.networks ?? [], services: n.services ?? [] };
    for (const k of Object.keys(b.network)) if (!['links', 'networks', 'services'].includes(k)) at(`/network/${k}`, 'unknown member of network_data.json');
  }

  (b.devices ?? []).forEach((d: { type: string; mac?: string }, i: number) => {
    if (d.mac !== undefined && canonicalMac(d.mac) === undefined) at(`/devices/${i}/mac`, 'must be a MAC address');
    if (d.type === 'nic' && d.mac === undefined) at(`/devices/${i}/mac`, 'a nic needs its MAC');
  });

  const files: { path: string; content: Uint8Array }[] = [];
  (b.files ?? []).forEach((f: { path: string; content?: string; content_base64?: string }, i: number) => {
    if (!f.path.startsWith('/') || /[\0\n]/.test(f.path)) at(`/files/${i}/path`, 'must be an absolute path');
    let content: Uint8Array | undefined;
    if ((f.content === undefined) === (f.content_base64 === undefined)) at(`/files/${i}`, 'needs content or content_base64 (one of them)');
    else if (f.content !== undefined) content = new Uint8Array(Buffer.from(f.content, 'utf8'));
    else {
      const d = decodeBase64(f.content_base64!);
      if (!d) at(`/files/${i}/content_base64`, 'is not valid base64');
      else content = new Uint8Array(d);
    }
    if (content && content.length > MAX_FILE_BYTES) at(`/files/${i}`, `is ${content.length} bytes; the limit is ${MAX_FILE_BYTES}`);
    if (content) files.push({ path: f.path, content });
  });

  if (b.vendor_data != null && Buffer.byteLength(JSON.stringify(b.vendor_data)) > MAX_VENDOR_DATA_BYTES) {
    at('/vendor_data', `is over ${MAX_VENDOR_DATA_BYTES} bytes`);
  }

  let clearPassword = false;
  if (patch && Object.hasOwn(patch, 'password')) {
    if (patch.password === null) clearPassword = true;
    else if (patch.password !== current?.password) at('/password', 'is set by the guest; the operator can only clear it (null)');
  } else if (!current && b.password != null) {
    at('/password', 'is set by the guest; leave it out');
  }

  if (problems.length) throw invalidInstance(problems);

  const data: InstanceData = {
    uuid,
    name,
    hostname,
    project_id: b.project_id ?? '',
    availability_zone: b.availability_zone ?? 'nova',
    launch_index: b.launch_index ?? 0,
    image_id: b.image_id ?? '',
    kernel_id: b.kernel_id ?? null,
    ramdisk_id: b.ramdisk_id ?? null,
    instance_type: b.instance_type ?? '',
    reservation_id: b.reservation_id ?? current?.reservation_id ?? newReservationId(),
    security_groups: b.security_groups ?? ['default'],
    block_device_mapping: b.block_device_mapping ?? null,
    public_ipv4: b.public_ipv4 ?? null,
    meta: { ...(b.meta ?? {}) },
    keys: (b.keys ?? []).map((k: { name: string; type?: 'ssh' | 'x509'; data: string }) => ({ name: k.name, type: k.type ?? 'ssh', data: (k.type ?? 'ssh') === 'ssh' ? k.data.trim() : k.data })),
    user_data: userData,
    vendor_data: (b.vendor_data ?? null) as JsonObject | null,
    network,
    devices: (b.devices ?? []).map((d: { mac?: string }) => (d.mac !== undefined ? { ...d, mac: canonicalMac(d.mac) } : { ...d })),
    dedicated_cpus: b.dedicated_cpus ?? [],
    files,
    admin_pass: b.admin_pass ?? null,
    addresses,
    http_tokens: b.http_tokens ?? 'optional',
    http_endpoint: b.http_endpoint ?? 'enabled',
    password: current?.password ?? null,
  };
  return { data, clearPassword, ...(b.revision !== undefined ? { ifRevision: b.revision as number } : {}) };
}

/** RFC 7396 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The document a PATCH body is validated as: the current instance with the patch applied. */
export function patchedDocument(current: Instance, patch: Record<string, unknown>): Record<string, unknown> {
  const base = toApi(current);
  // The read-only and bookkeeping members only count when the patch names them.
  for (const k of ['password', 'created_at', 'updated_at', 'revision']) delete base[k];
  // user_data and user_data_base64 are two spellings of one field: the patch's wins.
  if ('user_data' in patch || 'user_data_base64' in patch) {
    delete base.user_data;
    delete base.user_data_base64;
  }
  if (base.user_data === null) delete base.user_data;
  for (const k of Object.keys(base)) if (base[k] === null) delete base[k];
  const merged = mergePatch(base, patch) as Record<string, unknown>;
  // A merge patch deletes on null; hostname/name then fall back to their defaults.
  return merged;
}
