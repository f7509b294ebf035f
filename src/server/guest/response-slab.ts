// Buffers for responses built per request (meta_data.json with its fresh seed), cut from large
// slabs: Buffer.allocUnsafe's 8 KiB pool made every third 2 KiB response allocate a new pool.
// A slab is never reused; it is garbage once every response cut from it has been written.
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let offset = 0;

export function responseBuffer(size: number): Buffer {
  if (size > SLAB_BYTES / 8) return Buffer.allocUnsafeSlow(size);
  if (offset + size > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    offset = 0;
  }
  const b = slab.subarray(offset, offset + size);
  offset += (size + 7) & ~7; // keep cuts 8-byte aligned
  return b;
}
