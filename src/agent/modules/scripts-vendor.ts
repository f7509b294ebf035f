// scripts_vendor: runs vendor-data scripts, with vendor_data.prefix (e.g. [timeout, 30]) before each.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { scriptsModuleRun } from './runparts.js';

export const scriptsVendor: ModuleDef = {
  name: 'scripts_vendor',
  frequency: PER_INSTANCE,
  distros: 'all',
  run: scriptsModuleRun(
    (ctx) => `${ctx.paths.ipathCur()}/scripts/vendor`,
    'vendor',
    (ctx) => {
      const p = (ctx.cfg.vendor_data as Record<string, unknown> | undefined)?.prefix;
      if (p === undefined || p === null) return [];
      if (typeof p === 'string') return [p];
      if (Array.isArray(p)) return p.map(String);
      throw new TypeError('exe_prefix must be None, str, or list');
    },
  ),
};
