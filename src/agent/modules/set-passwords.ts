// set_passwords: `password` for the default user, `chpasswd` in both forms (users: [{name,
// password, type: text|hash|RANDOM}] and the deprecated list/multiline "user:pass"), `expire`, and
// `ssh_pwauth` written to sshd's drop-in with a restart of sshd where it runs. Passwords only ever
// travel on chpasswd's stdin; RANDOM ones are shown on the console only (CVE-2021-3429).
import { crypto } from '../host/lazy-builtins.js';
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { chpasswd, expirePasswd } from '../accounts/users.js';
import { updateSshdConfig } from '../ssh/sshd-config.js';
import { usersAndDefault } from './default-user.js';
import { manageService } from '../distros/service.js';

type Dict = Record<string, unknown>;

const PW_SET = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'].filter((c) => !'loLOI01'.includes(c)).join('');
const HASH_RE = /^\$(1|2a|2y|5|6)(\$.+){2}/;

export function randUserPassword(len = 20): string {
  let s = '';
  for (let i = 0; i < len; i++) s += PW_SET[crypto().randomInt(PW_SET.length)];
  return s;
}

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase().trim()));
}
function isFalse(v: unknown): boolean {
  return v === false || (typeof v === 'string' && ['false', '0', 'off', 'no'].includes(v.toLowerCase().trim()));
}

function usersByType(list: unknown[], type: string): [string, string][] {
  const out: [string, string][] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const i = item as Dict;
    if ((i.type ?? 'hash') === type) out.push([String(i.name), i.password === undefined ? 'RANDOM' : String(i.password)]);
  }
  return out;
}

export async function handleSshPwauth(ctx: ModuleContext, pwAuth: unknown): Promise<void> {
  const si = (ctx.cfg.system_info ?? {}) as Dict;
  const service = typeof si.ssh_svcname === 'string' ? si.ssh_svcname : ctx.distro.info.sshService;
  let restart = true;
  const status = await manageService(ctx.host, ctx.distro, 'status', service);
  if (status.code !== 0) {
    if (!status.systemd) {
      ctx.log('DEBUG', `Writing config 'ssh_pwauth: ${String(pwAuth)}'. SSH service '${service}' will not be restarted because it is not running or not available.`);
      restart = false;
    } else if (status.code === 3) {
      ctx.log('DEBUG', `Writing config 'ssh_pwauth: ${String(pwAuth)}'. SSH service '${service}' will not be restarted because it is stopped.`);
      restart = false;
    } else if (status.code === 4) {
      ctx.log('WARNING', `Ignoring config 'ssh_pwauth: ${String(pwAuth)}'. SSH service '${service}' is not installed.`);
      return;
    } else {
      ctx.log('WARNING', `Ignoring config 'ssh_pwauth: ${String(pwAuth)}'. SSH service '${service}' is not available. Error: exit ${status.code}.`);
      return;
    }
  }
  if (typeof pwAuth === 'string') ctx.log('WARNING', "DEPRECATION: The 'ssh_pwauth' config key should be set to a boolean value. The string format is deprecated and will be removed in a future version of cloud-init.");
  let val: string;
  if (isTrue(pwAuth)) val = 'yes';
  else if (isFalse(pwAuth)) val = 'no';
  else {
    const msg = "Leaving SSH config 'PasswordAuthentication' unchanged.";
    if (pwAuth === undefined || pwAuth === null || (typeof pwAuth === 'string' && pwAuth.toLowerCase() === 'unchanged')) ctx.log('DEBUG', `${msg} ssh_pwauth=${String(pwAuth ?? 'None')}`);
    else ctx.log('WARNING', `${msg} Unrecognized value: ssh_pwauth=${String(pwAuth)}`);
    return;
  }
  const updated = await updateSshdConfig(ctx.host, { PasswordAuthentication: val });
  if (!updated) {
    ctx.log('DEBUG', 'No need to restart SSH service, PasswordAuthentication not updated.');
    return;
  }
  if (restart) {
    const r = await manageService(ctx.host, ctx.distro, 'restart', service);
    if (r.code !== 0) throw new Error(`Failed to restart ${service} (exit ${r.code})`);
    ctx.log('DEBUG', 'Restarted the SSH daemon.');
  } else {
    ctx.log('DEBUG', 'Not restarting SSH service: service is stopped.');
  }
}

