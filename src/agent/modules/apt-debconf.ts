// apt_configure's debconf_selections: preseed answers (debconf-set-selections), then reconfigure
// the installed packages they name where cloud-init knows how to unconfigure them (cloud-init
// itself); the others are reported.
import type { ModuleContext } from './types.js';
import { isDict } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { runChecked, pyList } from './run-checked.js';

type Dict = Record<string, unknown>;

async function installedPackages(ctx: ModuleContext): Promise<Set<string>> {
  const r = await runChecked(ctx.host, ['dpkg-query', '--list']);
  const out = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3) continue;
    if ((parts[0] as string).startsWith('hi') || (parts[0] as string).startsWith('ii')) out.add((parts[1] as string).replace(/:.*/, ''));
  }
  return out;
}

/** CONFIG_CLEANERS['cloud-init']: removes the packaging's own cloud.cfg.d drop-ins. */
async function cleanCloudInit(ctx: ModuleContext): Promise<void> {
  const files = (await ctx.host.fs.readdir('/etc/cloud/cloud.cfg.d')).filter((f) => f.includes('dpkg')).map((f) => `/etc/cloud/cloud.cfg.d/${f}`);
  ctx.log('DEBUG', `cleaning cloud-init config from: ${pyList(files)}`);
  for (const f of files) await ctx.host.fs.remove(f);
}

export async function applyDebconfSelections(ctx: ModuleContext, cfg: Dict): Promise<void> {
  const sets = cfg.debconf_selections;
  if (!sets || !isDict(sets) || !Object.keys(sets).length) {
    ctx.log('DEBUG', 'debconf_selections was not set in config');
    return;
  }
  let selections = Object.keys(sets).sort().map((k) => pyStr(sets[k])).join('\n');
  if (!selections.endsWith('\n')) selections += '\n';
  await runChecked(ctx.host, ['debconf-set-selections'], { input: selections });
  const cfgd = new Set<string>();
  for (const content of Object.values(sets)) {
    for (const line of pyStr(content).split(/\r?\n/)) {
      if (line.startsWith('#')) continue;
      cfgd.add(line.replace(/[:\s].*/s, ''));
    }
  }
  const installed = await installedPackages(ctx);
  ctx.log('DEBUG', `pkgs_cfgd: ${JSON.stringify([...cfgd])}`);
  const need = [...cfgd].filter((p) => installed.has(p));
  if (!need.length) {
    ctx.log('DEBUG', 'no need for reconfig');
    return;
  }
  const unhandled = need.filter((p) => p !== 'cloud-init');
  const toConfig = need.filter((p) => p === 'cloud-init');
  for (const p of toConfig) {
    ctx.log('DEBUG', `unconfiguring ${p}`);
    await cleanCloudInit(ctx);
  }
  if (unhandled.length) ctx.log('WARNING', `The following packages were installed and preseeded, but cannot be unconfigured: ${pyList(unhandled)}`);
  if (toConfig.length) await runChecked(ctx.host, ['dpkg-reconfigure', '--frontend=noninteractive', ...toConfig]);
}
