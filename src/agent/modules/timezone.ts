// timezone: sets the system timezone from `timezone` (or the module's first argument). The zone
// must exist under /usr/share/zoneinfo. Debian family (and most others): /etc/timezone holds the
// name and /etc/localtime links to the zone file (a regular /etc/localtime is overwritten with a
// copy instead, as cloud-init does). RHEL family: /etc/localtime is relinked when systemd runs the
// machine, else /etc/sysconfig/clock gets ZONE= and /etc/localtime a copy.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { usesSystemd } from '../distros/service.js';
import { pyStr } from './shellify.js';
import { updateSysconfig } from './sysconfig-file.js';

const ZONE_DIR = '/usr/share/zoneinfo';
const LOCALTIME = '/etc/localtime';

async function zoneFile(ctx: ModuleContext, tz: string): Promise<string> {
  const f = `${ZONE_DIR}/${tz}`;
  if ((await ctx.host.fs.stat(f))?.kind !== 'file') throw new Error(`Invalid timezone ${tz}, no file found at ${f}`);
  return f;
}

/** util.copy (shutil.copy): the content and the source's permission bits. */
async function copyFile(ctx: ModuleContext, from: string, to: string): Promise<void> {
  const mode = (await ctx.host.fs.stat(from))?.mode ?? 0o644;
  await ctx.host.fs.writeFile(to, await ctx.host.fs.readFile(from), { mode });
}

/** distros.set_etc_timezone: the name file, then a link (or a copy over a regular file). */
async function setEtcTimezone(ctx: ModuleContext, tz: string, file: string): Promise<void> {
  await ctx.host.fs.writeFile('/etc/timezone', `${tz.trimEnd()}\n`, { mode: 0o644 });
  const st = await ctx.host.fs.lstat(LOCALTIME);
  if (!st || st.kind === 'symlink') await ctx.host.fs.symlink(file, LOCALTIME);
  else await copyFile(ctx, file, LOCALTIME);
}

async function setRedhatTimezone(ctx: ModuleContext, tz: string, file: string): Promise<void> {
  if (await usesSystemd(ctx.host)) {
    // timedatectl refuses to run this early in boot; cloud-init links the file itself
    await ctx.host.fs.remove(LOCALTIME);
    await ctx.host.fs.symlink(file, LOCALTIME);
    return;
  }
  await updateSysconfig(ctx.host, '/etc/sysconfig/clock', { ZONE: tz });
  await copyFile(ctx, file, LOCALTIME);
}

export const timezone: ModuleDef = {
  name: 'timezone',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['timezone'],
  async run(ctx) {
    const raw = ctx.args.length ? ctx.args[0] : ctx.cfg.timezone;
    const tz = raw === undefined || raw === null || raw === false ? '' : pyStr(raw);
    if (!tz) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, no 'timezone' specified`);
      return;
    }
    const file = await zoneFile(ctx, tz);
    if (ctx.distro.info.osFamily === 'redhat') await setRedhatTimezone(ctx, tz, file);
    else await setEtcTimezone(ctx, tz, file);
  },
};
