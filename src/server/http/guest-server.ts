// Binds a guest handler to node:http. node:http measured faster than fastify for this path (see
// docs/benchmarks.md); the adapter stays thin: no body parsing for reads, cached header arrays.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GuestRequest } from '../guest/request.js';
import type { Reply } from '../guest/reply.js';
import type { GuestHandler } from '../routes/guest.js';

/** Guests send tiny bodies (a password is at most 1020 bytes); anything larger is cut off. */
export const GUEST_BODY_CAP = 4096;

function send(res: ServerResponse, r: Reply): void {
  res.writeHead(r.status, r.head as string[]);
  res.end(r.body);
}

function failed(res: ServerResponse): void {
  if (!res.headersSent) {
    res.writeHead(500, ['Content-Type', 'text/plain; charset=UTF-8', 'Content-Length', '52']);
    res.end('An unknown error has occurred. Please try again.\n\n\n');
  } else res.destroy();
}

class NodeGuestRequest implements GuestRequest {
  method: string;
  target: string;
  peer: string;
  body?: Buffer;
  bodyTooLarge?: boolean;
  constructor(private readonly req: IncomingMessage) {
    this.method = req.method ?? 'GET';
    this.target = req.url ?? '/';
    this.peer = req.socket.remoteAddress ?? '';
  }
  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

export function createGuestServer(handler: GuestHandler, onError: (e: unknown) => void): Server {
  const run = (req: NodeGuestRequest, res: ServerResponse) => {
    try {
      const r = handler(req);
      if (r instanceof Promise) r.then((x) => send(res, x), (e) => { onError(e); failed(res); });
      else send(res, r);
    } catch (e) {
      onError(e);
      failed(res);
    }
  };
  const server = createServer({ keepAliveTimeout: 30_000, headersTimeout: 20_000, requestTimeout: 30_000 }, (req, res) => {
    res.sendDate = false;
    const gr = new NodeGuestRequest(req);
    const m = gr.method;
    if (m === 'GET' || m === 'HEAD') {
      run(gr, res);
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    const chunks: Buffer[] = [];
    let size = 0;
    gr.bodyTooLarge = declared > GUEST_BODY_CAP;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > GUEST_BODY_CAP) gr.bodyTooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      gr.body = Buffer.concat(chunks);
      run(gr, res);
    });
    req.on('error', () => res.destroy());
  });
  return server;
}
