// User and group creation as cloud-init's distro base class does it, with the GNU shadow tools run
// inside the root: useradd (its options from the user's config), groupadd/usermod for groups,
// passwd -l to lock, chpasswd for passwords (fed on stdin, never on argv or in the log),
// and sudo rules appended to /etc/sudoers.d/90-cloud-init-users (0440).
import type { Host } from '../host/host.js';
import type { DistroChoice } from '../distros/detect.js';
import { lookupGroup, lookupUser } from './passwd-db.js';
import { setupUserKeys, DISABLE_USER_OPTS } from './authorized-keys.js';
import { rfc2822Now } from '../modules/time-format.js';
import { KINDLING_INIT_VERSION, CLOUD_INIT_COMPAT_VERSION } from '../version.js';

type Dict = Record<string, unknown>;

export const CI_SUDOERS = '/etc/sudoers.d/90-cloud-init-users';

export function header(base: 'created' | 'added' = 'created'): string {
  return `# ${base === 'created' ? 'Created' : 'Added'} by kindling-init ${KINDLING_INIT_VERSION} (cloud-init ${CLOUD_INIT_COMPAT_VERSION} compatible) on ${rfc2822Now()}`;
}

async function must(host: Host, argv: string[], what: string, opts: { input?: string; sensitive?: boolean } = {}): Promise<void> {
  const r = await host.run(argv, { ...(opts.input !== undefined ? { input: opts.input } : {}), ...(opts.sensitive ? { sensitive: true } : {}) });
  if (r.code !== 0) {
    // stderr of password tools can echo input lines: keep it out of the message when sensitive
    const detail = opts.sensitive ? `exit ${r.code}` : `exit ${r.code}: ${(r.stderr || r.error || '').trim()}`;
    throw new Error(`${what} failed (${detail})`);
  }
}

export async function createGroup(host: Host, name: string, members: string[] = []): Promise<void> {
  if (await lookupGroup(host, name)) {
    host.log.log('WARNING', 'distro', `Skipping creation of existing group '${name}'`);
  } else {
    const r = await host.run(['groupadd', name]);
    if (r.code === 0) host.log.log('INFO', 'distro', `Created new group ${name}`);
    else host.log.log('WARNING', 'distro', `Failed to create group ${name}: ${(r.stderr || r.error || '').trim()}`);
  }
  for (const m of members) {
    if (!(await lookupUser(host, m))) {
      host.log.log('WARNING', 'distro', `Unable to add group member '${m}' to group '${name}'; user does not exist.`);
      continue;
    }
    await must(host, ['usermod', '-a', '-G', name, m], `usermod -a -G ${name} ${m}`);
    host.log.log('INFO', 'distro', `Added user '${m}' to group '${name}'`);
  }
}

const USERADD_OPTS: Record<string, string> = {
  gecos: '--comment',
  homedir: '--home',
  primary_group: '--gid',
  uid: '--uid',
  groups: '--groups',
  passwd: '--password',
  shell: '--shell',
  expiredate: '--expiredate',
  inactive: '--inactive',
  selinux_user: '--selinux-user',
};
const USERADD_FLAGS: Record<string, string> = { no_user_group: '--no-user-group', system: '--system', no_log_init: '--no-log-init' };

export async function addUser(host: Host, name: string, kw: Dict): Promise<void> {
  if (await lookupUser(host, name)) {
    host.log.log('INFO', 'distro', `User ${name} already exists, skipping.`);
    return;
  }
  const createGroups = 'create_groups' in kw ? kw.create_groups !== false : true;
  const args: Dict = { ...kw };
  let groups: string[] | undefined;
  if (args.groups) {
    let g = args.groups;
    if (typeof g === 'string') g = g.split(',');
    if (g && typeof g === 'object' && !Array.isArray(g)) {
      host.log.log('WARNING', 'distro', `DEPRECATED: The user ${name} has a 'groups' config value of type dict which is deprecated and will be removed in a future version of cloud-init. Use a comma-delimited string or array instead: group1,group2.`);
      g = Object.keys(g as Dict);
    }
    groups = (g as unknown[]).map((x) => String(x).trim());
    args.groups = groups.join(',');
    if (args.primary_group) groups.push(String(args.primary_group));
  }
  if (createGroups && groups) {
    for (const gname of groups) {
      if (!(await lookupGroup(host, gname))) {
        await createGroup(host, gname);
        host.log.log('DEBUG', 'distro', `created group '${gname}' for user '${name}'`);
      }
    }
  }
  if ('uid' in args) args.uid = String(args.uid);
  const argv = ['useradd', name];
  const shown = ['useradd', name];
  for (const key of Object.keys(args).sort()) {
    const val = args[key];
    if (key in USERADD_OPTS && val && typeof val === 'string') {
      argv.push(USERADD_OPTS[key] as string, val);
      shown.push(USERADD_OPTS[key] as string, key === 'passwd' ? 'REDACTED' : val);
    } else if (key in USERADD_FLAGS && val) {
      argv.push(USERADD_FLAGS[key] as string);
      shown.push(USERADD_FLAGS[key] as string);
    }
  }
  const noHome = args.no_create_home || args.system;
  argv.push(noHome ? '-M' : '-m');
  shown.push(noHome ? '-M' : '-m');
  host.log.log('DEBUG', 'distro', `Adding user ${name}`);
  host.log.log('DEBUG', 'subp', `Running hidden command to protect sensitive input/output logstring: ${JSON.stringify(shown)}`);
  const r = await host.run(argv, { sensitive: true });
  if (r.code !== 0) throw new Error(`Failed to create user ${name} (useradd exit ${r.code}: ${(r.stderr || r.error || '').trim()})`);
}

