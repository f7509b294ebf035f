// FAT directory names: an 8.3 short name for every entry and, when the real name is not exactly
// its own short name, VFAT long-name (LFN) entries carrying it in UTF-16. Short names follow the
// usual basis-name-plus-"~N" scheme, unique per directory.

import { ImageError } from './image-tree.js';

/** Characters a FAT long name cannot hold (besides controls). */
const LONG_FORBIDDEN = /[\u0000-\u001f"*/:<>?\\|\u007f]/;
/** Characters allowed in a short name besides A-Z and 0-9. */
const SHORT_EXTRA = new Set([...'!#$%&\'()-@^_`{}~']);

export function checkFatName(name: string, where: string): void {
  const why =
    LONG_FORBIDDEN.test(name) ? 'a character FAT cannot store (one of " * : < > ? \\ | or a control character)'
    : /[. ]$/.test(name) ? 'a trailing dot or space, which FAT drivers strip'
    : name.length > 255 ? 'more than 255 UTF-16 units, the FAT long-name limit'
    : undefined;
  if (why) throw new ImageError('bad-name', `${where}: ${why}`);
}

export interface FatName {
  /** 11 bytes: name padded to 8, extension padded to 3. */
  short: Uint8Array;
  /** LFN entries in on-disk order (last piece first), empty when the short name says it all. */
  long: Uint8Array[];
}

function shortChars(s: string): { text: string; lossy: boolean } {
  let text = '';
  let lossy = false;
  for (const ch of s.toUpperCase()) {
    if (/[A-Z0-9]/.test(ch) || SHORT_EXTRA.has(ch)) text += ch;
    else if (ch === ' ' || ch === '.') lossy = true; // dropped, as Windows does
    else { text += '_'; lossy = true; }
  }
  return { text, lossy };
}

/** Allocates names for the entries of one directory. */
export class FatNames {
  private readonly taken = new Set<string>();

  name(real: string): FatName {
    const dot = real.lastIndexOf('.');
    const hasExt = dot > 0;
    const base = shortChars(hasExt ? real.slice(0, dot) : real.replace(/^\.+/, ''));
    const ext = shortChars(hasExt ? real.slice(dot + 1) : '');
    const b = base.text.slice(0, 8), e = ext.text.slice(0, 3);
    const fits = !base.lossy && !ext.lossy && base.text.length <= 8 && ext.text.length <= 3 && b.length > 0;
    const exact = fits && real === (e ? `${b}.${e}` : b);
    let short: string | undefined;
    const key = (n: string, x: string) => `${n.padEnd(8)}${x.padEnd(3)}`;
    if (fits && !this.taken.has(key(b, e))) short = key(b, e);
    for (let i = 1; short === undefined; i++) {
      const tail = `~${i}`;
      const candidate = key((b || '_').slice(0, 8 - tail.length) + tail, e);
      if (!this.taken.has(candidate)) short = candidate;
    }
    this.taken.add(short);
    const bytes = Buffer.from(short, 'latin1');
    if (bytes[0] === 0xe5) bytes[0] = 0x05; // 0xE5 marks a deleted entry
    return { short: bytes, long: exact && short === key(b, e) ? [] : lfnEntries(real, bytes) };
  }
}

export function shortChecksum(short: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + short[i]!) & 0xff;
  return sum;
}

const LFN_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

function lfnEntries(name: string, short: Uint8Array): Uint8Array[] {
  const units: number[] = [];
  for (let i = 0; i < name.length; i++) units.push(name.charCodeAt(i));
  const count = Math.ceil(units.length / 13);
  if (units.length % 13) {
    units.push(0x0000);
    while (units.length % 13) units.push(0xffff);
  }
  const sum = shortChecksum(short);
  const out: Uint8Array[] = [];
  for (let seq = count; seq >= 1; seq--) {
    const e = new Uint8Array(32);
    e[0] = seq | (seq === count ? 0x40 : 0);
    e[11] = 0x0f; // attributes: read-only, hidden, system, volume = a long-name entry
    e[13] = sum;
    const piece = units.slice((seq - 1) * 13, seq * 13);
    piece.forEach((u, i) => {
      e[LFN_OFFSETS[i]!] = u & 0xff;
      e[LFN_OFFSETS[i]! + 1] = u >> 8;
    });
    out.push(e);
  }
  return out;
}

/** An 11-byte volume label (as given, upper-casing left to the caller like mkfs.fat does). */
export function fatLabel(label: string): Uint8Array {
  if (!/^[\x20-\x7e]{0,11}$/.test(label) || /["*/:<>?\\|.]/.test(label)) {
    throw new ImageError('bad-label', `volume label ${JSON.stringify(label)}: a FAT label is at most 11 printable ASCII characters without " * / : < > ? \\ | .`);
  }
  return Buffer.from(label.padEnd(11, ' '), 'latin1');
}
