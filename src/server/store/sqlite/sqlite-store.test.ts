import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeConformance } from '../conformance.js';
import type { Store } from '../store.js';
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
