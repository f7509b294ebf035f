// The in-memory index guests are served from: instances by identifying address (IP or MAC) and by
// uuid. The registry (or, with a shared store, its change feed) keeps it fresh; a guest request
// never waits on the store.
//
// A replica holds every instance of the fleet, so each is kept compact: its stored form (the
// record's JSON text, unparsed) in an IndexEntry, packed against a reference made of the fleet's
// own records (record-codec.ts), its user data shared with the instances that have the same
// (shared-text.ts). The codec is made from a sample of the first PACK_AFTER entries; from then on
// every entry is packed as it arrives, so a loading replica never holds the plain texts of the
// whole fleet.
// The parsed record and the documents rendered from it live in a GuestView, built on a guest's
// request and kept in a bounded cache of the most recently used views; an evicted view is rebuilt
// from the entry when its guest asks again.
import type { Instance } from '../../wire/instance.js';
import type { RegistryChange } from '../registry/registry.js';
import { toStored } from '../store/row.js';
import type { StoredInstance } from '../store/store.js';
import type { Bucket } from './rate-limit.js';
import { RecordCodec, spreadSample } from './record-codec.js';
import type { RenderContext } from './render-context.js';
import { share, type SharedText } from './shared-text.js';
import { GuestView } from './view.js';
import { DEFAULT_VIEW_CACHE } from './view-cache.js';

