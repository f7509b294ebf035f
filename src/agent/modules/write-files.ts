// write_files: files from the config, written in the network stage (entries with defer: true are
// left to write_files_deferred in the final stage, after users exist).
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { isDeferred, writeFiles } from './write-files-common.js';

export const writeFilesModule: ModuleDef = {
  name: 'write_files',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['write_files'],
  async run(ctx) {
    const list = Array.isArray(ctx.cfg.write_files) ? ctx.cfg.write_files : [];
    const files = list.filter((f) => !isDeferred(f));
    if (!files.length) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, no/empty 'write_files' key in configuration`);
      return;
    }
    await writeFiles(ctx, files);
  },
};
