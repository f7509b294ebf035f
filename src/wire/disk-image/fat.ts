// FAT12/16/32 read in user space, with VFAT long names (checksummed against their short entry) and
// the Windows NT lowercase flags on short names, as Linux's vfat shows them. The label is read as
// blkid does: the root directory's volume-label entry (LABEL), and the boot sector's (LABEL_FATBOOT).
// Pure: bytes come from a ReadAt.

import { ImageFs, type ImageDriver, type ImageNode } from './image-fs.js';
import { ascii, ImageFormatError, readExact, u16le, u32le, type ReadAt } from './read-at.js';

const MAX_FAT_BYTES = 16 * 1024 * 1024;
const MAX_DIR_BYTES = 8 * 1024 * 1024;
const NO_NAME = 'NO NAME';

export interface FatNode extends ImageNode {
  /** First cluster (0: empty file, or FAT12/16's fixed root directory). */
  cluster: number;
  fixedRoot?: boolean;
}

interface Geometry {
  bits: 12 | 16 | 32;
  bytesPerSector: number;
  clusterBytes: number;
  fatOffset: number;
  fatBytes: number;
  rootOffset: number; // FAT12/16
  rootBytes: number; // FAT12/16
  rootCluster: number; // FAT32
  dataOffset: number;
  clusters: number;
  bootLabel: string | undefined;
}

function trimLabel(s: string): string | undefined {
  const t = s.replace(/[ \0]+$/, '');
  return t === '' || t === NO_NAME ? undefined : t;
}

function geometry(bs: Uint8Array): Geometry | undefined {
  if (bs.byteLength < 512 || bs[510] !== 0x55 || bs[511] !== 0xaa) return undefined;
  // blkid's magic: the file system type string where FAT12/16 or FAT32 keep it
  const t16 = ascii(bs, 54, 62), t32 = ascii(bs, 82, 90);
  const fat1216 = /^(FAT12   |FAT16   |FAT     |MSDOS)/.test(t16);
  const fat32 = /^(FAT32   |MSWIN)/.test(t32);
  if (!fat1216 && !fat32) return undefined;
  const bytesPerSector = u16le(bs, 11);
  const spc = bs[13] as number;
  const reserved = u16le(bs, 14);
  const nfats = bs[16] as number;
  const rootEntries = u16le(bs, 17);
  const total = u16le(bs, 19) || u32le(bs, 32);
  const media = bs[21] as number;
  const fatSectors = u16le(bs, 22) || u32le(bs, 36);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) return undefined;
  if (spc === 0 || (spc & (spc - 1)) !== 0 || reserved === 0 || nfats === 0 || fatSectors === 0 || total === 0) return undefined;
  if (media !== 0xf0 && media < 0xf8) return undefined;
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const dataSector = reserved + nfats * fatSectors + rootSectors;
  if (dataSector >= total) return undefined;
  const clusters = Math.floor((total - dataSector) / spc);
  const bits: 12 | 16 | 32 = u16le(bs, 22) === 0 ? 32 : clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
  const ext = bits === 32 ? 64 : 36; // extended boot record: signature 0x29 at +2, label at +7
  const bootLabel = bs[ext + 2] === 0x29 || bs[ext + 2] === 0x28 ? trimLabel(ascii(bs, ext + 7, ext + 18)) : undefined;
  return {
    bits,
    bytesPerSector,
    clusterBytes: spc * bytesPerSector,
    fatOffset: reserved * bytesPerSector,
    fatBytes: fatSectors * bytesPerSector,
    rootOffset: (reserved + nfats * fatSectors) * bytesPerSector,
    rootBytes: rootEntries * 32,
    rootCluster: bits === 32 ? u32le(bs, 44) : 0,
    dataOffset: dataSector * bytesPerSector,
    clusters,
    bootLabel,
  };
}

const LFN_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

function shortChecksum(e: Uint8Array, at: number): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + (e[at + i] as number)) & 0xff;
  return sum;
}

