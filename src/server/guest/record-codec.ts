// Record texts kept packed in a replica's memory.
//
// A replica holds every record of the fleet as its stored JSON text, about 1.2 KB each, and reads
// one only to render a view when a guest asks. Records of one fleet are much alike: the same field
// names in the same order, the same defaults, usually the same few key pairs, networks, images and
// zones. So each text is kept as its differences from a reference made of sample records of the
// same fleet: runs found in the reference become a 4- or 6-byte reference to them, the rest stays
// as it is. Any text packs and unpacks exactly, however unlike the samples it is; a poor
// reference only costs size.
//
// Why not zlib with a preset dictionary: it packs as well here, but every call of Node's zlib
// builds a stream and a zlib state, 11-16 µs even for a byte (measured), where this packs a
// record in a few µs: fast enough to pack while loading, so a replica never holds the whole
// fleet's plain texts at once.
//
// The packed form is a string of the text's code units with the references spliced in. A
// reference starts with U+0001, which JSON text never holds raw (JSON escapes control
// characters); a U+0001 that a text does hold is kept as a reference of length 0.

import { endianness } from 'node:os';

const MARK = 1;
const LITTLE_ENDIAN = endianness() === 'LE';
/** Shortest run worth a reference (a reference costs 4 characters). */
const MIN_MATCH = 8;
/** The reference's length limit: positions are two characters of 8 bits. */
const MAX_REFERENCE = 0xffff;
const HASH_BITS = 14;

function hashAt(s: Uint16Array, i: number): number {
  let h = 0;
  for (let k = 0; k < MIN_MATCH; k++) h = (Math.imul(h, 0x9e3779b1) + s[i + k]!) | 0;
  return (h >>> (32 - HASH_BITS)) & ((1 << HASH_BITS) - 1);
}

/** A string's UTF-16 code units (typed-array reads are several times cheaper than charCodeAt). */
function units(s: string): Uint16Array {
  const u = new Uint16Array(s.length);
  for (let k = 0; k < s.length; k++) u[k] = s.charCodeAt(k);
  return u;
}

// Packing is synchronous, so one scratch buffer each serves every call (grown as needed): the
// text being packed and the packed text, as code units, and the packed text as bytes.
let input = new Uint16Array(8192);
let inputBytes = Buffer.from(input.buffer);
let output = new Uint16Array(8192);
let bytes = Buffer.allocUnsafeSlow(8192);

export class RecordCodec {
  /** Hash of MIN_MATCH characters → 1 + their last position in the reference (0: none). */
  private readonly heads = new Int32Array(1 << HASH_BITS);
  private readonly ref: Uint16Array;

  private constructor(private readonly reference: string) {
    this.ref = units(reference);
    for (let i = 0; i + MIN_MATCH <= reference.length; i++) this.heads[hashAt(this.ref, i)] = i + 1;
  }

  /** A codec whose reference is made of these sample texts (the last ones kept when too long). */
  static fromSamples(samples: readonly string[]): RecordCodec {
    let ref = samples.join('\n');
    if (ref.length > MAX_REFERENCE) ref = ref.slice(ref.length - MAX_REFERENCE);
    return new RecordCodec(ref);
  }

  get referenceLength(): number {
    return this.reference.length;
  }

  /**
   * Packs the text that `parts` make together (one string, or pieces packed as if concatenated,
   * which spares the caller building the whole string).
   */
  pack(parts: string | readonly string[]): string {
    const list = typeof parts === 'string' ? [parts] : parts;
    let n = 0;
    for (const p of list) n += p.length;
    if (input.length < n) {
      input = new Uint16Array(n + 8192);
      inputBytes = Buffer.from(input.buffer);
    }
    // at worst every character is written, a U+0001 as four
    if (output.length < n * 4 + 8) output = new Uint16Array(n * 4 + 8192);
    const t = input;
    let at = 0;
    // Node writes UTF-16 natively, several times faster than a charCodeAt loop, in little-endian
    // order: what a Uint16Array reads on a little-endian machine
    if (LITTLE_ENDIAN) for (const p of list) at += inputBytes.write(p, at * 2, 'utf16le') / 2;
    else for (const p of list) for (let k = 0; k < p.length; k++) t[at++] = p.charCodeAt(k);
    const out = output;
    const ref = this.ref;
    let o = 0;
    let lit = 0; // start of the literal run not yet written
    let i = 0;
    const end = n - MIN_MATCH;
    while (i <= end) {
      const p = this.heads[hashAt(t, i)]! - 1;
      let len = 0;
      if (p >= 0) {
        const max = Math.min(ref.length - p, n - i, 0xffff);
        while (len < max && ref[p + len] === t[i + len]) len++;
      }
      if (len < MIN_MATCH) {
        i++;
        continue;
      }
      o = writeLiteral(t, lit, i, out, o);
      out[o++] = MARK;
      out[o++] = p >> 8;
      out[o++] = p & 0xff;
      if (len < 0xff) out[o++] = len;
      else {
        out[o++] = 0xff;
        out[o++] = len >> 8;
        out[o++] = len & 0xff;
      }
      i += len;
      lit = i;
    }
    o = writeLiteral(t, lit, n, out, o);
    return narrowString(out, o);
  }

  unpack(packed: string): string {
    const ref = this.reference;
    let out = '';
    let i = 0;
    for (;;) {
      const j = packed.indexOf('\u0001', i);
      if (j < 0) return i === 0 ? packed : out + packed.slice(i);
      if (j > i) out += packed.slice(i, j);
      const p = (packed.charCodeAt(j + 1) << 8) | packed.charCodeAt(j + 2);
      let len = packed.charCodeAt(j + 3);
      i = j + 4;
      if (len === 0xff) {
        len = (packed.charCodeAt(i) << 8) | packed.charCodeAt(i + 1);
        i += 2;
      }
      out += len === 0 ? '\u0001' : ref.slice(p, p + len);
    }
  }
}

/** Writes t[from, to) into `out` at `o` (a U+0001 as a reference of length 0); returns where it ended. */
function writeLiteral(t: Uint16Array, from: number, to: number, out: Uint16Array, o: number): number {
  for (let k = from; k < to; k++) {
    const c = t[k]!;
    out[o++] = c;
    if (c === MARK) {
      out[o++] = 0;
      out[o++] = 0;
      out[o++] = 0;
    }
  }
  return o;
}

/**
 * units[0, n) as a string: one byte a character when every unit fits (the common case; half the
 * memory of a two-byte string), else two.
 */
function narrowString(units: Uint16Array, n: number): string {
  if (bytes.length < n) bytes = Buffer.allocUnsafeSlow(n + 8192);
  for (let k = 0; k < n; k++) {
    const c = units[k]!;
    if (c > 0xff) {
      let wide = '';
      for (let j = 0; j < n; j += 4096) wide += String.fromCharCode(...units.subarray(j, Math.min(n, j + 4096)));
      return wide;
    }
    bytes[k] = c;
  }
  return bytes.toString('latin1', 0, n);
}

/** Up to `count` items spread evenly over `items` (all of them when there are fewer). */
export function spreadSample<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(items[Math.floor(((i + 0.5) * items.length) / count)]!);
  return out;
}
