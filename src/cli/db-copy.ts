// `kindling db copy`: moves a fleet between stores (an SQLite file into PostgreSQL, or back) record
// for record: uuid, timestamps, user data and the guest's password as they are. It compares before
// it writes, so a second run writes nothing and an interrupted run resumes, and it ends by reading
// the target back and comparing every record with the source.
import { createHash } from 'node:crypto';
import type { Instance } from '../wire/instance.js';
import type { Store } from '../server/store/store.js';

const BATCH = 500;

/** A digest of everything but the target-local revision, independent of key order. */
export function fingerprint(i: Instance): string {
  const { revision: _r, ...rest } = i;
  return createHash('sha256').update(canonical(rest)).digest('base64');
}

function canonical(v: unknown): string {
  if (v instanceof Uint8Array) return JSON.stringify(`b64:${Buffer.from(v).toString('base64')}`);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

async function fingerprints(store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const i of store.all()) out.set(i.uuid, fingerprint(i));
  return out;
}

export interface Comparison {
  source: number;
  identical: number;
  /** In both, with different content. */
  differing: string[];
  /** In the source only. */
  missing: string[];
  /** In the target only. */
  extra: string[];
}

export function compare(source: Map<string, string>, target: Map<string, string>): Comparison {
  const c: Comparison = { source: source.size, identical: 0, differing: [], missing: [], extra: [] };
  for (const [uuid, fp] of source) {
    const t = target.get(uuid);
    if (t === undefined) c.missing.push(uuid);
    else if (t !== fp) c.differing.push(uuid);
    else c.identical++;
  }
  for (const uuid of target.keys()) if (!source.has(uuid)) c.extra.push(uuid);
  return c;
}

export interface CopyResult {
  before: Comparison;
  written: number;
  pruned: number;
  after: Comparison;
}

export async function copyStore(from: Store, to: Store, opts: { prune: boolean; progress: (line: string) => void }): Promise<CopyResult> {
  const sourcePrints = await fingerprints(from);
  const before = compare(sourcePrints, await fingerprints(to));
  let pruned = 0;
  // Extras first: one of them may hold an address that a source record needs.
  if (opts.prune) for (const uuid of before.extra) if (await to.delete(uuid)) pruned++;
  const wanted = new Set([...before.missing, ...before.differing]);
  let written = 0;
  const deferred: Instance[] = [];
  let batch: Instance[] = [];
  const flush = async () => {
    const b = batch;
    batch = [];
    if (b.length === 0) return;
    try {
      await to.put(b);
      written += b.length;
    } catch (e) {
      // An address still held by a target record that a later batch moves away (two instances that
      // swapped addresses): retry these together at the end, when both sides are in one batch.
      if ((e as { status?: number }).status !== 409) throw e;
      deferred.push(...b);
    }
    if (written > 0 && written % 10_000 < b.length) opts.progress(`copied ${written} of ${wanted.size}`);
  };
  if (wanted.size > 0) {
    for await (const i of from.all()) {
      if (!wanted.has(i.uuid)) continue;
      batch.push(i);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    if (deferred.length) {
      await to.put(deferred);
      written += deferred.length;
    }
  }
  const after = compare(sourcePrints, await fingerprints(to));
  return { before, written, pruned, after };
}

export async function checkStores(from: Store, to: Store): Promise<Comparison> {
  return compare(await fingerprints(from), await fingerprints(to));
}
