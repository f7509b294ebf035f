import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { addressColumnUpgrade, storeConformance } from '../conformance.js';
import type { Store } from '../store.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import { SqliteStore } from './sqlite-store.js';

storeConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-store-'));
  const file = join(dir, 'kindling.db');
  let current: Store = new SqliteStore(file);
  await current.migrate();
  return {
    store: current,
    async reopen() {
      await current.close();
      current = new SqliteStore(file);
      return current;
    },
    async another() {
      return new SqliteStore(file);
    },
    async cleanup() {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

test('sqlite: upgrading a database of 0001 fills the address column', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-store-'));
  const file = join(dir, 'kindling.db');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) });
  try {
    await addressColumnUpgrade(db, sqliteMigrations, () => new SqliteStore(file));
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
