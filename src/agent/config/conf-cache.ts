// Parsed YAML config files, cached for the rest of the boot in /run/kindling-init/conf-cache.json
// (0600: configs can hold secrets), keyed by each file's inode, size, mtime and ctime. Every stage
// reads the same cloud.cfg, cloud.cfg.d/*.cfg and cloud-config.txt; parsing YAML again in each of
// them costs more than the rest of a typical stage. A changed or replaced file misses the cache.
import type { FileStat, Host } from '../host/host.js';

const CACHE_PATH = '/run/kindling-init/conf-cache.json';
const FORMAT = 'kindling-conf-cache';
const VERSION = 1;

interface Entry {
  key: string;
  value: unknown;
}

function statKey(st: FileStat): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

// JSON with the two YAML types JSON lacks: binary and timestamps
function encode(v: unknown): unknown {
  if (v instanceof Uint8Array) return { __kb64: Buffer.from(v).toString('base64') };
  if (v instanceof Date) return { __kdate: v.toISOString() };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
}

function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.__kb64 === 'string' && Object.keys(o).length === 1) return Buffer.from(o.__kb64, 'base64');
    if (typeof o.__kdate === 'string' && Object.keys(o).length === 1) return new Date(o.__kdate);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

export class ConfCache {
  private entries = new Map<string, Entry>();
  private dirty = false;
  private loaded = false;

  constructor(private readonly host: Host) {}

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const t = await this.host.fs.readTextIfExists(CACHE_PATH);
      if (!t) return;
      const c = JSON.parse(t) as { format?: string; version?: number; entries?: Record<string, Entry> };
      if (c.format !== FORMAT || c.version !== VERSION || !c.entries) return;
      for (const [p, e] of Object.entries(c.entries)) this.entries.set(p, e);
    } catch {
      this.entries.clear(); // an unreadable cache is no cache
    }
  }

  /** The parsed value for `path` if the file is unchanged since it was cached (a fresh copy). */
  async get(path: string, st: FileStat): Promise<unknown | undefined> {
    await this.load();
    const e = this.entries.get(path);
    if (!e || e.key !== statKey(st)) return undefined;
    return decode(structuredClone(e.value));
  }

  async put(path: string, st: FileStat, value: unknown): Promise<void> {
    await this.load();
    this.entries.set(path, { key: statKey(st), value: encode(value) });
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const body = { format: FORMAT, version: VERSION, entries: Object.fromEntries(this.entries) };
    try {
      await this.host.fs.writeFile(CACHE_PATH, JSON.stringify(body), { mode: 0o600 });
    } catch (e) {
      this.host.log.log('DEBUG', 'util', `not caching parsed config: ${(e as Error).message}`);
    }
  }
}

const caches = new WeakMap<Host, ConfCache>();

/** The cache of a host (one per process). */
export function confCache(host: Host): ConfCache {
  let c = caches.get(host);
  if (!c) {
    c = new ConfCache(host);
    caches.set(host, c);
  }
  return c;
}
