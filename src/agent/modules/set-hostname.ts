// set_hostname: sets the hostname and FQDN once per instance (also run early in the local stage
// when metadata or config name a host), skipping when nothing changed since the last time
// (data/set-hostname), when preserve_hostname is set, or when the only name is the default localhost.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { getHostnameFqdn, setHostname } from '../hostname/hostname.js';
import { jsonDumps } from '../state/status.js';

export function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes'].includes(v.toLowerCase()));
}

export const setHostnameModule: ModuleDef = {
  name: 'set_hostname',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    if (truthy(ctx.cfg.preserve_hostname)) {
      ctx.log('DEBUG', `Configuration option 'preserve_hostname' is set, not setting the hostname in module ${ctx.name}`);
      return;
    }
    const { hostname, fqdn, isDefault } = await getHostnameFqdn(ctx.host, ctx.cfg, ctx.ds?.metadata);
    const prevFile = ctx.paths.dataFile('set-hostname');
    let prev: Record<string, unknown> = {};
    try {
      const t = await ctx.host.fs.readTextIfExists(prevFile);
      if (t) prev = JSON.parse(t) as Record<string, unknown>;
    } catch {
      prev = {};
    }
    if (hostname === prev.hostname && fqdn === prev.fqdn) {
      ctx.log('DEBUG', 'No hostname changes. Skipping set-hostname');
      return;
    }
    if (isDefault && hostname === 'localhost') {
      ctx.log('DEBUG', 'Hostname is localhost. Let other services handle this.');
      return;
    }
    ctx.log('DEBUG', `Setting the hostname to ${fqdn} (${hostname})`);
    try {
      await setHostname(ctx.host, ctx.distro, ctx.cfg, hostname, fqdn);
    } catch (e) {
      throw new Error(`Failed to set the hostname to ${fqdn} (${hostname}): ${(e as Error).message}`);
    }
    await ctx.host.fs.writeFile(prevFile, jsonDumps({ hostname, fqdn }), { mode: 0o644 });
  },
};
