// ISO 9660 read in user space (ECMA-119), with Rock Ridge (SUSP/RRIP: NM, SL, PX, CE, CL, RE) and
// Joliet names, choosing names as Linux's isofs does: Rock Ridge when the volume has it, else Joliet,
// else the plain name lowercased without its ";1" version. Pure: bytes come from a ReadAt.

import { ImageFs, type ImageDriver, type ImageNode } from './image-fs.js';
import { ascii, ImageFormatError, readExact, u16le, u32le, type ReadAt } from './read-at.js';

const SECTOR = 2048;
const MAX_DESCRIPTORS = 64;
const MAX_DIR_BYTES = 16 * 1024 * 1024;
const MAX_CE_HOPS = 32;

export interface IsoNode extends ImageNode {
  /** The extents holding the data (several for a multi-extent file), in blocks and bytes. */
  extents: { lba: number; size: number }[];
}

interface Volume {
  label: string;
  root: Uint8Array; // the 34-byte root directory record
  blockSize: number;
  joliet: boolean;
}

export interface IsoProbe {
  /** The primary volume identifier, trailing spaces removed. */
  primaryLabel: string;
  /** The Joliet volume identifier, when there is a Joliet descriptor. */
  jolietLabel?: string;
}

function ucs2be(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i + 1 < to; i += 2) s += String.fromCharCode(((b[i] as number) << 8) | (b[i + 1] as number));
  return s;
}

async function volumes(read: ReadAt): Promise<{ primary?: Volume; joliet?: Volume } | undefined> {
  const out: { primary?: Volume; joliet?: Volume } = {};
  for (let i = 0; i < MAX_DESCRIPTORS; i++) {
    const d = await read((16 + i) * SECTOR, SECTOR);
    if (d.byteLength < SECTOR || ascii(d, 1, 6) !== 'CD001') return i === 0 ? undefined : out;
    const type = d[0] as number;
    if (type === 255) return out;
    const blockSize = u16le(d, 128);
    if (type === 1 && !out.primary) {
      out.primary = { label: ascii(d, 40, 72).replace(/[ \0]+$/, ''), root: d.slice(156, 190), blockSize, joliet: false };
    } else if (type === 2 && !out.joliet) {
      const esc = ascii(d, 88, 120);
      if (esc.startsWith('%/@') || esc.startsWith('%/C') || esc.startsWith('%/E')) {
        out.joliet = { label: ucs2be(d, 40, 72).replace(/[ \0]+$/, ''), root: d.slice(156, 190), blockSize, joliet: true };
      }
    }
  }
  return out;
}

/** The volume labels, when the device holds an ISO 9660 filesystem (blkid's TYPE=iso9660). */
export async function probeIso9660(read: ReadAt): Promise<IsoProbe | undefined> {
  const v = await volumes(read);
  if (!v?.primary) return undefined;
  return { primaryLabel: v.primary.label, ...(v.joliet ? { jolietLabel: v.joliet.label } : {}) };
}

interface Record {
  lba: number;
  size: number;
  flags: number;
  name: Uint8Array;
  su: Uint8Array;
  unitSize: number;
}

function parseRecord(b: Uint8Array, at: number): Record {
  const len = b[at] as number;
  const nameLen = b[at + 32] as number;
  if (len < 34 || 33 + nameLen > len || at + len > b.byteLength) throw new ImageFormatError(`iso9660: bad directory record at ${at}`);
  const suStart = at + 33 + nameLen + (nameLen % 2 === 0 ? 1 : 0);
  return {
    lba: u32le(b, at + 2),
    size: u32le(b, at + 10),
    flags: b[at + 25] as number,
    unitSize: b[at + 26] as number,
    name: b.subarray(at + 33, at + 33 + nameLen),
    su: b.subarray(Math.min(suStart, at + len), at + len),
  };
}

