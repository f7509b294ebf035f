// Byte layouts of ECMA-119 (ISO 9660) structures: directory records, volume descriptors, path
// table records and the two date formats. Pure functions over Uint8Array; no layout decisions here.

export const SECTOR = 2048;

// Byte by byte: these run for every record, and a DataView per call shows in profiles.
export function bothEndian32(b: Uint8Array, at: number, v: number): void {
  b[at] = b[at + 7] = v & 0xff;
  b[at + 1] = b[at + 6] = (v >>> 8) & 0xff;
  b[at + 2] = b[at + 5] = (v >>> 16) & 0xff;
  b[at + 3] = b[at + 4] = (v >>> 24) & 0xff;
}

export function bothEndian16(b: Uint8Array, at: number, v: number): void {
  b[at] = b[at + 3] = v & 0xff;
  b[at + 1] = b[at + 2] = (v >>> 8) & 0xff;
}

const dateCache = new Map<number, Uint8Array>();

/** The 7-byte date of directory records and Rock Ridge TF entries, in UTC (shared; do not mutate). */
export function recordDate(d: Date): Uint8Array {
  const key = d.getTime();
  let out = dateCache.get(key);
  if (out === undefined) {
    if (dateCache.size > 1024) dateCache.clear();
    out = computeRecordDate(d);
    dateCache.set(key, out);
  }
  return out;
}

function computeRecordDate(d: Date): Uint8Array {
  return Uint8Array.of(
    Math.min(255, Math.max(0, d.getUTCFullYear() - 1900)),
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0, // offset from GMT in 15-minute units
  );
}

/** The 17-byte "YYYYMMDDHHMMSScc" + offset date of volume descriptors; undefined = not specified. */
export function volumeDate(d: Date | undefined): Uint8Array {
  const out = new Uint8Array(17);
  if (d === undefined) {
    out.fill(0x30, 0, 16);
    return out;
  }
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  const year = Math.min(9999, Math.max(0, d.getUTCFullYear()));
  const s = p(year, 4) + p(d.getUTCMonth() + 1, 2) + p(d.getUTCDate(), 2) + p(d.getUTCHours(), 2) +
    p(d.getUTCMinutes(), 2) + p(d.getUTCSeconds(), 2) + p(Math.floor(d.getUTCMilliseconds() / 10), 2);
  out.set(Buffer.from(s, 'latin1'), 0);
  out[16] = 0;
  return out;
}

export const FLAG_DIRECTORY = 0x02;

/** Length of a directory record with this identifier and system-use area (always even). */
export function recordLength(idLength: number, suLength: number): number {
  const base = 33 + idLength + (idLength % 2 === 0 ? 1 : 0);
  const n = base + suLength;
  return n + (n % 2);
}

export interface RecordFields {
  extent: number;
  dataLength: number;
  date: Uint8Array;
  flags: number;
  id: Uint8Array;
  systemUse?: Uint8Array;
}

/** Writes one directory record at `at` in `b`; returns its length. */
export function writeRecord(b: Uint8Array, at: number, f: RecordFields): number {
  const su = f.systemUse ?? new Uint8Array(0);
  const len = recordLength(f.id.byteLength, su.byteLength);
  if (len > 255) throw new Error(`internal: directory record of ${len} bytes`);
  b[at] = len;
  b[at + 1] = 0; // extended attribute record length
  bothEndian32(b, at + 2, f.extent);
  bothEndian32(b, at + 10, f.dataLength);
  b.set(f.date, at + 18);
  b[at + 25] = f.flags;
  b[at + 26] = 0; // file unit size (not interleaved)
  b[at + 27] = 0; // interleave gap
  bothEndian16(b, at + 28, 1); // volume sequence number
  b[at + 32] = f.id.byteLength;
  b.set(f.id, at + 33);
  const suAt = at + 33 + f.id.byteLength + (f.id.byteLength % 2 === 0 ? 1 : 0);
  b.set(su, suAt);
  return len;
}

