// A streaming FAT12/FAT16 writer with VFAT long names: Nova's vfat config drive (a 64 MiB image
// labelled config-2) and vfat NoCloud seeds, built in-process. Like the ISO writer it lays the
// whole image out first (so the size is known and a tree that does not fit is refused before any
// byte is written) and reads file contents only while streaming. Deterministic: the volume serial
// and every timestamp derive from `options.clock`.
//
// Layout: boot sector (+ reserved sectors that align the data area to a cluster), two FATs, the
// root directory, then the data area: every subdirectory first (breadth-first), then file data,
// each run of clusters contiguous.

import { createHash } from 'node:crypto';
import { type Image, type Piece, pieceLength, pieceStream } from './image.js';
import { checkName, childPath, contentBytes, contentSize, ImageError, type DirNode, type StreamedContent } from './image-tree.js';
import { checkFatName, fatLabel, FatNames, type FatName } from './fat-names.js';

export interface FatOptions {
  label: string;
  clock: Date;
  /** Image size in bytes; default 64 MiB, Nova's CONFIGDRIVESIZE_BYTES. */
  size?: number;
}

export const FAT_MEDIA_TYPE = 'application/octet-stream';
export const NOVA_VFAT_SIZE = 64 * 1024 * 1024;

const SECTOR = 512;
const ATTR_READ_ONLY = 0x01, ATTR_VOLUME = 0x08, ATTR_DIR = 0x10, ATTR_ARCHIVE = 0x20;

interface FatFile {
  kind: 'file';
  path: string;
  name: FatName;
  size: number;
  data: Uint8Array | StreamedContent;
  mtime: Date;
  readOnly: boolean;
  cluster: number;
}
interface FatDir {
  kind: 'dir';
  path: string;
  name: FatName | undefined; // undefined for the root
  parent: FatDir | undefined;
  children: Array<FatFile | FatDir>;
  mtime: Date;
  cluster: number; // 0 for the root
  clusters: number;
}

function collect(node: DirNode, path: string, name: FatName | undefined, parent: FatDir | undefined, clock: Date): FatDir {
  const d: FatDir = { kind: 'dir', path, name, parent, children: [], mtime: node.mtime ?? clock, cluster: 0, clusters: 0 };
  const names = new FatNames();
  const seen = new Map<string, string>();
  for (const n of [...node.entries.keys()].sort()) {
    const child = node.entries.get(n)!;
    const p = childPath(path, n);
    checkName(n, p);
    checkFatName(n, p);
    const folded = n.toUpperCase();
    if (seen.has(folded)) throw new ImageError('bad-tree', `${p}: FAT names ignore case, and ${childPath(path, seen.get(folded)!)} is already there`);
    seen.set(folded, n);
    if (child.kind === 'symlink') throw new ImageError('bad-tree', `${p}: FAT cannot hold symbolic links`);
    const fn = names.name(n);
    if (child.kind === 'dir') {
      d.children.push(collect(child, p, fn, d, clock));
    } else {
      const size = contentSize(child.content);
      if (size > 0xffffffff) throw new ImageError('too-large', `${p}: ${size} bytes is over FAT's 4 GiB file limit`);
      d.children.push({
        kind: 'file', path: p, name: fn, size, data: contentBytes(child.content), mtime: child.mtime ?? clock,
        readOnly: child.mode !== undefined && (child.mode & 0o222) === 0, cluster: 0,
      });
    }
  }
  if (d.children.length > 65534) throw new ImageError('too-large', `${path}: ${d.children.length} entries, more than a FAT directory holds`);
  return d;
}

/** Directory entries (32 bytes each) a directory needs: dot entries, label, long names, short names. */
function entryCount(d: FatDir): number {
  let n = d.parent ? 2 : 1; // "." and "..", or the volume label in the root
  for (const c of d.children) n += 1 + c.name!.long.length;
  return n;
}

