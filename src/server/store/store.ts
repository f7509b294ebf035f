// The registry's persistence, as an interface. Adapters (sqlite/, postgres/) implement it and
// pass the one conformance suite (conformance.ts). Nothing outside the composition root names an
// adapter. Guests never wait on a store: the service serves from an in-memory index kept fresh
// from these calls.
import type { Instance } from '../../wire/instance.js';

/** What a caller supplies; the store owns the bookkeeping fields. */
export type InstanceData = Omit<Instance, 'created_at' | 'updated_at' | 'revision'>;

/**
 * An instance as the store keeps it, unparsed: what a replica's index holds for each of 100,000
 * instances (the record's JSON text is parsed only when a guest's documents are rendered). `doc`
 * is every field but those beside it, as row.ts writes it; `addresses` are the identifying
 * address keys (canonical IPs and MACs) from the address table.
 */
export interface StoredInstance {
  uuid: string;
  project_id: string;
  doc: string;
  user_data: Uint8Array | null;
  password: string | null;
  created_at: string;
  updated_at: string;
  revision: number;
  addresses: string[];
}

export interface InstanceQuery {
  project_id?: string;
  /** An IP or MAC in canonical form: the instance that owns it. */
  address?: string;
  /** Instances whose uuid sorts after this one (pagination by uuid). */
  marker?: string;
  limit: number;
}

export interface ChangeSet {
  /** The store's revision when the change set was read; pass it back for the next one. */
  revision: number;
  upserts: Instance[];
  deleted: string[];
  /**
   * False when deletions after the asked revision may be missing: their records were purged (the
   * store keeps the deletions of a window of recent revisions). The caller resynchronises then.
   */
  complete: boolean;
}

/** What `kindling db status` reports. */
export interface StoreStatus {
  description: string;
  /** Migrations applied to this database, oldest first, and the ones this version would apply. */
  applied: string[];
  pending: string[];
  revision: number;
  instances: number;
  addresses: number;
  tombstones: number;
}

/**
 * Receives a store's change notifications. A replica learns "something changed, up to revision N"
 * and then asks changesSince; the feed never carries the records themselves.
 */
export interface ChangeWatcher {
  /** The store changed; `revision` is the newest one the feed knows of (undefined when it cannot tell). */
  changed(revision: number | undefined): void;
  /** The feed is broken (the store is unreachable): changes may be missed until `restored`. */
  lost(reason: string): void;
  /** The feed works again. Changes made meanwhile were not announced: resynchronise. */
  restored(): void;
}

export interface ChangeWatch {
  close(): Promise<void>;
}

export type PasswordResult = { ok: true; instance: Instance } | { ok: false; reason: 'conflict' | 'not_found' };

export interface Store {
  /** Human-readable, for logs and /healthz ("sqlite:/var/lib/kindling/kindling.db"). */
  readonly description: string;
  /** Applies pending migrations and returns their names (none when up to date). Idempotent. */
  migrate(): Promise<string[]>;
  status(): Promise<StoreStatus>;
  /**
   * Throws KindlingError 409 when the uuid exists or an address belongs to another instance;
   * nothing is written then.
   */
  create(data: InstanceData): Promise<Instance>;
  /**
   * Creates many instances in one transaction (imports, benchmarks): all or none. The same 409
   * rules as create, also between instances of the batch.
   */
  createMany(data: InstanceData[]): Promise<Instance[]>;
  get(uuid: string): Promise<Instance | undefined>;
  list(query: InstanceQuery): Promise<Instance[]>;
  /**
   * Replaces everything but the bookkeeping (and the guest's password, which has its own call).
   * 404 when unknown; 409 on an address clash or when `ifRevision` is given and stale.
   */
  update(uuid: string, data: InstanceData, opts?: { ifRevision?: number }): Promise<Instance>;
  delete(uuid: string): Promise<boolean>;
  /**
   * The guest's password. `onlyIfUnset` is the metadata API's POST (409 when already set); the
   * operator clears with `null`.
   */
  setPassword(uuid: string, password: string | null, opts: { onlyIfUnset: boolean }): Promise<PasswordResult>;
  /** Every instance, in uuid order; streamed so that 100,000 rows are not one array twice. */
  all(): AsyncIterable<Instance>;
  /**
   * Every instance unparsed, for loading a replica's index: one consistent snapshot (records and
   * addresses agree), handed to `page` in pages as they are read, in no particular order.
   */
  loadStored(page: (instances: StoredInstance[]) => void): Promise<void>;
  /** What changed after `revision` (upserts and deletions), for replicas catching up. */
  changesSince(revision: number): Promise<ChangeSet>;
  revision(): Promise<number>;
  /**
   * Writes records as they are (uuid, timestamps, password included), replacing any with the same
   * uuid, in one transaction: copying a fleet between stores. The store assigns its own revision.
   * 409 when an address belongs to an instance outside the batch; nothing is written then.
   */
  put(instances: Instance[]): Promise<void>;
  /**
   * Starts announcing changes made by any writer of this store (other processes, other hosts),
   * so that an in-memory index can follow them.
   */
  watch(watcher: ChangeWatcher): Promise<ChangeWatch>;
  close(): Promise<void>;
}
