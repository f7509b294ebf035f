// A response to a guest, built once and reused: status, body bytes and the flat header list that
// node's writeHead takes, so that serving a cached document allocates nothing.

export interface Reply {
  readonly status: number;
  readonly body: Buffer;
  /** [name, value, name, value, ...] including Content-Type and Content-Length. */
  readonly head: readonly string[];
  /**
   * The whole HTTP/1.1 response (status line, headers, blank line, body) when the producer built it
   * in one piece; otherwise the server builds it once per reply object (see wireBytes).
   */
  readonly raw?: Buffer;
  /** A body too large to hold (a config drive image): streamed instead of `body`, its length in `head`. */
  readonly stream?: AsyncIterable<Uint8Array>;
}

const STATUS_TEXT: Record<number, string> = {
  100: 'Continue', 200: 'OK', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict', 411: 'Length Required',
  413: 'Payload Too Large', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable', 505: 'HTTP Version Not Supported',
};

/** "HTTP/1.1 200 OK\r\nName: value\r\n...\r\n\r\n" for a status and flat header list. */
export function headText(status: number, head: readonly string[], extra = ''): string {
  let s = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Unknown'}\r\n`;
  for (let i = 0; i + 1 < head.length; i += 2) s += `${head[i]}: ${head[i + 1]}\r\n`;
  return `${s}${extra}\r\n`;
}

const wireCache = new WeakMap<Reply, Buffer>();

/** The reply's full HTTP/1.1 bytes (keep-alive form), built once per reply object. */
export function wireBytes(r: Reply): Buffer {
  if (r.raw) return r.raw;
  let b = wireCache.get(r);
  if (!b) {
    b = Buffer.concat([Buffer.from(headText(r.status, r.head), 'latin1'), r.body]);
    wireCache.set(r, b);
  }
  return b;
}

export function makeReply(status: number, contentType: string, body: Buffer | Uint8Array | string, extra: readonly string[] = []): Reply {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return { status, body: buf, head: ['Content-Type', contentType, 'Content-Length', String(buf.length), ...extra] };
}

const REASONS: Record<number, [string, string]> = {
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  429: ['Too Many Requests', 'Too many requests; slow down.'],
  500: ['Internal Server Error', 'The server has either erred or is incapable of performing the requested operation.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
};

const HTML = 'text/html; charset=UTF-8';

/** An error page shaped like the webob pages Nova sends (the explanation replaces the default). */
export function errorReply(status: number, explanation?: string, extra: readonly string[] = []): Reply {
  const [reason, dflt] = REASONS[status] ?? ['Error', ''];
  const title = `${status} ${reason}`;
  const body = `<html>\n <head>\n  <title>${title}</title>\n </head>\n <body>\n  <h1>${title}</h1>\n  ${explanation ?? dflt}<br /><br />\n\n\n\n </body>\n</html>`;
  return makeReply(status, HTML, body, extra);
}

export const NOT_FOUND = errorReply(404);

/** Nova's password endpoint answers with webob's default type. */
export const PASSWORD_CONTENT_TYPE = HTML;
