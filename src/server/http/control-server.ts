// Binds the control handler to node:http, with a body cap and the access log.
import { createServer, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AccessLog } from '../access-log.js';
import type { ControlHandler, ControlRequest } from '../routes/control-api.js';

/** Big enough for an instance with its injected files; larger bodies get 413. */
export const CONTROL_BODY_CAP = 8 * 1024 * 1024;

export function createControlServer(handler: ControlHandler, log: AccessLog): Server {
  return createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000 }, (req, res) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > CONTROL_BODY_CAP;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > CONTROL_BODY_CAP) tooLarge = true;
      else if (!tooLarge) chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const cr: ControlRequest = {
        method: req.method ?? 'GET',
        target: req.url ?? '/',
        peer: req.socket.remoteAddress ?? '',
        header: (n) => {
          const v = req.headers[n];
          return Array.isArray(v) ? v.join(', ') : v;
        },
        body: Buffer.concat(chunks),
        bodyTooLarge: tooLarge,
      };
      handler(cr).then((r) => {
        res.writeHead(r.status, r.head as string[]);
        const done = () => log.control(cr.peer, cr.method, cr.target, r.status, performance.now() - started);
        if (r.stream && req.method !== 'HEAD') {
          // A failure mid-stream can only cut the connection: the client sees fewer bytes than
          // Content-Length announced, never a complete-looking wrong image.
          pipeline(Readable.from(r.stream, { objectMode: false }), res).then(done, () => res.destroy());
          return;
        }
        res.end(req.method === 'HEAD' ? undefined : r.body);
        done();
      }, () => res.destroy());
    });
  });
}
