// Chooses the store adapter from the --db value: a postgres:// URL opens the shared PostgreSQL
// store, anything else (optionally prefixed sqlite:) is an SQLite file. With the composition root,
// the only place that names concrete adapters.
import { existsSync } from 'node:fs';
import { PostgresStore, isPostgresUrl } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export { isPostgresUrl };

export function sqliteFileOf(spec: string): string {
  return spec.startsWith('sqlite:') ? spec.slice('sqlite:'.length) : spec;
}

/** `mustExist`: refuse to create an SQLite file (commands that only read or copy from it). */
export function openStore(spec: string, opts: { mustExist?: boolean } = {}): Store {
  if (isPostgresUrl(spec)) return new PostgresStore(spec);
  const file = sqliteFileOf(spec);
  if (file === '') throw new Error('no SQLite file given');
  if (opts.mustExist && !existsSync(file)) throw new Error(`no database at ${file}`);
  return new SqliteStore(file);
}
