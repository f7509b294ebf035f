// scripts_user: runs the instance's scripts (user-data #! parts and runcmd), once per instance.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { scriptsModuleRun } from './runparts.js';

export const scriptsUser: ModuleDef = {
  name: 'scripts_user',
  frequency: PER_INSTANCE,
  distros: 'all',
  run: scriptsModuleRun((ctx) => `${ctx.paths.ipathCur()}/scripts`, 'scripts'),
};
