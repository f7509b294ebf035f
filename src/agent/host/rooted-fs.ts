// HostFs bound to a root directory. Guest paths are resolved component by component, following
// symlinks as if the root were `/`: an absolute link target restarts at the root and `..` never
// climbs above it, so no guest path or planted symlink can reach outside the root.
// Calls are synchronous underneath: the agent's files are small and few, and a thread-pool hop per
// call would cost more than the I/O itself.
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { FileStat, GuestPath, HostFs, RandomReader, WriteOptions } from './host.js';

const MAX_LINKS = 40; // as the kernel's ELOOP limit

function enoent(path: string): NodeJS.ErrnoException {
  const e = new Error(`ENOENT: no such file or directory, '${path}'`) as NodeJS.ErrnoException;
  e.code = 'ENOENT';
  return e;
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function toStat(s: fs.Stats): FileStat {
  return {
    kind: s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : 'other',
    mode: s.mode & 0o7777,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    mtimeMs: s.mtimeMs,
    ino: s.ino,
    ctimeMs: s.ctimeMs,
  };
}

let tmpCounter = 0;
/** A temp name unique in this process; O_EXCL makes a clash with anyone else an error, not a race. */
function tmpSuffix(): string {
  return `${process.pid.toString(36)}${(++tmpCounter).toString(36)}${Math.floor(Math.random() * 0x7fffffff).toString(36)}`;
}

export class RootedFs implements HostFs {
  readonly root: string;
  /** At `/` the kernel's own resolution is exactly the guest's, so the walk is skipped. */
  private readonly identity: boolean;

  constructor(root: string) {
    this.root = nodePath.resolve(root);
    this.identity = this.root === '/';
  }

  resolve(path: GuestPath, opts: { followLast?: boolean } = {}): string {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new Error(`guest paths must be absolute: ${JSON.stringify(path)}`);
    }
    if (path.includes('\0')) throw new Error('guest path contains a NUL byte');
    const followLast = opts.followLast ?? true;
    if (this.identity) return nodePath.normalize(path);
    return nodePath.join(this.root, ...this.walk(path, followLast));
  }

  realpath(path: GuestPath): GuestPath {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new Error(`guest paths must be absolute: ${JSON.stringify(path)}`);
    }
    return `/${this.walk(path, true).join('/')}`;
  }

  /** The components of path with every symlink inside the root followed (missing ones kept as they are). */
  private walk(path: GuestPath, followLast: boolean): string[] {
    const pending = path.split('/').filter((c) => c !== '' && c !== '.');
    pending.reverse(); // a stack: the next component is at the end
    const done: string[] = [];
    let links = 0;
    while (pending.length) {
      const comp = pending.pop() as string;
      if (comp === '..') {
        done.pop();
        continue;
      }
      const real = nodePath.join(this.root, ...done, comp);
      const isLast = pending.length === 0;
      if (isLast && !followLast) {
        done.push(comp);
        break;
      }
      let target: string | undefined;
      try {
        if (fs.lstatSync(real).isSymbolicLink()) target = fs.readlinkSync(real);
      } catch (e) {
        if (!isMissing(e)) throw e;
      }
      if (target === undefined) {
        done.push(comp);
        continue;
      }
      if (++links > MAX_LINKS) {
        const e = new Error(`ELOOP: too many levels of symbolic links, '${path}'`) as NodeJS.ErrnoException;
        e.code = 'ELOOP';
        throw e;
      }
      if (target.startsWith('/')) done.length = 0;
      const parts = target.split('/').filter((c) => c !== '' && c !== '.');
      for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i] as string);
    }
    return done;
  }

  async readFile(path: GuestPath): Promise<Buffer> {
    return fs.readFileSync(this.resolve(path));
  }

  async openRead(path: GuestPath): Promise<RandomReader> {
    // O_RDONLY only: nothing read this way can be changed through this handle
    let fd: number | undefined = fs.openSync(this.resolve(path), fs.constants.O_RDONLY);
    return {
      async read(offset: number, length: number): Promise<Uint8Array> {
        if (fd === undefined) throw new Error('read after close');
        if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad read ${offset}+${length}`);
        const buf = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const n = fs.readSync(fd, buf, got, length - got, offset + got);
          if (n === 0) break;
          got += n;
        }
        return buf.subarray(0, got);
      },
      async close(): Promise<void> {
        if (fd !== undefined) fs.closeSync(fd);
        fd = undefined;
      },
    };
  }

  async readText(path: GuestPath): Promise<string> {
    return fs.readFileSync(this.resolve(path), 'utf8');
  }

  async readTextIfExists(path: GuestPath): Promise<string | undefined> {
    try {
      return fs.readFileSync(this.resolve(path), 'utf8');
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async exists(path: GuestPath): Promise<boolean> {
    return fs.existsSync(this.resolve(path));
  }

  async stat(path: GuestPath): Promise<FileStat | undefined> {
    try {
      return toStat(fs.statSync(this.resolve(path)));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async lstat(path: GuestPath): Promise<FileStat | undefined> {
    try {
      return toStat(fs.lstatSync(this.resolve(path, { followLast: false })));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async readdir(path: GuestPath): Promise<string[]> {
    try {
      return fs.readdirSync(this.resolve(path)).sort();
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
  }

  async readlink(path: GuestPath): Promise<string | undefined> {
    try {
      return fs.readlinkSync(this.resolve(path, { followLast: false }));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (isMissing(e) || code === 'EINVAL') return undefined;
      throw e;
    }
  }

  private mkdirp(real: string, mode = 0o755, uid?: number, gid?: number): void {
    // Walk up to the first existing ancestor, then create downwards with exact modes.
    const missing: string[] = [];
    let cur = real;
    while (!fs.existsSync(cur)) {
      missing.push(cur);
      const up = nodePath.dirname(cur);
      if (up === cur) break;
      cur = up;
    }
    for (let i = missing.length - 1; i >= 0; i--) {
      const d = missing[i] as string;
      try {
        fs.mkdirSync(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        continue;
      }
      fs.chmodSync(d, mode);
      if (uid !== undefined || gid !== undefined) fs.chownSync(d, uid ?? -1, gid ?? -1);
    }
  }

  async writeFile(path: GuestPath, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
    const real = this.resolve(path);
    const dir = nodePath.dirname(real);
    if (opts.mkdirs !== false) this.mkdirp(dir);
    let prev: fs.Stats | undefined;
    try {
      prev = fs.statSync(real);
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    const mode = opts.mode ?? (prev ? prev.mode & 0o7777 : 0o644);
    const uid = opts.uid ?? prev?.uid;
    const gid = opts.gid ?? prev?.gid;
    const tmp = nodePath.join(dir, `.${nodePath.basename(real)}.${tmpSuffix()}.tmp`);
    // Created 0600 so that no other user can read the content before its mode is set.
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      if (uid !== undefined || gid !== undefined) fs.fchownSync(fd, uid ?? -1, gid ?? -1);
      fs.fchmodSync(fd, mode);
    } catch (e) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    try {
      fs.renameSync(tmp, real);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  async appendFile(path: GuestPath, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
    const real = this.resolve(path);
    if (opts.mkdirs !== false) this.mkdirp(nodePath.dirname(real));
    const existed = fs.existsSync(real);
    const fd = fs.openSync(real, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    try {
      if (!existed) {
        if (opts.uid !== undefined || opts.gid !== undefined) fs.fchownSync(fd, opts.uid ?? -1, opts.gid ?? -1);
        fs.fchmodSync(fd, opts.mode ?? 0o644);
      }
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    } finally {
      fs.closeSync(fd);
    }
  }

  async mkdir(path: GuestPath, opts: { mode?: number; uid?: number; gid?: number } = {}): Promise<void> {
    this.mkdirp(this.resolve(path), opts.mode ?? 0o755, opts.uid, opts.gid);
  }

  async symlink(target: string, path: GuestPath): Promise<void> {
    const real = this.resolve(path, { followLast: false });
    this.mkdirp(nodePath.dirname(real));
    const tmp = nodePath.join(nodePath.dirname(real), `.${nodePath.basename(real)}.${tmpSuffix()}.tmp`);
    fs.symlinkSync(target, tmp);
    try {
      fs.renameSync(tmp, real);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  async chmod(path: GuestPath, mode: number): Promise<void> {
    fs.chmodSync(this.resolve(path), mode);
  }

  async chown(path: GuestPath, uid: number, gid: number): Promise<void> {
    fs.chownSync(this.resolve(path), uid, gid);
  }

  async remove(path: GuestPath, opts: { recursive?: boolean } = {}): Promise<void> {
    const real = this.resolve(path, { followLast: false });
    if (real === this.root) throw new Error('refusing to remove the root');
    let st: fs.Stats;
    try {
      st = fs.lstatSync(real);
    } catch (e) {
      if (isMissing(e)) return;
      throw e;
    }
    if (st.isDirectory()) {
      if (opts.recursive) fs.rmSync(real, { recursive: true, force: true });
      else fs.rmdirSync(real);
    } else {
      fs.unlinkSync(real);
    }
  }

  async statfs(path: GuestPath): Promise<{ frsize: number; bfree: number; blocks: number }> {
    const s = fs.statfsSync(this.resolve(path));
    return { frsize: s.bsize, bfree: s.bfree, blocks: s.blocks };
  }

  async rename(from: GuestPath, to: GuestPath): Promise<void> {
    const src = this.resolve(from, { followLast: false });
    if (!fs.existsSync(src) && !fs.lstatSync(src, { throwIfNoEntry: false })) throw enoent(from);
    fs.renameSync(src, this.resolve(to, { followLast: false }));
  }
}
