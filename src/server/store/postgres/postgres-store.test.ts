import { after, before } from 'node:test';
import { acquirePgLock } from '../../../../test/pg/lock.js';
import { createTestDatabase } from '../../../../test/pg/database.js';
import { storeConformance } from '../conformance.js';
import type { Store } from '../store.js';
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
