// runcmd: writes instance/scripts/runcmd (0700); scripts_user runs it in the final stage.
import type { ModuleDef } from './types.js';
import { shellify } from './shellify.js';
import { PER_INSTANCE } from '../state/semaphores.js';

export const runcmd: ModuleDef = {
  name: 'runcmd',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['runcmd'],
  async run(ctx) {
    if (!('runcmd' in ctx.cfg)) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, no 'runcmd' key in configuration`);
      return;
    }
    if (!ctx.iid) throw new Error('no instance directory for runcmd');
    const out = `${ctx.paths.ipath(ctx.iid, 'scripts')}/runcmd`;
    let content: string;
    try {
      content = shellify(ctx.cfg.runcmd);
    } catch (e) {
      throw new Error(`Failed to shellify runcmd into file ${out}: ${(e as Error).message}`);
    }
    await ctx.host.fs.writeFile(out, content, { mode: 0o700 });
  },
};
