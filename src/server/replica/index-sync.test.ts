import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instanceData } from '../store/conformance.js';
import { toStored } from '../store/row.js';
import type { ChangeSet, ChangeWatcher, Store, StoredInstance } from '../store/store.js';
import { InstanceIndex } from '../guest/instance-index.js';
import { IndexSync } from './index-sync.js';

const record = (revision: number) => ({ ...instanceData(), created_at: 'c', updated_at: 'u', revision });

test('a change set the store calls incomplete (purged deletions) makes the replica resynchronise', async () => {
  const a = record(1);
  const b = record(2);
  let rows: StoredInstance[] = [toStored(a), toStored(b)];
  let revision = 2;
  let loads = 0;
  let watcher: ChangeWatcher | undefined;
  const answers: ChangeSet[] = [];
  const store = {
    watch: async (w: ChangeWatcher) => {
      watcher = w;
      return { close: async () => undefined };
    },
    revision: async () => revision,
    loadStored: async (page: (p: StoredInstance[]) => void) => {
      loads++;
      page(rows);
    },
    changesSince: async () => answers.shift() ?? { revision, upserts: [], deleted: [], complete: true },
  } as unknown as Store;
  const index = new InstanceIndex({ dhcpDomain: '', vendorData: {}, now: Date.now });
  const logged: string[] = [];
  const sync = new IndexSync(store, index, (l) => logged.push(l));
  await sync.start();
  assert.equal(loads, 1);
  assert.equal(index.size, 2);
  // b was deleted long ago and its deletion record purged: the feed's catch-up cannot say so
  rows = [toStored(a)];
  revision = 50;
  answers.push({ revision: 50, upserts: [], deleted: [], complete: false });
  watcher!.changed(50);
  const loaded = (): number => loads;
  for (let i = 0; i < 100 && loaded() < 2; i++) await new Promise((r) => setTimeout(r, 5));
  for (let i = 0; i < 100 && (index.size as number) !== 1; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(loaded(), 2);
  assert.equal(index.size, 1);
  assert.ok(index.byUuid(a.uuid));
  assert.equal(index.byUuid(b.uuid), undefined);
  assert.equal(sync.health().revision, 50);
  assert.match(logged.join('\n'), /older than the deletions the store keeps: resynchronising/);
  await sync.close();
});
