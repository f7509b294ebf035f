// Keys for apt sources, as cloud-init's apt_key replacement adds them: an armoured key (given,
// or fetched by id from a keyserver with gpg) dearmoured with `gpg --dearmor` into
// /etc/apt/trusted.gpg.d/<name>.gpg, or /etc/apt/cloud-init.gpg.d/<name>.gpg for a source that
// names it with [signed-by=$KEY_FILE].
import type { ModuleContext } from './types.js';
import { runChecked } from './run-checked.js';
import { pyStr } from './shellify.js';

type Dict = Record<string, unknown>;

const APT_TRUSTED_GPG_DIR = '/etc/apt/trusted.gpg.d/';
const CLOUD_INIT_GPG_DIR = '/etc/apt/cloud-init.gpg.d/';
const DEFAULT_KEYSERVER = 'keyserver.ubuntu.com';

async function exportArmour(ctx: ModuleContext, key: string): Promise<string | undefined> {
  const r = await ctx.host.run(['gpg', '--export', '--armour', key]);
  if (r.code !== 0 || r.error) {
    ctx.log('DEBUG', `Failed to export armoured key "${key}": exit ${r.code}`);
    return undefined;
  }
  return r.stdout;
}

async function recvKey(ctx: ModuleContext, key: string, keyserver: string): Promise<void> {
  ctx.log('DEBUG', `Importing key '${key}' from keyserver '${keyserver}'`);
  const cmd = ['gpg', '--no-tty', `--keyserver=${keyserver}`, '--recv-keys', key];
  const sleeps = [1, 1];
  for (let trynum = 1; ; trynum++) {
    try {
      await runChecked(ctx.host, cmd);
      ctx.log('DEBUG', `Imported key '${key}' from keyserver '${keyserver}' on try ${trynum}`);
      return;
    } catch (e) {
      const nap = sleeps.shift();
      if (nap === undefined) throw new Error(`Failed to import key '${key}' from keyserver '${keyserver}' after ${trynum} tries: ${(e as Error).message}`);
      ctx.log('DEBUG', `Import failed, will try again in ${nap}s`);
      await ctx.host.clock.sleep(nap * 1000);
    }
  }
}

/** gpg.getkeybyid: the key from the local keyring, else from the keyserver (then removed again). */
async function keyById(ctx: ModuleContext, keyid: string, keyserver: string): Promise<string | undefined> {
  let armour = await exportArmour(ctx, keyid);
  if (!armour) {
    try {
      await recvKey(ctx, keyid, keyserver);
      armour = await exportArmour(ctx, keyid);
    } catch (e) {
      ctx.log('ERROR', `Failed to obtain gpg key ${keyid}`);
      throw e;
    } finally {
      const d = await ctx.host.run(['gpg', '--batch', '--yes', '--delete-keys', keyid]);
      if (d.code !== 0) ctx.log('WARNING', `Failed delete key "${keyid}": exit ${d.code}`);
    }
  }
  return armour;
}

/** apt_key('add'): the keyring file written, or /dev/null when gpg failed (logged). */
async function aptKeyAdd(ctx: ModuleContext, name: string, key: string, hardened: boolean): Promise<string> {
  if (!name) {
    ctx.log('WARNING', `Unknown filename, failed to add key: "${key}"`);
    return '/dev/null';
  }
  try {
    const r = await ctx.host.run(['gpg', '--dearmor'], { input: key, binary: true });
    if (r.code !== 0 || r.error) throw new Error(`gpg --dearmor exit ${r.code}`);
    const file = `${hardened ? CLOUD_INIT_GPG_DIR : APT_TRUSTED_GPG_DIR}${name}.gpg`;
    await ctx.host.fs.writeFile(file, r.stdoutBytes ?? Buffer.from(r.stdout, 'utf8'), { mode: 0o644 });
    return file;
  } catch {
    ctx.log('WARNING', `Gpg error, failed to add key: ${key}`);
    return '/dev/null';
  }
}

/** add_apt_key: fetch by keyid if needed, then add; returns the keyring file (or undefined: no key). */
export async function addAptKey(ctx: ModuleContext, ent: Dict, opts: { hardened?: boolean; fileName?: string } = {}): Promise<string | undefined> {
  if ('keyid' in ent && !('key' in ent)) {
    const server = 'keyserver' in ent ? pyStr(ent.keyserver) : DEFAULT_KEYSERVER;
    ent.key = await keyById(ctx, pyStr(ent.keyid), server);
  }
  if (!('key' in ent)) return undefined;
  const fileName = opts.fileName ?? pyStr(ent.filename);
  ctx.log('DEBUG', `Adding key:\n'${pyStr(ent.key)}'`);
  // pathlib's stem: the last component without its last suffix
  const base = fileName.split('/').pop() as string;
  const dot = base.lastIndexOf('.');
  const stem = dot > 0 ? base.slice(0, dot) : base;
  return aptKeyAdd(ctx, stem, pyStr(ent.key), !!opts.hardened);
}