function shortName(e: Uint8Array, at: number): string {
  const raw = Uint8Array.from(e.subarray(at, at + 11));
  if (raw[0] === 0x05) raw[0] = 0xe5;
  const nt = e[at + 12] as number;
  let base = ascii(raw, 0, 8).replace(/ +$/, '');
  let ext = ascii(raw, 8, 11).replace(/ +$/, '');
  if (nt & 0x08) base = base.toLowerCase();
  if (nt & 0x10) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}

interface DirEntry {
  name: string;
  node: FatNode;
}

function parseDir(b: Uint8Array, bits: number): { entries: DirEntry[]; label?: string } {
  const entries: DirEntry[] = [];
  let label: string | undefined;
  let lfn: { parts: string[]; count: number; seen: number; sum: number } | undefined;
  for (let at = 0; at + 32 <= b.byteLength; at += 32) {
    const first = b[at] as number;
    if (first === 0x00) break;
    if (first === 0xe5) {
      lfn = undefined;
      continue;
    }
    const attr = b[at + 11] as number;
    if ((attr & 0x3f) === 0x0f) {
      const seq = first & 0x1f;
      if (first & 0x40) lfn = { parts: [], count: seq, seen: 0, sum: b[at + 13] as number };
      if (!lfn || seq === 0 || seq > lfn.count || b[at + 13] !== lfn.sum) {
        lfn = undefined;
        continue;
      }
      let s = '';
      for (const o of LFN_OFFSETS) {
        const c = u16le(b, at + o);
        if (c === 0 || c === 0xffff) break;
        s += String.fromCharCode(c);
      }
      lfn.parts[seq - 1] = s;
      lfn.seen++;
      continue;
    }
    const longName = lfn && lfn.seen === lfn.count && lfn.sum === shortChecksum(b, at) ? lfn.parts.join('') : undefined;
    lfn = undefined;
    if (attr & 0x08) {
      if (!(attr & 0x10) && label === undefined) label = trimLabel(ascii(b, at, at + 11));
      continue;
    }
    const short = shortName(b, at);
    if (short === '.' || short === '..') continue;
    const cluster = (bits === 32 ? u16le(b, at + 20) << 16 : 0) + u16le(b, at + 26);
    const name = longName || short;
    if (name.includes('/') || name === '') continue;
    entries.push({ name, node: attr & 0x10 ? { kind: 'dir', size: 0, cluster } : { kind: 'file', size: u32le(b, at + 28), cluster } });
  }
  return { entries, ...(label !== undefined ? { label } : {}) };
}

class FatDriver implements ImageDriver<FatNode> {
  readonly type = 'vfat' as const;
  readonly caseInsensitive = true;
  readonly root: FatNode;
  private fat: Uint8Array | undefined;

  constructor(
    private readonly read: ReadAt,
    readonly g: Geometry,
  ) {
    this.root = g.bits === 32 ? { kind: 'dir', size: 0, cluster: g.rootCluster } : { kind: 'dir', size: 0, cluster: 0, fixedRoot: true };
  }

  private async chain(first: number, maxBytes: number): Promise<number[]> {
    if (first < 2) return [];
    if (!this.fat) {
      if (this.g.fatBytes > MAX_FAT_BYTES) throw new ImageFormatError(`vfat: a FAT of ${this.g.fatBytes} bytes`);
      this.fat = await readExact(this.read, this.g.fatOffset, this.g.fatBytes, 'vfat FAT');
    }
    const fat = this.fat;
    const out: number[] = [];
    const limit = Math.ceil(maxBytes / this.g.clusterBytes) + 1;
    for (let c = first; ; ) {
      if (c < 2 || c >= this.g.clusters + 2) throw new ImageFormatError(`vfat: cluster ${c} out of range`);
      out.push(c);
      if (out.length > limit) throw new ImageFormatError('vfat: cluster chain too long (a loop?)');
      let next: number;
      if (this.g.bits === 12) {
        const o = c + (c >> 1);
        const v = u16le(fat, o);
        next = c & 1 ? v >> 4 : v & 0xfff;
        if (next >= 0xff8) break;
      } else if (this.g.bits === 16) {
        next = u16le(fat, c * 2);
        if (next >= 0xfff8) break;
      } else {
        next = u32le(fat, c * 4) & 0x0fffffff;
        if (next >= 0x0ffffff8) break;
      }
      c = next;
    }
    return out;
  }

