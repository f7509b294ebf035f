// scripts_per_instance: runs /var/lib/cloud/scripts/per-instance/ (frequency: PER_INSTANCE).
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { scriptsModuleRun } from './runparts.js';

export const scriptsPerInstance: ModuleDef = {
  name: 'scripts_per_instance',
  frequency: PER_INSTANCE,
  distros: 'all',
  run: scriptsModuleRun((ctx) => ctx.paths.cpath('scripts/per-instance'), 'per-instance'),
};
