// System Use Sharing Protocol (SUSP 1.10) and Rock Ridge (RRIP 1.09, "RRIP_1991A", the flavour that
// genisoimage -r and xorriso write by default) entries, and the split of a record's entries between
// the directory record (at most 255 bytes) and continuation areas reached through CE entries.

import { bothEndian32, recordDate, SECTOR } from './iso9660-records.js';

const ascii = (s: string) => Buffer.from(s, 'latin1');

function entry(sig: string, body: Uint8Array | number[]): Uint8Array {
  const b = new Uint8Array(4 + body.length);
  b.set(ascii(sig), 0);
  b[2] = b.byteLength;
  b[3] = 1;
  b.set(body, 4);
  return b;
}

/** SP: marks the volume as using SUSP; only in the root's "." record, first. */
export function sp(): Uint8Array {
  return entry('SP', [0xbe, 0xef, 0]);
}

/** RR (RRIP 1.09): which Rock Ridge entries this record carries. */
export const RR_PX = 0x01, RR_SL = 0x04, RR_NM = 0x08, RR_TF = 0x80;
export function rr(flags: number): Uint8Array {
  return entry('RR', [flags]);
}

export const S_IFDIR = 0o040000, S_IFREG = 0o100000, S_IFLNK = 0o120000;

export function px(mode: number, links: number, uid = 0, gid = 0): Uint8Array {
  const body = new Uint8Array(32);
  bothEndian32(body, 0, mode);
  bothEndian32(body, 8, links);
  bothEndian32(body, 16, uid);
  bothEndian32(body, 24, gid);
  return entry('PX', body);
}

/** TF with modify, access and attribute-change times, short (7-byte) form. */
export function tf(d: Date): Uint8Array {
  const t = recordDate(d);
  const body = new Uint8Array(1 + 21);
  body[0] = 0x0e;
  body.set(t, 1);
  body.set(t, 8);
  body.set(t, 15);
  return entry('TF', body);
}

/**
 * NM entries for a name of any length (UTF-8, as Linux and libarchive read it), at most 250 bytes
 * each, cut between characters so that a reader decoding each piece alone still gets the name.
 */
export function nm(name: string): Uint8Array[] {
  const bytes = Buffer.from(name, 'utf8');
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength;) {
    let end = Math.min(at + 250, bytes.byteLength);
    while (end < bytes.byteLength && (bytes[end]! & 0xc0) === 0x80) end--; // not inside a character
    const part = bytes.subarray(at, end);
    const body = new Uint8Array(1 + part.byteLength);
    body[0] = end < bytes.byteLength ? 0x01 : 0x00; // CONTINUE
    body.set(part, 1);
    out.push(entry('NM', body));
    at = end;
  }
  return out;
}

/**
 * SL entries for a symlink target. Components are split on "/"; "." and ".." and a leading "/" get
 * their flags. A target longer than one entry continues in further SL entries (entry CONTINUE).
 * Readers disagree on whether an entry boundary implies a "/": the kernel adds one unless the last
 * component was continued, libarchive never does. So a boundary between components is closed with
 * an empty continued component (both then join to exactly one "/"), and a component too long for
 * a whole entry is cut between characters with the component CONTINUE flag.
 */
export function sl(target: string): Uint8Array[] {
  type Comp = { flags: number; text: Uint8Array };
  const comps: Comp[] = [];
  if (target.startsWith('/')) comps.push({ flags: 0x08, text: new Uint8Array(0) });
  for (const part of target.split('/')) {
    if (part === '') continue;
    if (part === '.') comps.push({ flags: 0x02, text: new Uint8Array(0) });
    else if (part === '..') comps.push({ flags: 0x04, text: new Uint8Array(0) });
    else comps.push({ flags: 0, text: Buffer.from(part, 'utf8') });
  }
  const MAX_BODY = 255 - 4 - 1; // after the entry header and the SL flags byte
  const JOINER = [0x01, 0]; // an empty, continued component
  const bodies: number[][] = [];
  let cur: number[] = [];
  const close = (atBoundary: boolean) => {
    if (atBoundary && cur.length) cur.push(...JOINER);
    bodies.push(cur);
    cur = [];
  };
  for (const c of comps) {
    let text = c.text;
    for (;;) {
      const room = MAX_BODY - cur.length - 2 - JOINER.length; // this record's header, and a joiner
      if (text.byteLength <= room) {
        cur.push(c.flags, text.byteLength, ...text);
        break;
      }
      if (cur.length && (text.byteLength <= MAX_BODY - 2 - JOINER.length || room < 16)) {
        close(text === c.text); // the component starts whole in the next entry
        continue;
      }
      let take = room;
      while (take > 0 && (text[take]! & 0xc0) === 0x80) take--; // whole characters
      cur.push(c.flags | 0x01, take, ...text.subarray(0, take));
      text = text.subarray(take);
      close(false);
    }
  }
  bodies.push(cur);
  return bodies.map((b, i) => entry('SL', [i + 1 < bodies.length ? 0x01 : 0x00, ...b]));
}

