// The registry's SQL, shared by the SQLite and PostgreSQL adapters: one implementation of the
// store's semantics over Kysely, so that the conformance suite tests the same logic on both
// engines and the adapters only open connections, map errors and watch for changes.
//
// Every write transaction starts by bumping the revision counter. That row lock serialises
// writers, so revisions are assigned in commit order (a replica reading changesSince can never
// skip a revision that commits late), and every later statement of the transaction sees all
// earlier commits (PostgreSQL's READ COMMITTED takes a snapshot per statement). On SQLite the
// first statement being a write takes the write lock at once, so a second process waits for it
// (busy timeout) instead of failing on a read-to-write upgrade.
import { type Kysely, type Migration, type Transaction } from 'kysely';
import type { Instance } from '../../wire/instance.js';
import { conflict, KindlingError, notFound } from '../errors.js';
import { migrateToLatest, migrationState } from './migrations.js';
import { addressColumn, fromRow, storedFromRow, toRowDoc, uniqueAddressKeys } from './row.js';
import type { ChangeSet, ChangeWatch, ChangeWatcher, InstanceData, InstanceQuery, PasswordResult, Store, StoreStatus, StoredInstance } from './store.js';
import type { InstancesTable, StoreTables } from './tables.js';

type Trx = Transaction<StoreTables>;

/** Rows per multi-row statement: well inside both engines' bound-parameter limits. */
const CHUNK = 500;

/**
 * Deletion records are kept for this many revisions, then purged: a replica that follows the
 * change feed is seconds behind, and one further behind than this resynchronises instead
 * (changesSince says so). Bounds the table on a fleet that churns instances.
 */
export const TOMBSTONE_WINDOW = 100_000;
/** The counter holding the highest revision of any purged deletion record. */
const PURGED = 'tombstones_purged';

/** Thrown inside a transaction to roll it back and still return a value. */
class Rollback<T> {
  constructor(readonly value: T) {}
}

export abstract class SqlStore implements Store {
  abstract readonly description: string;
  protected abstract readonly db: Kysely<StoreTables>;
  protected abstract readonly migrations: Record<string, Migration>;
  /** Rows per page when streaming every instance. */
  protected pageSize = 1000;
  /** See TOMBSTONE_WINDOW (tests make it small). */
  tombstoneWindow = TOMBSTONE_WINDOW;

  /** Runs one store operation; adapters turn their engine's outage errors into 503s here. */
  protected abstract guard<T>(op: () => Promise<T>): Promise<T>;
  abstract watch(watcher: ChangeWatcher): Promise<ChangeWatch>;
  abstract close(): Promise<void>;

  /** A write transaction: the revision is bumped first (see the top of this file). */
  private write<T>(fn: (trx: Trx, revision: number) => Promise<T>): Promise<T> {
    return this.guard(async () => {
      try {
        return await this.db.transaction().execute(async (trx) => {
          const row = await trx
            .updateTable('counters')
            .set((eb) => ({ value: eb('value', '+', 1) }))
            .where('name', '=', 'revision')
            .returning('value')
            .executeTakeFirstOrThrow();
          return fn(trx, Number(row.value));
        });
      } catch (e) {
        if (e instanceof Rollback) return e.value as T;
        throw e;
      }
    });
  }

  migrate(): Promise<string[]> {
    return this.guard(() => migrateToLatest(this.db, this.migrations));
  }

