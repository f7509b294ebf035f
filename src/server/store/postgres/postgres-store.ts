// The shared store for several replicas: PostgreSQL through Kysely over node-postgres, with
// versioned migrations. The SQL is shared with SQLite (sql-store.ts); this file opens the pool,
// turns outages into 503s, and follows other replicas' writes through LISTEN/NOTIFY.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { KindlingError } from '../../errors.js';
import { storedFromRow } from '../row.js';
import { SqlStore } from '../sql-store.js';
import type { ChangeWatch, ChangeWatcher, StoredInstance } from '../store.js';
import type { InstancesTable, StoreTables } from '../tables.js';
import { isOutage, outageReason } from './postgres-errors.js';
import { postgresMigrations } from './postgres-migrations.js';
import { DEFAULT_WATCH_TIMING, watchPostgres, type WatchTiming } from './postgres-watch.js';

export function isPostgresUrl(spec: string): boolean {
  return /^postgres(ql)?:\/\//i.test(spec);
}

/** The URL without its password (or any password= parameter), for logs and /healthz. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.searchParams.delete('password');
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export interface PostgresOptions {
  /** Pool size per process. Writes serialise on the revision row, so a few connections suffice. */
  maxConnections?: number;
  watchTiming?: WatchTiming;
}

export class PostgresStore extends SqlStore {
  readonly description: string;
  protected readonly db: Kysely<StoreTables>;
  protected readonly migrations = postgresMigrations;
  private readonly config: pg.PoolConfig;
  private readonly pool: pg.Pool;

  constructor(readonly url: string, private readonly opts: PostgresOptions = {}) {
    super();
    this.pageSize = 2000; // fewer round trips when a replica loads 100,000 instances
    this.description = describePostgresUrl(url);
    this.config = {
      connectionString: url,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      application_name: 'kindling',
    };
    this.pool = new pg.Pool({ ...this.config, max: opts.maxConnections ?? 4, idleTimeoutMillis: 30_000 });
    // An idle connection that the server closes (a restart) emits here; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.db = new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  protected async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (e instanceof KindlingError || !isOutage(e)) throw e;
      throw new KindlingError(503, 'store_unavailable',
        `the store ${this.description} is unavailable (${outageReason(e)}); retry when it is back ` +
          '(a write cut off by the outage may have been applied)');
    }
  }

  /**
   * One snapshot through a cursor: the server reads the table in its own order (no sort, no index
   * walk) and hands it over in batches, the next one while this process converts the last.
   */
  override loadStored(page: (instances: StoredInstance[]) => void): Promise<void> {
    return this.guard(() =>
      this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          await sql`DECLARE kindling_load NO SCROLL CURSOR FOR SELECT * FROM instances`.execute(trx);
          const fetch = () => sql<InstancesTable>`FETCH ${sql.raw(String(this.pageSize))} FROM kindling_load`.execute(trx);
          // the next batch is asked for before this one is converted: the server reads and sends
          // it meanwhile (the connection queues the query)
          let next = fetch();
          for (;;) {
            const { rows } = await next;
            const more = rows.length === this.pageSize;
            if (more) next = fetch();
            if (rows.length > 0) page(rows.map(storedFromRow));
            if (!more) break;
          }
          await sql`CLOSE kindling_load`.execute(trx);
        }),
    );
  }

  watch(watcher: ChangeWatcher): Promise<ChangeWatch> {
    return watchPostgres(this.config, watcher, this.opts.watchTiming ?? DEFAULT_WATCH_TIMING);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
