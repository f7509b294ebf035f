// The instance registry's operations, shared by the control API and the guest password endpoint.
// Every successful write is announced to the listeners (the in-memory index), so guests see a
// change on their next request without the guest path ever reading the store.
import { base64Length, USER_DATA_MAX_BASE64, type Instance } from '../../wire/instance.js';
import { canonicalIp, canonicalMac } from '../address.js';
import { badRequest, conflict, KindlingError, notFound } from '../errors.js';
import type { InstanceData, InstanceQuery, Store } from '../store/store.js';
import { patchedDocument, validateInstance } from './validate.js';

export type RegistryChange = { kind: 'upsert'; instance: Instance } | { kind: 'delete'; uuid: string };
export type ChangeListener = (change: RegistryChange) => void;

export interface ListQuery {
  project_id?: string;
  address?: string;
  marker?: string;
  limit?: number;
}

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

function dataOf(i: Instance): InstanceData {
  const { created_at: _c, updated_at: _u, revision: _r, ...data } = i;
  return data;
}

export class Registry {
  private readonly listeners: ChangeListener[] = [];

  constructor(readonly store: Store) {}

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  private announce(change: RegistryChange): void {
    for (const l of this.listeners) l(change);
  }

  async create(body: unknown): Promise<Instance> {
    const { data } = validateInstance(body);
    const created = await this.store.create(data);
    this.announce({ kind: 'upsert', instance: created });
    return created;
  }

  /** Validates every body first (400/413 name the index: /3/addresses/0/ip), then creates them all or none. */
  async createMany(bodies: unknown[]): Promise<Instance[]> {
    const datas = bodies.map((b, i) => {
      try {
        return validateInstance(b).data;
      } catch (e) {
        if (e instanceof KindlingError && Array.isArray(e.details)) {
          throw new KindlingError(e.status, e.code, `instance ${i}: ${e.message}`, e.details.map((d) => ({ path: `/${i}${d.path}`, reason: d.reason })));
        }
        throw e;
      }
    });
    const created = await this.store.createMany(datas);
    for (const instance of created) this.announce({ kind: 'upsert', instance });
    return created;
  }

  async get(uuid: string): Promise<Instance> {
    const i = await this.store.get(uuid.toLowerCase());
    if (!i) throw notFound(`instance ${uuid}`);
    return i;
  }

  async list(q: ListQuery): Promise<Instance[]> {
    const limit = q.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw badRequest(`limit must be an integer from 1 to ${MAX_PAGE}`);
    const query: InstanceQuery = { limit };
    if (q.project_id !== undefined) query.project_id = q.project_id;
    if (q.marker !== undefined) query.marker = q.marker.toLowerCase();
    if (q.address !== undefined) {
      const a = canonicalIp(q.address) ?? canonicalMac(q.address);
      if (a === undefined) throw badRequest(`address ${JSON.stringify(q.address)} is neither an IP nor a MAC`);
      query.address = a;
    }
    return this.store.list(query);
  }

  /** A JSON merge patch (RFC 7396). Retries on concurrent change unless the body pins a revision. */
  async patch(uuid: string, patch: unknown): Promise<Instance> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw badRequest('the patch must be a JSON object');
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(uuid);
      const doc = patchedDocument(current, patch as Record<string, unknown>);
      const v = validateInstance(doc, current, patch as Record<string, unknown>);
      if (v.ifRevision !== undefined && v.ifRevision !== current.revision) {
        throw conflict(`instance ${current.uuid} is at revision ${current.revision}, not ${v.ifRevision}`, { revision: current.revision });
      }
      try {
        let next = await this.store.update(current.uuid, v.data, { ifRevision: current.revision });
        if (v.clearPassword && next.password !== null) {
          const r = await this.store.setPassword(current.uuid, null, { onlyIfUnset: false });
          if (r.ok) next = r.instance;
        }
        this.announce({ kind: 'upsert', instance: next });
        return next;
      } catch (e) {
        const stale = e instanceof KindlingError && e.status === 409 && e.details && 'revision' in e.details;
        if (!stale || v.ifRevision !== undefined || attempt >= 3) throw e;
      }
    }
  }

  async delete(uuid: string): Promise<void> {
    const id = uuid.toLowerCase();
    if (!(await this.store.delete(id))) throw notFound(`instance ${uuid}`);
    this.announce({ kind: 'delete', uuid: id });
  }

  async setUserData(uuid: string, bytes: Uint8Array | null): Promise<Instance> {
    if (bytes && base64Length(bytes.length) > USER_DATA_MAX_BASE64) {
      throw new KindlingError(413, 'payload_too_large',
        `user_data is ${bytes.length} bytes, ${base64Length(bytes.length)} characters once base64-encoded; the limit is ${USER_DATA_MAX_BASE64} (about 48 KiB)`);
    }
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(uuid);
      try {
        const next = await this.store.update(current.uuid, { ...dataOf(current), user_data: bytes }, { ifRevision: current.revision });
        this.announce({ kind: 'upsert', instance: next });
        return next;
      } catch (e) {
        if (!(e instanceof KindlingError && e.status === 409) || attempt >= 3) throw e;
      }
    }
  }

  async clearPassword(uuid: string): Promise<Instance> {
    const r = await this.store.setPassword(uuid.toLowerCase(), null, { onlyIfUnset: false });
    if (!r.ok) throw notFound(`instance ${uuid}`);
    this.announce({ kind: 'upsert', instance: r.instance });
    return r.instance;
  }

  /** The metadata API's POST /openstack/<v>/password: set once. */
  async guestSetPassword(uuid: string, password: string): Promise<'ok' | 'conflict' | 'not_found'> {
    const r = await this.store.setPassword(uuid, password, { onlyIfUnset: true });
    if (!r.ok) return r.reason;
    this.announce({ kind: 'upsert', instance: r.instance });
    return 'ok';
  }
}
