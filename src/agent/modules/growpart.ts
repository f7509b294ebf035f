// growpart: grows the root partition to fill its disk when a resizer (growpart, or FreeBSD's gpart)
// is installed and growing is not disabled. Without a resizer, as in images without
// cloud-guest-utils, it does nothing (like cloud-init).
import type { ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';

export async function onPath(ctx: Parameters<ModuleDef['run']>[0], cmd: string): Promise<boolean> {
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const st = await ctx.host.fs.stat(`${d}/${cmd}`);
    if (st?.kind === 'file' && st.mode & 0o111) return true;
  }
  return false;
}

export const growpart: ModuleDef = {
  name: 'growpart',
  frequency: PER_ALWAYS,
  distros: 'all',
  async run(ctx) {
    const def = { mode: 'auto', devices: ['/'], ignore_growroot_disabled: false };
    let my = ctx.cfg.growpart as Record<string, unknown> | undefined;
    if (!my || typeof my !== 'object') {
      ctx.log('DEBUG', `No 'growpart' entry in cfg.  Using default: ${JSON.stringify(def)}`);
      my = def;
    }
    const mode = my.mode ?? 'auto';
    if (mode === false || mode === 'off' || mode === 'false') {
      ctx.log('DEBUG', 'growpart disabled: mode=off');
      return;
    }
    if (!my.ignore_growroot_disabled && (await ctx.host.fs.exists('/etc/growroot-disabled'))) {
      ctx.log('DEBUG', 'growpart disabled: /etc/growroot-disabled exists');
      ctx.log('DEBUG', 'use ignore_growroot_disabled to ignore');
      return;
    }
    const have = (await onPath(ctx, 'growpart')) || (await onPath(ctx, 'gpart'));
    if (!have) {
      ctx.log('DEBUG', `growpart unable to find resizer for '${String(mode)}': No resizers available`);
      return;
    }
    throw new Error('a partition resizer is installed, but growing partitions is not implemented in kindling-init yet');
  },
};
