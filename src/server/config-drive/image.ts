// What every image writer returns: the exact size, known before any byte is produced (so an HTTP
// response can carry Content-Length), and a stream of chunks that can be started any number of times.

import { ImageError, type StreamedContent } from './image-tree.js';

export interface Image {
  /** The exact number of bytes chunks() yields. */
  readonly size: number;
  /** The media type to announce when the image is served. */
  readonly mediaType: string;
  chunks(): AsyncIterable<Uint8Array>;
}

/**
 * A piece of an image, in order: literal bytes, a run of zeros, bytes rendered only when the stream
 * reaches them, or a file streamed from its source (checked against its announced size).
 */
export type Piece =
  | Uint8Array
  | { readonly zeros: number }
  | { readonly render: () => Uint8Array; readonly length: number }
  | { readonly stream: StreamedContent; readonly where: string };

const ZERO_BLOCK = new Uint8Array(1 << 20);
const BATCH = 1 << 16;

/**
 * True when `chunk` is a run of zeros handed out by pieceStream; a file writer may seek past it
 * instead of writing it (a sparse file). Callers never see ZERO_BLOCK itself mutated.
 */
export function isZeroChunk(chunk: Uint8Array): boolean {
  return chunk.buffer === ZERO_BLOCK.buffer;
}

export function pieceLength(p: Piece): number {
  if (p instanceof Uint8Array) return p.byteLength;
  if ('zeros' in p) return p.zeros;
  if ('render' in p) return p.length;
  return p.stream.size;
}

/**
 * Streams pieces, copying small ones into 64 KiB batches: an image made of many small records and
 * files then costs a few large writes instead of thousands of small ones.
 */
export async function* pieceStream(pieces: Iterable<Piece>): AsyncGenerator<Uint8Array> {
  let batch: Uint8Array = Buffer.allocUnsafe(BATCH); // only the written prefix is ever yielded
  let used = 0;
  function* flush(): Generator<Uint8Array> {
    if (used === 0) return;
    yield batch.subarray(0, used);
    batch = Buffer.allocUnsafe(BATCH);
    used = 0;
  }
  function* bytes(b: Uint8Array): Generator<Uint8Array> {
    if (b.byteLength >= BATCH / 2) {
      yield* flush();
      yield b;
      return;
    }
    if (used + b.byteLength > BATCH) yield* flush();
    batch.set(b, used);
    used += b.byteLength;
  }
  for (const p of pieces) {
    if (p instanceof Uint8Array) {
      yield* bytes(p);
    } else if ('zeros' in p) {
      let left = p.zeros;
      if (left < 4096) {
        yield* bytes(ZERO_BLOCK.subarray(0, left));
        continue;
      }
      yield* flush();
      while (left > 0) {
        const n = Math.min(left, ZERO_BLOCK.byteLength);
        yield ZERO_BLOCK.subarray(0, n);
        left -= n;
      }
    } else if ('render' in p) {
      const b = p.render();
      if (b.byteLength !== p.length) throw new Error(`internal: rendered ${b.byteLength} bytes, laid out ${p.length}`);
      yield* bytes(b);
    } else {
      yield* flush();
      let got = 0;
      for await (const chunk of p.stream.open()) {
        got += chunk.byteLength;
        if (got > p.stream.size) break;
        yield chunk;
      }
      if (got !== p.stream.size) {
        throw new ImageError('bad-content', `${p.where}: its source gave ${got > p.stream.size ? 'more' : got} bytes, ${p.stream.size} were announced`);
      }
    }
  }
  yield* flush();
}
