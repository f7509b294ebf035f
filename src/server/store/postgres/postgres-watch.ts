// The change feed of the PostgreSQL store: one dedicated connection that LISTENs on the channel the
// revision trigger notifies. It reconnects on its own with capped exponential backoff and jitter,
// and a heartbeat query finds connections that died silently (a host gone, a network partition)
// long before TCP would.
import pg from 'pg';
import type { ChangeWatch, ChangeWatcher } from '../store.js';
import { CHANGES_CHANNEL } from './postgres-migrations.js';
import { outageReason } from './postgres-errors.js';

export interface WatchTiming {
  /** First retry delay after a lost connection; doubles up to maxBackoffMs. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** How often the connection is checked (and the revision read, should a notification be missed). */
  heartbeatMs: number;
  /** A connect or heartbeat taking longer than this counts as a lost connection. */
  timeoutMs: number;
}

// generous: a busy server (many replicas starting at once) must not look like a dead one
export const DEFAULT_WATCH_TIMING: WatchTiming = { minBackoffMs: 200, maxBackoffMs: 5000, heartbeatMs: 5000, timeoutMs: 10_000 };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
    p.then(
      (v) => { clearTimeout(t); resolve(v); },
      (e) => { clearTimeout(t); reject(e); },
    );
  });
}

class PostgresWatch implements ChangeWatch {
  private client: pg.Client | undefined;
  private closed = false;
  /** Connected and listening. */
  private healthy = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private beatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly watcher: ChangeWatcher,
    private readonly timing: WatchTiming,
  ) {}

  /** The first connection: its failure is the caller's (the service cannot start without a store). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const c = new pg.Client({ ...this.config, keepAlive: true, application_name: 'kindling-watch' });
    // Until LISTEN works, failures arrive through the promise; events count once c is the client.
    c.on('error', (e) => this.lose(c, e));
    c.on('end', () => this.lose(c, new Error('the connection closed')));
    c.on('notification', (n) => {
      if (n.channel === CHANGES_CHANNEL) this.watcher.changed(n.payload ? Number(n.payload) : undefined);
    });
    const { timeoutMs } = this.timing;
    try {
      await withTimeout(c.connect(), timeoutMs, 'connecting');
      await withTimeout(c.query(`LISTEN ${CHANGES_CHANNEL}`), timeoutMs, 'LISTEN');
    } catch (e) {
      this.drop(c);
      throw e;
    }
    if (this.closed) {
      this.drop(c);
      return;
    }
    this.client = c;
    this.attempt = 0;
    this.healthy = true;
    this.heartbeat(c);
  }

  private drop(c: pg.Client): void {
    if (this.client === c) this.client = undefined;
    clearTimeout(this.beatTimer);
    c.removeAllListeners();
    c.on('error', () => undefined);
    c.end().catch(() => undefined);
  }

  private lose(c: pg.Client, e: unknown): void {
    if (this.client !== c) return; // an old connection's late event
    this.drop(c);
    if (this.closed) return;
    if (this.healthy) {
      this.healthy = false;
      this.watcher.lost(`the store's change feed is down: ${outageReason(e)}`);
    }
    this.retry();
  }

  private retry(): void {
    const { minBackoffMs, maxBackoffMs } = this.timing;
    const delay = Math.min(maxBackoffMs, minBackoffMs * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
    this.retryTimer = setTimeout(() => {
      if (this.closed) return;
      this.connect().then(
        // LISTEN is in effect before the watcher resynchronises, so nothing falls between the two
        () => { if (this.healthy && !this.closed) this.watcher.restored(); },
        () => { if (!this.closed) this.retry(); },
      );
    }, delay);
  }

  private heartbeat(c: pg.Client): void {
    this.beatTimer = setTimeout(async () => {
      try {
        const r = await withTimeout(c.query<{ value: string }>(`SELECT value FROM counters WHERE name = 'revision'`), this.timing.timeoutMs, 'the heartbeat');
        if (this.client !== c) return;
        this.watcher.changed(Number(r.rows[0]?.value));
        this.heartbeat(c);
      } catch (e) {
        this.lose(c, e);
      }
    }, this.timing.heartbeatMs);
    this.beatTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.beatTimer);
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => undefined);
      await c.end().catch(() => undefined);
    }
  }
}

export async function watchPostgres(config: pg.ClientConfig, watcher: ChangeWatcher, timing: WatchTiming = DEFAULT_WATCH_TIMING): Promise<ChangeWatch> {
  const w = new PostgresWatch(config, watcher, timing);
  await w.start();
  return w;
}
