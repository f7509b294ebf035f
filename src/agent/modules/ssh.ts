// ssh: host keys (deleted and regenerated for a new instance, or installed from ssh_keys), the
// metadata's and config's public keys for the default user, and root's keys behind
// disable_root's "please login as" command unless disable_root is false. Key generation runs
// for all types at once.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { setupUserKeys, DISABLE_USER_OPTS } from '../accounts/authorized-keys.js';
import { updateSshdConfig } from '../ssh/sshd-config.js';
import { lookupGroup } from '../accounts/passwd-db.js';
import { usersAndDefault } from './default-user.js';
import { discardStagedKeys, takeStagedKey } from '../ssh/hostkeys.js';
import { systemHostname } from '../hostname/hostname.js';

const GENERATE_KEY_NAMES = ['rsa', 'dsa', 'ecdsa', 'ed25519'];
import { KEY_FILE } from '../ssh/hostkeys.js';
const CONFIG_KEY_TO_FILE: Record<string, [string, number]> = {};
const PRIV_TO_PUB: Record<string, string> = {};
for (const k of GENERATE_KEY_NAMES) {
  CONFIG_KEY_TO_FILE[`${k}_private`] = [KEY_FILE(k), 0o600];
  CONFIG_KEY_TO_FILE[`${k}_public`] = [`${KEY_FILE(k)}.pub`, 0o600];
  CONFIG_KEY_TO_FILE[`${k}_certificate`] = [`${KEY_FILE(k)}-cert.pub`, 0o600];
  PRIV_TO_PUB[`${k}_private`] = `${k}_public`;
}

function boolOpt(v: unknown, def: boolean): boolean {
  if (v === undefined || v === null) return def;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    if (['true', '1', 'on', 'yes'].includes(v.toLowerCase())) return true;
    if (['false', '0', 'off', 'no'].includes(v.toLowerCase())) return false;
  }
  return def;
}

