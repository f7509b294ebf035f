// Runs the real image readers (xorriso, isoinfo, bsdtar, blkid, fuseiso, fusefat, mtools) for tests,
// with loop devices and FUSE mounts that are always released, also when the test fails.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, readlink, rm, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(cmd, args, { maxBuffer: 256 << 20, encoding: 'utf8', env: opts.env ?? process.env });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.stderr || err.message}`);
  }
}

export async function runBuffer(cmd: string, args: string[]): Promise<Buffer> {
  const { stdout } = await exec(cmd, args, { maxBuffer: 256 << 20, encoding: 'buffer' });
  return stdout;
}

export async function scratch(prefix = 'kindling-img-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Binds an image to a read-only loop device for the duration of fn. */
export async function withLoop<T>(image: string, fn: (dev: string) => Promise<T>): Promise<T> {
  const { stdout } = await run('losetup', ['--find', '--show', '--read-only', image]);
  const dev = stdout.trim();
  try {
    return await fn(dev);
  } finally {
    await run('losetup', ['--detach', dev]).catch(() => undefined);
  }
}

/** Mounts an image with a FUSE driver (fuseiso or fusefat) for the duration of fn. */
export async function withFuse<T>(driver: 'fuseiso' | 'fusefat', image: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await scratch('kindling-mnt-');
  // fuseiso -n: no $HOME/.mtab.fuseiso left on the host
  const args = driver === 'fusefat' ? ['-o', 'ro', image, dir] : ['-n', image, dir];
  await run(driver, args);
  try {
    return await fn(dir);
  } finally {
    for (let i = 0; ; i++) {
      try {
        await run('fusermount', ['-u', dir]);
        break;
      } catch (e) {
        if (i >= 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
}

export interface WalkedEntry {
  kind: 'file' | 'dir' | 'symlink';
  data?: Buffer;
  target?: string;
  mode: number;
}

/** Every entry under dir, keyed by its "/"-joined relative path. */
export async function walkDir(dir: string, prefix = ''): Promise<Map<string, WalkedEntry>> {
  const out = new Map<string, WalkedEntry>();
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = await lstat(p);
    if (st.isSymbolicLink()) out.set(rel, { kind: 'symlink', target: await readlink(p), mode: st.mode & 0o7777 });
    else if (st.isDirectory()) {
      out.set(rel, { kind: 'dir', mode: st.mode & 0o7777 });
      for (const [k, v] of await walkDir(p, rel)) out.set(k, v);
    } else out.set(rel, { kind: 'file', data: await readFile(p), mode: st.mode & 0o7777 });
  }
  return out;
}
