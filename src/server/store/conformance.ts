// The one behaviour suite every store adapter must pass. An adapter's test file calls
// storeConformance() with a factory that opens a fresh, empty store (and can reopen it).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Instance } from '../../wire/instance.js';
import { seedInstance } from '../../wire/instance.fixture.js';
import { KindlingError } from '../errors.js';
import { addressKeys, fromStored, toStored } from './row.js';
import type { InstanceData, Store, StoredInstance } from './store.js';

export interface StoreHarness {
  /** A fresh, migrated, empty store. */
  store: Store;
  /** Closes `store` and opens the same data again (persistence). */
  reopen(): Promise<Store>;
  /** Another connection to the same data, as a second process or replica would open it. */
  another(): Promise<Store>;
  cleanup(): Promise<void>;
}

export function instanceData(over: Partial<InstanceData> = {}): InstanceData {
  const { created_at: _c, updated_at: _u, revision: _r, ...data } = seedInstance();
  return { ...data, uuid: randomUUID(), addresses: [], ...over };
}

async function rejects(p: Promise<unknown>, status: number) {
  await assert.rejects(p, (e: unknown) => e instanceof KindlingError && e.status === status);
}

export function storeConformance(adapter: string, open: () => Promise<StoreHarness>): void {
  describe(`store conformance: ${adapter}`, () => {
    const withStore = (name: string, fn: (h: StoreHarness) => Promise<void>) =>
      test(name, async () => {
        const h = await open();
        try {
          await fn(h);
        } finally {
          await h.cleanup();
        }
      });

    withStore('create and get round-trip every field', async ({ store }) => {
      const data = instanceData({
        addresses: [{ ip: '10.0.0.5', mac: 'fa:16:3e:00:00:05' }, { ip: '2001:db8::5' }],
        user_data: new Uint8Array([0x1f, 0x8b, 0, 255, 10]),
        files: [{ path: '/etc/motd', content: new Uint8Array([104, 105]) }],
        meta: { dsmode: 'net', 'ünï': 'cödé' },
        vendor_data: { 'cloud-init': '#cloud-config\n{}', n: [1, true, null] },
        devices: [{ type: 'disk', bus: 'scsi', address: '0:0:0:1', serial: 'x' }],
        dedicated_cpus: [3, 1],
        admin_pass: 'pw',
        kernel_id: 'aki-00000001',
        block_device_mapping: { ami: 'vda', root: '/dev/vda' },
      });
      const created = await store.create(data);
      assert.ok(created.revision > 0);
      assert.ok(!Number.isNaN(Date.parse(created.created_at)));
      const got = await store.get(data.uuid);
      assert.ok(got);
      const { created_at: _c, updated_at: _u, revision: _r, ...rest } = got;
      assert.deepEqual(rest, data);
      assert.ok(got.user_data instanceof Uint8Array);
      assert.equal(await store.get(randomUUID()), undefined);
    });

    withStore('createMany: one transaction, all or none', async ({ store }) => {
      assert.deepEqual(await store.createMany([]), []);
      const taken = instanceData({ addresses: [{ ip: '10.6.0.1' }] });
      await store.create(taken);
      const batch = Array.from({ length: 1203 }, (_, i) => instanceData({ addresses: [{ ip: `10.6.${1 + (i >> 8)}.${i & 255}` }] }));
      const made = await store.createMany(batch);
      assert.deepEqual(made.map((i) => i.uuid), batch.map((b) => b.uuid));
      assert.equal((await store.get(batch[1202]!.uuid))?.name, batch[1202]!.name);
      assert.equal((await store.list({ address: '10.6.5.178', limit: 2 }))[0]?.uuid, batch[1202]!.uuid);
      const before = await store.revision();
      const fresh = () => instanceData({ addresses: [{ ip: `10.6.9.${Math.floor(Math.random() * 250)}` }] });
      for (const bad of [
        [fresh(), instanceData({ addresses: [{ ip: '10.6.0.1' }] })], // an address taken before
        [instanceData({ addresses: [{ ip: '10.6.8.1' }] }), instanceData({ addresses: [{ ip: '10.6.8.1' }] })], // twice in the batch
        [fresh(), { ...taken, addresses: [] }], // an existing uuid
      ]) {
        await rejects(store.createMany(bad), 409);
        for (const d of bad) if (d.uuid !== taken.uuid) assert.equal(await store.get(d.uuid), undefined);
      }
      const dup = instanceData();
      await rejects(store.createMany([dup, { ...dup }]), 409);
      assert.equal(await store.revision(), before);
    });

    withStore('null user_data and network stay null', async ({ store }) => {
      const data = instanceData({ user_data: null, network: null, vendor_data: null });
      await store.create(data);
      const got = await store.get(data.uuid);
      assert.equal(got?.user_data, null);
      assert.equal(got?.network, null);
      assert.equal(got?.vendor_data, null);
    });

    withStore('a duplicate uuid is a conflict', async ({ store }) => {
      const data = instanceData();
      await store.create(data);
      await rejects(store.create({ ...data, name: 'other' }), 409);
      assert.equal((await store.get(data.uuid))?.name, data.name);
    });

    withStore('an address owned by another instance is a conflict, and nothing is written', async ({ store }) => {
      const a = instanceData({ addresses: [{ ip: '10.0.0.1', mac: 'fa:16:3e:00:00:01' }] });
      await store.create(a);
      const before = await store.revision();
      const b = instanceData({ addresses: [{ ip: '10.0.0.2' }, { mac: 'fa:16:3e:00:00:01' }] });
      await assert.rejects(store.create(b), (e: unknown) => e instanceof KindlingError && e.status === 409 && /fa:16:3e:00:00:01/.test(e.message) && e.message.includes(a.uuid));
      assert.equal(await store.get(b.uuid), undefined);
      assert.deepEqual((await store.list({ address: '10.0.0.2', limit: 10 })).length, 0);
      assert.equal(await store.revision(), before);
    });

    withStore('update replaces content and addresses; freed addresses can be reused', async ({ store }) => {
      const a = instanceData({ addresses: [{ ip: '10.0.0.1' }] });
      const created = await store.create(a);
      const updated = await store.update(a.uuid, { ...a, name: 'renamed', addresses: [{ ip: '10.0.0.9' }], user_data: null });
      assert.equal(updated.name, 'renamed');
      assert.ok(updated.revision > created.revision);
      assert.equal(updated.created_at, created.created_at);
      assert.equal((await store.get(a.uuid))?.user_data, null);
      const b = instanceData({ addresses: [{ ip: '10.0.0.1' }] });
      await store.create(b);
      await rejects(store.update(a.uuid, { ...a, addresses: [{ ip: '10.0.0.1' }] }), 409);
      // the failed update left a as it was
      assert.deepEqual((await store.get(a.uuid))?.addresses, [{ ip: '10.0.0.9' }]);
      assert.equal((await store.list({ address: '10.0.0.9', limit: 5 }))[0]?.uuid, a.uuid);
    });

    withStore('update: unknown is 404, stale revision is 409, the password is kept', async ({ store }) => {
      await rejects(store.update('00000000-0000-4000-8000-000000000000', instanceData({ uuid: '00000000-0000-4000-8000-000000000000' })), 404);
      const a = instanceData();
      const created = await store.create(a);
      await store.setPassword(a.uuid, 'guest-secret', { onlyIfUnset: true });
      await rejects(store.update(a.uuid, a, { ifRevision: created.revision }), 409);
      const cur = (await store.get(a.uuid))!;
      const next = await store.update(a.uuid, { ...a, password: null, name: 'x' }, { ifRevision: cur.revision });
      assert.equal(next.password, 'guest-secret');
    });

    withStore('delete frees addresses and is reported once', async ({ store }) => {
      const a = instanceData({ addresses: [{ ip: '10.0.0.1' }] });
      await store.create(a);
      assert.equal(await store.delete(a.uuid), true);
      assert.equal(await store.delete(a.uuid), false);
      assert.equal(await store.get(a.uuid), undefined);
      await store.create(instanceData({ addresses: [{ ip: '10.0.0.1' }] }));
    });

    withStore('list: filters and uuid-ordered pagination', async ({ store }) => {
      const made: string[] = [];
      for (let i = 0; i < 7; i++) {
        const d = instanceData({ project_id: i % 2 ? 'odd' : 'even', addresses: [{ ip: `10.1.0.${i + 1}` }] });
        await store.create(d);
        made.push(d.uuid);
      }
      made.sort();
      const page1 = await store.list({ limit: 3 });
      assert.deepEqual(page1.map((i) => i.uuid), made.slice(0, 3));
      const page2 = await store.list({ limit: 3, marker: page1[2]!.uuid });
      assert.deepEqual(page2.map((i) => i.uuid), made.slice(3, 6));
      const odd = await store.list({ limit: 100, project_id: 'odd' });
      assert.equal(odd.length, 3);
      assert.ok(odd.every((i) => i.project_id === 'odd'));
      const byAddr = await store.list({ limit: 10, address: '10.1.0.4' });
      assert.equal(byAddr.length, 1);
      assert.equal(byAddr[0]!.project_id, 'odd');
      assert.equal((await store.list({ limit: 10, address: '10.1.0.4', project_id: 'even' })).length, 0);
      const all: string[] = [];
      for await (const i of store.all()) all.push(i.uuid);
      assert.deepEqual(all, made);
    });

    withStore('loadStored: a fleet comes in pages; a page that fails fails the load with its error, and the store goes on working', async ({ store }) => {
      const made = await store.createMany(Array.from({ length: 1200 }, (_, j) => instanceData({ addresses: [{ ip: `10.3.${j >> 8}.${j & 255}` }] })));
      const seen: string[] = [];
      let pages = 0;
      await store.loadStored((page) => {
        pages++;
        for (const s of page) seen.push(s.uuid);
      });
      assert.deepEqual(seen.sort(), made.map((i) => i.uuid).sort());
      assert.ok(pages > 1, `${pages} page(s)`);
      // more failed loads than a connection pool has connections: none may keep its connection
      for (let k = 0; k < 6; k++) {
        let calls = 0;
        await assert.rejects(
          store.loadStored(() => {
            if (++calls === 2) throw new Error('page refused');
          }),
          /page refused/,
        );
        assert.equal(calls, 2, 'no page is handed on after the one that failed');
      }
      assert.equal((await store.get(made[1199]!.uuid))?.uuid, made[1199]!.uuid);
      let again = 0;
      await store.loadStored((page) => (again += page.length));
      assert.equal(again, 1200);
    });

    withStore('loadStored: every instance unparsed, with its addresses, equal to what get reads', async ({ store }) => {
      const a = await store.create(instanceData({ addresses: [{ ip: '10.2.0.1', mac: 'fa:16:3e:00:02:01' }, { ip: '2001:db8::21' }], meta: { 'ünï': 'cödé' } }));
      const b = await store.create(instanceData({ user_data: new Uint8Array([0, 255, 10]), files: [{ path: '/x', content: new Uint8Array([1, 2]) }] }));
      const c = await store.create(instanceData({ addresses: [{ ip: '10.2.0.3' }] }));
      await store.update(c.uuid, { ...instanceData({ uuid: c.uuid, addresses: [{ mac: 'fa:16:3e:00:02:03' }] }) });
      await store.setPassword(b.uuid, 'pw', { onlyIfUnset: true });
      const gone = await store.create(instanceData({ addresses: [{ ip: '10.2.0.4' }] }));
      await store.delete(gone.uuid);
      const pages: StoredInstance[][] = [];
      await store.loadStored((page) => pages.push(page));
      const got = new Map(pages.flat().map((s) => [s.uuid, s]));
      assert.deepEqual([...got.keys()].sort(), [a.uuid, b.uuid, c.uuid].sort());
      for (const [uuid, s] of got) {
        const rec = await store.get(uuid);
        assert.ok(rec);
        // the stored form keeps the driver's buffer for user data (a Uint8Array too)
        const plain = (i: Instance) => ({ ...i, user_data: i.user_data && Uint8Array.from(i.user_data) });
        assert.deepEqual(plain(fromStored(s)), plain(rec), uuid);
        assert.deepEqual([...s.addresses].sort(), [...new Set(addressKeys(rec))].sort());
        assert.equal(typeof s.doc, 'string');
      }
      assert.deepEqual(got.get(c.uuid)!.addresses, ['fa:16:3e:00:02:03']);
      assert.equal(got.get(b.uuid)!.password, 'pw');
      // what the index stores for a record it was handed parsed reads back the same
      for (const s of got.values()) assert.deepEqual(toStored(fromStored(s)), { ...s, doc: toStored(fromStored(s)).doc });
      for (const s of got.values()) assert.deepEqual(JSON.parse(toStored(fromStored(s)).doc), JSON.parse(s.doc));
    });

    withStore('deletion records are purged past the window; changesSince from before it says incomplete', async ({ store }) => {
      const [a, b, c] = [instanceData(), instanceData(), instanceData()];
      for (const d of [a, b, c]) await store.create(d);
      const before = await store.revision();
      await store.delete(a.uuid);
      const afterA = await store.revision();
      assert.equal((await store.status()).tombstones, 1);
      assert.deepEqual((await store.changesSince(before)).deleted, [a.uuid]);
      // a window of one revision: deleting b purges a's record
      (store as unknown as { tombstoneWindow: number }).tombstoneWindow = 1;
      await store.delete(b.uuid);
      assert.equal((await store.status()).tombstones, 1);
      const old = await store.changesSince(before);
      assert.equal(old.complete, false);
      assert.equal(old.revision, await store.revision());
      const recent = await store.changesSince(afterA);
      assert.equal(recent.complete, true);
      assert.deepEqual(recent.deleted, [b.uuid]);
      assert.equal((await store.changesSince(await store.revision())).complete, true);
    });

    withStore('guest password: set once, 409 after, cleared by the operator', async ({ store }) => {
      const a = instanceData();
      await store.create(a);
      const first = await store.setPassword(a.uuid, 'one', { onlyIfUnset: true });
      assert.ok(first.ok && first.instance.password === 'one');
      assert.deepEqual(await store.setPassword(a.uuid, 'two', { onlyIfUnset: true }), { ok: false, reason: 'conflict' });
      assert.equal((await store.get(a.uuid))?.password, 'one');
      const cleared = await store.setPassword(a.uuid, null, { onlyIfUnset: false });
      assert.ok(cleared.ok && cleared.instance.password === null);
      assert.ok((await store.setPassword(a.uuid, 'three', { onlyIfUnset: true })).ok);
      assert.deepEqual(await store.setPassword(randomUUID(), 'x', { onlyIfUnset: true }), { ok: false, reason: 'not_found' });
    });

    withStore('changesSince reports upserts and deletions after a revision', async ({ store }) => {
      const a = instanceData();
      const b = instanceData();
      await store.create(a);
      const mark = await store.revision();
      await store.create(b);
      await store.update(a.uuid, { ...a, name: 'changed' });
      await store.delete(b.uuid);
      const cs = await store.changesSince(mark);
      assert.equal(cs.revision, await store.revision());
      assert.deepEqual(cs.upserts.map((i) => i.uuid), [a.uuid]);
      assert.deepEqual(cs.deleted, [b.uuid]);
      const none = await store.changesSince(cs.revision);
      assert.deepEqual([none.upserts.length, none.deleted.length], [0, 0]);
    });

    withStore('concurrent creates claiming one address: exactly one wins', async ({ store }) => {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => store.create(instanceData({ addresses: [{ ip: '10.9.9.9' }] }))),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof KindlingError));
    });

    withStore('put writes records as they are, replaces by uuid, and is idempotent', async ({ store }) => {
      const a = instanceData({ addresses: [{ ip: '10.2.0.1' }] });
      const b = instanceData({ addresses: [{ ip: '10.2.0.2', mac: 'fa:16:3e:00:02:02' }], user_data: null });
      const stamp = { created_at: '2020-01-02T03:04:05.678Z', updated_at: '2021-01-02T03:04:05.678Z', revision: 77 };
      const records = [{ ...a, ...stamp, password: 'guest-pw' }, { ...b, ...stamp }];
      const before = await store.revision();
      await store.put(records);
      const rev = await store.revision();
      assert.ok(rev > before);
      for (const r of records) {
        const got = await store.get(r.uuid);
        assert.deepEqual({ ...got, revision: 0 }, { ...r, revision: 0 });
        assert.ok(got!.revision > before && got!.revision <= rev);
      }
      assert.equal((await store.list({ address: 'fa:16:3e:00:02:02', limit: 5 }))[0]?.uuid, b.uuid);
      // again, with a moved address: replaced, and the old address is free
      await store.put([{ ...records[1]!, addresses: [{ ip: '10.2.0.3' }], name: 'moved' }]);
      assert.equal((await store.get(b.uuid))?.name, 'moved');
      assert.equal((await store.list({ address: '10.2.0.2', limit: 5 })).length, 0);
      const cs = await store.changesSince(rev);
      assert.deepEqual(cs.upserts.map((i) => i.uuid), [b.uuid]);
      // an address owned outside the batch: 409, and nothing of the batch is written
      const c = instanceData({ addresses: [{ ip: '10.2.0.9' }] });
      const d = instanceData({ addresses: [{ ip: '10.2.0.1' }] });
      const r2 = await store.revision();
      await rejects(store.put([{ ...c, ...stamp }, { ...d, ...stamp }]), 409);
      assert.equal(await store.get(c.uuid), undefined);
      assert.equal(await store.revision(), r2);
      // a put over a deleted instance brings it back (no stale tombstone)
      await store.delete(a.uuid);
      const r3 = await store.revision();
      await store.put([records[0]!]);
      const back = await store.changesSince(r3);
      assert.deepEqual([back.upserts.map((i) => i.uuid), back.deleted], [[a.uuid], []]);
    });

    withStore('status reports migrations, revision and counts', async ({ store }) => {
      await store.create(instanceData({ addresses: [{ ip: '10.3.0.1', mac: 'fa:16:3e:00:03:01' }] }));
      const gone = instanceData();
      await store.create(gone);
      await store.delete(gone.uuid);
      const st = await store.status();
      assert.equal(st.description, store.description);
      assert.ok(st.applied.length >= 1);
      assert.deepEqual(st.pending, []);
      assert.deepEqual([st.revision, st.instances, st.addresses, st.tombstones], [await store.revision(), 1, 2, 1]);
      assert.deepEqual(await store.migrate(), []);
    });

    withStore('watch announces writes made through another connection', async (h) => {
      const seen: number[] = [];
      let wake: () => void = () => undefined;
      const watch = await h.store.watch({
        changed: (r) => {
          if (r !== undefined) seen.push(r);
          wake();
        },
        lost: () => undefined,
        restored: () => undefined,
      });
      const other = await h.another();
      try {
        const created = await other.create(instanceData());
        const t0 = Date.now();
        while (!seen.some((r) => r >= created.revision)) {
          assert.ok(Date.now() - t0 < 1000, `no change announced within 1 s (seen ${seen.join(',')})`);
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 50);
          });
        }
        const cs = await h.store.changesSince(created.revision - 1);
        assert.deepEqual(cs.upserts.map((i) => i.uuid), [created.uuid]);
      } finally {
        await watch.close();
        await other.close();
      }
    });

    withStore('data survives reopening; migrate is idempotent', async (h) => {
      const a = instanceData({ addresses: [{ ip: '10.0.0.1' }] });
      await h.store.create(a);
      const again = await h.reopen();
      await again.migrate();
      assert.equal((await again.get(a.uuid))?.name, a.name);
      await rejects(again.create(instanceData({ addresses: [{ ip: '10.0.0.1' }] })), 409);
    });
  });
}

