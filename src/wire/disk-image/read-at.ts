// The one thing the filesystem readers ask of their caller: bytes at an offset of a device or an
// image file. read(offset, length) resolves to at most `length` bytes (fewer only at the end).
// Pure: the caller does the I/O (a block device through the agent's host, a Uint8Array in tests).

export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** A malformed or unsupported image: the readers fail closed with this, never guess. */
export class ImageFormatError extends Error {}

/** read, but short reads are an error (a structure that should be there is not). */
export async function readExact(read: ReadAt, offset: number, length: number, what: string): Promise<Uint8Array> {
  const b = await read(offset, length);
  if (b.byteLength < length) throw new ImageFormatError(`${what}: truncated image (wanted ${length} bytes at ${offset}, got ${b.byteLength})`);
  return b;
}

/** A ReadAt over bytes in memory. */
export function bytesReader(bytes: Uint8Array): ReadAt {
  return async (offset, length) => bytes.subarray(Math.min(offset, bytes.byteLength), Math.min(offset + length, bytes.byteLength));
}

/**
 * Reads in aligned blocks of `block` bytes and keeps up to `maxBlocks` of them, so that the many
 * small reads of directory walking cost a few device reads.
 */
export function cachedReader(read: ReadAt, block = 64 * 1024, maxBlocks = 256): ReadAt {
  const cache = new Map<number, Promise<Uint8Array>>();
  const blockAt = (n: number): Promise<Uint8Array> => {
    let p = cache.get(n);
    if (p) {
      cache.delete(n); // most recently used last
      cache.set(n, p);
      return p;
    }
    p = read(n * block, block);
    cache.set(n, p);
    if (cache.size > maxBlocks) cache.delete(cache.keys().next().value as number);
    return p;
  };
  return async (offset, length) => {
    if (length === 0) return new Uint8Array(0);
    const first = Math.floor(offset / block);
    const last = Math.floor((offset + length - 1) / block);
    if (first === last) {
      const b = await blockAt(first);
      const from = offset - first * block;
      return b.subarray(Math.min(from, b.byteLength), Math.min(from + length, b.byteLength));
    }
    const out = new Uint8Array(length);
    let got = 0;
    for (let n = first; n <= last; n++) {
      const b = await blockAt(n);
      const from = n === first ? offset - n * block : 0;
      const piece = b.subarray(Math.min(from, b.byteLength), Math.min(from + (length - got), b.byteLength));
      out.set(piece, got);
      got += piece.byteLength;
      if (b.byteLength < block) break; // the end of the device
    }
    return out.subarray(0, got);
  };
}

export function u16le(b: Uint8Array, o: number): number {
  return (b[o] as number) | ((b[o + 1] as number) << 8);
}

export function u32le(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16)) + (b[o + 3] as number) * 0x1000000;
}

export function ascii(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i] as number);
  return s;
}
