// Enough of MIME (RFC 2045/2046) for user-data: parse a message with headers, a multipart tree
// with boundaries, and base64 / quoted-printable transfer encodings; serialise a multipart message
// the way Python's email package lays it out (user-data.txt.i). A malformed message never throws:
// what cannot be parsed stays one opaque part, as Python's lenient parser does.

export type Header = [name: string, value: string];

export interface MimePart {
  headers: Header[];
  /** Decoded payload for leaf parts. */
  payload: Buffer;
  /** Children for multipart/* parts. */
  parts?: MimePart[];
  /** The body as the input encoded it (parsed leaf parts): re-serialised verbatim, as Python does. */
  raw?: Buffer;
}

export function getHeader(headers: Header[], name: string): string | undefined {
  const n = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === n)?.[1];
}

export function setHeader(headers: Header[], name: string, value: string): Header[] {
  const n = name.toLowerCase();
  const out = headers.filter(([k]) => k.toLowerCase() !== n);
  out.push([name, value]);
  return out;
}

/** Value and parameters of a structured header: 'multipart/mixed; boundary="x"'. */
export function parseParams(value: string): { value: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const k = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[k] = v;
  }
  return { value: (parts[0] ?? '').trim(), params };
}

/** The content type, lower-cased; 'text/plain' when missing or malformed (as Python's email). */
export function contentType(part: { headers: Header[] }): string {
  const v = getHeader(part.headers, 'Content-Type');
  if (!v) return 'text/plain';
  const t = parseParams(v).value.toLowerCase();
  return /^[^/\s]+\/[^/\s]+$/.test(t) ? t : 'text/plain';
}

export function filenameOf(part: { headers: Header[] }): string | undefined {
  const cd = getHeader(part.headers, 'Content-Disposition');
  if (cd) {
    const f = parseParams(cd).params.filename;
    if (f) return f;
  }
  const ct = getHeader(part.headers, 'Content-Type');
  return ct ? parseParams(ct).params.name : undefined;
}

function splitHeaderBlock(buf: Buffer): { headers: Header[]; body: Buffer } {
  // headers end at the first empty line
  const text = buf.toString('latin1');
  // an empty first line: no headers at all
  const m = /^\r?\n/.exec(text) ?? /\r?\n\r?\n/.exec(text);
  const headText = m ? text.slice(0, m.index) : text;
  const body = m ? buf.subarray(Buffer.byteLength(text.slice(0, m.index + m[0].length), 'latin1')) : Buffer.alloc(0);
  const headers: Header[] = [];
  for (const line of headText.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length) {
      const last = headers[headers.length - 1] as Header;
      last[1] += ` ${line.trim()}`;
      continue;
    }
    const c = line.indexOf(':');
    if (c <= 0) continue;
    headers.push([line.slice(0, c).trim(), line.slice(c + 1).trim()]);
  }
  return { headers, body };
}

function decodeQP(s: string): Buffer {
  const bytes: number[] = [];
  const t = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < t.length; i++) {
    const c = t[i] as string;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(t.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(t.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}

export function decodeBody(headers: Header[], body: Buffer): Buffer {
  const cte = (getHeader(headers, 'Content-Transfer-Encoding') ?? '').toLowerCase().trim();
  if (cte === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (cte === 'quoted-printable') return decodeQP(body.toString('latin1'));
  return body;
}

/** Parses a whole message (headers + body). */
export function parseMessage(buf: Buffer, depth = 0): MimePart {
  const { headers, body } = splitHeaderBlock(buf);
  return parseBody(headers, body, depth);
}

function parseBody(headers: Header[], body: Buffer, depth: number): MimePart {
  const ct = getHeader(headers, 'Content-Type');
  const type = contentType({ headers });
  if (type.startsWith('multipart/') && ct && depth < 20) {
    const boundary = parseParams(ct).params.boundary;
    if (boundary) {
      const parts = splitMultipart(body, boundary).map((p) => parseMessage(p, depth + 1));
      return { headers, payload: Buffer.alloc(0), parts };
    }
  }
  return { headers, payload: decodeBody(headers, body), raw: body };
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delim = `--${boundary}`;
  const out: Buffer[] = [];
  const lines = text.split(/(\r?\n)/);
  // Rebuild with positions: find delimiter lines
  let current: string[] | undefined;
  for (let i = 0; i < lines.length; i += 2) {
    const line = lines[i] as string;
    const eol = lines[i + 1] ?? '';
    const trimmed = line.replace(/[ \t]+$/, '');
    if (trimmed === delim || trimmed === `${delim}--`) {
      if (current) {
        // the line break before a delimiter belongs to the delimiter
        const joined = current.join('');
        out.push(Buffer.from(joined.replace(/\r?\n$/, ''), 'latin1'));
      }
      if (trimmed === `${delim}--`) return out;
      current = [];
      continue;
    }
    if (current) current.push(line + eol);
  }
  if (current && current.join('').trim()) out.push(Buffer.from(current.join('').replace(/\r?\n$/, ''), 'latin1'));
  return out;
}

/** Every leaf part, depth first (multipart containers skipped), as Python's msg.walk() yields. */
export function leaves(part: MimePart): MimePart[] {
  if (!part.parts) return [part];
  return part.parts.flatMap(leaves);
}

function randomBoundary(): string {
  // Python's email package: "===============<19 digits>=="
  let d = '';
  for (let i = 0; i < 19; i++) d += Math.floor(Math.random() * 10);
  return `===============${d}==`;
}

/**
 * Serialises a multipart/mixed message of leaf parts, in Python's email layout: each part's headers
 * as they are (parts cloud-init creates carry their own MIME-Version), then its body: the input's
 * encoded bytes for parsed parts, else the payload (base64 encoded when the part says so).
 */
export function serializeMultipart(outerHeaders: Header[], parts: MimePart[]): string {
  const boundary = randomBoundary();
  const lines: string[] = [`Content-Type: multipart/mixed; boundary="${boundary}"`, 'MIME-Version: 1.0'];
  for (const [k, v] of outerHeaders) if (!/^(content-type|mime-version)$/i.test(k)) lines.push(`${k}: ${v}`);
  let out = `${lines.join('\n')}\n\n`;
  for (const p of parts) {
    out += `--${boundary}\n`;
    out += `${p.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n`;
    const cte = (getHeader(p.headers, 'Content-Transfer-Encoding') ?? '').toLowerCase();
    let body: string;
    if (p.raw) body = p.raw.toString('latin1');
    else if (cte === 'base64') body = `${(p.payload.toString('base64').match(/.{1,76}/g) ?? []).join('\n')}\n`; // encodebytes ends with a newline
    else body = p.payload.toString('utf8');
    out += `${body}\n`;
  }
  // Python's generator writes an empty first part for a multipart with none
  if (!parts.length) out += `--${boundary}\n\n`;
  out += `--${boundary}--\n`;
  return out;
}
