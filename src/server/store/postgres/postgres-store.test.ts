import { after, before, test } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { acquirePgLock } from '../../../../test/pg/lock.js';
import { createTestDatabase } from '../../../../test/pg/database.js';
import { addressColumnUpgrade, storeConformance } from '../conformance.js';
import type { Store } from '../store.js';
import { postgresMigrations } from './postgres-migrations.js';
import { PostgresStore } from './postgres-store.js';

// the shared server must not restart under these tests (test/pg/lock.ts)
let release: () => Promise<void>;
before(async () => {
  release = await acquirePgLock('shared');
});
after(() => release());

storeConformance('postgres', async () => {
  const db = await createTestDatabase();
  let current: Store = new PostgresStore(db.url);
  await current.migrate();
  return {
    store: current,
    async reopen() {
      await current.close();
      current = new PostgresStore(db.url);
      return current;
    },
    async another() {
      return new PostgresStore(db.url);
    },
    async cleanup() {
      await current.close();
      await db.drop();
    },
  };
});

test('postgres: upgrading a database of 0001 fills the address column', async () => {
  const database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 1 });
  // pool.end() resolves before its connections are gone: the drop's FORCE may terminate one that is
  // still closing, which the pool reports here (an unhandled 'error' would crash the test process)
  pool.on('error', () => undefined);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    await addressColumnUpgrade(db, postgresMigrations, () => new PostgresStore(database.url));
  } finally {
    await db.destroy();
    await database.drop();
  }
});