/** Text fields of a volume descriptor, already encoded (ASCII for the primary, UCS-2 for Joliet). */
export interface DescriptorText {
  system: Uint8Array;
  volume: Uint8Array;
  volumeSet: Uint8Array;
  publisher: Uint8Array;
  preparer: Uint8Array;
  application: Uint8Array;
}

export interface DescriptorFields {
  type: 1 | 2;
  text: DescriptorText;
  /** Padding for text fields: a space, or (Joliet) a UCS-2 space. */
  ucs2: boolean;
  volumeSectors: number;
  pathTableSize: number;
  lPathTable: number;
  mPathTable: number;
  rootRecord: Uint8Array;
  created: Date;
}

export function volumeDescriptor(f: DescriptorFields): Uint8Array {
  const b = new Uint8Array(SECTOR);
  b[0] = f.type;
  b.set(Buffer.from('CD001', 'latin1'), 1);
  b[6] = 1;
  const text = (at: number, width: number, v: Uint8Array) => {
    if (f.ucs2) {
      for (let i = 0; i + 1 < width; i += 2) { b[at + i] = 0x00; b[at + i + 1] = 0x20; }
      if (width % 2) b[at + width - 1] = 0x00;
    } else {
      b.fill(0x20, at, at + width);
    }
    b.set(v.subarray(0, width - (f.ucs2 ? width % 2 : 0)), at);
  };
  text(8, 32, f.text.system);
  text(40, 32, f.text.volume);
  bothEndian32(b, 80, f.volumeSectors);
  if (f.type === 2) b.set(Buffer.from('%/E', 'latin1'), 88); // Joliet, UCS-2 level 3
  bothEndian16(b, 120, 1); // volume set size
  bothEndian16(b, 124, 1); // volume sequence number
  bothEndian16(b, 128, SECTOR);
  bothEndian32(b, 132, f.pathTableSize);
  new DataView(b.buffer).setUint32(140, f.lPathTable, true);
  new DataView(b.buffer).setUint32(148, f.mPathTable, false);
  b.set(f.rootRecord, 156);
  text(190, 128, f.text.volumeSet);
  text(318, 128, f.text.publisher);
  text(446, 128, f.text.preparer);
  text(574, 128, f.text.application);
  text(702, 37, new Uint8Array(0)); // copyright file
  text(739, 37, new Uint8Array(0)); // abstract file
  text(776, 37, new Uint8Array(0)); // bibliographic file
  b.set(volumeDate(f.created), 813);
  b.set(volumeDate(f.created), 830);
  b.set(volumeDate(undefined), 847); // expiration: none
  b.set(volumeDate(undefined), 864); // effective: at once
  b[881] = 1; // file structure version
  return b;
}

export function terminatorDescriptor(): Uint8Array {
  const b = new Uint8Array(SECTOR);
  b[0] = 255;
  b.set(Buffer.from('CD001', 'latin1'), 1);
  b[6] = 1;
  return b;
}

export interface PathTableEntry {
  id: Uint8Array;
  extent: number;
  parent: number; // 1-based number of the parent directory in this table
}

export function pathTableSize(entries: readonly PathTableEntry[]): number {
  let n = 0;
  for (const e of entries) n += 8 + e.id.byteLength + (e.id.byteLength % 2);
  return n;
}

export function pathTable(entries: readonly PathTableEntry[], littleEndian: boolean): Uint8Array {
  const size = pathTableSize(entries);
  const b = new Uint8Array(Math.ceil(size / SECTOR) * SECTOR);
  const dv = new DataView(b.buffer);
  let at = 0;
  for (const e of entries) {
    b[at] = e.id.byteLength;
    b[at + 1] = 0;
    dv.setUint32(at + 2, e.extent, littleEndian);
    dv.setUint16(at + 6, e.parent, littleEndian);
    b.set(e.id, at + 8);
    at += 8 + e.id.byteLength + (e.id.byteLength % 2);
  }
  return b;
}