/**
 * Upgrading a database written before 0002 (the address column): the column is filled from the
 * address table, so that a replica's load gets every address. `db` is a connection to an empty
 * database of the adapter; `open` opens the store on it.
 */
export async function addressColumnUpgrade(db: Kysely<any>, migrations: Record<string, Migration>, open: () => Store): Promise<void> {
  const first = Object.keys(migrations).sort()[0]!;
  assert.equal(first, '0001-instances');
  const { error } = await new Migrator({
    db,
    provider: { getMigrations: async () => ({ [first]: migrations[first]! }) },
    migrationTableName: 'kindling_migrations',
    migrationLockTableName: 'kindling_migrations_lock',
  }).migrateToLatest();
  assert.equal(error, undefined);
  const a = randomUUID();
  const b = randomUUID();
  const row = (uuid: string) => ({ uuid, project_id: 'p', doc: '{}', user_data: null, password: null, created_at: 'c', updated_at: 'u', revision: 1 });
  await db.insertInto('instances').values([row(a), row(b)]).execute();
  await db.insertInto('instance_addresses').values([{ address: '10.9.0.1', uuid: a }, { address: 'fa:16:3e:09:00:01', uuid: a }]).execute();
  const store = open();
  try {
    assert.deepEqual(await store.migrate(), Object.keys(migrations).sort().slice(1));
    const got = new Map<string, string[]>();
    await store.loadStored((page) => page.forEach((s) => got.set(s.uuid, [...s.addresses].sort())));
    assert.deepEqual(got, new Map([[a, ['10.9.0.1', 'fa:16:3e:09:00:01']], [b, []]]));
    // a kindling from before 0002 still running (a rolling upgrade) writes rows without the column:
    // the load takes their addresses from the record
    const c = randomUUID();
    await db.insertInto('instances').values({ ...row(c), doc: JSON.stringify({ addresses: [{ ip: '10.9.0.3', mac: 'fa:16:3e:09:00:03' }] }) }).execute();
    await db.insertInto('instance_addresses').values([{ address: '10.9.0.3', uuid: c }, { address: 'fa:16:3e:09:00:03', uuid: c }]).execute();
    const again = new Map<string, string[]>();
    await store.loadStored((page) => page.forEach((s) => again.set(s.uuid, [...s.addresses].sort())));
    assert.deepEqual(again.get(c), ['10.9.0.3', 'fa:16:3e:09:00:03']);
  } finally {
    await store.close();
  }
}
