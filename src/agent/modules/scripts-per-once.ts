// scripts_per_once: runs /var/lib/cloud/scripts/per-once/ (frequency: PER_ONCE).
import type { ModuleDef } from './types.js';
import { PER_ONCE } from '../state/semaphores.js';
import { scriptsModuleRun } from './runparts.js';

export const scriptsPerOnce: ModuleDef = {
  name: 'scripts_per_once',
  frequency: PER_ONCE,
  distros: 'all',
  run: scriptsModuleRun((ctx) => ctx.paths.cpath('scripts/per-once'), 'per-once'),
};
