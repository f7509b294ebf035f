// bootcmd: commands run very early on every boot (in the network stage, before user-data modules),
// as a /bin/sh script with INSTANCE_ID in the environment.
import type { ModuleDef } from './types.js';
import { shellify } from './shellify.js';
import { PER_ALWAYS } from '../state/semaphores.js';

export const bootcmd: ModuleDef = {
  name: 'bootcmd',
  frequency: PER_ALWAYS,
  distros: 'all',
  activateBy: ['bootcmd'],
  async run(ctx) {
    if (!('bootcmd' in ctx.cfg)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, no 'bootcmd' key in configuration`);
      return;
    }
    const content = shellify(ctx.cfg.bootcmd);
    // a private temp file under /run, removed afterwards (as cloud-init's temp file)
    await ctx.host.fs.mkdir('/run/cloud-init/tmp', { mode: 0o700 });
    const tmp = `/run/cloud-init/tmp/bootcmd-${process.pid}-${Date.now()}.sh`;
    await ctx.host.fs.writeFile(tmp, content, { mode: 0o600 });
    try {
      const env: Record<string, string> = {};
      if (ctx.iid) env.INSTANCE_ID = ctx.iid;
      const r = await ctx.host.run(['/bin/sh', tmp], { env, capture: false });
      if (r.code !== 0) throw new Error(`Failed to run bootcmd module ${ctx.name}: exit ${r.code}${r.error ? ` (${r.error})` : ''}`);
    } finally {
      await ctx.host.fs.remove(tmp);
    }
  },
};
