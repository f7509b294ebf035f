// Writes an image to a file atomically: into a temporary file in the target directory, renamed
// over the target only once every byte is written, so a failure never leaves a partial image.
// Runs of zeros are skipped (the file is sparse), which makes a 64 MiB vfat image cost what its
// data costs. The mode defaults to 0600: a config drive carries user data and the admin password.

import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type Image, isZeroChunk } from './image.js';

export interface WriteImageOptions {
  mode?: number;
}

export class WriteImageError extends Error {
  constructor(readonly path: string, override readonly cause: unknown) {
    const why = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
    const detail = cause instanceof Error && (cause as NodeJS.ErrnoException).code ? `: ${describe((cause as NodeJS.ErrnoException).code!)}` : '';
    super(`cannot write ${path}: ${why}${detail}`);
    this.name = 'WriteImageError';
  }
}

function describe(code: string): string {
  switch (code) {
    case 'ENOENT': return 'its directory does not exist';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': return 'a parent is not a directory';
    case 'ENOSPC': return 'no space left on the device';
    case 'EROFS': return 'read-only file system';
    default: return code;
  }
}

export async function writeImageFile(image: Image, path: string, opts: WriteImageOptions = {}): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx', opts.mode ?? 0o600);
  } catch (e) {
    throw new WriteImageError(path, e);
  }
  let ok = false;
  let failure: unknown;
  try {
    let pos = 0;
    // Chunks are gathered into one writev of up to 1 MiB: a small image costs one system call.
    let pending: Uint8Array[] = [];
    let pendingAt = 0, pendingBytes = 0;
    const flush = async () => {
      let at = pendingAt;
      for (const b of pending) {
        // writev may write short; finish each buffer with plain writes
        let off = 0;
        while (off < b.byteLength) off += (await fh!.write(b, off, b.byteLength - off, at + off)).bytesWritten;
        at += b.byteLength;
      }
      pending = [];
      pendingBytes = 0;
    };
    const flushv = async () => {
      if (!pending.length) return;
      const { bytesWritten } = await fh!.writev(pending, pendingAt);
      if (bytesWritten === pendingBytes) { pending = []; pendingBytes = 0; return; }
      await flush(); // rare: rewrite the batch in full with positioned writes
    };
    for await (const chunk of image.chunks()) {
      if (isZeroChunk(chunk)) {
        await flushv();
      } else {
        if (!pending.length) pendingAt = pos;
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        if (pendingBytes >= 1 << 20) await flushv();
      }
      pos += chunk.byteLength;
    }
    await flushv();
    if (pos !== image.size) throw new Error(`internal: wrote ${pos} bytes of ${image.size}`);
    await fh.truncate(pos); // materialises a trailing run of zeros
    await fh.chmod(opts.mode ?? 0o600); // the umask may have narrowed the open() mode
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
    ok = true;
  } catch (e) {
    failure = e;
  } finally {
    if (fh) await fh.close().catch(() => undefined);
    if (!ok) await unlink(tmp).catch(() => undefined);
  }
  if (!ok) {
    if (failure instanceof Error && !(failure as NodeJS.ErrnoException).code) throw failure; // an image error, reported as is
    throw new WriteImageError(path, failure);
  }
}
