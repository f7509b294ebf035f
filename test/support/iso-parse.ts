// A small independent ISO 9660 reader for tests: walks the primary tree with its Rock Ridge entries
// (following CE continuations) or the Joliet tree, and checks the structural rules real readers
// rely on as it goes (records within sectors, CE areas within one sector). It shares no code with
// the writer on purpose.

export interface ParsedEntry {
  kind: 'file' | 'dir' | 'symlink';
  /** Rock Ridge (or Joliet) path, "/"-joined, no leading slash. */
  path: string;
  /** The primary-namespace identifier as recorded. */
  isoId: string;
  mode?: number;
  links?: number;
  target?: string;
  extent: number;
  size: number;
  data?: Buffer;
  mtime?: Date;
}

export interface ParsedIso {
  label: string;
  jolietLabel?: string;
  volumeSectors: number;
  publisher: string;
  rockRidge: boolean;
  extensions: string[];
  entries: Map<string, ParsedEntry>;
  joliet?: Map<string, ParsedEntry>;
}

const S = 2048;

function le32(b: Buffer, at: number) { return b.readUInt32LE(at); }
function checkBoth32(b: Buffer, at: number, what: string): number {
  const l = b.readUInt32LE(at), m = b.readUInt32BE(at + 4);
  if (l !== m) throw new Error(`${what}: both-endian mismatch ${l} / ${m}`);
  return l;
}

interface Susp { name?: string; nameBytes?: Buffer; mode?: number; links?: number; target?: string; targetBytes?: Buffer; linkSep?: string; mtime?: Date; sigs: string[] }

function date7(b: Buffer, at: number): Date {
  return new Date(Date.UTC(1900 + b[at]!, b[at + 1]! - 1, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!) - (b.readInt8(at + 6) * 15 * 60000));
}

function parseSusp(img: Buffer, area: Buffer, out: Susp, depth = 0): void {
  if (depth > 16) throw new Error('CE chain too long');
  let at = 0;
  while (at + 4 <= area.length) {
    const sig = area.toString('latin1', at, at + 2);
    const len = area[at + 2]!;
    if (len < 4) break;
    if (at + len > area.length) throw new Error(`SUSP entry ${sig} overruns its area`);
    const body = area.subarray(at + 4, at + len);
    out.sigs.push(sig);
    if (sig === 'NM') {
      // Pieces are joined as bytes, as the kernel and libarchive do.
      out.nameBytes = Buffer.concat([out.nameBytes ?? Buffer.alloc(0), body.subarray(1)]);
      out.name = out.nameBytes.toString('utf8');
    } else if (sig === 'PX') {
      out.mode = checkBoth32(body, 0, 'PX mode');
      out.links = checkBoth32(body, 8, 'PX links');
    } else if (sig === 'TF') {
      if (body[0]! & 0x02) out.mtime = date7(body, 1 + ((body[0]! & 0x01) ? 7 : 0));
    } else if (sig === 'SL') {
      let p = 1;
      let link = out.targetBytes ?? Buffer.alloc(0);
      let sep = out.linkSep ?? '';
      const add = (t: string | Buffer) => { link = Buffer.concat([link, Buffer.isBuffer(t) ? t : Buffer.from(t)]); };
      while (p + 2 <= body.length) {
        const f = body[p]!, n = body[p + 1]!;
        add(sep);
        if (f & 0x08) { add('/'); sep = ''; }
        else if (f & 0x02) { add('.'); sep = '/'; }
        else if (f & 0x04) { add('..'); sep = '/'; }
        else { add(body.subarray(p + 2, p + 2 + n)); sep = f & 0x01 ? '' : '/'; }
        p += 2 + n;
      }
      out.targetBytes = link;
      out.target = link.toString('utf8');
      out.linkSep = sep;
    } else if (sig === 'CE') {
      const lba = checkBoth32(body, 0, 'CE block'), off = checkBoth32(body, 8, 'CE offset'), n = checkBoth32(body, 16, 'CE length');
      if (off + n > S) throw new Error(`CE area crosses a sector (offset ${off}, length ${n})`);
      parseSusp(img, img.subarray(lba * S + off, lba * S + off + n), out, depth + 1);
    } else if (sig === 'ST') {
      break;
    }
    at += len;
  }
}

interface Rec { len: number; extent: number; size: number; flags: number; id: Buffer; su: Buffer; date: Date }

