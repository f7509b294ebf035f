// The shared store for several replicas: PostgreSQL through Kysely over node-postgres, with
// versioned migrations. The SQL is shared with SQLite (sql-store.ts); this file opens the pool,
// turns outages into 503s, and follows other replicas' writes through LISTEN/NOTIFY.
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KindlingError } from '../../errors.js';
import { columnAddressKeys } from '../row.js';
import { SqlStore } from '../sql-store.js';
import type { ChangeWatch, ChangeWatcher, StoredInstance } from '../store.js';
import type { StoreTables } from '../tables.js';
import { isOutage, outageReason } from './postgres-errors.js';
import { postgresMigrations } from './postgres-migrations.js';
import { DEFAULT_WATCH_TIMING, watchPostgres, type WatchTiming } from './postgres-watch.js';

/** loadStored's query: every row as an array of its columns, in storedFromColumns' order. */
const LOAD_QUERY: pg.QueryArrayConfig = {
  text: 'SELECT uuid, project_id, doc, user_data, password, created_at, updated_at, revision, addresses FROM instances',
  rowMode: 'array',
};
/** Rows handed on at a time while loading. */
const LOAD_BATCH = 256;

function storedFromColumns(c: unknown[]): StoredInstance {
  const doc = c[2] as string;
  return {
    uuid: c[0] as string,
    project_id: c[1] as string,
    doc,
    user_data: c[3] as Uint8Array | null,
    password: c[4] as string | null,
    created_at: c[5] as string,
    updated_at: c[6] as string,
    revision: Number(c[7]),
    addresses: columnAddressKeys(c[8] as string, doc),
  };
}

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
   * One plain scan, one snapshot (a single statement), streamed: every row is converted as it
   * arrives and handed on in small batches, so the load never holds more than a socket read's
   * worth of rows. A cursor's pages (or a whole result) would sit in memory until converted, and
   * the young-generation collections that copy them cost more than the conversion itself at fleet
   * size (docs/benchmarks.md).
   */
  override loadStored(page: (instances: StoredInstance[]) => void): Promise<void> {
    return this.guard(async () => {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          let batch: StoredInstance[] = [];
          let failed: unknown;
          const flush = () => {
            const b = batch;
            batch = [];
            page(b);
          };
          const q = client.query(new pg.Query<unknown[]>(LOAD_QUERY));
          q.on('row', (row: unknown[]) => {
            if (failed !== undefined) return;
            try {
              batch.push(storedFromColumns(row));
              if (batch.length === LOAD_BATCH) flush();
            } catch (e) {
              failed = e; // the rest of the stream is read and dropped; the load fails at its end
            }
          });
          q.on('error', (e) => {
            broken = e;
            reject(e);
          });
          q.on('end', () => {
            if (failed === undefined && batch.length > 0) {
              try {
                flush();
              } catch (e) {
                failed = e;
              }
            }
            if (failed === undefined) resolve();
            else reject(failed instanceof Error ? failed : new Error(String(failed)));
          });
        });
      } finally {
        // a connection whose query failed is closed rather than reused (it may be half-way)
        client.release(broken);
      }
    });
  }

  watch(watcher: ChangeWatcher): Promise<ChangeWatch> {
    return watchPostgres(this.config, watcher, this.opts.watchTiming ?? DEFAULT_WATCH_TIMING);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
