// update_hostname: re-applies the hostname every boot, unless the user changed it since
// (data/previous-hostname differs from the system's) or preserve_hostname is set.
import type { ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';
import { getHostnameFqdn, updateHostname } from '../hostname/hostname.js';
import { truthy } from './set-hostname.js';

export const updateHostnameModule: ModuleDef = {
  name: 'update_hostname',
  frequency: PER_ALWAYS,
  distros: 'all',
  async run(ctx) {
    if (truthy(ctx.cfg.preserve_hostname)) {
      ctx.log('DEBUG', `Configuration option 'preserve_hostname' is set, not updating the hostname in module ${ctx.name}`);
      return;
    }
    const { hostname, fqdn, isDefault } = await getHostnameFqdn(ctx.host, ctx.cfg, ctx.ds?.metadata);
    if (isDefault && hostname === 'localhost') {
      ctx.log('DEBUG', 'Hostname is localhost. Let other services handle this.');
      return;
    }
    ctx.log('DEBUG', `Updating hostname to ${fqdn} (${hostname})`);
    await updateHostname(ctx.host, ctx.distro, ctx.cfg, hostname, fqdn, ctx.paths.dataFile('previous-hostname'));
  },
};
