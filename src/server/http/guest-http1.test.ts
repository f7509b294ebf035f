// The guest HTTP/1.1 server at the protocol level, over a real loopback socket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type AddressInfo, type Server } from 'node:net';
import { makeReply, type Reply } from '../guest/reply.js';
import type { GuestRequest } from '../guest/request.js';
import { createGuestServer, DEFAULT_LIMITS } from './guest-http1.js';

/** Echoes what the server understood; /slow answers after a delay (a pending promise). */
function handler(req: GuestRequest): Reply | Promise<Reply> {
  if (req.target === '/boom') throw new Error('boom');
  const text = JSON.stringify({ m: req.method, t: req.target, p: req.peer, h: req.header('x-a') ?? null, b: req.body?.toString() ?? null, big: req.bodyTooLarge ?? false });
  if (req.target.startsWith('/slow')) return new Promise((r) => setTimeout(() => r(makeReply(200, 'application/json', text)), 30));
  return makeReply(200, 'application/json', text);
}

let server: Server;
let port: number;

/** Sends raw bytes (optionally in pieces), returns everything received until the peer closes or `until` matches. */
function exchange(pieces: (string | Buffer)[], until?: (s: string) => boolean, gapMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      c.destroy();
      resolve(got);
    }, 3000);
    c.on('data', (d) => {
      got += d.toString('latin1');
      if (until?.(got)) {
        clearTimeout(timer);
        c.destroy();
        resolve(got);
      }
    });
    c.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    c.on('error', reject);
    c.on('connect', async () => {
      for (const p of pieces) {
        c.write(p);
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('guest HTTP/1.1 server', () => {
  before(async () => {
    server = createGuestServer(handler, () => {}, { ...DEFAULT_LIMITS, headTimeoutMs: 300 });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('a request, byte by byte, keeps the connection', async () => {
    const req = 'GET /a HTTP/1.1\r\nHost: x\r\nX-A:  v  \r\n\r\n';
    const got = await exchange([...req].map((c) => c), (s) => s.includes('}'), 1);
    assert.match(got, /^HTTP\/1\.1 200 OK\r\nContent-Type: application\/json\r\nContent-Length: \d+\r\n\r\n/);
    assert.ok(!/Connection: close/.test(got));
    assert.match(got, /"t":"\/a","p":"127\.0\.0\.1","h":"v"/);
  });

  test('pipelined requests are answered in order, also behind a pending one', async () => {
    const got = await exchange(['GET /slow1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /slow3 HTTP/1.1\r\n\r\nGET /4 HTTP/1.1\r\n\r\n'], (s) => count(s, /HTTP\/1\.1 200/g) === 4);
    const order = [...got.matchAll(/"t":"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(order, ['/slow1', '/2', '/slow3', '/4']);
  });

  test('bodies: Content-Length, chunked, Expect: 100-continue', async () => {
    assert.match(await exchange(['POST /p HTTP/1.1\r\nContent-Length: 5\r\n\r\nhe', 'llo'], (s) => s.includes('}')), /"b":"hello"/);
    const chunked = await exchange(['POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\n'], (s) => s.includes('}'));
    assert.match(chunked, /"b":"abcde"/);
    const cont = await exchange(['POST /p HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n'], (s) => s.includes('100 Continue'));
    assert.match(cont, /^HTTP\/1\.1 100 Continue\r\n\r\n/);
  });

  test('a body over the cap is not read: the handler is told, the connection closes', async () => {
    const got = await exchange([`POST /p HTTP/1.1\r\nContent-Length: ${DEFAULT_LIMITS.bodyCap + 1}\r\n\r\n`]);
    assert.match(got, /Connection: close/);
    assert.match(got, /"big":true/);
    const chunky = await exchange([`POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n${'x'.repeat(0x2000)}\r\n0\r\n\r\n`]);
    assert.match(chunky, /"big":true/);
  });

  test('HEAD gets the headers only; HTTP/1.0 closes unless asked to keep alive', async () => {
    const head = await exchange(['HEAD /h HTTP/1.1\r\n\r\nGET /g HTTP/1.1\r\n\r\n'], (s) => s.includes('"/g"'));
    assert.equal(count(head, /HTTP\/1\.1 200/g), 2);
    assert.ok(!head.includes('"/h"'));
    const old = await exchange(['GET /o HTTP/1.0\r\n\r\n']);
    assert.match(old, /Connection: close/);
    const ka = await exchange(['GET /o HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'], (s) => s.includes('}'));
    assert.match(ka, /Connection: keep-alive/);
    const closeMe = await exchange(['GET /c HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n']);
    assert.match(closeMe, /Connection: close/);
    assert.ok(!closeMe.includes('/never'));
  });

  test('malformed and smuggling-shaped requests are refused and the connection closed', async () => {
    const cases: [string, number][] = [
      ['GARBAGE\r\n\r\n', 400],
      ['GET  /x HTTP/1.1\r\n\r\n', 400],
      ['GET /x HTTP/2.0\r\n\r\n', 505],
      ['G(T /x HTTP/1.1\r\n\r\n', 400],
      ['GET /x y HTTP/1.1\r\n\r\n', 400],
      ['GET /x HTTP/1.1\r\nBad Name: v\r\n\r\n', 400],
      ['GET /x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n', 400],
      ['GET /x HTTP/1.1\r\nNoColon\r\n\r\n', 400],
      ['GET /x HTTP/1.1\nHost: y\r\n\r\n', 400],
      ['POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
      ['POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
      ['POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 400],
      ['POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
      ['POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
      [`GET /x HTTP/1.1\r\n${'A: b\r\n'.repeat(101)}\r\n`, 431],
      [`GET /${'a'.repeat(17000)} HTTP/1.1\r\n\r\n`, 431],
    ];
    for (const [raw, status] of cases) {
      const got = await exchange([raw]);
      assert.match(got, new RegExp(`^HTTP/1\\.1 ${status} `), JSON.stringify(raw.slice(0, 60)));
      assert.match(got, /Connection: close/);
    }
  });

  test('a slow head times out with 408; a handler failure is a 500', async () => {
    const slow = await exchange(['GET /x HTTP/1.1\r\nHost'], undefined);
    assert.match(slow, /^HTTP\/1\.1 408 /);
    assert.match(await exchange(['GET /boom HTTP/1.1\r\n\r\n']), /^HTTP\/1\.1 500 /);
  });

  test('same bytes as a cached reply would give through node:http framing', async () => {
    const got = await exchange(['GET /z HTTP/1.1\r\n\r\n'], (s) => s.includes('}'));
    const [head, body] = got.split('\r\n\r\n');
    assert.equal(Number(/Content-Length: (\d+)/.exec(head!)![1]), Buffer.byteLength(body!));
  });
});
