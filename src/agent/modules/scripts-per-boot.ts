// scripts_per_boot: runs /var/lib/cloud/scripts/per-boot/ (frequency: PER_ALWAYS).
import type { ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';
import { scriptsModuleRun } from './runparts.js';

export const scriptsPerBoot: ModuleDef = {
  name: 'scripts_per_boot',
  frequency: PER_ALWAYS,
  distros: 'all',
  run: scriptsModuleRun((ctx) => ctx.paths.cpath('scripts/per-boot'), 'per-boot'),
};
