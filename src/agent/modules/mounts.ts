// mounts: fstab entries for the `mounts:` config and the default ephemeral0 (/mnt) and swap
// devices. A machine with neither config nor such devices needs no change, which is what this
// handles; configured mounts and present ephemeral or swap devices are not implemented yet.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';

export const mounts: ModuleDef = {
  name: 'mounts',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const cfgMounts = Array.isArray(ctx.cfg.mounts) ? ctx.cfg.mounts : [];
    ctx.log('DEBUG', `mounts configuration is ${JSON.stringify(cfgMounts)}`);
    const swap = ctx.cfg.swap as Record<string, unknown> | undefined;
    const wantsSwapFile = !!swap && typeof swap === 'object' && !!swap.size && swap.size !== 0;
    const bdm = ((ctx.ds?.crawled?.ec2_metadata as Record<string, unknown> | undefined)?.['block-device-mapping'] ?? {}) as Record<string, unknown>;
    const found: string[] = [];
    if (bdm.ephemeral0 || (await ctx.host.fs.exists('/dev/disk/by-label/ephemeral0'))) found.push('ephemeral0');
    const blk = await ctx.host.run(['blkid', '-tTYPE=swap', '-odevice']);
    if (blk.code === 0 && blk.stdout.trim()) found.push('swap');
    if (!cfgMounts.length && !wantsSwapFile && !found.length) {
      ctx.log('DEBUG', 'Ignoring nonexistent default named mount ephemeral0');
      ctx.log('DEBUG', 'Ignoring nonexistent default named mount swap');
      ctx.log('DEBUG', 'No modifications to fstab needed');
      return;
    }
    throw new Error(`fstab changes (${[...(cfgMounts.length ? ['mounts config'] : []), ...(wantsSwapFile ? ['swap file'] : []), ...found].join(', ')}) are not implemented in kindling-init yet`);
  },
};
