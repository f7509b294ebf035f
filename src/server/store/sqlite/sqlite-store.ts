// The embedded default store: one SQLite file through Kysely over better-sqlite3, in WAL mode so
// readers never block the writer, with versioned migrations. The SQL itself is shared (sql-store.ts).
import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { KindlingError } from '../../errors.js';
import { makeDirs } from '../../make-dirs.js';
import { SqlStore } from '../sql-store.js';
import type { ChangeWatch, ChangeWatcher } from '../store.js';
import type { StoreTables } from '../tables.js';
import { sqliteMigrations } from './sqlite-migrations.js';

/** How often other writers' commits are looked for (several processes on one file). */
const POLL_MS = 200;

export class SqliteStore extends SqlStore {
  readonly description: string;
  protected readonly db: Kysely<StoreTables>;
  protected readonly migrations = sqliteMigrations;
  private readonly raw: Database.Database;

  constructor(readonly file: string) {
    super();
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

  protected async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      // Another process held the write lock past the busy timeout: retryable, not a bug.
      if (typeof e === 'object' && e !== null && String((e as { code?: unknown }).code).startsWith('SQLITE_BUSY')) {
        throw new KindlingError(503, 'store_unavailable', `the store ${this.description} is busy (another process holds its write lock); retry`);
      }
      throw e;
    }
  }

  /**
   * SQLite has no notifications: another process's commit shows as a new revision. Reading one
   * row of the local file a few times a second costs microseconds.
   */
  async watch(watcher: ChangeWatcher): Promise<ChangeWatch> {
    const read = this.raw.prepare(`SELECT value FROM counters WHERE name = 'revision'`).pluck();
    let last = Number(read.get());
    let failing = false;
    const timer = setInterval(() => {
      try {
        const now = Number(read.get());
        if (failing) {
          failing = false;
          watcher.restored();
        }
        if (now !== last) {
          last = now;
          watcher.changed(now);
        }
      } catch (e) {
        if (!failing) watcher.lost(`cannot read ${this.description}: ${(e as Error).message}`);
        failing = true;
      }
    }, POLL_MS);
    timer.unref();
    return { close: async () => clearInterval(timer) };
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
