// The in-memory index guests are served from: instances by identifying address (IP or MAC) and by
// uuid. The registry (or, with a shared store, its change feed) keeps it fresh; a guest request
// never waits on the store.
//
// A replica holds every instance of the fleet, so each is kept compact: its stored form (the
// record's JSON text, unparsed) in an IndexEntry. The parsed record and the documents rendered from
// it live in a GuestView, built on a guest's request and kept in a bounded cache of the most
// recently used views; an evicted view is rebuilt from the entry when its guest asks again.
import type { Instance } from '../../wire/instance.js';
import type { RegistryChange } from '../registry/registry.js';
import { toStored } from '../store/row.js';
import type { StoredInstance } from '../store/store.js';
import type { Bucket } from './rate-limit.js';
import type { RenderContext } from './render-context.js';
import { GuestView } from './view.js';
import { DEFAULT_VIEW_CACHE } from './view-cache.js';


/** One instance as the index holds it: what identification needs, the stored record, its view. */
export class IndexEntry {
  /** The per-instance rate limit's bucket (carried over when the instance changes). */
  bucket: Bucket | undefined;
  /** neutron-proxy's expected X-Instance-ID-Signature, computed on first use. */
  signature: string | undefined;
  /** The rendered view while it is cached; `prev`/`next` link the cache's recency list. */
  cached: GuestView | undefined;
  prev: IndexEntry | undefined;
  next: IndexEntry | undefined;
  /** The last resynchronisation that saw this entry (see InstanceIndex.sweep). */
  mark = 0;

  constructor(readonly stored: StoredInstance, private readonly index: InstanceIndex) {}

  get uuid(): string {
    return this.stored.uuid;
  }

  get projectId(): string {
    return this.stored.project_id;
  }

  get revision(): number {
    return this.stored.revision;
  }

  /** The instance's view: cached, or rendered from the stored record now. */
  view(): GuestView {
    return this.index.viewOf(this);
  }
}

export class InstanceIndex {
  private readonly byAddr = new Map<string, IndexEntry>();
  private readonly byId = new Map<string, IndexEntry>();
  // The view cache: a list from the most recently used (head) to the least (tail).
  private head: IndexEntry | undefined;
  private tail: IndexEntry | undefined;
  private views = 0;
  /** Views built since start (a cache miss each): for /healthz and benchmarks. */
  rendered = 0;

  /** `viewCache`: how many instances' views are kept (at least 1). */
  constructor(readonly ctx: RenderContext, readonly viewCache: number = DEFAULT_VIEW_CACHE) {
    if (!(viewCache >= 1)) throw new Error('the view cache holds at least one view');
  }

  get size(): number {
    return this.byId.size;
  }

  /** How many views are cached now. */
  get cachedViews(): number {
    return this.views;
  }

  byAddress(key: string): IndexEntry | undefined {
    return this.byAddr.get(key);
  }

  byUuid(uuid: string): IndexEntry | undefined {
    return this.byId.get(uuid);
  }

  /** Every indexed uuid. */
  uuids(): IterableIterator<string> {
    return this.byId.keys();
  }

  viewOf(e: IndexEntry): GuestView {
    const v = e.cached;
    if (v !== undefined) {
      if (e !== this.head) {
        this.unlink(e);
        this.pushHead(e);
      }
      return v;
    }
    const view = new GuestView(e.stored, this.ctx);
    this.rendered++;
    // an entry replaced meanwhile (a change arrived) is not cached: its successor will be
    if (this.byId.get(e.uuid) !== e) return view;
    e.cached = view;
    this.pushHead(e);
    this.views++;
    if (this.views > this.viewCache) this.evict(this.tail!);
    return view;
  }

  upsert(instance: Instance): IndexEntry {
    return this.upsertStored(toStored(instance));
  }

  upsertStored(stored: StoredInstance): IndexEntry {
    const old = this.byId.get(stored.uuid);
    const entry = new IndexEntry(stored, this);
    if (old) {
      // a change to the instance must not refill its rate limit; the signature depends on the uuid only
      entry.bucket = old.bucket;
      entry.signature = old.signature;
      this.remove(stored.uuid);
    }
    this.byId.set(stored.uuid, entry);
    for (const a of stored.addresses) this.byAddr.set(a, entry);
    return entry;
  }

  remove(uuid: string): void {
    const old = this.byId.get(uuid);
    if (!old) return;
    this.byId.delete(uuid);
    if (old.cached !== undefined) this.evict(old);
    // Only drop mappings that still point at this instance (a newer owner may have taken one).
    for (const a of old.stored.addresses) if (this.byAddr.get(a) === old) this.byAddr.delete(a);
  }

  apply(change: RegistryChange): void {
    if (change.kind === 'upsert') this.upsert(change.instance);
    else this.remove(change.uuid);
  }

  /** Marks an entry as seen by resynchronisation `mark` (see sweep). */
  see(entry: IndexEntry, mark: number): void {
    entry.mark = mark;
  }

  /** Removes every entry not marked with `mark`: those the store no longer has. Returns how many. */
  sweep(mark: number): number {
    const gone: string[] = [];
    for (const e of this.byId.values()) if (e.mark !== mark) gone.push(e.uuid);
    for (const uuid of gone) this.remove(uuid);
    return gone.length;
  }

  private pushHead(e: IndexEntry): void {
    e.prev = undefined;
    e.next = this.head;
    if (this.head) this.head.prev = e;
    this.head = e;
    this.tail ??= e;
  }

  private unlink(e: IndexEntry): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = undefined;
  }

  private evict(e: IndexEntry): void {
    this.unlink(e);
    e.cached = undefined;
    this.views--;
  }
}
