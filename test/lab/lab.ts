// The lab: one hypervisor namespace with its bridge, DHCP and servers, and any number of guests on it.
// Everything it creates is named kl<pid>… and removed by close(), or by the reaper if we die first.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Guest, type GuestOptions } from './guest.js';
import { Hypervisor, type HypervisorOptions } from './hypervisor.js';
import { runsRoot } from './paths.js';
import { sweepStale, track, untrack } from './reaper.js';

export interface LabOptions extends HypervisorOptions {
  /** A label for the run directory. */
  name?: string;
  /** Keep the run directory (upper dirs, logs) after close (also: KINDLING_LAB_KEEP=1). */
  keep?: boolean;
}

let counter = 0;

export class Lab {
  readonly guests: Guest[] = [];
  private closed = false;

  private constructor(
    readonly id: string,
    /** Run directory: hv/ (server logs, DHCP leases), guests/<name>/ (upper, boot-N, console.log). */
    readonly dir: string,
    readonly hv: Hypervisor,
    private readonly keep: boolean,
  ) {}

  static async start(opts: LabOptions = {}): Promise<Lab> {
    if (process.getuid?.() !== 0) throw new Error('the guest lab needs root (namespaces, mounts, loop devices)');
    await sweepStale();
    const id = `kl${process.pid}x${++counter}`;
    const dir = join(runsRoot(), `${process.pid}-${counter}${opts.name ? `-${opts.name.replace(/[^A-Za-z0-9_.-]/g, '_')}` : ''}`);
    mkdirSync(join(dir, 'hv'), { recursive: true });
    const keep = opts.keep ?? process.env.KINDLING_LAB_KEEP === '1';
    if (!keep) track('dir', dir);
    try {
      const hv = await Hypervisor.create(`${id}h`, join(dir, 'hv'), opts);
      return new Lab(id, dir, hv, keep);
    } catch (e) {
      if (!keep) rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Adds a guest on the hypervisor's bridge (not booted yet: call guest.boot()). */
  async addGuest(opts: GuestOptions = {}): Promise<Guest> {
    if (this.closed) throw new Error('lab is closed');
    const index = this.guests.length;
    const guest = await Guest.create(this.hv, this.dir, `${this.id}g${index}`, index, opts);
    this.guests.push(guest);
    return guest;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const errors: unknown[] = [];
    for (const g of this.guests) await g.close().catch((e) => errors.push(e));
    await this.hv.close().catch((e) => errors.push(e));
    if (!this.keep) {
      rmSync(this.dir, { recursive: true, force: true });
      untrack('dir', this.dir);
    } else if (process.env.KINDLING_LAB_KEEP === '1') {
      process.stderr.write(`[lab] kept ${this.dir}\n`);
    }
    if (errors.length) throw new AggregateError(errors, 'lab close failed');
  }
}

/** Runs fn with a started lab and always closes it. */
export async function withLab<T>(opts: LabOptions, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.start(opts);
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}