  status(): Promise<StoreStatus> {
    return this.guard(async () => {
      const { applied, pending } = await migrationState(this.db, this.migrations);
      if (applied.length === 0) return { description: this.description, applied, pending, revision: 0, instances: 0, addresses: 0, tombstones: 0 };
      const count = async (table: 'instances' | 'instance_addresses' | 'tombstones') =>
        Number((await this.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      return {
        description: this.description,
        applied,
        pending,
        revision: await this.revision(),
        instances: await count('instances'),
        addresses: await count('instance_addresses'),
        tombstones: await count('tombstones'),
      };
    });
  }

  /**
   * Claims the addresses (deduplicated per instance by addressRows); 409, rolling the transaction
   * back, when one is taken. ON CONFLICT keeps the transaction usable on PostgreSQL, where a failed
   * statement would abort it.
   */
  private async claimAddresses(trx: Trx, rows: { address: string; uuid: string }[]): Promise<void> {
    if (rows.length === 0) return;
    const got = await trx
      .insertInto('instance_addresses')
      .values(rows)
      .onConflict((oc) => oc.column('address').doNothing())
      .returning('address')
      .execute();
    if (got.length === rows.length) return;
    const claimed = new Set(got.map((g) => g.address));
    const lost = rows.find((r) => !claimed.has(r.address));
    if (!lost) {
      // every address got claimed once: one of them is listed by two instances of the batch
      const seen = new Map<string, string>();
      const dup = rows.find((r) => seen.has(r.address) || !seen.set(r.address, r.uuid))!;
      throw conflict(`address ${dup.address} is given to two instances (${seen.get(dup.address)} and ${dup.uuid})`, { address: dup.address, owner: seen.get(dup.address) });
    }
    const owner = await trx.selectFrom('instance_addresses').select('uuid').where('address', '=', lost.address).executeTakeFirst();
    throw conflict(`address ${lost.address} belongs to instance ${owner?.uuid ?? '(unknown)'}`, { address: lost.address, owner: owner?.uuid });
  }

  private addressRows(uuid: string, data: Pick<InstanceData, 'addresses'>): { address: string; uuid: string }[] {
    return uniqueAddressKeys(data).map((address) => ({ address, uuid }));
  }

  create(data: InstanceData): Promise<Instance> {
    return this.write(async (trx, revision) => {
      const exists = await trx.selectFrom('instances').select('uuid').where('uuid', '=', data.uuid).executeTakeFirst();
      if (exists) throw conflict(`instance ${data.uuid} already exists`, { uuid: data.uuid });
      const now = new Date().toISOString();
      const row: InstancesTable = {
        uuid: data.uuid,
        project_id: data.project_id,
        doc: toRowDoc(data),
        user_data: data.user_data,
        password: data.password,
        created_at: now,
        updated_at: now,
        revision,
        addresses: addressColumn(uniqueAddressKeys(data)),
      };
      await trx.insertInto('instances').values(row).execute();
      await this.claimAddresses(trx, this.addressRows(data.uuid, data));
      await trx.deleteFrom('tombstones').where('uuid', '=', data.uuid).execute();
      return fromRow(row);
    });
  }

  /** One transaction and one revision for the batch: all are created, or none (409). */
  createMany(batch: InstanceData[]): Promise<Instance[]> {
    if (batch.length === 0) return Promise.resolve([]);
    return this.write(async (trx, revision) => {
      const uuids = batch.map((d) => d.uuid);
      const twice = uuids.find((u, i) => uuids.indexOf(u) !== i);
      if (twice) throw conflict(`instance ${twice} is in the batch twice`, { uuid: twice });
      const now = new Date().toISOString();
      const rows: InstancesTable[] = batch.map((data) => ({
        uuid: data.uuid, project_id: data.project_id, doc: toRowDoc(data), user_data: data.user_data, password: data.password,
        created_at: now, updated_at: now, revision, addresses: addressColumn(uniqueAddressKeys(data)),
      }));
      for (let i = 0; i < rows.length; i += CHUNK) {
        const chunk = rows.slice(i, i + CHUNK);
        const exists = await trx.selectFrom('instances').select('uuid').where('uuid', 'in', chunk.map((r) => r.uuid)).executeTakeFirst();
        if (exists) throw conflict(`instance ${exists.uuid} already exists`, { uuid: exists.uuid });
        await trx.insertInto('instances').values(chunk).execute();
        await trx.deleteFrom('tombstones').where('uuid', 'in', chunk.map((r) => r.uuid)).execute();
      }
      const claims = batch.flatMap((d) => this.addressRows(d.uuid, d));
      for (let i = 0; i < claims.length; i += CHUNK) await this.claimAddresses(trx, claims.slice(i, i + CHUNK));
      return rows.map(fromRow);
    });
  }

  get(uuid: string): Promise<Instance | undefined> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
      return row ? fromRow(row) : undefined;
    });
  }

  list(q: InstanceQuery): Promise<Instance[]> {
    return this.guard(async () => {
      let query = this.db.selectFrom('instances').selectAll('instances');
      if (q.address !== undefined) {
        query = query.innerJoin('instance_addresses', 'instance_addresses.uuid', 'instances.uuid').where('instance_addresses.address', '=', q.address);
      }
      if (q.project_id !== undefined) query = query.where('instances.project_id', '=', q.project_id);
      if (q.marker !== undefined) query = query.where('instances.uuid', '>', q.marker);
      const rows = await query.orderBy('instances.uuid').limit(q.limit).execute();
      return rows.map(fromRow);
    });
  }

  update(uuid: string, data: InstanceData, opts: { ifRevision?: number } = {}): Promise<Instance> {
    if (data.uuid !== uuid) return Promise.reject(new KindlingError(400, 'bad_request', 'uuid cannot change'));
    return this.write(async (trx, revision) => {
      const cur = await trx.selectFrom('instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
      if (!cur) throw notFound(`instance ${uuid}`);
      if (opts.ifRevision !== undefined && Number(cur.revision) !== opts.ifRevision) {
        throw conflict(`instance ${uuid} changed meanwhile (revision ${cur.revision}, expected ${opts.ifRevision})`, { revision: Number(cur.revision) });
      }
      const row: InstancesTable = {
        ...cur,
        project_id: data.project_id,
        doc: toRowDoc(data),
        user_data: data.user_data,
        updated_at: new Date().toISOString(),
        revision,
        addresses: addressColumn(uniqueAddressKeys(data)),
      };
      await trx.updateTable('instances').set(row).where('uuid', '=', uuid).execute();
      await trx.deleteFrom('instance_addresses').where('uuid', '=', uuid).execute();
      await this.claimAddresses(trx, this.addressRows(uuid, data));
      return fromRow(row);
    });
  }

  delete(uuid: string): Promise<boolean> {
    return this.write(async (trx, revision) => {
      const res = await trx.deleteFrom('instances').where('uuid', '=', uuid).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new Rollback(false);
      await trx.deleteFrom('instance_addresses').where('uuid', '=', uuid).execute();
      await trx
        .insertInto('tombstones')
        .values({ uuid, revision })
        .onConflict((oc) => oc.column('uuid').doUpdateSet({ revision }))
        .execute();
      await this.purgeTombstones(trx, revision - this.tombstoneWindow);
      return true;
    });
  }

  /** Drops deletion records at or below `horizon`, noting the newest dropped (see changesSince). */
  private async purgeTombstones(trx: Trx, horizon: number): Promise<void> {
    if (horizon <= 0) return;
    const newest = await trx.selectFrom('tombstones').select((eb) => eb.fn.max('revision').as('r')).where('revision', '<=', horizon).executeTakeFirst();
    if (newest?.r === null || newest?.r === undefined) return;
    await trx.deleteFrom('tombstones').where('revision', '<=', horizon).execute();
    const value = Number(newest.r);
    await trx
      .insertInto('counters')
      .values({ name: PURGED, value })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
      .execute();
  }

  setPassword(uuid: string, password: string | null, opts: { onlyIfUnset: boolean }): Promise<PasswordResult> {
    return this.write(async (trx, revision): Promise<PasswordResult> => {
      const cur = await trx.selectFrom('instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
      if (!cur) throw new Rollback<PasswordResult>({ ok: false, reason: 'not_found' });
      if (opts.onlyIfUnset && cur.password) throw new Rollback<PasswordResult>({ ok: false, reason: 'conflict' });
      const updated_at = new Date().toISOString();
      await trx.updateTable('instances').set({ password, updated_at, revision }).where('uuid', '=', uuid).execute();
      return { ok: true, instance: fromRow({ ...cur, password, updated_at, revision }) };
    });
  }

  /** One transaction and one revision for the batch. */
  put(instances: Instance[]): Promise<void> {
    if (instances.length === 0) return Promise.resolve();
    return this.write(async (trx, revision) => {
      const uuids = instances.map((i) => i.uuid);
      const rows: InstancesTable[] = instances.map((i) => {
        const { created_at, updated_at, revision: _r, ...data } = i;
        return {
          uuid: i.uuid, project_id: i.project_id, doc: toRowDoc(data), user_data: i.user_data, password: i.password, created_at, updated_at, revision,
          addresses: addressColumn(uniqueAddressKeys(data)),
        };
      });
      for (let i = 0; i < rows.length; i += CHUNK) await trx
        .insertInto('instances')
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.column('uuid').doUpdateSet((eb) => ({
            project_id: eb.ref('excluded.project_id'),
            doc: eb.ref('excluded.doc'),
            user_data: eb.ref('excluded.user_data'),
            password: eb.ref('excluded.password'),
            created_at: eb.ref('excluded.created_at'),
            updated_at: eb.ref('excluded.updated_at'),
            revision: eb.ref('excluded.revision'),
            addresses: eb.ref('excluded.addresses'),
          })),
        )
        .execute();
      for (let i = 0; i < uuids.length; i += CHUNK) {
        await trx.deleteFrom('instance_addresses').where('uuid', 'in', uuids.slice(i, i + CHUNK)).execute();
        await trx.deleteFrom('tombstones').where('uuid', 'in', uuids.slice(i, i + CHUNK)).execute();
      }
      const claims = instances.flatMap((i) => this.addressRows(i.uuid, i));
      for (let i = 0; i < claims.length; i += CHUNK) await this.claimAddresses(trx, claims.slice(i, i + CHUNK));
    });
  }

  async *all(): AsyncIterable<Instance> {
    // Pages by uuid keep memory flat however large the registry is.
    let marker: string | undefined;
    for (;;) {
      const page = await this.list({ limit: this.pageSize, ...(marker !== undefined ? { marker } : {}) });
      for (const i of page) yield i;
      if (page.length < this.pageSize) return;
      marker = page[page.length - 1]!.uuid;
    }
  }

  loadStored(page: (instances: StoredInstance[]) => void): Promise<void> {
    return this.guard(() =>
      this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          let marker: string | undefined;
          for (;;) {
            let q = trx.selectFrom('instances').selectAll();
            if (marker !== undefined) q = q.where('uuid', '>', marker);
            const rows = await q.orderBy('uuid').limit(this.pageSize).execute();
            if (rows.length > 0) page(rows.map(storedFromRow));
            if (rows.length < this.pageSize) return;
            marker = rows[rows.length - 1]!.uuid;
          }
        }),
    );
  }

  changesSince(revision: number): Promise<ChangeSet> {
    // One snapshot for the three reads (SQLite transactions are serializable anyway).
    return this.guard(() =>
      this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          const now = await trx.selectFrom('counters').select('value').where('name', '=', 'revision').executeTakeFirstOrThrow();
          const purged = await trx.selectFrom('counters').select('value').where('name', '=', PURGED).executeTakeFirst();
          if (purged && Number(purged.value) > revision) return { revision: Number(now.value), upserts: [], deleted: [], complete: false };
          const rows = await trx.selectFrom('instances').selectAll().where('revision', '>', revision).orderBy('revision').execute();
          const gone = await trx.selectFrom('tombstones').select('uuid').where('revision', '>', revision).orderBy('revision').execute();
          return { revision: Number(now.value), upserts: rows.map(fromRow), deleted: gone.map((g) => g.uuid), complete: true };
        }),
    );
  }

  revision(): Promise<number> {
    return this.guard(async () => {
      const row = await this.db.selectFrom('counters').select('value').where('name', '=', 'revision').executeTakeFirstOrThrow();
      return Number(row.value);
    });
  }
}
