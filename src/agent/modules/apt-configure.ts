// apt_configure: with cloud-init's Debian default (preserve_sources_list: true, no proxies, no
// extra sources) nothing is written, and stale cloud-init proxy/config drop-ins are removed.
// Other apt settings (mirrors, sources, keys, proxies, debconf selections) are not implemented yet.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';

const APT_PROXY_FN = '/etc/apt/apt.conf.d/90cloud-init-aptproxy';
const APT_CONFIG_FN = '/etc/apt/apt.conf.d/94cloud-init-config';
const HANDLED = new Set(['preserve_sources_list']);

export const aptConfigure: ModuleDef = {
  name: 'apt_configure',
  frequency: PER_INSTANCE,
  distros: ['ubuntu', 'debian'],
  async run(ctx) {
    const apt = ctx.cfg.apt ?? {};
    if (!apt || typeof apt !== 'object' || Array.isArray(apt)) throw new Error(`Expected dictionary for 'apt' config, found ${typeof apt}`);
    const legacy = Object.keys(ctx.cfg).filter((k) => k.startsWith('apt_') && !['apt_pipelining', 'apt_update', 'apt_upgrade', 'apt_reboot_if_required'].includes(k));
    const keys = Object.keys(apt as Record<string, unknown>);
    const unhandled = keys.filter((k) => !HANDLED.has(k));
    const preserve = (apt as Record<string, unknown>).preserve_sources_list;
    if (unhandled.length || legacy.length || preserve !== true) {
      throw new Error(`apt settings ${JSON.stringify([...unhandled, ...legacy, ...(preserve !== true ? ['preserve_sources_list: false'] : [])])} are not implemented in kindling-init yet`);
    }
    ctx.log('DEBUG', `handling apt config: ${JSON.stringify(apt)}`);
    for (const f of [APT_PROXY_FN, APT_CONFIG_FN]) {
      if ((await ctx.host.fs.stat(f))?.kind === 'file') {
        await ctx.host.fs.remove(f);
        ctx.log('DEBUG', `no apt ${f === APT_PROXY_FN ? 'proxy' : 'config'} configured, removed ${f}`);
      }
    }
  },
};
