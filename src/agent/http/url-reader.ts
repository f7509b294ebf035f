// Bounded URL reads with a log line per try, as cloud-init's readurl and wait_for_url behave:
// retries only where retrying can help (connection errors, timeouts, and the caller's choice of
// statuses), a deadline on every request, and max_wait < 0 meaning a single pass over the URLs.
import type { Host, HttpResponse } from '../host/host.js';

export class UrlError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly code?: number,
  ) {
    super(message);
  }
}

export interface ReadOptions {
  timeoutSec?: number;
  /** Extra attempts after the first. */
  retries?: number;
  secBetween?: number;
  headers?: Record<string, string>;
  method?: string;
  /** A request body (POST). */
  body?: string | Uint8Array;
  /** Header names whose values must not be logged. */
  redactHeaders?: string[];
  /** Decides whether a failed attempt is worth repeating (default: transport errors and 408/429/5xx). */
  shouldRetry?: (e: UrlError) => boolean;
  /** Don't log the response size or URL details beyond the path (nothing sensitive is logged anyway). */
  quiet?: boolean;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
export const defaultShouldRetry = (e: UrlError) => e.code === undefined || RETRYABLE.has(e.code);

/** GET (or opts.method) with retries; resolves only for 2xx, rejects with UrlError otherwise. */
export async function readUrl(host: Host, url: string, opts: ReadOptions = {}): Promise<HttpResponse> {
  const tries = Math.max(0, opts.retries ?? 0) + 1;
  const timeoutMs = Math.max(1, (opts.timeoutSec ?? 10) * 1000);
  const shouldRetry = opts.shouldRetry ?? defaultShouldRetry;
  let last: UrlError | undefined;
  for (let i = 0; i < tries; i++) {
    host.log.log('DEBUG', 'url_helper', `[${i}/${tries}] open '${url}' with timeout ${timeoutMs / 1000}s`);
    try {
      const r = await host.http({ url, method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), headers: opts.headers ?? {}, timeoutMs, ...(opts.body !== undefined ? { body: opts.body } : {}) });
      if (r.status >= 200 && r.status < 300) {
        host.log.log('DEBUG', 'url_helper', `Read from ${url} (${r.status}, ${r.body.length}b) after ${i + 1} attempts`);
        return r;
      }
      // worded as requests' raise_for_status, which cloud-init's messages (and status.json) carry
      const kind = r.status >= 400 && r.status < 500 ? ' Client Error:' : r.status >= 500 && r.status < 600 ? ' Server Error:' : '';
      last = new UrlError(`${r.status}${kind} ${statusText(r.status)} for url: ${url}`, url, r.status);
    } catch (e) {
      last = new UrlError(`${(e as Error).message} for url: ${url}`, url);
    }
    if (!shouldRetry(last) || i === tries - 1) break;
    host.log.log('DEBUG', 'url_helper', `Please wait ${opts.secBetween ?? 1} seconds while we wait to try again`);
    await host.clock.sleep((opts.secBetween ?? 1) * 1000);
  }
  throw last as UrlError;
}

function statusText(code: number): string {
  return ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' } as Record<number, string>)[code] ?? '';
}

export interface WaitOptions {
  /** Overall bound in seconds; <= 0 means one pass over the URLs. */
  maxWaitSec: number;
  timeoutSec: number;
  headers?: Record<string, string>;
  /** Stagger between parallel attempts at several URLs (RFC 6555 style), ms. */
  staggerMs?: number;
}

/**
 * Tries the URLs (in parallel, staggered) until one answers 2xx with a body, or the bound passes.
 * Returns the URL and its response, or undefined after logging every failed try.
 */
export async function waitForUrl(host: Host, urls: string[], o: WaitOptions): Promise<{ url: string; response: HttpResponse } | undefined> {
  const start = host.clock.now();
  const bound = o.maxWaitSec > 0 ? `${o.maxWaitSec}s` : 'unlimited';
  for (let loop = 0; ; loop++) {
    const elapsed = host.clock.now() - start;
    const remaining = o.maxWaitSec > 0 ? o.maxWaitSec - elapsed : o.timeoutSec;
    const timeoutSec = Math.max(1, Math.min(o.timeoutSec || remaining, remaining));
    const attempts = urls.map(async (url, i) => {
      if (i > 0) await host.clock.sleep((o.staggerMs ?? 150) * i);
      try {
        const r = await host.http({ url, headers: o.headers ?? {}, timeoutMs: timeoutSec * 1000 });
        if (r.status >= 200 && r.status < 300 && r.body.length > 0) return { url, response: r };
        throw new Error(r.body.length === 0 && r.status < 300 ? `empty response [${r.status}]` : `bad status code [${r.status}]`);
      } catch (e) {
        host.log.log('DEBUG', 'url_helper', `Calling '${url}' failed [${Math.floor(host.clock.now() - start)}/${bound}]: ${(e as Error).message}`);
        throw e;
      }
    });
    try {
      return await Promise.any(attempts);
    } catch {
      // every URL failed this round
    }
    if (o.maxWaitSec <= 0 || host.clock.now() - start >= o.maxWaitSec) return undefined;
    const sleep = Math.min(Math.floor(loop / 5) + 1, Math.max(0, o.maxWaitSec - (host.clock.now() - start)));
    if (sleep > 0) await host.clock.sleep(sleep * 1000);
  }
}