interface RockInfo {
  name?: string;
  target?: string;
  mode?: number;
  /** CL: the real location of a relocated directory. */
  childLink?: number;
  /** RE: this is a relocated directory's placeholder (hidden). */
  relocated?: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

class IsoDriver implements ImageDriver<IsoNode> {
  readonly type = 'iso9660' as const;
  readonly root: IsoNode;
  readonly caseInsensitive: boolean;

  constructor(
    private readonly read: ReadAt,
    private readonly vol: Volume,
    /** Rock Ridge: the SUSP skip length (bytes before the entries), or undefined when absent. */
    private readonly rockSkip: number | undefined,
  ) {
    const r = parseRecord(vol.root, 0);
    this.root = { kind: 'dir', size: r.size, extents: [{ lba: r.lba, size: r.size }] };
    this.caseInsensitive = rockSkip === undefined && !vol.joliet;
  }

  private async suEntries(su: Uint8Array, skip: number): Promise<{ sig: string; body: Uint8Array }[]> {
    const out: { sig: string; body: Uint8Array }[] = [];
    let area: Uint8Array | undefined = su.subarray(Math.min(skip, su.byteLength));
    for (let hops = 0; area && hops <= MAX_CE_HOPS; hops++) {
      let next: Uint8Array | undefined;
      for (let at = 0; at + 4 <= area.byteLength;) {
        const sig = ascii(area, at, at + 2);
        const len = area[at + 2] as number;
        if (len < 4 || at + len > area.byteLength) break;
        const body = area.subarray(at + 4, at + len);
        if (sig === 'ST') break;
        if (sig === 'CE' && body.byteLength >= 24) {
          const lba = u32le(body, 0), off = u32le(body, 8), clen = u32le(body, 16);
          if (clen > 0 && clen <= 64 * 1024) next = await readExact(this.read, lba * this.vol.blockSize + off, clen, 'iso9660 continuation area');
        } else {
          out.push({ sig, body });
        }
        at += len;
      }
      area = next;
    }
    return out;
  }

  private async rock(su: Uint8Array): Promise<RockInfo> {
    const info: RockInfo = {};
    if (this.rockSkip === undefined) return info;
    let name: string[] | undefined;
    let target: string | undefined;
    let pendingComponent = '';
    for (const { sig, body } of await this.suEntries(su, this.rockSkip)) {
      if (sig === 'NM' && body.byteLength >= 1) {
        const f = body[0] as number;
        name ??= [];
        if (f & 0x02) name.push('.');
        else if (f & 0x04) name.push('..');
        else name.push(utf8.decode(body.subarray(1)));
      } else if (sig === 'PX' && body.byteLength >= 4) {
        info.mode = u32le(body, 0);
      } else if (sig === 'SL' && body.byteLength >= 1) {
        const parts = target === undefined ? [] : [target];
        for (let at = 1; at + 2 <= body.byteLength;) {
          const cf = body[at] as number, clen = body[at + 1] as number;
          const text = utf8.decode(body.subarray(at + 2, at + 2 + clen));
          at += 2 + clen;
          let comp: string;
          if (cf & 0x02) comp = '.';
          else if (cf & 0x04) comp = '..';
          else if (cf & 0x08) comp = '';
          else comp = text;
          pendingComponent += comp;
          if (!(cf & 0x01)) {
            parts.push(pendingComponent);
            pendingComponent = '';
          }
        }
        target = parts.join('/');
        if (target === '') target = '/';
      } else if (sig === 'CL' && body.byteLength >= 4) {
        info.childLink = u32le(body, 0);
      } else if (sig === 'RE') {
        info.relocated = true;
      }
    }
    if (name) info.name = name.join('');
    if (target !== undefined) info.target = target.startsWith('//') ? target.slice(1) : target;
    return info;
  }

  private plainName(r: Record): string {
    if (this.vol.joliet) return ucs2be(r.name, 0, r.name.byteLength).replace(/;\d*$/, '').replace(/\.$/, '');
    return ascii(r.name, 0, r.name.byteLength).replace(/;\d*$/, '').replace(/\.$/, '').toLowerCase();
  }

