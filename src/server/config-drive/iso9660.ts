// A streaming ISO 9660 writer with Rock Ridge and Joliet, the image genisoimage `-J -r` gives for
// Nova's config drive: the Rock Ridge names (any length, any case, several dots, UTF-8) are what
// Linux, libarchive, xorriso and FUSE readers show; Joliet serves Windows; the primary names keep
// Nova's relaxed form for readers that use neither extension.
//
// The whole layout is computed from the tree before any byte is produced, so the size is known up
// front and file contents are read only while the image streams out. Output depends only on the
// tree and the options (timestamps come from `options.clock`), never on the machine or the time.
//
// Layout: system area (16 sectors), primary, Joliet and terminator descriptors, the four path
// tables, primary directories (each followed by its Rock Ridge continuation areas), Joliet
// directories, file data, trailing padding (genisoimage's 150 sectors by default, which old CD-ROM read-ahead wants).

import { type Image, type Piece, pieceLength, pieceStream } from './image.js';
import {
  checkName, childPath, contentBytes, contentSize, ImageError,
  type DirNode, type StreamedContent, type TreeNode,
} from './image-tree.js';
import { compareKeys, type Identifier, JolietNames, PrimaryNames, utf16be } from './iso9660-names.js';
import {
  FLAG_DIRECTORY, pathTable, pathTableSize, type PathTableEntry, recordDate, recordLength, SECTOR,
  terminatorDescriptor, volumeDescriptor, writeRecord,
} from './iso9660-records.js';
import { er, nm, px, rr, RR_NM, RR_PX, RR_SL, RR_TF, S_IFDIR, S_IFLNK, S_IFREG, sl, sp, SystemUse, tf } from './rock-ridge.js';

export interface IsoOptions {
  /** Volume identifier: up to 32 printable ASCII characters, kept as given ("config-2", "cidata"). */
  label: string;
  /** Every timestamp in the image (volume dates, and entries without their own mtime). */
  clock: Date;
  publisher?: string;
  application?: string;
  /** Joliet namespace for Windows readers; default true. */
  joliet?: boolean;
  /** Zero sectors after the data; default 150, as genisoimage. */
  padSectors?: number;
}

export const ISO_MEDIA_TYPE = 'application/x-iso9660-image';

const MAX_FILE = 0xffffffff; // one extent; multi-extent files are not needed for seed data
const MAX_DIRS = 0xffff; // path table parent numbers are 16-bit

interface Entry {
  readonly name: string;
  readonly path: string;
  readonly mtime: Date;
  primary?: Identifier;
  joliet?: Identifier;
  su?: SystemUse;
}
interface FileEntry extends Entry {
  readonly kind: 'file';
  readonly mode: number;
  readonly size: number;
  readonly data: Uint8Array | StreamedContent;
  extent: number;
}
interface LinkEntry extends Entry {
  readonly kind: 'symlink';
  readonly target: string;
}
interface DirEntry extends Entry {
  readonly kind: 'dir';
  readonly mode: number;
  readonly parent: DirEntry | undefined;
  readonly children: Array<FileEntry | LinkEntry | DirEntry>;
  primaryOrder: Array<FileEntry | LinkEntry | DirEntry>;
  jolietOrder: Array<FileEntry | DirEntry>;
  extent: number;
  size: number;
  jExtent: number;
  jSize: number;
  number: number;
  jNumber: number;
  ceSectors: number;
  dotSu?: SystemUse;
  dotdotSu?: SystemUse;
}
type AnyEntry = FileEntry | LinkEntry | DirEntry;

const isDir = (e: AnyEntry): e is DirEntry => e.kind === 'dir';

function checkLabel(label: string): void {
  if (!/^[\x20-\x7e]{0,32}$/.test(label)) {
    throw new ImageError('bad-label', `volume label ${JSON.stringify(label)}: an ISO 9660 label is at most 32 printable ASCII characters`);
  }
}

function collect(node: DirNode, name: string, path: string, parent: DirEntry | undefined, clock: Date): DirEntry {
  const d: DirEntry = {
    kind: 'dir', name, path, mtime: node.mtime ?? clock, mode: node.mode ?? 0o555, parent, children: [],
    primaryOrder: [], jolietOrder: [], extent: 0, size: 0, jExtent: 0, jSize: 0, number: 0, jNumber: 0, ceSectors: 0,
  };
  // Sorted by name so the bytes do not depend on the order the caller filled the map in.
  const names = [...node.entries.keys()].sort(compareKeys);
  for (const n of names) {
    const child = node.entries.get(n)!;
    const p = childPath(path, n);
    checkName(n, p);
    d.children.push(collectChild(child, n, p, d, clock));
  }
  return d;
}

