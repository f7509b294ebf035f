// A small tar writer (POSIX ustar, with a pax header for names that do not fit), enough for
// collect-logs to write its tarball without depending on the guest's tar.

export interface TarEntry {
  /** Path inside the archive, without a leading slash; directories end without "/". */
  name: string;
  kind: 'file' | 'dir' | 'symlink';
  mode: number;
  mtime: number; // epoch seconds
  data?: Buffer;
  linkname?: string;
  uid?: number;
  gid?: number;
}

function octal(n: number, width: number): string {
  return `${Math.max(0, Math.floor(n)).toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, prefix: string, e: { kind: TarEntry['kind'] | 'pax'; mode: number; mtime: number; size: number; linkname?: string; uid?: number; gid?: number }): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100, 'utf8');
  b.write(octal(e.mode & 0o7777, 8), 100, 'ascii');
  b.write(octal(e.uid ?? 0, 8), 108, 'ascii');
  b.write(octal(e.gid ?? 0, 8), 116, 'ascii');
  b.write(octal(e.size, 12), 124, 'ascii');
  b.write(octal(e.mtime, 12), 136, 'ascii');
  b.write('        ', 148, 'ascii');
  b.write(e.kind === 'file' ? '0' : e.kind === 'dir' ? '5' : e.kind === 'symlink' ? '2' : 'x', 156, 'ascii');
  if (e.linkname) b.write(e.linkname, 157, 100, 'utf8');
  b.write('ustar\0', 257, 'ascii');
  b.write('00', 263, 'ascii');
  b.write('root', 265, 'ascii');
  b.write('root', 297, 'ascii');
  b.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return b;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

/** Splits a name into ustar's prefix (155) and name (100) fields, or undefined if it cannot. */
function splitName(name: string): [string, string] | undefined {
  if (Buffer.byteLength(name) <= 100) return ['', name];
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const pre = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(pre) <= 155 && Buffer.byteLength(rest) <= 100 && rest) return [pre, rest];
  }
  return undefined;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

export function tarArchive(entries: TarEntry[]): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    const name = e.kind === 'dir' ? `${e.name}/` : e.name;
    const data = e.kind === 'file' ? (e.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    let split = splitName(name);
    const longLink = e.linkname !== undefined && Buffer.byteLength(e.linkname) > 100;
    if (!split || longLink) {
      const recs = Buffer.from((split ? '' : paxRecord('path', name)) + (longLink ? paxRecord('linkpath', e.linkname as string) : ''), 'utf8');
      out.push(header('PaxHeader', '', { kind: 'pax', mode: 0o644, mtime: e.mtime, size: recs.length }), recs, pad(recs.length));
      split ??= ['', Buffer.from(name).subarray(0, 100).toString('utf8')];
    }
    out.push(header(split[1], split[0], { kind: e.kind, mode: e.mode, mtime: e.mtime, size: data.length, linkname: longLink ? '' : e.linkname, uid: e.uid, gid: e.gid }));
    if (data.length) out.push(data, pad(data.length));
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}
