// authorized_keys management as cloud-init's ssh_util: the file sshd will read for the user
// (AuthorizedKeysFile from sshd_config, %h/%u expanded), created with safe ownership and modes
// along the path, keys parsed with their options, existing entries with the same key replaced
// in place, new ones appended, comments and unknown lines kept.
import type { Host } from '../host/host.js';
import { lookupUser, readGroups, type PasswdEntry } from './passwd-db.js';
import { parseSshdConfigMap } from '../ssh/sshd-config.js';

export const DISABLE_USER_OPTS =
  'no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="echo \'Please login as the user \\"$USER\\" rather than the user \\"$DISABLE_USER\\".\';echo;sleep 10;exit 142"';

const VALID_KEY_TYPES = new Set([
  'dsa', 'rsa', 'ecdsa', 'ed25519',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384-cert-v01@openssh.com', 'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com', 'ecdsa-sha2-nistp521', 'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com', 'ssh-dss-cert-v01@openssh.com', 'ssh-dss', 'ssh-ed25519-cert-v01@openssh.com',
  'ssh-ed25519', 'ssh-rsa-cert-v01@openssh.com', 'ssh-rsa', 'ssh-xmss-cert-v01@openssh.com', 'ssh-xmss@openssh.com',
]);

export class AuthKeyLine {
  constructor(
    readonly source: string,
    readonly keytype?: string,
    readonly base64?: string,
    readonly comment?: string,
    readonly options?: string,
  ) {}

  valid(): boolean {
    return !!this.base64 && !!this.keytype;
  }

  toString(): string {
    const toks = [this.options, this.keytype, this.base64, this.comment].filter((t): t is string => !!t);
    return toks.length ? toks.join(' ') : this.source;
  }
}

function extractOptions(ent: string): [string, string] {
  let quoted = false;
  let i = 0;
  while (i < ent.length && (quoted || (ent[i] !== ' ' && ent[i] !== '\t'))) {
    const c = ent[i];
    if (i + 1 >= ent.length) {
      i++;
      break;
    }
    const n = ent[i + 1];
    if (c === '\\' && n === '"') i++;
    else if (c === '"') quoted = !quoted;
    i++;
  }
  return [ent.slice(0, i), ent.slice(i).trimStart()];
}

function parseKey(ent: string): [string, string, string] | undefined {
  const toks = ent.trim().split(/\s+/);
  if (toks.length < 2) return undefined;
  if (!VALID_KEY_TYPES.has(toks[0] as string)) return undefined;
  // split(None, 2): the comment keeps its inner whitespace
  const m = /^(\S+)\s+(\S+)(?:\s+([\s\S]*))?$/.exec(ent.trim());
  if (!m) return undefined;
  return [m[1] as string, m[2] as string, m[3] ?? ''];
}

export function parseAuthKeyLine(src: string, options?: string): AuthKeyLine {
  const line = src.replace(/[\r\n]+$/, '');
  if (line.startsWith('#') || line.trim() === '') return new AuthKeyLine(src);
  const ent = line.trim();
  let k = parseKey(ent);
  let opts = options;
  if (!k) {
    const [keyopts, remain] = extractOptions(ent);
    if (opts === undefined) opts = keyopts;
    k = parseKey(remain);
    if (!k) return new AuthKeyLine(src);
  }
  return new AuthKeyLine(src, k[0], k[1], k[2], opts);
}

export function updateAuthorizedKeys(old: AuthKeyLine[], keys: AuthKeyLine[]): string {
  const toAdd = keys.filter((k) => k.valid());
  const entries = [...old];
  for (let i = 0; i < entries.length; i++) {
    let ent = entries[i] as AuthKeyLine;
    if (!ent.valid()) continue;
    for (const k of keys) {
      if (k.base64 === ent.base64) {
        ent = k;
        const idx = toAdd.indexOf(k);
        if (idx >= 0) toAdd.splice(idx, 1);
      }
    }
    entries[i] = ent;
  }
  entries.push(...toAdd);
  return [...entries.map(String), ''].join('\n');
}

export function renderAuthorizedKeysPaths(value: string | undefined, home: string, user: string): string[] {
  const v = value || '%h/.ssh/authorized_keys';
  return v.split(/\s+/).filter(Boolean).map((p) => {
    let path = p.replace(/%h/g, home).replace(/%u/g, user).replace(/%%/g, '%');
    if (!path.startsWith('/')) path = `${home.replace(/\/+$/, '')}/${path}`;
    return path;
  });
}

async function ownerName(host: Host, uid: number): Promise<string> {
  const { readPasswd } = await import('./passwd-db.js');
  return (await readPasswd(host)).find((e) => e.uid === uid)?.name ?? String(uid);
}

