// The package operations' view of a module's context (host, distro, config, per-instance markers).
import type { ModuleContext } from './types.js';
import type { PackageContext } from '../distros/packages.js';
import { FileSemaphores } from '../state/semaphores.js';

export function packageContext(ctx: ModuleContext): PackageContext {
  return {
    host: ctx.host,
    distro: ctx.distro,
    cfg: ctx.cfg,
    sems: new FileSemaphores(ctx.host, ctx.iid ? ctx.paths.ipath(ctx.iid, 'sem') : undefined, ctx.paths.cpath('sem')),
    log: (level, message) => ctx.host.log.log(level, level === 'DEBUG' && /apt|Using (DNF|YUM)/.test(message) ? 'debian' : 'util', message),
  };
}