function dosDate(t: Date): number {
  const y = Math.min(2107, Math.max(1980, t.getUTCFullYear()));
  return ((y - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate();
}
function dosTime(t: Date): number {
  return (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | (t.getUTCSeconds() >> 1);
}

interface Geometry {
  fatBits: 12 | 16;
  sectorsPerCluster: number;
  reserved: number;
  fatSectors: number;
  rootEntries: number;
  clusterCount: number;
  dataStart: number; // sector
}

/** FAT12 below 4085 clusters, FAT16 below 65525, keeping clear of both limits by 16 like mkfs.fat. */
function geometry(totalSectors: number, rootEntriesNeeded: number): Geometry {
  const rootEntries = Math.max(512, Math.ceil(rootEntriesNeeded / 16) * 16);
  const rootSectors = (rootEntries * 32) / SECTOR;
  // 2 KiB clusters from 32 MiB up, as mkfs.fat gives Nova's 64 MiB drive.
  for (let spc = totalSectors >= 65536 ? 4 : 1; spc <= 64; spc *= 2) {
    for (const fatBits of [12, 16] as const) {
      let fatSectors = 1, clusters = 0;
      for (let i = 0; i < 8; i++) {
        clusters = Math.floor((totalSectors - 1 - 2 * fatSectors - rootSectors) / spc);
        fatSectors = Math.ceil(((clusters + 2) * fatBits) / 8 / SECTOR);
      }
      let dataStart = 1 + 2 * fatSectors + rootSectors;
      const reserved = 1 + ((spc - (dataStart % spc)) % spc);
      dataStart = reserved + 2 * fatSectors + rootSectors;
      clusters = Math.floor((totalSectors - dataStart) / spc);
      const ok = fatBits === 12 ? clusters > 0 && clusters < 4085 - 16 : clusters >= 4085 + 16 && clusters < 65525 - 16;
      if (ok) return { fatBits, sectorsPerCluster: spc, reserved, fatSectors, rootEntries, clusterCount: clusters, dataStart };
    }
  }
  throw new ImageError('too-large', `a FAT12/FAT16 image of ${totalSectors * SECTOR} bytes is not supported (1 MiB to 2 GiB)`);
}

export function buildFat(tree: DirNode, options: FatOptions): Image {
  const size = options.size ?? NOVA_VFAT_SIZE;
  const { clock } = options;
  const label = fatLabel(options.label);
  if (!Number.isSafeInteger(size) || size % SECTOR !== 0 || size < 1 << 20 || size > 2 ** 31) {
    throw new ImageError('too-large', `FAT image size ${size}: a multiple of 512 bytes from 1 MiB to 2 GiB`);
  }
  if (Number.isNaN(clock.getTime())) throw new ImageError('bad-tree', 'the image clock is not a valid date');
  const root = collect(tree, '/', undefined, undefined, clock);
  const totalSectors = size / SECTOR;
  const g = geometry(totalSectors, entryCount(root));
  const clusterBytes = g.sectorsPerCluster * SECTOR;

  // Allocation: subdirectories breadth-first, then files in the same order.
  const dirs: FatDir[] = [];
  const queue = [root];
  while (queue.length) {
    const d = queue.shift()!;
    if (d !== root) dirs.push(d);
    for (const c of d.children) if (c.kind === 'dir') queue.push(c);
  }
  const files: FatFile[] = [];
  for (const d of [root, ...dirs]) for (const c of d.children) if (c.kind === 'file') files.push(c);
  let next = 2;
  const chains: Array<[number, number]> = []; // [first cluster, count]
  for (const d of dirs) {
    d.clusters = Math.max(1, Math.ceil((entryCount(d) * 32) / clusterBytes));
    d.cluster = next;
    chains.push([next, d.clusters]);
    next += d.clusters;
  }
  for (const f of files) {
    if (f.size === 0) continue;
    const n = Math.ceil(f.size / clusterBytes);
    f.cluster = next;
    chains.push([next, n]);
    next += n;
  }
  const used = next - 2;
  if (used > g.clusterCount) {
    throw new ImageError('too-large', `the tree needs ${used * clusterBytes} bytes of ${clusterBytes}-byte clusters; a ${size / 1048576} MiB FAT image holds ${g.clusterCount * clusterBytes}`);
  }

  // The serial number mkfs tools take from the clock; here from the clock and label, so it is stable.
  const serial = createHash('sha256').update(`${clock.toISOString()}\0${options.label}`).digest().readUInt32LE(0);

  const renderBoot = (): Uint8Array => {
    const b = Buffer.alloc(g.reserved * SECTOR);
    b.set([0xeb, 0x3c, 0x90], 0);
    b.write('KINDLING', 3, 'latin1');
    b.writeUInt16LE(SECTOR, 11);
    b[13] = g.sectorsPerCluster;
    b.writeUInt16LE(g.reserved, 14);
    b[16] = 2; // FATs
    b.writeUInt16LE(g.rootEntries, 17);
    b.writeUInt16LE(totalSectors < 65536 ? totalSectors : 0, 19);
    b[21] = 0xf8; // fixed disk
    b.writeUInt16LE(g.fatSectors, 22);
    b.writeUInt16LE(32, 24); // sectors per track
    b.writeUInt16LE(64, 26); // heads
    b.writeUInt32LE(0, 28); // hidden sectors
    b.writeUInt32LE(totalSectors < 65536 ? 0 : totalSectors, 32);
    b[36] = 0x80; // drive number
    b[38] = 0x29; // extended boot signature
    b.writeUInt32LE(serial, 39);
    b.set(label, 43);
    b.write(g.fatBits === 12 ? 'FAT12   ' : 'FAT16   ', 54, 'latin1');
    b.set([0xf4, 0xeb, 0xfd], 62); // not bootable: halt
    b[510] = 0x55;
    b[511] = 0xaa;
    return b;
  };

  const renderFat = (): Uint8Array => {
    const b = Buffer.alloc(g.fatSectors * SECTOR);
    const eoc = g.fatBits === 12 ? 0xfff : 0xffff;
    const set = (i: number, v: number) => {
      if (g.fatBits === 16) { b.writeUInt16LE(v, i * 2); return; }
      const at = Math.floor((i * 3) / 2);
      if (i % 2 === 0) { b[at] = v & 0xff; b[at + 1] = (b[at + 1]! & 0xf0) | ((v >> 8) & 0x0f); }
      else { b[at] = (b[at]! & 0x0f) | ((v & 0x0f) << 4); b[at + 1] = (v >> 4) & 0xff; }
    };
    set(0, g.fatBits === 12 ? 0xff8 : 0xfff8);
    set(1, eoc);
    for (const [first, count] of chains) {
      for (let k = 0; k < count; k++) set(first + k, k + 1 < count ? first + k + 1 : eoc);
    }
    return b;
  };

  const entry = (name: Uint8Array, attr: number, t: Date, cluster: number, fileSize: number): Uint8Array => {
    const e = Buffer.alloc(32);
    e.set(name, 0);
    e[11] = attr;
    e.writeUInt16LE(dosTime(t), 14); // created
    e.writeUInt16LE(dosDate(t), 16);
    e.writeUInt16LE(dosDate(t), 18); // accessed
    e.writeUInt16LE(dosTime(t), 22); // written
    e.writeUInt16LE(dosDate(t), 24);
    e.writeUInt16LE(cluster, 26);
    e.writeUInt32LE(fileSize, 28);
    return e;
  };

  const renderDir = (d: FatDir, bytes: number): Uint8Array => {
    const b = Buffer.alloc(bytes);
    let at = 0;
    const put = (e: Uint8Array) => { b.set(e, at); at += 32; };
    if (d.parent) {
      put(entry(Buffer.from('.          ', 'latin1'), ATTR_DIR, d.mtime, d.cluster, 0));
      put(entry(Buffer.from('..         ', 'latin1'), ATTR_DIR, d.parent.mtime, d.parent.cluster, 0));
    } else {
      put(entry(label, ATTR_VOLUME, clock, 0, 0));
    }
    for (const c of d.children) {
      for (const l of c.name!.long) put(l);
      if (c.kind === 'dir') put(entry(c.name!.short, ATTR_DIR, c.mtime, c.cluster, 0));
      else put(entry(c.name.short, ATTR_ARCHIVE | (c.readOnly ? ATTR_READ_ONLY : 0), c.mtime, c.cluster, c.size));
    }
    return b;
  };

  const pieces = (): Piece[] => {
    const out: Piece[] = [
      { render: renderBoot, length: g.reserved * SECTOR },
      { render: renderFat, length: g.fatSectors * SECTOR },
      { render: renderFat, length: g.fatSectors * SECTOR },
      { render: () => renderDir(root, g.rootEntries * 32), length: g.rootEntries * 32 },
    ];
    for (const d of dirs) out.push({ render: () => renderDir(d, d.clusters * clusterBytes), length: d.clusters * clusterBytes });
    for (const f of files) {
      if (f.size === 0) continue;
      out.push(f.data instanceof Uint8Array ? f.data : { stream: f.data, where: f.path });
      const tail = (clusterBytes - (f.size % clusterBytes)) % clusterBytes;
      if (tail) out.push({ zeros: tail });
    }
    const written = (g.dataStart + used * g.sectorsPerCluster) * SECTOR;
    out.push({ zeros: size - written });
    return out;
  };

  const laidOut = pieces().reduce((n, p) => n + pieceLength(p), 0);
  if (laidOut !== size) throw new Error(`internal: FAT layout of ${laidOut} bytes, image of ${size}`);
  return { size, mediaType: FAT_MEDIA_TYPE, chunks: () => pieceStream(pieces()) };
}