  async children(dir: IsoNode): Promise<Map<string, IsoNode>> {
    const out = new Map<string, IsoNode>();
    const ext = dir.extents[0] as { lba: number; size: number };
    if (ext.size > MAX_DIR_BYTES) throw new ImageFormatError(`iso9660: directory of ${ext.size} bytes`);
    const b = await readExact(this.read, ext.lba * this.vol.blockSize, ext.size, 'iso9660 directory');
    let last: IsoNode | undefined; // a multi-extent file still collecting extents
    for (let at = 0, index = 0; at < b.byteLength; index++) {
      if (b[at] === 0) {
        at = (Math.floor(at / SECTOR) + 1) * SECTOR; // records never cross a sector
        continue;
      }
      const r = parseRecord(b, at);
      at += b[at] as number;
      if (r.name.byteLength === 1 && (r.name[0] === 0 || r.name[0] === 1)) continue; // "." and ".."
      if (last) {
        last.extents.push({ lba: r.lba, size: r.size });
        last.size += r.size;
        if (!(r.flags & 0x80)) last = undefined;
        continue;
      }
      if (r.unitSize !== 0) throw new ImageFormatError('iso9660: interleaved files are not supported');
      const rr = await this.rock(r.su);
      if (rr.relocated) continue;
      const name = rr.name ?? this.plainName(r);
      if (name === '' || name === '.' || name === '..' || name.includes('/')) continue;
      let node: IsoNode;
      if (rr.childLink !== undefined) {
        const self = await readExact(this.read, rr.childLink * this.vol.blockSize, 256, 'iso9660 relocated directory');
        const dot = parseRecord(self, 0);
        node = { kind: 'dir', size: dot.size, extents: [{ lba: dot.lba, size: dot.size }] };
      } else if (rr.target !== undefined || (rr.mode !== undefined && (rr.mode & 0o170000) === 0o120000)) {
        node = { kind: 'symlink', size: 0, target: rr.target ?? '', extents: [] };
      } else if (r.flags & 0x02) {
        node = { kind: 'dir', size: r.size, extents: [{ lba: r.lba, size: r.size }] };
      } else {
        node = { kind: 'file', size: r.size, extents: [{ lba: r.lba, size: r.size }] };
        if (r.flags & 0x80) last = node;
      }
      if (!out.has(name)) out.set(name, node);
    }
    return out;
  }

  async content(file: IsoNode, maxBytes: number): Promise<Uint8Array> {
    if (file.size > maxBytes) throw new ImageFormatError(`iso9660: file of ${file.size} bytes`);
    const out = new Uint8Array(file.size);
    let at = 0;
    for (const e of file.extents) {
      out.set(await readExact(this.read, e.lba * this.vol.blockSize, e.size, 'iso9660 file'), at);
      at += e.size;
    }
    return out;
  }
}

/** Opens an ISO 9660 filesystem, or undefined when the device holds none. */
export async function openIso9660(read: ReadAt): Promise<ImageFs<IsoNode> | undefined> {
  const v = await volumes(read);
  if (!v?.primary) return undefined;
  const primary = v.primary;
  if (primary.blockSize !== 512 && primary.blockSize !== 1024 && primary.blockSize !== 2048) {
    throw new ImageFormatError(`iso9660: logical block size ${primary.blockSize}`);
  }
  // Rock Ridge: an SP entry first in the root's "." record.
  const root = parseRecord(primary.root, 0);
  const first = await readExact(read, root.lba * primary.blockSize, Math.min(root.size, SECTOR), 'iso9660 root directory');
  const dot = parseRecord(first, 0);
  let rockSkip: number | undefined;
  if (dot.su.byteLength >= 7 && ascii(dot.su, 0, 2) === 'SP' && dot.su[4] === 0xbe && dot.su[5] === 0xef) rockSkip = dot.su[6] as number;
  const vol = rockSkip === undefined && v.joliet ? v.joliet : primary;
  const label = v.joliet?.label || primary.label;
  return new ImageFs(new IsoDriver(read, vol, rockSkip), label || undefined);
}
