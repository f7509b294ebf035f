// users_groups: creates the groups of `groups:` and the users of `users:` (the "default" entry
// being the distro's default user), with their groups, shell, sudo rules, passwords (hashed,
// plain text or locked) and SSH keys.
import type { ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { createGroup, createUser } from '../accounts/users.js';
import { usersAndDefault } from './default-user.js';

const NO_HOME = ['no_create_home', 'system'];
const NEED_HOME = ['ssh_authorized_keys', 'ssh_import_id', 'ssh_redirect_user'];

export const usersGroups: ModuleDef = {
  name: 'users_groups',
  frequency: PER_INSTANCE,
  distros: 'all',
  async run(ctx) {
    const { users, groups, defaultUser } = usersAndDefault(ctx);
    const cloudKeys = ctx.ds?.publicKeys ?? [];
    for (const [name, members] of Object.entries(groups)) await createGroup(ctx.host, name, members);
    for (const [user, cfg] of Object.entries(users)) {
      const config = { ...cfg };
      const noHome = NO_HOME.filter((k) => config[k]);
      const needHome = NEED_HOME.filter((k) => config[k]);
      if (noHome.length && needHome.length) throw new Error(`Not creating user ${user}. Key(s) ${needHome.join(', ')} cannot be provided with ${noHome.join(', ')}`);
      const redirect = config.ssh_redirect_user ?? false;
      delete config.ssh_redirect_user;
      if (redirect) {
        if ('ssh_authorized_keys' in config || 'ssh_import_id' in config) throw new Error(`Not creating user ${user}. ssh_redirect_user cannot be provided with ssh_import_id or ssh_authorized_keys`);
        if (redirect !== true && redirect !== 'default') throw new Error(`Not creating user ${user}. Invalid value of ssh_redirect_user: ${String(redirect)}. Expected values: true, default or false.`);
        if (!defaultUser) {
          ctx.log('WARNING', `Ignoring ssh_redirect_user: ${String(redirect)} for ${user}. No default_user defined. Perhaps missing cloud configuration users:  [default, ..].`);
        } else {
          config.ssh_redirect_user = defaultUser;
          config.cloud_public_ssh_keys = cloudKeys;
        }
      }
      delete config.default;
      await createUser(ctx.host, ctx.distro, user, config);
    }
  },
};