function collectChild(node: TreeNode, name: string, path: string, parent: DirEntry, clock: Date): AnyEntry {
  if (node.kind === 'dir') return collect(node, name, path, parent, clock);
  if (node.kind === 'symlink') {
    const bytes = Buffer.byteLength(node.target, 'utf8');
    if (bytes === 0 || bytes > 4095 || node.target.includes('\0')) {
      throw new ImageError('bad-tree', `${path}: a symlink target must be 1 to 4095 bytes without NUL`);
    }
    return { kind: 'symlink', name, path, mtime: node.mtime ?? clock, target: node.target };
  }
  const size = contentSize(node.content);
  if (!Number.isSafeInteger(size) || size < 0) throw new ImageError('bad-content', `${path}: bad size ${size}`);
  if (size > MAX_FILE) throw new ImageError('too-large', `${path}: ${size} bytes is over the 4 GiB a single ISO 9660 extent can hold`);
  return {
    kind: 'file', name, path, mtime: node.mtime ?? clock, mode: node.mode ?? 0o444, size,
    data: contentBytes(node.content), extent: 0,
  };
}

/** Directories in path table order: by depth, then parent number, then identifier. */
function pathTableOrder(root: DirEntry, order: (d: DirEntry) => readonly AnyEntry[]): DirEntry[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const c of order(out[i]!)) if (isDir(c)) out.push(c);
  }
  return out;
}

function rrEntries(e: AnyEntry, links: number, withName: boolean): Uint8Array[] {
  const mode = e.kind === 'dir' ? S_IFDIR | e.mode : e.kind === 'file' ? S_IFREG | e.mode : S_IFLNK | 0o777;
  const names = withName ? nm(e.name) : [];
  const link = e.kind === 'symlink' ? sl(e.target) : [];
  const flags = RR_PX | RR_TF | (names.length ? RR_NM : 0) | (link.length ? RR_SL : 0);
  return [rr(flags), ...names, px(mode, links), tf(e.mtime), ...link];
}

const linkCount = (e: AnyEntry) => (isDir(e) ? 2 + e.children.filter(isDir).length : 1);

const inlineSpace = (idLength: number) => 254 - recordLength(idLength, 0);

/** Byte length of a directory extent holding records of these lengths (no record spans sectors). */
function extentLength(lengths: readonly number[]): number {
  let sector = 0, at = 0;
  for (const n of lengths) {
    if (at + n > SECTOR) { sector++; at = 0; }
    at += n;
  }
  return (sector + 1) * SECTOR;
}

