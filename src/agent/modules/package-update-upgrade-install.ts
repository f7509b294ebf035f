// package_update_upgrade_install: refreshes the package index (package_update, or implied by an
// upgrade or installs), upgrades (package_upgrade), installs `packages` (names or [name, version]),
// and reboots when an upgrade or install left /var/run/reboot-required and
// package_reboot_if_required asks for it. Each step's failure is logged and the others still
// run; the module then fails with the last error. The apt_* spellings are read too.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { cfgBool, cfgList } from './cfg-values.js';
import { packageCommand, updatePackageSources, installPackages } from '../distros/packages.js';
import { packageContext } from './package-context.js';
import { runChecked, pyList } from './run-checked.js';

const REBOOT_FILE = '/var/run/reboot-required';
const REBOOT_CMD = ['/sbin/reboot'];

export const packageUpdateUpgradeInstall: ModuleDef = {
  name: 'package_update_upgrade_install',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['apt_update', 'package_update', 'apt_upgrade', 'package_upgrade', 'packages'],
  async run(ctx) {
    const c = ctx.cfg;
    const update = cfgBool(c, 'apt_update') || cfgBool(c, 'package_update');
    const upgrade = cfgBool(c, 'package_upgrade') || cfgBool(c, 'apt_upgrade');
    const rebootIfRequired = cfgBool(c, 'apt_reboot_if_required') || cfgBool(c, 'package_reboot_if_required');
    const pkgs = cfgList(c, 'packages', []) ?? [];
    const p = packageContext(ctx);
    const errors: Error[] = [];
    const step = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (e) {
        ctx.log('WARNING', what);
        ctx.log('DEBUG', (e as Error).message);
        errors.push(e as Error);
      }
    };
    if (update || pkgs.length || upgrade) await step('Package update failed', () => updatePackageSources(p));
    if (upgrade) await step('Package upgrade failed', () => packageCommand(p, 'upgrade'));
    if (pkgs.length) await step(`Failed to install packages: ${pkgs.every((x) => typeof x === 'string') ? pyList(pkgs as string[]) : JSON.stringify(pkgs)}`, () => installPackages(p, pkgs));
    const rebootFile = (await ctx.host.fs.stat(REBOOT_FILE))?.kind === 'file';
    if ((upgrade || pkgs.length) && rebootIfRequired && rebootFile) {
      await step('Requested reboot did not happen!', async () => {
        ctx.log('WARNING', `Rebooting after upgrade or install per ${REBOOT_FILE}`);
        await runChecked(ctx.host, REBOOT_CMD);
        // a reboot that worked never returns; cloud-init waits up to a minute for it
        for (let i = 0, wait = 1; i < 6; i++, wait *= 2) {
          await ctx.host.clock.sleep(wait * 1000);
          ctx.log('DEBUG', 'Rebooted, but still running');
        }
        throw new Error('Reboot did not happen after 63 seconds!');
      });
    }
    if (errors.length) {
      ctx.log('WARNING', `${errors.length} failed with exceptions, re-raising the last one`);
      throw errors[errors.length - 1];
    }
  },
};
