// Where the lab keeps things. The rootfs cache is shared by everyone on the machine; run directories
// (overlay upper/work dirs, logs) are private to one Lab and removed when it closes.
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** The repository root (this file compiles to build/test/lab/paths.js). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The shared cache: built rootfs variants, their logs and lock files. */
export function cacheRoot(): string {
  return process.env.KINDLING_LAB_CACHE || '/var/cache/kindling-lab';
}

/** Parent of per-Lab run directories. Must be a filesystem that can hold an overlay upper dir. */
export function runsRoot(): string {
  return process.env.KINDLING_LAB_RUNS || resolve(cacheRoot(), 'runs');
}