/** Entries kept plain until the codec is made from a sample of them (see InstanceIndex.packAll). */
const PACK_AFTER = 1000;
/** Records in the codec's reference (about 1.2 KB each for a typical record). */
const SAMPLES = 4;
/** Between a packed record's times and its text (neither holds a control character). */
const TIME_SEP = '\u0002';
/** User data this long or longer is shared between entries that have the same. */
const SHARE_USER_DATA = 64;

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
  /** Set when `record.doc` holds the packed text rather than the JSON. */
  private codec: RecordCodec | undefined;
  /** The user data once packed: shared with entries that have the same, as a one-byte string. */
  private userData: SharedText | string | null = null;

  constructor(private readonly record: StoredInstance, private readonly index: InstanceIndex) {}

  get uuid(): string {
    return this.record.uuid;
  }

  get projectId(): string {
    return this.record.project_id;
  }

  get revision(): number {
    return this.record.revision;
  }

  get password(): string | null {
    return this.record.password;
  }

  /** The identifying addresses (IPs and MACs) the index maps to this entry. */
  get addresses(): readonly string[] {
    return this.record.addresses;
  }

  get packed(): boolean {
    return this.codec !== undefined;
  }

  /** The stored form, with the record's JSON text and user data (copies when packed). */
  stored(): StoredInstance {
    const codec = this.codec;
    if (codec === undefined) return this.record;
    const ud = this.userData;
    const user_data = ud === null ? null : Buffer.from(typeof ud === 'string' ? ud : ud.text, 'latin1');
    const text = codec.unpack(this.record.doc);
    const a = text.indexOf(TIME_SEP);
    const b = text.indexOf(TIME_SEP, a + 1);
    return { ...this.record, created_at: text.slice(0, a), updated_at: text.slice(a + 1, b), doc: text.slice(b + 1), user_data };
  }

  /** What is packed: the record's times and its JSON text, as one text in pieces. */
  static packable(s: StoredInstance): string[] {
    return [s.created_at, TIME_SEP, s.updated_at, TIME_SEP, s.doc];
  }

  /** Packs the record's times and text with `codec`, and its user data (once). */
  pack(codec: RecordCodec): void {
    if (this.codec !== undefined) return;
    const r = this.record as { doc: string; user_data: Uint8Array | null; created_at: string; updated_at: string };
    r.doc = codec.pack(IndexEntry.packable(r as StoredInstance));
    r.created_at = r.updated_at = '';
    if (r.user_data !== null) {
      const text = Buffer.from(r.user_data.buffer, r.user_data.byteOffset, r.user_data.byteLength).toString('latin1');
      this.userData = text.length >= SHARE_USER_DATA ? share(text) : text;
      r.user_data = null;
    }
    this.codec = codec;
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
  /** Packs record texts; made from a sample of the first entries (see packAll). */
  private codec: RecordCodec | undefined;
  /** Entries added before there was a codec. */
  private unpacked: IndexEntry[] = [];
  /** Project ids, one string each (kept for the life of the index: a few per fleet). */
  private readonly projects = new Map<string, string>();

  /** `viewCache`: how many instances' views are kept (at least 1). */
  constructor(
    readonly ctx: RenderContext,
    readonly viewCache: number = DEFAULT_VIEW_CACHE,
    /** Whether record texts are kept packed (record-codec.ts). */
    readonly packRecords = true,
  ) {
    if (!(viewCache >= 1)) throw new Error('the view cache holds at least one view');
  }

  /** How many entries wait to be packed. */
  get unpackedCount(): number {
    return this.unpacked.length;
  }

  /**
   * Makes the codec, from a sample of the entries added so far, unless there is one, and packs
   * every entry that waits. The index calls it itself once PACK_AFTER entries wait; a replica calls
   * it when its start-up load is in, whatever the fleet's size.
   */
  packAll(): void {
    if (!this.packRecords) return;
    const live = this.unpacked.filter((e) => !e.packed && this.byId.get(e.uuid) === e);
    this.unpacked = [];
    if (live.length === 0) return;
    this.codec ??= RecordCodec.fromSamples(spreadSample(live, SAMPLES).map((e) => IndexEntry.packable(e.stored()).join('')));
    for (const e of live) e.pack(this.codec);
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
    const view = new GuestView(e, this.ctx);
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

  /** Adds or replaces an instance; the index takes `stored` over (its text may be packed in place). */
  upsertStored(stored: StoredInstance): IndexEntry {
    return this.put(stored, this.byId.get(stored.uuid));
  }

  /** Adds `stored` in place of `old`, the entry the index holds for its uuid (if any). */
  private put(stored: StoredInstance, old: IndexEntry | undefined): IndexEntry {
    // one string per project, not one per row read (a fleet has far fewer projects than instances)
    let project = this.projects.get(stored.project_id);
    if (project === undefined) this.projects.set(stored.project_id, (project = stored.project_id));
    stored.project_id = project;
    const entry = new IndexEntry(stored, this);
    if (old) {
      // a change to the instance must not refill its rate limit; the signature depends on the uuid only
      entry.bucket = old.bucket;
      entry.signature = old.signature;
      this.remove(stored.uuid);
    }
    this.byId.set(stored.uuid, entry);
    for (const a of stored.addresses) this.byAddr.set(a, entry);
    if (this.packRecords) {
      if (this.codec !== undefined) entry.pack(this.codec);
      else if (this.unpacked.push(entry) >= PACK_AFTER) this.packAll();
    }
    return entry;
  }

  remove(uuid: string): void {
    const old = this.byId.get(uuid);
    if (!old) return;
    this.byId.delete(uuid);
    if (old.cached !== undefined) this.evict(old);
    // Only drop mappings that still point at this instance (a newer owner may have taken one).
    for (const a of old.addresses) if (this.byAddr.get(a) === old) this.byAddr.delete(a);
  }

  apply(change: RegistryChange): void {
    if (change.kind === 'upsert') this.upsert(change.instance);
    else this.remove(change.uuid);
  }

  /**
   * A record read by resynchronisation `mark`: an entry of the same revision is the same record
   * and is kept (with whatever view it has cached); any other replaces it. Either way the entry is
   * marked as seen (see sweep). One lookup, which matters when a replica loads its fleet.
   */
  refresh(stored: StoredInstance, mark: number): void {
    const cur = this.byId.get(stored.uuid);
    (cur?.revision === stored.revision ? cur : this.put(stored, cur)).mark = mark;
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
