// migrator: renames semaphore files written under old, uncanonicalised names (dashes) and maps
// the legacy apt-update-upgrade marker to its two successors.
import type { ModuleDef } from './types.js';
import { PER_ALWAYS, canonSemName } from '../state/semaphores.js';

function translateBool(v: unknown): boolean {
  if (v === true) return true;
  if (typeof v === 'string') return ['true', '1', 'on', 'yes'].includes(v.toLowerCase());
  return false;
}

export const migrator: ModuleDef = {
  name: 'migrator',
  frequency: PER_ALWAYS,
  distros: 'all',
  async run(ctx) {
    const migrate = ctx.cfg.migrate ?? true;
    if (!translateBool(migrate)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, migration disabled`);
      return;
    }
    const dirs = [ctx.iid ? ctx.paths.ipath(ctx.iid, 'sem') : undefined, ctx.paths.cpath('sem')].filter((d): d is string => !!d);
    let moved = 0;
    for (const dir of dirs) {
      for (const f of await ctx.host.fs.readdir(dir)) {
        const p = `${dir}/${f}`;
        if ((await ctx.host.fs.stat(p))?.kind !== 'file') continue;
        const dot = f.lastIndexOf('.');
        const [name, ext] = dot > 0 ? [f.slice(0, dot), f.slice(dot)] : [f, ''];
        const canon = canonSemName(name);
        if (canon !== name) {
          await ctx.host.fs.rename(p, `${dir}/${canon}${ext}`);
          moved++;
        }
      }
      for (const f of await ctx.host.fs.readdir(dir)) {
        const dot = f.lastIndexOf('.');
        const [name, ext] = dot > 0 ? [f.slice(0, dot), f.slice(dot)] : [f, ''];
        if (name !== 'apt-update-upgrade' && name !== 'apt_update_upgrade') continue;
        await ctx.host.fs.remove(`${dir}/${f}`);
        for (const m of ['apt-configure', 'package-update-upgrade-install']) {
          ctx.log('DEBUG', `Migrating ${f} => ${m} with the same frequency`);
          await ctx.host.fs.writeFile(`${dir}/${canonSemName(m)}${ext}`, `${process.pid}: ${ctx.host.clock.now()}\n`, { mode: 0o644 });
        }
      }
    }
    ctx.log('DEBUG', `Migrated ${moved} semaphore files to there canonicalized names`);
  },
};
