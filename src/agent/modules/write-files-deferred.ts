// write_files_deferred: the write_files entries marked defer: true, written in the final stage.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { isDeferred, writeFiles } from './write-files-common.js';

export const writeFilesDeferred: ModuleDef = {
  name: 'write_files_deferred',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['write_files'],
  async run(ctx) {
    const list = Array.isArray(ctx.cfg.write_files) ? ctx.cfg.write_files : [];
    const files = list.filter(isDeferred);
    if (!files.length) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, no deferred file defined in configuration`);
      return;
    }
    await writeFiles(ctx, files);
  },
};
