// The real HTTP client, on node:http (node:https is loaded only for https URLs). One keep-alive
// agent per client, so a metadata crawl reuses its connection; every request has a deadline that
// covers connecting, waiting and reading the body.
import type * as Http from 'node:http';
import { http as loadHttp, https as lazyHttps } from './lazy-builtins.js';
import type { HttpClient, HttpRequest, HttpResponse } from './host.js';

export interface NodeHttpClient {
  request: HttpClient;
  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void;
}

const MAX_BODY = 64 * 1024 * 1024; // metadata is small; refuse to buffer something absurd

export function nodeHttpClient(userAgent = 'kindling-init'): NodeHttpClient {
  // node:http is loaded at the first request: most boot stages make none
  let agent: Http.Agent | undefined;
  let httpsAgent: { destroy(): void } | undefined;
  const request: HttpClient = async (req: HttpRequest) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new Error(`invalid URL: ${req.url}`);
    }
    const http = loadHttp();
    agent ??= new http.Agent({ keepAlive: true, maxSockets: 8 });
    let mod: typeof Http = http;
    let useAgent: unknown = agent;
    if (url.protocol === 'https:') {
      const https = lazyHttps();
      mod = https as unknown as typeof Http;
      httpsAgent ??= new https.Agent({ keepAlive: true });
      useAgent = httpsAgent;
    } else if (url.protocol !== 'http:') {
      throw new Error(`unsupported URL scheme: ${url.protocol}`);
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const headers: Record<string, string> = { 'User-Agent': userAgent, ...req.headers };
      const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : Buffer.from(req.body);
      if (body) headers['Content-Length'] = String(body.length);
      const timeoutMs = req.timeoutMs ?? 10_000;
      let done = false;
      const r = mod.request(
        url,
        { method: req.method ?? 'GET', headers, agent: useAgent as Http.Agent },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) {
              r.destroy(new Error(`response body larger than ${MAX_BODY} bytes`));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks) });
          });
          res.on('error', fail);
        },
      );
      function fail(e: Error) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(e);
      }
      const timer = setTimeout(() => {
        r.destroy(new Error(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      r.on('error', fail);
      r.end(body);
    });
  };
  return {
    request,
    close() {
      agent?.destroy();
      httpsAgent?.destroy();
    },
  };
}