export async function lockPasswd(host: Host, name: string): Promise<void> {
  // passwd -l, or usermod --lock where passwd is missing
  const r = await host.run(['passwd', '-l', name]);
  if (r.code === 127) {
    await must(host, ['usermod', '--lock', name], `usermod --lock ${name}`);
    return;
  }
  if (r.code !== 0) throw new Error(`Failed to disable password for user ${name} (passwd -l exit ${r.code})`);
}

export async function expirePasswd(host: Host, name: string): Promise<void> {
  await must(host, ['passwd', '--expire', name], `Failed to set 'expire' for ${name}`);
}

/** user:password pairs through chpasswd's stdin (-e when they are hashes). */
export async function chpasswd(host: Host, pairs: [string, string][], hashed: boolean): Promise<void> {
  const payload = `${pairs.map(([u, p]) => `${u}:${p}`).join('\n')}\n`;
  await must(host, hashed ? ['chpasswd', '-e'] : ['chpasswd'], `chpasswd for ${pairs.map(([u]) => u).join(', ')}`, { input: payload, sensitive: true });
}

export async function ensureSudoDir(host: Host, path: string, base = '/etc/sudoers'): Promise<void> {
  const content = await host.fs.readTextIfExists(base);
  let found = false;
  for (const raw of (content ?? '').split('\n')) {
    const m = /^[#@]includedir\s+(.*)$/.exec(raw.trim());
    if (!m) continue;
    const dir = (m[1] as string).trim();
    if (dir && dir.replace(/\/+$/, '') === path) {
      found = true;
      break;
    }
  }
  if (!found) {
    if (content === undefined) {
      await host.fs.writeFile(base, ['# See sudoers(5) for more information on "#include" directives:', '', header('added'), `#includedir ${path}`, ''].join('\n'), { mode: 0o440 });
    } else {
      await host.fs.appendFile(base, ['', header('added'), `#includedir ${path}`, ''].join('\n'));
    }
    host.log.log('DEBUG', 'distro', `Added '#includedir ${path}' to ${base}`);
  }
  // cloud-init's ensure_dir(path, 0o750) also tightens an existing directory
  if (!(await host.fs.exists(path))) await host.fs.mkdir(path, { mode: 0o750 });
  else if (((await host.fs.stat(path))?.mode ?? 0) !== 0o750) await host.fs.chmod(path, 0o750);
}

export async function writeSudoRules(host: Host, user: string, rules: unknown, file = CI_SUDOERS): Promise<void> {
  const lines = ['', `# User rules for ${user}`];
  if (Array.isArray(rules)) for (const r of rules) lines.push(`${user} ${String(r)}`);
  else if (typeof rules === 'string') lines.push(`${user} ${rules}`);
  else throw new TypeError(`Can not create sudoers rule addition with type '${typeof rules}'`);
  const content = `${lines.join('\n')}\n`;
  await ensureSudoDir(host, file.slice(0, file.lastIndexOf('/')));
  if (!(await host.fs.exists(file))) await host.fs.writeFile(file, [header(), content].join('\n'), { mode: 0o440 });
  else await host.fs.appendFile(file, content);
}

/** distro.create_user: add (if missing), passwords, lock, sudo, keys, ssh_redirect_user. */
export async function createUser(host: Host, distro: DistroChoice, name: string, kw: Dict): Promise<void> {
  void distro;
  await addUser(host, name, kw);
  if (kw.plain_text_passwd) await chpasswd(host, [[name, String(kw.plain_text_passwd)]], false);
  if (kw.hashed_passwd) await chpasswd(host, [[name, String(kw.hashed_passwd)]], true);
  if (kw.lock_passwd === undefined || kw.lock_passwd === null ? true : isTruthy(kw.lock_passwd)) await lockPasswd(host, name);
  if ('sudo' in kw) {
    if (kw.sudo) await writeSudoRules(host, name, kw.sudo);
    else if (kw.sudo === false) host.log.log('WARNING', 'distro', `DEPRECATED: The user ${name} has a 'sudo' config value of 'false' which will be dropped after April 2027. Use 'null' instead.`);
  }
  if ('ssh_authorized_keys' in kw) {
    let keys = kw.ssh_authorized_keys;
    if (typeof keys === 'string') keys = [keys];
    else if (keys && typeof keys === 'object' && !Array.isArray(keys)) keys = Object.values(keys as Dict);
    if (keys !== null && keys !== undefined) {
      if (!Array.isArray(keys)) {
        host.log.log('WARNING', 'distro', `Invalid type '${typeof keys}' detected for 'ssh_authorized_keys', expected list, string, dict, or set.`);
        keys = [];
      }
      await setupUserKeys(host, [...new Set((keys as unknown[]).map(String))], name);
    }
  }
  if ('ssh_redirect_user' in kw) {
    const cloudKeys = (kw.cloud_public_ssh_keys as string[] | undefined) ?? [];
    if (!cloudKeys.length) {
      host.log.log('WARNING', 'distro', `Unable to disable SSH logins for ${name} given ssh_redirect_user: ${String(kw.ssh_redirect_user)}. No cloud public-keys present.`);
    } else {
      const opts = DISABLE_USER_OPTS.replace('$USER', String(kw.ssh_redirect_user)).replace('$DISABLE_USER', name);
      await setupUserKeys(host, [...new Set(cloudKeys)], name, opts);
    }
  }
}

/** Python truthiness, as cloud-init's `kwargs.get("lock_passwd", True)` tests it. */
function isTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return !!v;
}
