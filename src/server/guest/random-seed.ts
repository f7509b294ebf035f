// meta_data.json's random_seed is fresh on every request, as in Nova. To keep that off the
// allocator and the syscall path, random bytes come from a refilled pool and their base64 text is
// written straight into the response buffer (native encoding measured ~3× faster than a JS loop).
import { randomFillSync } from 'node:crypto';
import { RANDOM_SEED_BASE64_LENGTH, RANDOM_SEED_BYTES } from '../../wire/openstack/meta-data.js';

const POOL_BYTES = 64 * 1024;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let used = POOL_BYTES;

export const SEED_TEXT_LENGTH = RANDOM_SEED_BASE64_LENGTH;

/** Writes the base64 of RANDOM_SEED_BYTES fresh random bytes into `out` at `at`. */
export function writeRandomSeed(out: Buffer, at: number): void {
  if (used + RANDOM_SEED_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString('base64', used, used + RANDOM_SEED_BYTES);
  used += RANDOM_SEED_BYTES;
  out.write(text, at, SEED_TEXT_LENGTH, 'latin1');
}
