// Instance ↔ row conversion shared by the SQL adapters.
import type { Instance, InjectedFile } from '../../wire/instance.js';
import type { InstancesTable } from './tables.js';
import type { InstanceData } from './store.js';

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

/** The identifying addresses of an instance, as address-table keys (IPs and MACs). */
export function addressKeys(data: Pick<InstanceData, 'addresses'>): string[] {
  const keys: string[] = [];
  for (const a of data.addresses) {
    if (a.ip !== undefined) keys.push(a.ip);
    if (a.mac !== undefined) keys.push(a.mac);
  }
  return keys;
}
