// The guest listener's HTTP/1.1 server, on node:net. Measured against node:http and fastify on
// this path (docs/benchmarks.md): node:http's per-request machinery cost more than half of the
// throughput nginx reaches, so guests get this small, strict server instead; the control API
// stays on node:http.
//
// Strict by design, because guests are untrusted: CRLF line endings only, token-checked method
// and header names, no obsolete line folding, one agreed Content-Length, Transfer-Encoding only
// as "chunked" and never together with Content-Length (no request smuggling through a proxy),
// bounded head (16 KiB, 100 fields) and body (4 KiB: a password is 1020 bytes), a deadline for
// each request head and an idle timeout. Requests on one connection are answered in order
// (pipelining), and reading pauses while the socket's send buffer is full.
import { createServer, type Server, type Socket } from 'node:net';
import { headText, wireBytes, type Reply } from '../guest/reply.js';
import type { GuestRequest } from '../guest/request.js';
import type { GuestHandler } from '../routes/guest.js';

export interface Http1Limits {
  maxHeadBytes: number;
  maxHeaders: number;
  /** Bodies above this are not read: the handler sees bodyTooLarge and the connection closes. */
  bodyCap: number;
  /** A request head must be complete this long after its first byte. */
  headTimeoutMs: number;
  /** A connection with no traffic at all is closed after this. */
  idleTimeoutMs: number;
  /** Stop reading from a peer whose responses pile up beyond this many unsent bytes. */
  maxPendingWrite: number;
}

export const DEFAULT_LIMITS: Http1Limits = {
  maxHeadBytes: 16 * 1024,
  maxHeaders: 100,
  bodyCap: 4096,
  headTimeoutMs: 20_000,
  idleTimeoutMs: 30_000,
  maxPendingWrite: 1 << 20,
};

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// A request target: origin-form, absolute-form or "*"; printable ASCII only.
const TARGET = /^[\x21-\x7e]+$/;
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

class Http1Request implements GuestRequest {
  body?: Buffer;
  bodyTooLarge?: boolean;
  constructor(
    readonly method: string,
    readonly target: string,
    readonly peer: string,
    private readonly names: string[],
    private readonly values: string[],
  ) {}

  header(name: string): string | undefined {
    let out: string | undefined;
    for (let i = 0; i < this.names.length; i++) {
      if (this.names[i] === name) out = out === undefined ? this.values[i] : `${out}, ${this.values[i]}`;
    }
    return out;
  }
}

/** A protocol error: answered with this status and the connection is closed. */
class Refuse {
  constructor(readonly status: number, readonly why: string) {}
}

interface Head {
  req: Http1Request;
  version: '1.0' | '1.1';
  keepAlive: boolean;
  contentLength: number;
  chunked: boolean;
  expectContinue: boolean;
}

// The header section in one pass: name ":" value lines, names are tokens (so obs-fold and spaces
// before the colon fail), values are tab, visible ASCII or obs-text (no NUL, no bare CR or LF).
const FIELDS = /^(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e\x80-\xff]*(?:\r\n|$))*$/;