export function buildIso(tree: DirNode, options: IsoOptions): Image {
  const { label, clock } = options;
  checkLabel(label);
  if (Number.isNaN(clock.getTime())) throw new ImageError('bad-tree', 'the image clock is not a valid date');
  const joliet = options.joliet ?? true;
  const padSectors = options.padSectors ?? 150;
  const root = collect(tree, '', '/', undefined, clock);

  // Names and orders, per directory.
  const all: DirEntry[] = [];
  (function name(d: DirEntry) {
    all.push(d);
    const pn = new PrimaryNames(), jn = new JolietNames();
    for (const c of d.children) {
      c.primary = pn.name(c.name, isDir(c));
      if (joliet && c.kind !== 'symlink') c.joliet = jn.name(c.name, isDir(c));
    }
    d.primaryOrder = [...d.children].sort((a, b) => compareKeys(a.primary!.sortKey, b.primary!.sortKey));
    d.jolietOrder = d.children.filter((c): c is FileEntry | DirEntry => c.kind !== 'symlink')
      .sort((a, b) => compareKeys(a.joliet!.sortKey, b.joliet!.sortKey));
    for (const c of d.children) if (isDir(c)) name(c);
  })(root);

  const dirs = pathTableOrder(root, (d) => d.primaryOrder);
  const jDirs = joliet ? pathTableOrder(root, (d) => d.jolietOrder) : [];
  if (dirs.length > MAX_DIRS) throw new ImageError('too-large', `${dirs.length} directories: ISO 9660 path tables hold at most ${MAX_DIRS}`);
  dirs.forEach((d, i) => { d.number = i + 1; });
  jDirs.forEach((d, i) => { d.jNumber = i + 1; });

  // Rock Ridge entries and directory sizes.
  const DOT = Uint8Array.of(0), DOTDOT = Uint8Array.of(1);
  for (const d of dirs) {
    const dotEntries = rrEntries(d, linkCount(d), false);
    if (d === root) dotEntries.unshift(sp()), dotEntries.push(er());
    d.dotSu = new SystemUse(dotEntries, inlineSpace(1));
    d.dotdotSu = new SystemUse(rrEntries(d.parent ?? d, linkCount(d.parent ?? d), false), inlineSpace(1));
    const lengths = [recordLength(1, d.dotSu.inlineLength), recordLength(1, d.dotdotSu.inlineLength)];
    for (const c of d.primaryOrder) {
      c.su = new SystemUse(rrEntries(c, linkCount(c), true), inlineSpace(c.primary!.bytes.byteLength));
      lengths.push(recordLength(c.primary!.bytes.byteLength, c.su.inlineLength));
    }
    d.size = extentLength(lengths);
  }
  for (const d of jDirs) {
    d.jSize = extentLength([34, 34, ...d.jolietOrder.map((c) => recordLength(c.joliet!.bytes.byteLength, 0))]);
  }

  // Sector allocation.
  const pEntries = () => dirs.map((d): PathTableEntry => ({ id: d === root ? DOT : d.primary!.bytes, extent: d.extent, parent: (d.parent ?? d).number }));
  const jEntries = () => jDirs.map((d): PathTableEntry => ({ id: d === root ? DOT : d.joliet!.bytes, extent: d.jExtent, parent: (d.parent ?? d).jNumber }));
  const pSize = pathTableSize(pEntries()), jSize = joliet ? pathTableSize(jEntries()) : 0;
  const sectors = (n: number) => Math.ceil(n / SECTOR);
  let lba = 16 + (joliet ? 3 : 2);
  const lPath = lba; lba += sectors(pSize);
  const mPath = lba; lba += sectors(pSize);
  const jlPath = lba; lba += sectors(jSize);
  const jmPath = lba; lba += sectors(jSize);
  // Each directory's continuation areas sit in the sectors right after its extent: libarchive
  // reads directories in one forward pass and follows a CE only if it is the very next thing on
  // the medium. No area crosses a sector boundary (the Linux kernel refuses those).
  for (const d of dirs) {
    d.extent = lba;
    lba += d.size / SECTOR;
    const uses = [d.dotSu!, d.dotdotSu!, ...d.primaryOrder.map((c) => c.su!)];
    let sector = 0, at = 0, used = false;
    for (const u of uses) {
      u.positions = u.areas.map((_, k) => {
        const n = u.areaLength(k);
        if (at + n > SECTOR) { sector++; at = 0; }
        const pos = { lba: lba + sector, offset: at };
        at += n;
        used = true;
        return pos;
      });
    }
    d.ceSectors = used ? sector + 1 : 0;
    lba += d.ceSectors;
  }
  for (const d of jDirs) { d.jExtent = lba; lba += d.jSize / SECTOR; }

  // File data, in the order of the primary directories; empty files point at the end of the data.
  const files: FileEntry[] = [];
  for (const d of dirs) for (const c of d.primaryOrder) if (c.kind === 'file') files.push(c);
  for (const f of files) if (f.size > 0) { f.extent = lba; lba += sectors(f.size); }
  for (const f of files) if (f.size === 0) f.extent = lba;
  const dataEnd = lba;
  const totalSectors = dataEnd + padSectors;
  if (totalSectors > 0xffffffff) throw new ImageError('too-large', 'the image is over the 8 TiB ISO 9660 can address');

  const enc = (s: string | undefined, j: boolean) => (j ? utf16be(s ?? '') : Buffer.from(s ?? '', 'latin1'));
  const descriptorText = (j: boolean) => ({
    system: enc('LINUX', j),
    volume: enc(label, j),
    volumeSet: enc('', j),
    publisher: enc(options.publisher, j),
    preparer: enc('', j),
    application: enc(options.application ?? 'KINDLING', j),
  });
  for (const [what, v] of [['publisher', options.publisher], ['application', options.application]] as const) {
    if (v !== undefined && !/^[\x20-\x7e]{0,128}$/.test(v)) {
      throw new ImageError('bad-label', `${what} ${JSON.stringify(v)}: at most 128 printable ASCII characters`);
    }
  }

  const rootRecord = (extent: number, size: number) => {
    const b = new Uint8Array(34);
    writeRecord(b, 0, { extent, dataLength: size, date: recordDate(root.mtime), flags: FLAG_DIRECTORY, id: DOT });
    return b;
  };

  const renderHeader = (): Uint8Array => {
    const parts: Uint8Array[] = [new Uint8Array(16 * SECTOR)];
    parts.push(volumeDescriptor({
      type: 1, text: descriptorText(false), ucs2: false, volumeSectors: totalSectors, pathTableSize: pSize,
      lPathTable: lPath, mPathTable: mPath, rootRecord: rootRecord(root.extent, root.size), created: clock,
    }));
    if (joliet) {
      parts.push(volumeDescriptor({
        type: 2, text: descriptorText(true), ucs2: true, volumeSectors: totalSectors, pathTableSize: jSize,
        lPathTable: jlPath, mPathTable: jmPath, rootRecord: rootRecord(root.jExtent, root.jSize), created: clock,
      }));
    }
    parts.push(terminatorDescriptor());
    parts.push(pathTable(pEntries(), true), pathTable(pEntries(), false));
    if (joliet) parts.push(pathTable(jEntries(), true), pathTable(jEntries(), false));
    return Buffer.concat(parts);
  };

  const recordFor = (c: AnyEntry, jolietTree: boolean) => ({
    extent: c.kind === 'dir' ? (jolietTree ? c.jExtent : c.extent) : c.kind === 'file' ? c.extent : dataEnd,
    dataLength: c.kind === 'dir' ? (jolietTree ? c.jSize : c.size) : c.kind === 'file' ? c.size : 0,
    date: recordDate(c.mtime),
    flags: c.kind === 'dir' ? FLAG_DIRECTORY : 0,
  });

  const place = (at: number, len: number) => (at % SECTOR) + len > SECTOR ? (Math.floor(at / SECTOR) + 1) * SECTOR : at;

  const renderDir = (d: DirEntry): Uint8Array => {
    const b = new Uint8Array(d.size);
    const parent = d.parent ?? d;
    let at = 0;
    const put = (f: Parameters<typeof writeRecord>[2]) => {
      at = place(at, recordLength(f.id.byteLength, f.systemUse?.byteLength ?? 0));
      at += writeRecord(b, at, f);
    };
    put({ ...recordFor(d, false), id: DOT, systemUse: d.dotSu!.renderInline() });
    put({ ...recordFor(parent, false), id: DOTDOT, systemUse: d.dotdotSu!.renderInline() });
    for (const c of d.primaryOrder) put({ ...recordFor(c, false), id: c.primary!.bytes, systemUse: c.su!.renderInline() });
    return b;
  };

  const renderJolietDir = (d: DirEntry): Uint8Array => {
    const b = new Uint8Array(d.jSize);
    let at = 0;
    const put = (f: Parameters<typeof writeRecord>[2]) => {
      at = place(at, recordLength(f.id.byteLength, 0));
      at += writeRecord(b, at, f);
    };
    put({ ...recordFor(d, true), id: DOT });
    put({ ...recordFor(d.parent ?? d, true), id: DOTDOT });
    for (const c of d.jolietOrder) put({ ...recordFor(c, true), id: c.joliet!.bytes });
    return b;
  };

  const renderContinuations = (d: DirEntry): Uint8Array => {
    const b = new Uint8Array(d.ceSectors * SECTOR);
    const start = d.extent + d.size / SECTOR;
    for (const u of [d.dotSu!, d.dotdotSu!, ...d.primaryOrder.map((c) => c.su!)]) {
      u.positions.forEach((pos, k) => b.set(u.renderArea(k), (pos.lba - start) * SECTOR + pos.offset));
    }
    return b;
  };

  const headerLength = root.extent * SECTOR;
  const pieces = (): Piece[] => {
    const out: Piece[] = [{ render: renderHeader, length: headerLength }];
    for (const d of dirs) {
      out.push({ render: () => renderDir(d), length: d.size });
      if (d.ceSectors) out.push({ render: () => renderContinuations(d), length: d.ceSectors * SECTOR });
    }
    for (const d of jDirs) out.push({ render: () => renderJolietDir(d), length: d.jSize });
    for (const f of files) {
      if (f.size === 0) continue;
      out.push(f.data instanceof Uint8Array ? f.data : { stream: f.data, where: f.path });
      const tail = (SECTOR - (f.size % SECTOR)) % SECTOR;
      if (tail) out.push({ zeros: tail });
    }
    if (padSectors) out.push({ zeros: padSectors * SECTOR });
    return out;
  };

  const size = totalSectors * SECTOR;
  const laidOut = pieces().reduce((n, p) => n + pieceLength(p), 0);
  if (laidOut !== size) throw new Error(`internal: layout of ${size} bytes, pieces of ${laidOut}`);
  return { size, mediaType: ISO_MEDIA_TYPE, chunks: () => pieceStream(pieces()) };
}
