// The embedded default store: one SQLite file through Kysely over better-sqlite3, in WAL mode so
// readers never block the writer, with versioned migrations.
import { closeSync, openSync } from 'node:fs';
import { makeDirs } from '../../make-dirs.js';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Transaction } from 'kysely';
import type { Instance } from '../../../wire/instance.js';
import { conflict, KindlingError, notFound } from '../../errors.js';
import { addressKeys, fromRow, toRowDoc } from '../row.js';
import type { ChangeSet, InstanceData, InstanceQuery, PasswordResult, Store } from '../store.js';
import type { StoreTables } from '../tables.js';
import { sqliteMigrations } from './sqlite-migrations.js';

type Trx = Transaction<StoreTables>;

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && String((e as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT');
}

export class SqliteStore implements Store {
  readonly description: string;
  private readonly db: Kysely<StoreTables>;
  private readonly raw: Database.Database;

  constructor(readonly file: string) {
    this.description = `sqlite:${file}`;
    if (file !== ':memory:') {
      makeDirs(dirname(file), 0o700);
      // It holds user data and guest passwords: owner-only, and SQLite gives -wal/-shm the same mode.
      closeSync(openSync(file, 'a', 0o600));
    }
    this.raw = new Database(file, { timeout: 5000 });
    this.raw.pragma('journal_mode = WAL');
    // WAL + NORMAL: a committed write survives a killed process; only an OS crash may lose the
    // last commits, never corrupt the file.
    this.raw.pragma('synchronous = NORMAL');
    this.raw.pragma('foreign_keys = ON');
    this.db = new Kysely<StoreTables>({ dialect: new SqliteDialect({ database: this.raw }) });
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => sqliteMigrations },
      migrationTableName: 'kindling_migrations',
      migrationLockTableName: 'kindling_migrations_lock',
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error');
      throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
    }
  }

  private async bump(trx: Trx): Promise<number> {
    const row = await trx
      .updateTable('counters')
      .set((eb) => ({ value: eb('value', '+', 1) }))
      .where('name', '=', 'revision')
      .returning('value')
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }

  private async claimAddresses(trx: Trx, uuid: string, data: InstanceData): Promise<void> {
    for (const address of addressKeys(data)) {
      try {
        await trx.insertInto('instance_addresses').values({ address, uuid }).execute();
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
        const owner = await trx.selectFrom('instance_addresses').select('uuid').where('address', '=', address).executeTakeFirst();
        throw conflict(`address ${address} belongs to instance ${owner?.uuid ?? '(unknown)'}`, { address, owner: owner?.uuid });
      }
    }
  }

  async create(data: InstanceData): Promise<Instance> {
    return this.db.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('instances').select('uuid').where('uuid', '=', data.uuid).executeTakeFirst();
      if (exists) throw conflict(`instance ${data.uuid} already exists`, { uuid: data.uuid });
      const revision = await this.bump(trx);
      const now = new Date().toISOString();
      const row = {
        uuid: data.uuid,
        project_id: data.project_id,
        doc: toRowDoc(data),
        user_data: data.user_data,
        password: data.password,
        created_at: now,
        updated_at: now,
        revision,
      };
      await trx.insertInto('instances').values(row).execute();
      await this.claimAddresses(trx, data.uuid, data);
      await trx.deleteFrom('tombstones').where('uuid', '=', data.uuid).execute();
      return fromRow(row);
    });
  }

  async get(uuid: string): Promise<Instance | undefined> {
    const row = await this.db.selectFrom('instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(q: InstanceQuery): Promise<Instance[]> {
    let query = this.db.selectFrom('instances').selectAll('instances');
    if (q.address !== undefined) {
      query = query.innerJoin('instance_addresses', 'instance_addresses.uuid', 'instances.uuid').where('instance_addresses.address', '=', q.address);
    }
    if (q.project_id !== undefined) query = query.where('instances.project_id', '=', q.project_id);
    if (q.marker !== undefined) query = query.where('instances.uuid', '>', q.marker);
    const rows = await query.orderBy('instances.uuid').limit(q.limit).execute();
    return rows.map(fromRow);
  }

  async update(uuid: string, data: InstanceData, opts: { ifRevision?: number } = {}): Promise<Instance> {
    if (data.uuid !== uuid) throw new KindlingError(400, 'bad_request', 'uuid cannot change');
    return this.db.transaction().execute(async (trx) => {
      const cur = await trx.selectFrom('instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
      if (!cur) throw notFound(`instance ${uuid}`);
      if (opts.ifRevision !== undefined && Number(cur.revision) !== opts.ifRevision) {
        throw conflict(`instance ${uuid} changed meanwhile (revision ${cur.revision}, expected ${opts.ifRevision})`, { revision: Number(cur.revision) });
      }
      const revision = await this.bump(trx);
      const row = {
        ...cur,
        project_id: data.project_id,
        doc: toRowDoc(data),
        user_data: data.user_data,
        updated_at: new Date().toISOString(),
        revision,
      };
      await trx.updateTable('instances').set(row).where('uuid', '=', uuid).execute();
      await trx.deleteFrom('instance_addresses').where('uuid', '=', uuid).execute();
      await this.claimAddresses(trx, uuid, data);
      return fromRow(row);
    });
  }

  async delete(uuid: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('instances').where('uuid', '=', uuid).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) return false;
      await trx.deleteFrom('instance_addresses').where('uuid', '=', uuid).execute();
      const revision = await this.bump(trx);
      await trx
        .insertInto('tombstones')
        .values({ uuid, revision })
        .onConflict((oc) => oc.column('uuid').doUpdateSet({ revision }))
        .execute();
      return true;
    });
  }

  async setPassword(uuid: string, password: string | null, opts: { onlyIfUnset: boolean }): Promise<PasswordResult> {
    return this.db.transaction().execute(async (trx) => {
      const cur = await trx.selectFrom('instances').selectAll().where('uuid', '=', uuid).executeTakeFirst();
      if (!cur) return { ok: false, reason: 'not_found' } as const;
      if (opts.onlyIfUnset && cur.password) return { ok: false, reason: 'conflict' } as const;
      const revision = await this.bump(trx);
      const row = { ...cur, password, updated_at: new Date().toISOString(), revision };
      await trx.updateTable('instances').set({ password, updated_at: row.updated_at, revision }).where('uuid', '=', uuid).execute();
      return { ok: true, instance: fromRow(row) } as const;
    });
  }

  async *all(): AsyncIterable<Instance> {
    // Pages by uuid keep memory flat however large the registry is.
    let marker: string | undefined;
    for (;;) {
      const page = await this.list({ limit: 1000, ...(marker !== undefined ? { marker } : {}) });
      for (const i of page) yield i;
      if (page.length < 1000) return;
      marker = page[page.length - 1]!.uuid;
    }
  }

  async changesSince(revision: number): Promise<ChangeSet> {
    return this.db.transaction().execute(async (trx) => {
      const now = await trx.selectFrom('counters').select('value').where('name', '=', 'revision').executeTakeFirstOrThrow();
      const rows = await trx.selectFrom('instances').selectAll().where('revision', '>', revision).orderBy('revision').execute();
      const gone = await trx.selectFrom('tombstones').select('uuid').where('revision', '>', revision).orderBy('revision').execute();
      return { revision: Number(now.value), upserts: rows.map(fromRow), deleted: gone.map((g) => g.uuid) };
    });
  }

  async revision(): Promise<number> {
    const row = await this.db.selectFrom('counters').select('value').where('name', '=', 'revision').executeTakeFirstOrThrow();
    return Number(row.value);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
