// system_info.default_user, falling back to the distro table's when the config has none (an image
// without cloud-init's cloud.cfg), as the input to user normalisation.
import type { ModuleContext } from './types.js';
import { normalizeUsersGroups, extractDefault } from '../accounts/normalize.js';

type Dict = Record<string, unknown>;

export function distroDefaultUser(ctx: Pick<ModuleContext, 'cfg' | 'distro'>): Dict | undefined {
  const si = ctx.cfg.system_info as Dict | undefined;
  if (si && 'default_user' in si) {
    const du = si.default_user;
    return du && typeof du === 'object' ? (du as Dict) : undefined;
  }
  return { ...ctx.distro.info.defaultUser };
}

export function usersAndDefault(ctx: ModuleContext) {
  const { users, groups } = normalizeUsersGroups(ctx.host, ctx.cfg, distroDefaultUser(ctx));
  const def = extractDefault(users);
  return { users, groups, defaultUser: def.name, defaultConfig: def.config };
}