function records(img: Buffer, extent: number, size: number): Rec[] {
  const out: Rec[] = [];
  for (let sector = 0; sector < size / S; sector++) {
    const base = (extent + sector) * S;
    let at = 0;
    while (at < S) {
      const len = img[base + at]!;
      if (len === 0) break;
      if (at + len > S) throw new Error(`directory record crosses a sector at ${base + at}`);
      const r = img.subarray(base + at, base + at + len);
      const idLen = r[32]!;
      const suStart = 33 + idLen + (idLen % 2 === 0 ? 1 : 0);
      out.push({
        len, extent: checkBoth32(r, 2, 'extent'), size: checkBoth32(r, 10, 'size'), flags: r[25]!,
        id: Buffer.from(r.subarray(33, 33 + idLen)), su: Buffer.from(r.subarray(suStart, len)), date: date7(r, 18),
      });
      at += len;
    }
  }
  return out;
}

export function parseIso(img: Buffer, opts: { withData?: boolean } = {}): ParsedIso {
  const pvd = img.subarray(16 * S, 17 * S);
  if (pvd[0] !== 1 || pvd.toString('latin1', 1, 6) !== 'CD001') throw new Error('no primary volume descriptor');
  let jolietVd: Buffer | undefined;
  for (let s = 17; ; s++) {
    const vd = img.subarray(s * S, (s + 1) * S);
    if (vd.toString('latin1', 1, 6) !== 'CD001') throw new Error('no descriptor set terminator');
    if (vd[0] === 255) break;
    if (vd[0] === 2 && vd.toString('latin1', 88, 91) === '%/E') jolietVd = vd;
  }
  const root = records(img, le32(pvd, 158), le32(pvd, 166));
  const dot: Susp = { sigs: [] };
  // SP must open the root's "." system use area.
  const rockRidge = root[0]!.su.toString('latin1', 0, 2) === 'SP';
  if (rockRidge) parseSusp(img, root[0]!.su, dot);
  const extensions: string[] = [];
  const findEr = (area: Buffer): void => {
    let at = 0;
    while (at + 4 <= area.length && area[at + 2]! >= 4) {
      const sig = area.toString('latin1', at, at + 2), len = area[at + 2]!;
      if (sig === 'ER') extensions.push(area.toString('latin1', at + 8, at + 8 + area[at + 4]!));
      if (sig === 'CE') {
        const b = area.subarray(at + 4);
        const lba = b.readUInt32LE(0), off = b.readUInt32LE(8), n = b.readUInt32LE(16);
        findEr(img.subarray(lba * S + off, lba * S + off + n));
      }
      at += len;
    }
  };
  if (rockRidge) findEr(root[0]!.su);

  const walk = (extent: number, size: number, prefix: string, out: Map<string, ParsedEntry>, joliet: boolean) => {
    for (const r of records(img, extent, size).slice(2)) {
      const su: Susp = { sigs: [] };
      if (!joliet && rockRidge) parseSusp(img, r.su, su);
      const isoId = joliet ? Buffer.from(r.id).swap16().toString('utf16le') : r.id.toString('latin1');
      const plain = isoId.replace(/;1$/, '');
      const name = joliet ? plain : su.name ?? plain;
      const path = prefix ? `${prefix}/${name}` : name;
      if (out.has(path)) throw new Error(`duplicate entry ${path}`);
      const kind = r.flags & 2 ? 'dir' : su.target !== undefined ? 'symlink' : 'file';
      const e: ParsedEntry = { kind, path, isoId, extent: r.extent, size: r.size, mtime: su.mtime ?? r.date };
      if (su.mode !== undefined) e.mode = su.mode;
      if (su.links !== undefined) e.links = su.links;
      if (su.target !== undefined) e.target = su.target;
      if (kind === 'file' && opts.withData) e.data = Buffer.from(img.subarray(r.extent * S, r.extent * S + r.size));
      out.set(path, e);
      if (kind === 'dir') walk(r.extent, r.size, path, out, joliet);
    }
  };
  const entries = new Map<string, ParsedEntry>();
  walk(le32(pvd, 158), le32(pvd, 166), '', entries, false);
  const result: ParsedIso = {
    label: pvd.toString('latin1', 40, 72).trimEnd(),
    volumeSectors: checkBoth32(pvd, 80, 'volume size'),
    publisher: pvd.toString('latin1', 318, 446).trimEnd(),
    rockRidge,
    extensions,
    entries,
  };
  if (jolietVd) {
    result.jolietLabel = Buffer.from(jolietVd.subarray(40, 72)).swap16().toString('utf16le').trimEnd();
    result.joliet = new Map();
    walk(le32(jolietVd, 158), le32(jolietVd, 166), '', result.joliet, true);
  }
  return result;
}