export const ssh: ModuleDef = {
  name: 'ssh',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const { host, cfg } = ctx;
    if (boolOpt(cfg.ssh_deletekeys, true)) {
      for (const f of await host.fs.readdir('/etc/ssh')) {
        if (/^ssh_host_.*key.*$/.test(f)) await host.fs.remove(`/etc/ssh/${f}`).catch((e: Error) => ctx.log('WARNING', `Failed deleting key file /etc/ssh/${f}: ${e.message}`));
      }
    }
    if (cfg.ssh_keys && typeof cfg.ssh_keys === 'object') {
      const keys = cfg.ssh_keys as Record<string, unknown>;
      for (const [key, val] of Object.entries(keys)) {
        const target = CONFIG_KEY_TO_FILE[key];
        if (!target) {
          ctx.log('WARNING', `Skipping ${/^(ecdsa-sk|ed25519-sk)_(private|public|certificate)$/.test(key) ? 'unsupported' : 'unrecognized'} ssh_keys entry: "${key}"`);
          continue;
        }
        await host.fs.writeFile(target[0], String(val), { mode: target[1] });
        if (key.includes('_certificate')) await updateSshdConfig(host, { HostCertificate: target[0] });
      }
      for (const [priv, pub] of Object.entries(PRIV_TO_PUB)) {
        if (pub in keys || !(priv in keys)) continue;
        const privFile = (CONFIG_KEY_TO_FILE[priv] as [string, number])[0];
        const pubFile = (CONFIG_KEY_TO_FILE[pub] as [string, number])[0];
        const r = await host.run(['ssh-keygen', '-yf', privFile]);
        if (r.code === 0) {
          await host.fs.writeFile(pubFile, `${r.stdout.trim()} root@localhost\n`, { mode: 0o644 });
          ctx.log('DEBUG', `Generated a key for ${pubFile} from ${privFile}`);
        } else ctx.log('WARNING', `Failed generating a key for ${pubFile} from ${privFile}`);
      }
    } else {
      const types = Array.isArray(cfg.ssh_genkeytypes) ? cfg.ssh_genkeytypes.map(String) : typeof cfg.ssh_genkeytypes === 'string' ? cfg.ssh_genkeytypes.split(',').map((s) => s.trim()) : GENERATE_KEY_NAMES;
      const quiet = boolOpt(cfg.ssh_quiet_keygen, false);
      const sshKeysGroup = await lookupGroup(host, 'ssh_keys');
      const todo: string[] = [];
      for (const t of types) if (!(await host.fs.exists(KEY_FILE(t)))) todo.push(t);
      if (todo.length) await host.fs.mkdir('/etc/ssh');
      // keys the local stage started generating in the background, then the rest, all at once
      const staged = await Promise.all(todo.map((t) => (ctx.iid ? takeStagedKey(host, ctx.iid, t) : Promise.resolve(undefined))));
      const results = await Promise.all(
        todo.map((t, i) => {
          const s = staged[i];
          if (s && s.code === 0) return Promise.resolve({ code: 0, stdout: s.stdout, stderr: '' });
          return host.run(['ssh-keygen', '-t', t, '-N', '', '-f', KEY_FILE(t)], { env: { LANG: 'C' } });
        }),
      );
      const hostname = await systemHostname(host);
      for (let i = 0; i < todo.length; i++) {
        const t = todo[i] as string;
        const r = results[i] as { code: number; stdout: string; stderr: string };
        if (r.code === 0) {
          if (staged[i]?.code === 0) {
            // ssh-keygen names the key after the host it ran on: keep that true if the hostname
            // changed since the key was started
            const pub = (await host.fs.readTextIfExists(`${KEY_FILE(t)}.pub`)) ?? '';
            const comment = pub.trim().split(/\s+/).slice(2).join(' ');
            if (comment !== `root@${hostname}`) await host.run(['ssh-keygen', '-q', '-c', '-C', `root@${hostname}`, '-f', KEY_FILE(t)], { env: { LANG: 'C' } });
          }
          if (!quiet) host.output.out(r.stdout);
          if (sshKeysGroup) {
            await host.fs.chown(KEY_FILE(t), 0, sshKeysGroup.gid);
            await host.fs.chmod(KEY_FILE(t), 0o640);
            await host.fs.chmod(`${KEY_FILE(t)}.pub`, 0o644);
          }
        } else if (r.code === 1 && r.stderr.toLowerCase().startsWith('unknown key')) {
          ctx.log('DEBUG', `ssh-keygen: unknown key type '${t}'`);
        } else {
          ctx.log('WARNING', `Failed generating key type ${t} to file ${KEY_FILE(t)}: ${(r.stderr || '').trim()}`);
        }
      }
    }
    if (ctx.iid) await discardStagedKeys(host, ctx.iid);
    // publishing host keys is datasource specific; OpenStack and None do not publish
    try {
      const { defaultUser } = usersAndDefault(ctx);
      const disableRoot = boolOpt(cfg.disable_root, true);
      const opts = typeof cfg.disable_root_opts === 'string' ? cfg.disable_root_opts : DISABLE_USER_OPTS;
      let keys: string[] = [];
      if (boolOpt(cfg.allow_public_ssh_keys, true)) keys = [...(ctx.ds?.publicKeys ?? [])];
      else ctx.log('DEBUG', 'Skipping import of publish SSH keys per config setting: allow_public_ssh_keys=False');
      if ('ssh_authorized_keys' in cfg) {
        const c = cfg.ssh_authorized_keys;
        if (Array.isArray(c)) keys.push(...c.map(String));
        else if (typeof c === 'string') keys.push(c);
      }
      const uniq = [...new Set(keys)];
      if (defaultUser) await setupUserKeys(host, uniq, defaultUser);
      const prefix = disableRoot ? opts.replace('$USER', defaultUser ?? 'NONE').replace('$DISABLE_USER', 'root') : '';
      // an empty prefix also drops options a key carried, as cloud-init does for root
      await setupUserKeys(host, uniq, 'root', prefix);
    } catch (e) {
      ctx.log('WARNING', `Applying SSH credentials failed! ${(e as Error).message}`);
    }
  },
};
