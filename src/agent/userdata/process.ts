// cloud-init's UserDataProcessor: raw user-data (bytes, or a list of parts from vendor-data) into a
// flat list of typed parts. Handles gzip, MIME multipart, #include/#include-once (bounded fetches),
// #cloud-config-archive, and typing by first line. Broken input is logged and skipped, never fatal.
import { crypto, zlib } from '../host/lazy-builtins.js';
import type { Host } from '../host/host.js';
import { pyStr } from '../network/pyfmt.js';
import { contentType, filenameOf, getHeader, leaves, parseMessage, setHeader, type Header, type MimePart } from './mime.js';
import { ARCHIVE_TYPES, DECOMP_TYPES, INCLUDE_TYPES, NOT_MULTIPART_TYPE, typeFromStartsWith } from './types.js';
import { isDict, loadYaml } from '../config/yaml.js';

export interface UserDataPart {
  contentType: string;
  filename: string;
  headers: Header[];
  payload: Buffer;
  /** The body as the input encoded it, when the part came from a parsed MIME message. */
  raw?: Buffer;
}

export interface ProcessOptions {
  host: Host;
  /** Directory for #include-once caches (instance/data/urlcache). */
  urlCacheDir?: string;
}

const MAX_INCLUDE_DEPTH = 10;

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function gunzipOrSame(b: Buffer): Buffer {
  if (!isGzip(b)) return b;
  try {
    return zlib().gunzipSync(b);
  } catch {
    return b;
  }
}

/** convert_string: bytes → a MIME tree (MIME when it says so in its first 4 KiB, else one part). */
function convertString(raw: Buffer): MimePart {
  const b = gunzipOrSame(raw);
  if (b.subarray(0, 4096).toString('latin1').toLowerCase().includes('mime-version:')) return parseMessage(b);
  return { headers: [['Content-Type', NOT_MULTIPART_TYPE], ['MIME-Version', '1.0']], payload: b };
}

/** email.mime: what MIMEText(content, subtype) carries: us-ascii 7bit, or utf-8 base64. */
function mimeTextHeaders(payload: Buffer, mtype: string): Header[] {
  // eslint-disable-next-line no-control-regex
  const ascii = /^[\x00-\x7f]*$/.test(payload.toString('latin1'));
  return [
    ['Content-Type', `${mtype}; charset="${ascii ? 'us-ascii' : 'utf-8'}"`],
    ['MIME-Version', '1.0'],
    ['Content-Transfer-Encoding', ascii ? '7bit' : 'base64'],
  ];
}

/** cloud-init's _replace_header: delete every such header, then add it at the end. */
function replaceHeader(headers: Header[], name: string, value: string): Header[] {
  return setHeader(headers, name, value);
}

export class UserDataProcessor {
  private readonly out: UserDataPart[] = [];
  constructor(private readonly o: ProcessOptions) {}

  async process(raw: Buffer | unknown[] | string | undefined | null): Promise<UserDataPart[]> {
    if (Array.isArray(raw)) {
      for (const b of raw) await this.processMsg(convertString(toBuffer(b)), 0);
    } else {
      await this.processMsg(convertString(toBuffer(raw)), 0);
    }
    return this.out;
  }

  private warn(msg: string): void {
    this.o.host.log.log('WARNING', 'user_data', msg);
  }

  private async processMsg(msg: MimePart, depth: number): Promise<void> {
    for (let part of leaves(msg)) {
      let ctypeOrig: string | undefined = contentType(part);
      if (!getHeader(part.headers, 'Content-Type')) ctypeOrig = 'text/plain';
      let payload = part.payload;
      let compressed = false;
      if (DECOMP_TYPES.includes(ctypeOrig)) {
        try {
          payload = zlib().gunzipSync(payload);
          ctypeOrig = undefined;
          compressed = true;
        } catch (e) {
          // zlib's own words, as Python's zlib.error puts them ("Error -3 while decompressing data: ...")
          const z = e as Error & { errno?: number };
          const why = typeof z.errno === 'number' ? `Error ${z.errno} while decompressing data: ${z.message}` : z.message;
          this.warn(`Failed decompressing payload from ${ctypeOrig} of length ${payload.length} due to: ${why}`);
          continue;
        }
      }
      ctypeOrig ??= 'text/plain';
      let ctype: string | undefined;
      if (['text/plain', NOT_MULTIPART_TYPE, 'text/x-shellscript'].includes(ctypeOrig)) ctype = typeFromStartsWith(payload);
      ctype ??= ctypeOrig;
      if (compressed) {
        // a new MIMENonMultipart with the decompressed payload
        let headers: Header[] = [['Content-Type', ctype], ['MIME-Version', '1.0']];
        const fn = filenameOf(part);
        if (fn) headers.push(['Content-Disposition', `attachment; filename="${fn}"`]);
        const li = getHeader(part.headers, 'Launch-Index');
        if (li !== undefined) headers = replaceHeader(headers, 'Launch-Index', li);
        part = { headers, payload };
      }
      // the type is re-set (moved last) when it changed; and on a message that is not multipart
      // the part is the message itself, whose type cloud-init always re-sets
      if (ctype !== ctypeOrig || (!compressed && part === msg)) part = { ...part, headers: replaceHeader(part.headers, 'Content-Type', ctype) };
      if (INCLUDE_TYPES.includes(ctype)) {
        await this.doInclude(payload.toString('utf8'), depth);
        continue;
      }
      if (ARCHIVE_TYPES.includes(ctype)) {
        await this.explodeArchive(payload.toString('utf8'));
        continue;
      }
      this.attach({ ...part, payload }, ctype);
    }
  }