  private async readChain(first: number, bytes: number | undefined, maxBytes: number): Promise<Uint8Array> {
    const clusters = await this.chain(first, bytes ?? maxBytes);
    const total = clusters.length * this.g.clusterBytes;
    if (bytes === undefined && total > maxBytes) throw new ImageFormatError(`vfat: more than ${maxBytes} bytes`);
    const want = bytes ?? total;
    if (want > total) throw new ImageFormatError(`vfat: file of ${want} bytes on ${clusters.length} clusters`);
    const out = new Uint8Array(want);
    let at = 0;
    // read runs of consecutive clusters at once
    for (let i = 0; i < clusters.length && at < want; ) {
      let j = i + 1;
      while (j < clusters.length && clusters[j] === (clusters[j - 1] as number) + 1) j++;
      const n = Math.min((j - i) * this.g.clusterBytes, want - at);
      out.set(await readExact(this.read, this.g.dataOffset + ((clusters[i] as number) - 2) * this.g.clusterBytes, n, 'vfat data'), at);
      at += n;
      i = j;
    }
    return out;
  }

  async rootBytes(): Promise<Uint8Array> {
    if (this.g.bits === 32) return this.readChain(this.g.rootCluster, undefined, MAX_DIR_BYTES);
    return readExact(this.read, this.g.rootOffset, this.g.rootBytes, 'vfat root directory');
  }

  async children(dir: FatNode): Promise<Map<string, FatNode>> {
    const b = dir.fixedRoot || dir === this.root ? await this.rootBytes() : await this.readChain(dir.cluster, undefined, MAX_DIR_BYTES);
    const out = new Map<string, FatNode>();
    for (const e of parseDir(b, this.g.bits).entries) if (!out.has(e.name)) out.set(e.name, e.node);
    return out;
  }

  async content(file: FatNode, maxBytes: number): Promise<Uint8Array> {
    if (file.size > maxBytes) throw new ImageFormatError(`vfat: file of ${file.size} bytes`);
    if (file.size === 0) return new Uint8Array(0);
    return this.readChain(file.cluster, file.size, maxBytes);
  }

  async rootLabel(): Promise<string | undefined> {
    return parseDir(await this.rootBytes(), this.g.bits).label;
  }
}

export interface FatProbe {
  /** blkid's LABEL: the root directory's volume label, else the boot sector's. */
  label?: string;
  /** blkid's LABEL_FATBOOT: the boot sector's label. */
  bootLabel?: string;
}

async function driver(read: ReadAt): Promise<FatDriver | undefined> {
  const bs = await read(0, 512);
  const g = geometry(bs);
  return g ? new FatDriver(read, g) : undefined;
}

/** The labels, when the device holds a FAT filesystem (blkid's TYPE=vfat). */
export async function probeFat(read: ReadAt): Promise<FatProbe | undefined> {
  const d = await driver(read);
  if (!d) return undefined;
  const g = d.g;
  const rootLabel = await d.rootLabel().catch(() => undefined);
  const label = rootLabel ?? g.bootLabel;
  return { ...(label !== undefined ? { label } : {}), ...(g.bootLabel !== undefined ? { bootLabel: g.bootLabel } : {}) };
}

/** Opens a FAT filesystem, or undefined when the device holds none. */
export async function openFat(read: ReadAt): Promise<ImageFs<FatNode> | undefined> {
  const d = await driver(read);
  if (!d) return undefined;
  const rootLabel = await d.rootLabel();
  return new ImageFs(d, rootLabel ?? d.g.bootLabel);
}