function parseHead(text: string, peer: string, limits: Http1Limits): Head | Refuse {
  const nl = text.indexOf('\r\n');
  const requestLine = nl < 0 ? text : text.slice(0, nl);
  const sp1 = requestLine.indexOf(' ');
  const sp2 = requestLine.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(' ', sp2 + 1) >= 0) return new Refuse(400, 'malformed request line');
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  const proto = requestLine.slice(sp2 + 1);
  if (!TOKEN.test(method)) return new Refuse(400, 'malformed method');
  if (!TARGET.test(target)) return new Refuse(400, 'malformed request target');
  let version: '1.0' | '1.1';
  if (proto === 'HTTP/1.1') version = '1.1';
  else if (proto === 'HTTP/1.0') version = '1.0';
  else return /^HTTP\/\d\.\d$/.test(proto) ? new Refuse(505, 'unsupported HTTP version') : new Refuse(400, 'malformed request line');
  const names: string[] = [];
  const values: string[] = [];
  let contentLength = -1;
  let chunked = false;
  let te = false;
  let connection = '';
  let expect = '';
  if (nl >= 0) {
    const fields = text.slice(nl + 2);
    if (!FIELDS.test(fields)) return new Refuse(400, 'malformed header field');
    let at = 0;
    while (at < fields.length) {
      let eol = fields.indexOf('\r\n', at);
      if (eol < 0) eol = fields.length;
      if (names.length >= limits.maxHeaders) return new Refuse(431, 'too many header fields');
      const colon = fields.indexOf(':', at);
      const name = fields.slice(at, colon).toLowerCase();
      let a = colon + 1;
      let b = eol;
      while (a < b && (fields.charCodeAt(a) === 32 || fields.charCodeAt(a) === 9)) a++;
      while (b > a && (fields.charCodeAt(b - 1) === 32 || fields.charCodeAt(b - 1) === 9)) b--;
      const value = fields.slice(a, b);
      at = eol + 2;
      names.push(name);
      values.push(value);
      switch (name) {
        case 'content-length': {
          if (!/^\d{1,15}$/.test(value)) return new Refuse(400, 'malformed Content-Length');
          const n = Number(value);
          if (contentLength >= 0 && contentLength !== n) return new Refuse(400, 'conflicting Content-Length');
          contentLength = n;
          break;
        }
        case 'transfer-encoding':
          if (te || value.toLowerCase() !== 'chunked') return new Refuse(501, 'only Transfer-Encoding: chunked is supported');
          te = true;
          chunked = true;
          break;
        case 'connection':
          connection = connection ? `${connection},${value.toLowerCase()}` : value.toLowerCase();
          break;
        case 'expect':
          expect = value.toLowerCase();
          break;
      }
    }
  }
  if (chunked && contentLength >= 0) return new Refuse(400, 'both Content-Length and Transfer-Encoding');
  if (chunked && version === '1.0') return new Refuse(400, 'chunked body in HTTP/1.0');
  let keepAlive = version === '1.1';
  if (connection) {
    const tokens = connection.split(',').map((t) => t.trim());
    keepAlive = version === '1.1' ? !tokens.includes('close') : tokens.includes('keep-alive');
  }
  return {
    req: new Http1Request(method, target, peer, names, values),
    version,
    keepAlive,
    contentLength: contentLength < 0 ? 0 : contentLength,
    chunked,
    expectContinue: expect === '100-continue',
  };
}

type Chunked = { state: 'more' } | { state: 'done'; body: Buffer; end: number } | { state: 'too-large' } | Refuse;

/** Decodes a complete chunked body starting at `at`, or says what is missing. Trailers are skipped. */
function decodeChunked(buf: Buffer, at: number, cap: number): Chunked {
  const parts: Buffer[] = [];
  let size = 0;
  let p = at;
  for (;;) {
    const eol = buf.indexOf('\r\n', p, 'latin1');
    if (eol < 0) return buf.length - p > 64 ? new Refuse(400, 'malformed chunk size') : { state: 'more' };
    const sizeText = buf.toString('latin1', p, eol).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return new Refuse(400, 'malformed chunk size');
    const n = parseInt(sizeText, 16);
    p = eol + 2;
    if (n === 0) {
      // trailer fields, then an empty line
      for (;;) {
        const t = buf.indexOf('\r\n', p, 'latin1');
        if (t < 0) return buf.length - p > 4096 ? new Refuse(431, 'trailer too large') : { state: 'more' };
        if (t === p) return { state: 'done', body: Buffer.concat(parts, size), end: t + 2 };
        p = t + 2;
      }
    }
    size += n;
    if (size > cap) return { state: 'too-large' };
    if (buf.length < p + n + 2) return { state: 'more' };
    if (buf[p + n] !== 13 || buf[p + n + 1] !== 10) return new Refuse(400, 'malformed chunk');
    parts.push(buf.subarray(p, p + n));
    p += n + 2;
  }
}

function closingBytes(r: Reply, head: boolean): Buffer {
  const h = Buffer.from(headText(r.status, r.head, 'Connection: close\r\n'), 'latin1');
  return head ? h : Buffer.concat([h, r.body]);
}

function refusal(status: number, why: string): Reply {
  const body = `${why}\n`;
  return { status, body: Buffer.from(body, 'latin1'), head: ['Content-Type', 'text/plain; charset=UTF-8', 'Content-Length', String(body.length)] };
}

export function createGuestServer(handler: GuestHandler, onError: (e: unknown) => void, limits: Http1Limits = DEFAULT_LIMITS): Server {
  const server = createServer({ noDelay: true }, (socket) => serveConnection(socket, handler, onError, limits));
  return server;
}

