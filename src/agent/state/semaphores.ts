// Module run markers, exactly as cloud-init keeps them: a file whose existence means "has run".
// once-per-instance → instances/<iid>/sem/<name>; once → /var/lib/cloud/sem/<name>.once;
// always → no file. Names have "-" replaced by "_" (config-write-files → config_write_files).
import type { Host } from '../host/host.js';

export type Frequency = 'once-per-instance' | 'always' | 'once';
export const PER_INSTANCE: Frequency = 'once-per-instance';
export const PER_ALWAYS: Frequency = 'always';
export const PER_ONCE: Frequency = 'once';
export const FREQUENCIES: readonly Frequency[] = [PER_INSTANCE, PER_ALWAYS, PER_ONCE];

/** `cloud-init single --frequency` short names. */
export const FREQ_SHORT: Record<string, Frequency> = { instance: PER_INSTANCE, always: PER_ALWAYS, once: PER_ONCE };

export function canonSemName(name: string): string {
  return name.replace(/-/g, '_');
}

export class FileSemaphores {
  constructor(
    private readonly host: Host,
    /** Directory for per-instance markers (instances/<iid>/sem). */
    private readonly instanceSemDir: string | undefined,
    /** Directory for per-once markers (/var/lib/cloud/sem). */
    private readonly onceSemDir: string,
  ) {}

  path(name: string, freq: Frequency): string | undefined {
    const n = canonSemName(name);
    if (freq === PER_ALWAYS) return undefined;
    if (freq === PER_INSTANCE) return this.instanceSemDir ? `${this.instanceSemDir}/${n}` : undefined;
    return `${this.onceSemDir}/${n}.${freq}`;
  }

  async hasRun(name: string, freq: Frequency): Promise<boolean> {
    const p = this.path(name, freq);
    if (!p) return false;
    if (await this.host.fs.exists(p)) return true;
    // a marker written under the uncanonicalised name by an old cloud-init
    if (canonSemName(name) !== name) {
      const legacy = freq === PER_INSTANCE ? `${this.instanceSemDir}/${name}` : `${this.onceSemDir}/${name}.${freq}`;
      if (await this.host.fs.exists(legacy)) return true;
    }
    return false;
  }

  /** Writes the marker ("<pid>: <epoch>\n"); returns its path, or undefined for `always`. */
  async mark(name: string, freq: Frequency): Promise<string | undefined> {
    const p = this.path(name, freq);
    if (!p) return undefined;
    await this.host.fs.writeFile(p, `${process.pid}: ${this.host.clock.now()}\n`, { mode: 0o644 });
    return p;
  }

  async clear(name: string, freq: Frequency): Promise<void> {
    const p = this.path(name, freq);
    if (p) await this.host.fs.remove(p);
  }
}