async function checkPermissions(host: Host, user: PasswdEntry, current: string, isFile: boolean, strict: boolean): Promise<boolean> {
  let minimal = isFile ? 0o644 : 0o711;
  const st = await host.fs.stat(current);
  if (!st) return false;
  const owner = await ownerName(host, st.uid);
  if (strict && owner !== user.name && owner !== 'root') {
    host.log.log('DEBUG', 'ssh_util', `Path ${current} must be own by user ${user.name} or by root, but instead is own by ${owner}. Ignoring key.`);
    return false;
  }
  if (owner === user.name) minimal &= 0o700;
  else {
    const groups = await readGroups(host);
    const g = groups.find((x) => x.gid === st.gid);
    const userGroups = groups.filter((x) => x.members.includes(user.name) || x.gid === user.gid).map((x) => x.name);
    minimal &= g && userGroups.includes(g.name) ? 0o070 : 0o007;
  }
  if ((st.mode & minimal) === 0) {
    host.log.log('DEBUG', 'ssh_util', `Path ${current} must be accessible by user ${user.name}, check its permissions`);
    return false;
  }
  if (strict && (st.mode & 0o022) !== 0) {
    host.log.log('DEBUG', 'ssh_util', `Path ${current} must not give write permission to group or world users. Ignoring key.`);
    return false;
  }
  return true;
}

async function checkCreatePath(host: Host, user: PasswdEntry, filename: string, strict: boolean): Promise<boolean> {
  const root = await lookupUser(host, 'root');
  const dirs = filename.split('/').slice(1, -1);
  let parent = '';
  const homeParent = user.home.replace(/\/[^/]*\/?$/, '') || '/';
  try {
    for (const d of dirs) {
      parent += `/${d}`;
      const l = await host.fs.lstat(parent);
      if (l?.kind === 'symlink') {
        host.log.log('DEBUG', 'ssh_util', `Invalid directory. Symlink exists in path: ${parent}`);
        return false;
      }
      if (l?.kind === 'file') {
        host.log.log('DEBUG', 'ssh_util', `Invalid directory. File exists in path: ${parent}`);
        return false;
      }
      if (homeParent.startsWith(parent) || parent === user.home) continue;
      if (!l) {
        const inHome = parent.startsWith(user.home);
        await host.fs.mkdir(parent, { mode: inHome ? 0o700 : 0o755, uid: inHome ? user.uid : root?.uid ?? 0, gid: inHome ? user.gid : root?.gid ?? 0 });
      }
      if (!(await checkPermissions(host, user, parent, false, strict))) return false;
    }
    const f = await host.fs.lstat(filename);
    if (f?.kind === 'symlink' || f?.kind === 'dir') {
      host.log.log('DEBUG', 'ssh_util', `${filename} is not a file!`);
      return false;
    }
    if (!f) await host.fs.writeFile(filename, '', { mode: 0o600, uid: user.uid, gid: user.gid });
    return await checkPermissions(host, user, filename, true, strict);
  } catch (e) {
    host.log.log('WARNING', 'ssh_util', (e as Error).message);
    return false;
  }
}

/** The user's authorized_keys path and its current entries. */
export async function extractAuthorizedKeys(host: Host, username: string, sshdConfig = '/etc/ssh/sshd_config'): Promise<{ file: string; entries: AuthKeyLine[] }> {
  const pw = await lookupUser(host, username);
  if (!pw || !pw.home) throw new Error(`Unable to get SSH info for user '${username}'`);
  const sshDir = `${pw.home.replace(/\/+$/, '')}/.ssh`;
  const def = `${sshDir}/authorized_keys`;
  let file = def;
  const cfg = await parseSshdConfigMap(host, sshdConfig);
  const keyPaths = cfg.authorizedkeysfile ?? '%h/.ssh/authorized_keys';
  const strict = (cfg.strictmodes ?? 'yes') === 'yes';
  const rendered = renderAuthorizedKeysPaths(keyPaths, pw.home, username);
  const raw = keyPaths.split(/\s+/).filter(Boolean);
  for (let i = 0; i < rendered.length; i++) {
    const kp = raw[i] ?? '';
    const fn = rendered[i] as string;
    if (kp.includes('%u') || kp.includes('%h') || fn.startsWith(`${pw.home}/`)) {
      if (await checkCreatePath(host, pw, fn, strict)) {
        file = fn;
        break;
      }
    }
  }
  const entries: AuthKeyLine[] = [];
  if ((await host.fs.stat(file))?.kind === 'file') {
    const text = await host.fs.readText(file);
    for (const l of text.split('\n').filter((_, i, a) => !(i === a.length - 1 && a[i] === ''))) entries.push(parseAuthKeyLine(l));
  }
  return { file, entries };
}

export async function setupUserKeys(host: Host, keys: string[], username: string, options?: string): Promise<void> {
  const parsed = keys.map((k) => parseAuthKeyLine(String(k), options));
  const { file, entries } = await extractAuthorizedKeys(host, username);
  const content = updateAuthorizedKeys(entries, parsed);
  const st = await host.fs.stat(file);
  await host.fs.writeFile(file, content, { mode: st ? st.mode : 0o644 });
}
