// The writer shared by write_files and write_files_deferred: content decoded per `encoding`
// (gzip, base64, gzip+base64, text), `permissions` decoded as cloud-init does (an int is taken as
// is, a string as octal), `owner` resolved in the guest, `append` honoured. As in cloud-init, an
// owner that does not exist fails the module at that entry (which is why `defer` exists).
import { zlib } from '../host/lazy-builtins.js';
import type { ModuleContext } from './types.js';
import { resolveOwner } from '../accounts/passwd-db.js';

const DEFAULT_PERMS = 0o644;

export function canonicalizeExtraction(enc: unknown, warn: (m: string) => void): string[] {
  const e = typeof enc === 'string' ? enc.toLowerCase().trim() : '';
  if (e === 'gz' || e === 'gzip') return ['application/x-gzip'];
  if (['gz+base64', 'gzip+base64', 'gz+b64', 'gzip+b64'].includes(e)) return ['application/base64', 'application/x-gzip'];
  if (e === 'b64' || e === 'base64') return ['application/base64'];
  if (e === 'text/plain' || e === '') return ['text/plain'];
  warn(`Unknown encoding type ${e}, assuming text/plain`);
  return ['text/plain'];
}

export function extractContents(content: unknown, types: string[]): Buffer {
  let result: Buffer = content instanceof Uint8Array ? Buffer.from(content) : Buffer.from(content === undefined || content === null ? '' : String(content), 'utf8');
  for (const t of types) {
    if (t === 'application/x-gzip') result = zlib().gunzipSync(result);
    else if (t === 'application/base64') result = Buffer.from(result.toString('latin1'), 'base64');
  }
  return result;
}

export function decodePerms(perm: unknown, def: number, warn: (m: string) => void): number {
  if (perm === undefined || perm === null) return def;
  if (typeof perm === 'number' && Number.isFinite(perm)) return Math.trunc(perm);
  const s = String(perm).trim();
  if (/^[0-7]+$/.test(s)) return Number.parseInt(s, 8);
  if (/^0o[0-7]+$/i.test(s)) return Number.parseInt(s.slice(2), 8);
  warn(`Undecodable permissions ${String(perm)}, returning default ${def.toString(8)}`);
  return def;
}

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase()));
}

export function isDeferred(f: unknown): boolean {
  return !!f && typeof f === 'object' && isTrue((f as Record<string, unknown>).defer);
}

function normalize(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (!c || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return `/${parts.join('/')}`;
}

export async function writeFiles(ctx: ModuleContext, files: unknown[], defaultOwner = 'root:root'): Promise<void> {
  const warn = (m: string) => ctx.log('WARNING', m);
  for (let i = 0; i < files.length; i++) {
    const f = (files[i] && typeof files[i] === 'object' ? files[i] : {}) as Record<string, unknown>;
    const rawPath = f.path;
    if (!rawPath || typeof rawPath !== 'string') {
      warn(`No path provided to write for entry ${i + 1} in module ${ctx.name}`);
      continue;
    }
    const path = normalize(rawPath.startsWith('/') ? rawPath : `/${rawPath}`);
    const contents = extractContents(f.content ?? '', canonicalizeExtraction(f.encoding, warn));
    const ownerSpec = typeof f.owner === 'string' ? f.owner : defaultOwner;
    const perms = decodePerms(f.permissions, DEFAULT_PERMS, warn);
    const owner = await resolveOwner(ctx.host, ownerSpec);
    if (owner.error) throw new Error(`${owner.error} (owner ${JSON.stringify(ownerSpec)} of ${path})`);
    if (isTrue(f.append)) {
      await ctx.host.fs.appendFile(path, contents, { mode: perms });
      await ctx.host.fs.chmod(path, perms);
      const st = await ctx.host.fs.stat(path);
      if (st && ((owner.uid !== undefined && owner.uid !== st.uid) || (owner.gid !== undefined && owner.gid !== st.gid))) {
        await ctx.host.fs.chown(path, owner.uid ?? st.uid, owner.gid ?? st.gid);
      }
    } else {
      await ctx.host.fs.writeFile(path, contents, { mode: perms, ...(owner.uid !== undefined ? { uid: owner.uid } : {}), ...(owner.gid !== undefined ? { gid: owner.gid } : {}) });
    }
    ctx.log('DEBUG', `Wrote ${contents.length} bytes to ${path} (mode ${perms.toString(8)}, owner ${ownerSpec})`);
  }
}
