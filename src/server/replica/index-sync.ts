// Keeps a replica's in-memory index equal to the store, whoever writes to it: the store's change
// feed says "changed up to revision N", and the replica reads changesSince(its revision). A full
// resynchronisation runs at start-up and whenever the feed was lost (changes made meanwhile were
// not announced). While the store is unreachable the index keeps its last known state, guests are
// answered from it, and health() says why the replica is degraded.
//
// The replica's own writes reach its index at once through the registry; the notification that
// follows finds nothing newer. Records carry their revision, so a read that was overtaken by a
// newer local write never puts the older version back.
import type { InstanceIndex } from '../guest/instance-index.js';
import type { ChangeWatch, ChangeWatcher, Store } from '../store/store.js';

export interface SyncHealth {
  /** The store revision the index reflects. */
  revision: number;
  /** Why this replica may be serving stale data; absent when it follows the store. */
  degraded?: string;
  degraded_since?: string;
}

type Job = 'catch-up' | 'resync';

export class IndexSync implements ChangeWatcher {
  private revision = 0;
  /** Set by the feed (lost → restored). */
  private feedDown: string | undefined;
  /** Set when reading the store failed, cleared by the next successful read. */
  private readFailure: string | undefined;
  private degradedSince: Date | undefined;
  /** The feed came back; the resync it asked for has not finished yet. */
  private feedBack = false;
  private watch: ChangeWatch | undefined;
  private wanted: Job | undefined;
  private running: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private resyncs = 0;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly index: InstanceIndex,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts following the store, then loads everything. Throws when the store cannot be read. */
  async start(): Promise<void> {
    // the feed first: a change made during the load is announced, not lost
    this.watch = await this.store.watch(this);
    try {
      await this.resync();
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  health(): SyncHealth {
    const reason = this.degradedReason();
    return {
      revision: this.revision,
      ...(reason ? { degraded: reason, degraded_since: this.degradedSince!.toISOString() } : {}),
    };
  }

  /** Undefined when the index follows the store, else why not (for /healthz). */
  degradedReason(): string | undefined {
    return this.feedDown ?? this.readFailure;
  }

  changed(revision: number | undefined): void {
    // Notifications arrive in commit order but may trail a catch-up that already read past them.
    if (revision !== undefined && revision <= this.revision) return;
    this.schedule('catch-up');
  }

  lost(reason: string): void {
    this.feedDown = reason;
    this.feedBack = false;
    this.noteDegraded();
  }

  restored(): void {
    // healthy again only once the resync has read what was missed
    this.feedBack = true;
    this.schedule('resync');
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.watch?.close();
    await this.running?.catch(() => undefined);
  }

  private noteDegraded(): void {
    if (this.degradedSince) return;
    this.degradedSince = new Date();
    this.log(`degraded: ${this.degradedReason()}; guests are answered from the last known state (${this.index.size} instances, revision ${this.revision})`);
  }

  private schedule(job: Job): void {
    if (this.closed) return;
    if (this.wanted !== 'resync') this.wanted = job;
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.wanted && !this.closed) {
      const job = this.wanted;
      this.wanted = undefined;
      try {
        const t0 = Date.now();
        if (job === 'resync') {
          const feedWasBack = this.feedBack;
          await this.resync();
          if (feedWasBack && this.feedBack) {
            this.feedDown = undefined;
            this.feedBack = false;
          }
        } else await this.catchUp();
        this.failures = 0;
        this.readFailure = undefined;
        clearTimeout(this.retryTimer);
        if (this.degradedSince && !this.degradedReason()) {
          this.degradedSince = undefined;
          this.log(`recovered: ${job} to revision ${this.revision} (${this.index.size} instances) in ${Date.now() - t0} ms`);
        }
      } catch (e) {
        this.readFailure = `cannot read the store: ${(e as Error).message}`;
        this.noteDegraded();
        // The feed may still be up (only this read failed): try again with backoff.
        const delay = Math.min(5000, 250 * 2 ** this.failures++);
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.schedule('resync'), delay);
        this.retryTimer.unref();
        return;
      }
    }
  }

  /** Everything, compared with the index: changed records replaced, vanished ones removed. */
  private async resync(): Promise<number> {
    const base = await this.store.revision();
    const mark = ++this.resyncs;
    await this.store.loadStored((page) => {
      for (const s of page) this.index.refresh(s, mark);
    });
    this.index.sweep(mark);
    // a fleet smaller than the index packs by itself is packed now (record-codec.ts)
    this.index.packAll();
    // The pages were read one after another: changes committed meanwhile have revisions above
    // `base` and come from changesSince (also a local write that a later page missed).
    this.revision = base;
    await this.catchUp();
    return this.index.size;
  }

  private async catchUp(): Promise<void> {
    const cs = await this.store.changesSince(this.revision);
    if (!cs.complete) {
      // deletions this far back were purged: only a full comparison finds them
      this.log(`revision ${this.revision} is older than the deletions the store keeps: resynchronising`);
      this.schedule('resync');
      return;
    }
    for (const i of cs.upserts) {
      const cur = this.index.byUuid(i.uuid);
      if (!cur || cur.revision < i.revision) this.index.upsert(i);
    }
    for (const uuid of cs.deleted) {
      const cur = this.index.byUuid(uuid);
      // a view newer than this change set was written after the deletion (re-created)
      if (cur && cur.revision <= cs.revision) this.index.remove(uuid);
    }
    this.revision = Math.max(this.revision, cs.revision);
  }
}
