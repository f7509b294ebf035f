// Modules of cloud-init 22.4's default lists that only act on platforms or tools a guest rarely
// has. Each checks exactly what cloud-init checks and does nothing when it is absent; where the
// platform is present, kindling-init does not implement the action and the module fails with a
// clear reason instead of pretending.
import type { ModuleDef } from './types.js';
import { PER_ALWAYS, PER_INSTANCE } from '../state/semaphores.js';

async function which(ctx: Parameters<ModuleDef['run']>[0], cmd: string): Promise<boolean> {
  for (const d of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) if ((await ctx.host.fs.stat(`${d}/${cmd}`))?.kind === 'file') return true;
  return false;
}

export const resetRmc: ModuleDef = {
  name: 'reset_rmc',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    if (ctx.ds?.platform === 'none') {
      ctx.log('DEBUG', 'Skipping creation of new ct_node_id node');
      return;
    }
    if ((await ctx.host.fs.stat('/opt/rsct/install/bin'))?.kind !== 'dir') {
      ctx.log('DEBUG', 'module disabled, RSCT_PATH not present');
      return;
    }
    throw new Error('IBM RSCT is installed but resetting its node id is not implemented in kindling-init');
  },
};

export const refreshRmcAndInterface: ModuleDef = {
  name: 'refresh_rmc_and_interface',
  frequency: PER_ALWAYS,
  distros: 'all',
  async run(ctx) {
    if (!(await which(ctx, 'rmcctrl'))) {
      ctx.log('DEBUG', "No 'rmcctrl' in path, disabled");
      return;
    }
    throw new Error('rmcctrl is present but refreshing RMC and IPv6 interfaces is not implemented in kindling-init');
  },
};

export const rightscaleUserdata: ModuleDef = {
  name: 'rightscale_userdata',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    // cloud-init 22.4 looks for a method its Cloud object does not have, so the module never
    // acts; it was removed in 24.1. The same here.
    ctx.log('DEBUG', `Failed to get raw userdata in module ${ctx.name}`);
  },
};

export const installHotplug: ModuleDef = {
  name: 'install_hotplug',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const updates = ctx.cfg.updates as Record<string, unknown> | undefined;
    const net = updates?.network as Record<string, unknown> | undefined;
    const when = Array.isArray(net?.when) ? (net?.when as unknown[]).map(String) : [];
    const rules = '/etc/udev/rules.d/10-cloud-init-hook-hotplug.rules';
    // neither OpenStack (over HTTP) nor None support hotplug in cloud-init 22.4's sense here
    if (await ctx.host.fs.exists(rules)) {
      ctx.log('DEBUG', 'Uninstalling hotplug, not enabled');
      await ctx.host.fs.remove(rules);
      await ctx.host.run(['udevadm', 'control', '--reload-rules']);
    } else if (when.includes('hotplug')) {
      ctx.log('WARNING', 'Hotplug is unsupported by current datasource. Udev rules will NOT be installed.');
    } else {
      ctx.log('DEBUG', 'Skipping hotplug install, not enabled');
    }
  },
};

export const byobu: ModuleDef = {
  name: 'byobu',
  frequency: PER_INSTANCE,
  distros: ['ubuntu', 'debian'],
  async run(ctx) {
    const v = ctx.args.length ? ctx.args[0] : ctx.cfg.byobu_by_default;
    if (!v) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, no 'byobu' values found`);
      return;
    }
    throw new Error('byobu_by_default is not implemented in kindling-init');
  },
};
