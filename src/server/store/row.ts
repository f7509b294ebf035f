// Instance ↔ row conversion shared by the SQL adapters.
import type { Instance, InjectedFile } from '../../wire/instance.js';
import type { InstancesTable } from './tables.js';
import type { InstanceData, StoredInstance } from './store.js';

type Doc = Omit<InstanceData, 'uuid' | 'project_id' | 'user_data' | 'password' | 'files'> & {
  files: { path: string; content_base64: string }[];
};

export function toRowDoc(data: InstanceData): string {
  const { uuid: _u, project_id: _p, user_data: _d, password: _pw, files, ...rest } = data;
  const doc: Doc = {
    ...rest,
    files: files.map((f) => ({ path: f.path, content_base64: Buffer.from(f.content).toString('base64') })),
  };
  return JSON.stringify(doc);
}

export function fromRow(row: InstancesTable): Instance {
  const doc = JSON.parse(row.doc) as Doc;
  const files: InjectedFile[] = (doc.files ?? []).map((f) => ({ path: f.path, content: new Uint8Array(Buffer.from(f.content_base64, 'base64')) }));
  return {
    ...doc,
    uuid: row.uuid,
    project_id: row.project_id,
    user_data: row.user_data === null ? null : new Uint8Array(row.user_data),
    password: row.password,
    files,
    created_at: row.created_at,
    updated_at: row.updated_at,
    revision: Number(row.revision),
  };
}

/** The address table's keys for an instance, deduplicated, and as the instances row keeps them. */
export function uniqueAddressKeys(data: Pick<InstanceData, 'addresses'>): string[] {
  return [...new Set(addressKeys(data))];
}

export function addressColumn(keys: string[]): string {
  return keys.join(' ');
}

/** A record read from its row, still unparsed (see StoredInstance). */
export function storedFromRow(row: InstancesTable): StoredInstance {
  return {
    uuid: row.uuid,
    project_id: row.project_id,
    doc: row.doc,
    user_data: row.user_data,
    password: row.password,
    created_at: row.created_at,
    updated_at: row.updated_at,
    revision: Number(row.revision),
    addresses: columnAddressKeys(row.addresses, row.doc),
  };
}

/** The address column's keys; for an empty column, the record's own (see docAddressKeys). */
export function columnAddressKeys(column: string, doc: string): string[] {
  return column ? column.split(' ') : docAddressKeys(doc);
}

/**
 * An empty address column means no addresses, or a row written by a kindling from before the
 * column (a replica not yet upgraded, in a rolling upgrade, leaves it at its default): the record
 * itself says which (one parse, only for such rows).
 */
function docAddressKeys(doc: string): string[] {
  const parsed = JSON.parse(doc) as Partial<Pick<InstanceData, 'addresses'>>;
  return uniqueAddressKeys({ addresses: parsed.addresses ?? [] });
}

/** The stored form of a record the registry or a change set handed over parsed. */
export function toStored(instance: Instance): StoredInstance {
  const { created_at, updated_at, revision, ...data } = instance;
  return {
    uuid: data.uuid,
    project_id: data.project_id,
    doc: toRowDoc(data),
    user_data: data.user_data,
    password: data.password,
    created_at,
    updated_at,
    revision,
    addresses: uniqueAddressKeys(data),
  };
}

/**
 * The record of a stored instance, parsed (for rendering: the result is read, never changed, so
 * user data is not copied).
 */
export function fromStored(s: StoredInstance): Instance {
  // the parsed document becomes the record (no copy of its two dozen members)
  const doc = JSON.parse(s.doc) as Doc & Instance;
  const files = doc.files ?? [];
  doc.files = files.length === 0 ? [] : files.map((f) => ({ path: f.path, content: new Uint8Array(Buffer.from(f.content_base64, 'base64')) })) as never;
  doc.uuid = s.uuid;
  doc.project_id = s.project_id;
  doc.user_data = s.user_data;
  doc.password = s.password;
  doc.created_at = s.created_at;
  doc.updated_at = s.updated_at;
  doc.revision = s.revision;
  return doc;
}

/** The identifying addresses of an instance, as address-table keys (IPs and MACs). */
export function addressKeys(data: Pick<InstanceData, 'addresses'>): string[] {
  const keys: string[] = [];
  for (const a of data.addresses) {
    if (a.ip !== undefined) keys.push(a.ip);
    if (a.mac !== undefined) keys.push(a.mac);
  }
  return keys;
}