export const setPasswords: ModuleDef = {
  name: 'set_passwords',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const cfg = ctx.cfg;
    let password: string | undefined;
    if (ctx.args.length) {
      password = String(ctx.args[0]);
      const ch = cfg.chpasswd as Dict | undefined;
      if (ch && typeof ch === 'object' && 'list' in ch) delete ch.list;
    } else if (cfg.password !== undefined && cfg.password !== null) {
      password = String(cfg.password);
    }
    let expire = true;
    let plist: string[] = [];
    let usersList: unknown[] = [];
    if (cfg.chpasswd && typeof cfg.chpasswd === 'object') {
      const ch = cfg.chpasswd as Dict;
      usersList = Array.isArray(ch.users) ? ch.users : [];
      if (ch.list) {
        ctx.log('WARNING', "DEPRECATION: key 'lists' is now deprecated. Use 'users'.");
        if (Array.isArray(ch.list)) {
          ctx.log('DEBUG', 'Handling input for chpasswd as list.');
          plist = ch.list.map(String);
        } else {
          ctx.log('WARNING', 'DEPRECATION: The chpasswd multiline string format is deprecated and will be removed from a future version of cloud-init. Use the list format instead.');
          ctx.log('DEBUG', 'Handling input for chpasswd as multiline string.');
          plist = String(ch.list).split(/\r?\n/).filter((_, i, a) => !(i === a.length - 1 && a[i] === ''));
        }
      }
      if ('expire' in ch) expire = isTrue(ch.expire) ? true : isFalse(ch.expire) ? false : expire;
    }
    if (!(usersList.length || plist.length) && password) {
      const { defaultUser } = usersAndDefault(ctx);
      if (defaultUser) plist = [`${defaultUser}:${password}`];
      else ctx.log('WARNING', 'No default or defined user to change password for.');
    }
    const errors: Error[] = [];
    if (plist.length || usersList.length) {
      const plain = usersByType(usersList, 'text');
      const users = plain.map(([u]) => u);
      const hashed = usersByType(usersList, 'hash');
      const hashedUsers = hashed.map(([u]) => u);
      const randlist: string[] = [];
      for (const [u] of usersByType(usersList, 'RANDOM')) {
        const p = randUserPassword();
        users.push(u);
        plain.push([u, p]);
        randlist.push(`${u}:${p}`);
      }
      for (const line of plist) {
        const c = line.indexOf(':');
        if (c < 0) {
          errors.push(new Error(`chpasswd entry without a ':' (user:password) ignored`));
          continue;
        }
        const u = line.slice(0, c);
        let p = line.slice(c + 1);
        if (HASH_RE.test(p) && !p.includes(':')) {
          hashed.push([u, p]);
          hashedUsers.push(u);
        } else {
          if (p === 'R' || p === 'RANDOM') {
            p = randUserPassword();
            randlist.push(`${u}:${p}`);
          }
          plain.push([u, p]);
          users.push(u);
        }
      }
      if (users.length) {
        try {
          ctx.log('DEBUG', `Changing password for ${JSON.stringify(users)}:`);
          await chpasswd(ctx.host, plain, false);
        } catch (e) {
          errors.push(e as Error);
          ctx.log('WARNING', `Failed to set passwords with chpasswd for ${JSON.stringify(users)}`);
        }
      }
      if (hashedUsers.length) {
        try {
          ctx.log('DEBUG', `Setting hashed password for ${JSON.stringify(hashedUsers)}:`);
          await chpasswd(ctx.host, hashed, true);
        } catch (e) {
          errors.push(e as Error);
          ctx.log('WARNING', `Failed to set hashed passwords with chpasswd for ${JSON.stringify(hashedUsers)}`);
        }
      }
      if (randlist.length) ctx.host.output.console(`Set the following 'random' passwords\n${randlist.join('\n')}\n`);
      if (expire) {
        const expired: string[] = [];
        for (const u of [...users, ...hashedUsers]) {
          try {
            await expirePasswd(ctx.host, u);
            expired.push(u);
          } catch (e) {
            errors.push(e as Error);
            ctx.log('WARNING', `Failed to set 'expire' for ${u}`);
          }
        }
        if (expired.length) ctx.log('DEBUG', `Expired passwords for: ${JSON.stringify(expired)} users`);
      }
    }
    await handleSshPwauth(ctx, cfg.ssh_pwauth);
    if (errors.length) {
      ctx.log('DEBUG', `${errors.length} errors occurred, re-raising the last one`);
      throw errors[errors.length - 1] as Error;
    }
  },
};
