// package_update_upgrade_install: package index update, upgrade and installs. Configured with
// nothing to do (an empty `packages` list, updates off), it does nothing, as cloud-init does;
// actual package operations are not implemented yet.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase()));
}

export const packageUpdateUpgradeInstall: ModuleDef = {
  name: 'package_update_upgrade_install',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['apt_update', 'package_update', 'apt_upgrade', 'package_upgrade', 'packages'],
  async run(ctx) {
    const c = ctx.cfg;
    const update = isTrue(c.apt_update) || isTrue(c.package_update);
    const upgrade = isTrue(c.apt_upgrade) || isTrue(c.package_upgrade);
    const pkgs = Array.isArray(c.packages) ? c.packages : c.packages ? [c.packages] : [];
    if (!update && !upgrade && pkgs.length === 0) {
      ctx.log('DEBUG', 'No package updates, upgrades or installs requested');
      return;
    }
    throw new Error('package updates, upgrades and installs are not implemented in kindling-init yet');
  },
};