function serveConnection(socket: Socket, handler: GuestHandler, onError: (e: unknown) => void, limits: Http1Limits): void {
  const peer = socket.remoteAddress ?? '';
  let buf: Buffer | undefined;
  let busy = false;
  let closed = false;
  let continued = false;
  let headTimer: NodeJS.Timeout | undefined;

  socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
  socket.on('error', () => {
    /* resets and aborted peers are routine for a metadata service */
  });
  socket.on('close', () => {
    closed = true;
    if (headTimer) clearTimeout(headTimer);
  });
  socket.on('drain', () => {
    if (!closed) socket.resume();
  });
  socket.on('data', (chunk: Buffer) => {
    buf = buf === undefined || buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (!busy) pump();
  });

  const finish = (r: Reply, h: Head | undefined): void => {
    if (closed) return;
    const isHead = h?.req.method === 'HEAD';
    if (!h || !h.keepAlive) {
      socket.end(closingBytes(r, isHead));
      closed = true;
      return;
    }
    if (isHead) socket.write(Buffer.from(headText(r.status, r.head, h.version === '1.0' ? 'Connection: keep-alive\r\n' : ''), 'latin1'));
    else if (h.version === '1.0') socket.write(Buffer.concat([Buffer.from(headText(r.status, r.head, 'Connection: keep-alive\r\n'), 'latin1'), r.body]));
    else socket.write(wireBytes(r));
    if (socket.writableLength > limits.maxPendingWrite) socket.pause();
  };

  const refuse = (status: number, why: string): void => {
    buf = undefined;
    finish(refusal(status, why), undefined);
  };

  const run = (h: Head): void => {
    let out: Reply | Promise<Reply>;
    try {
      out = handler(h.req);
    } catch (e) {
      onError(e);
      finish(refusal(500, 'An unknown error has occurred. Please try your request again.'), undefined);
      return;
    }
    if (out instanceof Promise) {
      busy = true;
      out.then(
        (r) => finish(r, h),
        (e) => {
          onError(e);
          finish(refusal(500, 'An unknown error has occurred. Please try your request again.'), undefined);
        },
      ).finally(() => {
        busy = false;
        if (!closed) pump();
      });
    } else {
      finish(out, h);
    }
  };

  const armHeadDeadline = (): void => {
    if (headTimer) return;
    headTimer = setTimeout(() => {
      headTimer = undefined;
      if (!closed && buf && buf.length > 0) refuse(408, 'request head not completed in time');
    }, limits.headTimeoutMs);
  };

  function pump(): void {
    while (!closed && !busy && buf !== undefined && buf.length > 0) {
      // RFC 9112: ignore empty lines before a request line
      let start = 0;
      while (start + 1 < buf.length && buf[start] === 13 && buf[start + 1] === 10) start += 2;
      const end = buf.indexOf(CRLF2, start);
      if (end < 0) {
        if (buf.length - start > limits.maxHeadBytes) return refuse(431, 'request head too large');
        armHeadDeadline();
        return;
      }
      if (end - start > limits.maxHeadBytes) return refuse(431, 'request head too large');
      const parsed = parseHead(buf.toString('latin1', start, end), peer, limits);
      if (parsed instanceof Refuse) return refuse(parsed.status, parsed.why);
      const bodyAt = end + 4;
      if (parsed.chunked) {
        const c = decodeChunked(buf, bodyAt, limits.bodyCap);
        if (c instanceof Refuse) return refuse(c.status, c.why);
        if (c.state === 'more') {
          if (parsed.expectContinue && !continued) {
            socket.write(CONTINUE);
            continued = true;
          }
          armHeadDeadline();
          return;
        }
        if (c.state === 'too-large') {
          parsed.req.bodyTooLarge = true;
          parsed.keepAlive = false;
          buf = undefined;
        } else {
          parsed.req.body = c.body;
          buf = buf.subarray(c.end);
        }
      } else if (parsed.contentLength > limits.bodyCap) {
        // Not read: answer now and close, so a huge upload costs us nothing.
        parsed.req.bodyTooLarge = true;
        parsed.keepAlive = false;
        buf = undefined;
      } else if (parsed.contentLength > 0) {
        if (buf.length < bodyAt + parsed.contentLength) {
          if (parsed.expectContinue && !continued) {
            socket.write(CONTINUE);
            continued = true;
          }
          armHeadDeadline();
          return;
        }
        parsed.req.body = buf.subarray(bodyAt, bodyAt + parsed.contentLength);
        buf = buf.subarray(bodyAt + parsed.contentLength);
      } else {
        buf = buf.subarray(bodyAt);
      }
      continued = false;
      if (headTimer) {
        clearTimeout(headTimer);
        headTimer = undefined;
      }
      run(parsed);
    }
  }
}
