// ssh_import_id: imports public keys (lp:user, gh:user) for users with ssh-import-id, run as
// that user; skipped when nothing asks for it, warned when the tool is missing.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { usersAndDefault } from './default-user.js';

function nestedHas(v: unknown, key: string): boolean {
  if (!v || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => nestedHas(x, key));
  return Object.entries(v as Record<string, unknown>).some(([k, x]) => k === key || nestedHas(x, key));
}

export const sshImportId: ModuleDef = {
  name: 'ssh_import_id',
  frequency: PER_INSTANCE,
  distros: ['ubuntu', 'debian', 'cos'],
  async run(ctx) {
    if (!nestedHas(ctx.cfg, 'ssh_import_id')) {
      ctx.log('DEBUG', "Skipping module named ssh-import-id, no 'ssh_import_id' directives found.");
      return;
    }
    let present = false;
    for (const d of ['/usr/bin', '/bin', '/usr/local/bin']) if ((await ctx.host.fs.stat(`${d}/ssh-import-id`))?.kind === 'file') present = true;
    if (!present) {
      ctx.log('WARNING', 'ssh-import-id is not installed, but module ssh_import_id is configured. Skipping module.');
      return;
    }
    const work: [string, string[]][] = [];
    if (ctx.args.length) work.push([String(ctx.args[0]), ctx.args.slice(1).map(String)]);
    else {
      const { users } = usersAndDefault(ctx);
      for (const [user, c] of Object.entries(users)) {
        const raw = c.default ? ctx.cfg.ssh_import_id : c.ssh_import_id;
        if (raw === undefined) continue;
        const ids = (Array.isArray(raw) ? raw : String(raw).split(',')).map((x) => String(x).trim()).filter(Boolean);
        if (ids.length) work.push([user, [...new Set(ids)]]);
      }
    }
    const errors: string[] = [];
    for (const [user, ids] of work) {
      if (!ids.length) continue;
      ctx.log('DEBUG', `Importing SSH ids for user ${user}.`);
      const r = await ctx.host.run(['sudo', '--preserve-env=https_proxy', '-Hu', user, 'ssh-import-id', ...ids], { capture: false });
      if (r.code !== 0) errors.push(`ssh-import-id for ${user} failed (exit ${r.code})`);
    }
    if (errors.length) throw new Error(errors.join('; '));
  },
};