const ER_ID = 'RRIP_1991A';
const ER_DESCRIPTOR = 'THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS';
const ER_SOURCE = 'PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.';

/** ER: names the extension in use (RRIP 1.09's registered identifier and texts). */
export function er(): Uint8Array {
  const id = ascii(ER_ID), des = ascii(ER_DESCRIPTOR), src = ascii(ER_SOURCE);
  const body = new Uint8Array(4 + id.length + des.length + src.length);
  body[0] = id.length;
  body[1] = des.length;
  body[2] = src.length;
  body[3] = 1;
  body.set(id, 4);
  body.set(des, 4 + id.length);
  body.set(src, 4 + id.length + des.length);
  return entry('ER', body);
}

export const CE_LENGTH = 28;

function ce(lba: number, offset: number, length: number): Uint8Array {
  const body = new Uint8Array(24);
  bothEndian32(body, 0, lba);
  bothEndian32(body, 8, offset);
  bothEndian32(body, 16, length);
  return entry('CE', body);
}

const sum = (xs: readonly Uint8Array[]) => xs.reduce((n, x) => n + x.byteLength, 0);

/** Where a continuation area landed, once the image is laid out. */
export interface AreaPosition {
  lba: number;
  offset: number;
}

/**
 * The system-use entries of one directory record, split into what fits in the record and a chain
 * of continuation areas (each within one sector, as the Linux kernel requires).
 */
export class SystemUse {
  readonly inline: Uint8Array[] = [];
  readonly areas: Uint8Array[][] = [];
  positions: AreaPosition[] = [];

  constructor(entries: readonly Uint8Array[], inlineSpace: number) {
    let i = 0;
    const rest = () => sum(entries.slice(i));
    // Everything in the record when it fits; else as much as leaves room for the CE entry.
    if (rest() <= inlineSpace) {
      this.inline.push(...entries);
      return;
    }
    let used = 0;
    while (i < entries.length && used + entries[i]!.byteLength + CE_LENGTH <= inlineSpace) {
      used += entries[i]!.byteLength;
      this.inline.push(entries[i++]!);
    }
    while (i < entries.length) {
      const area: Uint8Array[] = [];
      let areaUsed = 0;
      while (i < entries.length) {
        if (areaUsed + rest() <= SECTOR) {
          area.push(...entries.slice(i));
          i = entries.length;
        } else if (areaUsed + entries[i]!.byteLength + CE_LENGTH <= SECTOR) {
          areaUsed += entries[i]!.byteLength;
          area.push(entries[i++]!);
        } else {
          break;
        }
      }
      this.areas.push(area);
    }
  }

  /** Byte length of the inline part, CE entry included. */
  get inlineLength(): number {
    return sum(this.inline) + (this.areas.length ? CE_LENGTH : 0);
  }

  areaLength(k: number): number {
    return sum(this.areas[k]!) + (k + 1 < this.areas.length ? CE_LENGTH : 0);
  }

  private render(parts: readonly Uint8Array[], next: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.byteLength; }
    if (next < this.areas.length) {
      const pos = this.positions[next]!;
      out.set(ce(pos.lba, pos.offset, this.areaLength(next)), at);
    }
    return out;
  }

  renderInline(): Uint8Array {
    return this.render(this.inline, 0, this.inlineLength);
  }

  renderArea(k: number): Uint8Array {
    return this.render(this.areas[k]!, k + 1, this.areaLength(k));
  }
}
