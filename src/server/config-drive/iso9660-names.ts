// File identifiers for the two ISO 9660 namespaces that sit beside the Rock Ridge names.
//
// Primary: Nova's genisoimage flags (-l -allow-lowercase -allow-multidot -ldots) keep lowercase,
// several dots and 31 characters, so a reader that ignores both extensions (a plain `mount -o
// norock,nojoliet`, a firmware) still sees "meta_data.json". Characters outside [A-Za-z0-9_.]
// become "_", directories carry no dots, files carry the ";1" version.
// Joliet: UCS-2 (UTF-16BE), up to 64 units, which is what Windows and cloudbase-init read.
// Both namespaces need unique names per directory; clashes after mapping or truncation get a
// numeric tail, compared without case because many readers fold it.

const PRIMARY_MAX = 31;
const JOLIET_MAX = 64;

export interface Identifier {
  /** The bytes recorded in the directory record (with ";1" for files). */
  readonly bytes: Uint8Array;
  /** Sort key, ordered as ECMA-119 §9.3 wants (name, then extension, space-padded). */
  readonly sortKey: string;
}

function splitExt(s: string): [string, string] {
  const dot = s.lastIndexOf('.');
  return dot < 0 ? [s, ''] : [s.slice(0, dot), s.slice(dot + 1)];
}

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = s.slice(0, max);
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  return out;
}

/** Shortens stem + ext to `max` units, keeping a short extension intact. */
function fit(stem: string, ext: string, hasDot: boolean, max: number, extMax: number): [string, string] {
  const e = cut(ext, extMax);
  const room = max - (hasDot ? 1 : 0) - e.length;
  return [cut(stem, Math.max(1, room)), e];
}

/** A numeric tail ("000", "001", ...) replacing the end of the stem until the name is free. */
function uniquify(stem: string, ext: string, hasDot: boolean, max: number, taken: Set<string>, key: (n: string) => string): string {
  const join = (s: string) => (hasDot ? `${s}.${ext}` : s);
  const first = join(stem);
  if (!taken.has(key(first))) {
    taken.add(key(first));
    return first;
  }
  for (let i = 0; ; i++) {
    const tail = String(i).padStart(3, '0');
    const room = max - (hasDot ? 1 : 0) - ext.length - tail.length;
    const candidate = join(cut(stem, Math.max(0, room)) + tail);
    if (!taken.has(key(candidate))) {
      taken.add(key(candidate));
      return candidate;
    }
  }
}

const upper = (s: string) => s.toUpperCase();

/** Allocates primary-namespace identifiers for the entries of one directory. */
export class PrimaryNames {
  private readonly taken = new Set<string>();

  name(real: string, isDir: boolean): Identifier {
    let mapped = '';
    for (const ch of real) mapped += /^[A-Za-z0-9_.]$/.test(ch) ? ch : '_';
    if (isDir) {
      const d = uniquify(cut(mapped.replaceAll('.', '_'), PRIMARY_MAX), '', false, PRIMARY_MAX, this.taken, upper);
      return { bytes: Buffer.from(d, 'latin1'), sortKey: pad(d, PRIMARY_MAX) };
    }
    const [s0, e0] = splitExt(mapped);
    const [stem, ext] = fit(s0, e0, true, PRIMARY_MAX, 8);
    const n = uniquify(stem, ext, true, PRIMARY_MAX, this.taken, upper);
    const [s, e] = splitExt(n);
    return { bytes: Buffer.from(`${n};1`, 'latin1'), sortKey: pad(s, PRIMARY_MAX) + pad(e, PRIMARY_MAX) };
  }
}

function pad(s: string, w: number): string {
  return s.padEnd(w, ' ');
}

/** Allocates Joliet identifiers for the entries of one directory. */
export class JolietNames {
  private readonly taken = new Set<string>();

  name(real: string, isDir: boolean): Identifier {
    const mapped = real.replace(/[\u0000-\u001f*/:;?\\]/g, '_');
    let n: string;
    if (isDir) {
      n = uniquify(cut(mapped, JOLIET_MAX), '', false, JOLIET_MAX, this.taken, upper);
    } else {
      const hasDot = mapped.includes('.');
      const [s0, e0] = splitExt(mapped);
      const [stem, ext] = mapped.length <= JOLIET_MAX ? [s0, e0] : fit(s0, e0, hasDot, JOLIET_MAX, 16);
      n = uniquify(stem, ext, hasDot, JOLIET_MAX, this.taken, upper);
    }
    return { bytes: utf16be(isDir ? n : `${n};1`), sortKey: n };
  }
}

export function utf16be(s: string): Uint8Array {
  const b = Buffer.from(s, 'utf16le');
  b.swap16();
  return b;
}

/** Orders identifiers by their sort keys, as code units (the byte order of the recorded names). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
