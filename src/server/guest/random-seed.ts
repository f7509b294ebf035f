// meta_data.json's random_seed is fresh on every request, as in Nova. To keep that off the
// allocator and the syscall path, random bytes come from a refilled pool and are base64-encoded
// straight into the response buffer.
import { randomFillSync } from 'node:crypto';
import { RANDOM_SEED_BASE64_LENGTH, RANDOM_SEED_BYTES } from '../../wire/openstack/meta-data.js';

const POOL_BYTES = 64 * 1024;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let used = POOL_BYTES;

const ALPHABET = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');

export const SEED_TEXT_LENGTH = RANDOM_SEED_BASE64_LENGTH;

/** Writes the base64 of RANDOM_SEED_BYTES fresh random bytes into `out` at `at`. */
export function writeRandomSeed(out: Buffer, at: number): void {
  if (used + RANDOM_SEED_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const src = pool;
  let i = used;
  const end = used + RANDOM_SEED_BYTES;
  used = end;
  let o = at;
  for (; i + 2 < end; i += 3) {
    const n = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    out[o++] = ALPHABET[n >>> 18]!;
    out[o++] = ALPHABET[(n >>> 12) & 63]!;
    out[o++] = ALPHABET[(n >>> 6) & 63]!;
    out[o++] = ALPHABET[n & 63]!;
  }
  const rest = end - i;
  if (rest === 1) {
    const n = src[i]! << 16;
    out[o++] = ALPHABET[n >>> 18]!;
    out[o++] = ALPHABET[(n >>> 12) & 63]!;
    out[o++] = 61;
    out[o++] = 61;
  } else if (rest === 2) {
    const n = (src[i]! << 16) | (src[i + 1]! << 8);
    out[o++] = ALPHABET[n >>> 18]!;
    out[o++] = ALPHABET[(n >>> 12) & 63]!;
    out[o++] = ALPHABET[(n >>> 6) & 63]!;
    out[o++] = 61;
  }
}
