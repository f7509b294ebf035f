// The in-memory index guests are served from: instances by identifying address (IP or MAC) and by
// uuid. The registry (or, with a shared store, its change feed) keeps it fresh; a guest request
// never waits on the store.
import type { Instance } from '../../wire/instance.js';
import { addressKeys } from '../store/row.js';
import type { RegistryChange } from '../registry/registry.js';
import type { RenderContext } from './render-context.js';
import { GuestView } from './view.js';

export class InstanceIndex {
  private readonly byAddr = new Map<string, GuestView>();
  private readonly byId = new Map<string, GuestView>();

  constructor(readonly ctx: RenderContext) {}

  get size(): number {
    return this.byId.size;
  }

  byAddress(key: string): GuestView | undefined {
    return this.byAddr.get(key);
  }

  byUuid(uuid: string): GuestView | undefined {
    return this.byId.get(uuid);
  }

  /** Every indexed uuid (a replica's resync removes those the store no longer has). */
  uuids(): IterableIterator<string> {
    return this.byId.keys();
  }

  upsert(instance: Instance): GuestView {
    const bucket = this.byId.get(instance.uuid)?.bucket;
    this.remove(instance.uuid);
    const view = new GuestView(instance, this.ctx);
    view.bucket = bucket; // a change to the instance must not refill its rate limit
    this.byId.set(instance.uuid, view);
    for (const a of addressKeys(instance)) this.byAddr.set(a, view);
    return view;
  }

  remove(uuid: string): void {
    const old = this.byId.get(uuid);
    if (!old) return;
    this.byId.delete(uuid);
    // Only drop mappings that still point at this instance (a newer owner may have taken one).
    for (const a of addressKeys(old.instance)) if (this.byAddr.get(a) === old) this.byAddr.delete(a);
  }

  apply(change: RegistryChange): void {
    if (change.kind === 'upsert') this.upsert(change.instance);
    else this.remove(change.uuid);
  }
}