  private attach(part: MimePart, ctype: string): void {
    let headers = part.headers;
    let filename = filenameOf(part);
    if (!filename) {
      filename = `part-${String(this.out.length + 1).padStart(3, '0')}`;
      headers = setHeader(headers, 'Content-Disposition', `attachment; filename="${filename}"`);
    }
    // _attach_launch_index: the header wins over a launch-index key in a cloud-config payload, and
    // the value found is added as one more Launch-Index header (so a header given appears twice).
    let li: unknown = getHeader(headers, 'Launch-Index');
    if (li === undefined && ctype === 'text/cloud-config') {
      try {
        const y = loadYaml(part.payload.toString('utf8'));
        li = isDict(y) ? y['launch-index'] : undefined;
      } catch {
        // malformed YAML is reported by the cloud-config handler
      }
    }
    const n = typeof li === 'number' ? li : typeof li === 'string' && /^\s*[+-]?\d+\s*$/.test(li) ? Number(li) : NaN;
    if (li !== undefined && li !== null && Number.isInteger(n)) headers = [...headers, ['Launch-Index', String(Math.trunc(n))]];
    this.out.push({ contentType: ctype, filename, headers, payload: part.payload, ...(part.raw ? { raw: part.raw } : {}) });
  }

  private async doInclude(content: string, depth: number): Promise<void> {
    if (depth >= MAX_INCLUDE_DEPTH) {
      this.warn(`#include nested deeper than ${MAX_INCLUDE_DEPTH} levels; ignoring further includes`);
      return;
    }
    let once = false;
    for (let line of content.split(/\r?\n/)) {
      const lc = line.toLowerCase();
      if (lc.startsWith('#include-once')) {
        line = line.slice('#include-once'.length).trimStart();
        once = true;
      } else if (lc.startsWith('#include')) {
        line = line.slice('#include'.length).trimStart();
        once = false;
      }
      if (line.startsWith('#')) continue;
      const url = line.trim();
      if (!url) continue;
      const cacheFile = once && this.o.urlCacheDir ? `${this.o.urlCacheDir}/${crypto().createHash('md5').update(url).digest('hex')}` : undefined;
      let body: Buffer | undefined;
      if (cacheFile && (await this.o.host.fs.exists(cacheFile))) {
        body = await this.o.host.fs.readFile(cacheFile);
      } else {
        body = await this.fetchInclude(url);
        if (body && cacheFile) await this.o.host.fs.writeFile(cacheFile, body, { mode: 0o600 });
      }
      if (body !== undefined) await this.processMsg(convertString(body), depth + 1);
    }
  }

  private async fetchInclude(url: string): Promise<Buffer | undefined> {
    const { readUrl } = await import('../http/url-reader.js');
    if (url.startsWith('file://') || url.startsWith('/')) {
      const p = url.startsWith('file://') ? url.slice(7) : url;
      try {
        return await this.o.host.fs.readFile(p);
      } catch (e) {
        this.warn(`Fetching from ${url} resulted in ${(e as Error).message}`);
        return undefined;
      }
    }
    try {
      const r = await readUrl(this.o.host, url, { timeoutSec: 5, retries: 10, secBetween: 1 });
      return r.body;
    } catch (e) {
      const m = (e as Error).message;
      this.warn(m.includes(url) ? m : `${m} for url: ${url}`);
      return undefined;
    }
  }

  private async explodeArchive(text: string): Promise<void> {
    let entries: unknown;
    try {
      entries = loadYaml(text);
    } catch (e) {
      this.warn(`Failed loading cloud-config-archive: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    if (!Array.isArray(entries)) return;
    for (let ent of entries) {
      if (typeof ent === 'string') ent = { content: ent };
      if (!isDict(ent)) continue;
      const content = ent.content ?? '';
      const payload = content instanceof Uint8Array ? Buffer.from(content) : Buffer.from(String(content), 'utf8');
      let mtype = typeof ent.type === 'string' && ent.type ? ent.type : undefined;
      mtype ??= typeFromStartsWith(payload, content instanceof Uint8Array ? 'application/octet-stream' : 'text/cloud-config') as string;
      const text = mtype.split('/')[0] === 'text';
      let headers: Header[] = text ? mimeTextHeaders(payload, mtype) : [['Content-Type', mtype], ['MIME-Version', '1.0']];
      if ('filename' in ent) headers = setHeader(headers, 'Content-Disposition', `attachment; filename="${pyStr(ent.filename)}"`);
      if ('launch-index' in ent) headers.push(['Launch-Index', String(ent['launch-index'])]);
      for (const [k, v] of Object.entries(ent)) {
        if (['content', 'filename', 'type', 'launch-index', 'content-disposition', 'number-attachments', 'content-type'].includes(k.toLowerCase())) continue;
        headers.push([k, String(v)]);
      }
      this.attach({ headers, payload }, mtype);
    }
  }
}

function toBuffer(b: unknown): Buffer {
  if (b === undefined || b === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(b)) return b;
  if (b instanceof Uint8Array) return Buffer.from(b);
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.from(JSON.stringify(b), 'utf8');
}
