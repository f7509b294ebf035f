// cloud-init 22.4 modules that kindling-init does not implement yet. They are known by name (so
// the module lists of cloud.cfg load without "unknown module" noise) and keep cloud-init's
// frequency, distros and activating keys: unconfigured, they are skipped exactly as in
// cloud-init; configured, they fail with a clear reason, which status reports.
import type { ModuleDef } from './types.js';
import { PER_ALWAYS, PER_INSTANCE, PER_ONCE } from '../state/semaphores.js';

const RHEL_FAMILY = ['almalinux', 'centos', 'cloudlinux', 'eurolinux', 'fedora', 'mariner', 'openEuler', 'openmandriva', 'photon', 'rhel', 'rocky', 'virtuozzo'];

function gap(name: string, frequency: ModuleDef['frequency'], distros: ModuleDef['distros'], activateBy: string[]): ModuleDef {
  return {
    name,
    frequency,
    distros,
    activateBy,
    async run() {
      throw new Error(`module ${name} is not implemented in kindling-init: its configuration was not applied`);
    },
  };
}

export const UNIMPLEMENTED: readonly ModuleDef[] = [
  gap('ansible', PER_INSTANCE, 'all', ['ansible']),
  gap('apk_configure', PER_INSTANCE, ['alpine'], ['apk_repos']),
  gap('apt_pipelining', PER_INSTANCE, ['ubuntu', 'debian'], ['apt_pipelining']),
  gap('chef', PER_ALWAYS, 'all', ['chef']),
  gap('disk_setup', PER_INSTANCE, 'all', ['disk_setup', 'fs_setup']),
  gap('fan', PER_INSTANCE, ['ubuntu'], ['fan']),
  gap('keyboard', PER_INSTANCE, ['arch', 'debian', 'ubuntu', ...RHEL_FAMILY, 'amazon', 'opensuse', 'sles'], ['keyboard']),
  gap('landscape', PER_INSTANCE, ['ubuntu'], ['landscape']),
  gap('lxd', PER_INSTANCE, ['ubuntu'], ['lxd']),
  gap('mcollective', PER_INSTANCE, 'all', ['mcollective']),
  gap('puppet', PER_INSTANCE, 'all', ['puppet']),
  gap('resolv_conf', PER_INSTANCE, ['alpine', 'fedora', 'mariner', 'opensuse', 'photon', 'rhel', 'sles'], ['manage_resolv_conf']),
  gap('rh_subscription', PER_INSTANCE, ['fedora', 'rhel'], ['rh_subscription']),
  gap('salt_minion', PER_INSTANCE, 'all', ['salt_minion']),
  gap('snap', PER_INSTANCE, ['ubuntu'], ['snap']),
  gap('spacewalk', PER_INSTANCE, ['rhel', 'fedora'], ['spacewalk']),
  gap('ubuntu_advantage', PER_INSTANCE, ['ubuntu'], ['ubuntu_advantage', 'ubuntu-advantage']),
  gap('ubuntu_autoinstall', PER_ONCE, ['ubuntu'], ['autoinstall']),
  gap('ubuntu_drivers', PER_INSTANCE, ['ubuntu'], ['drivers']),
  gap('wireguard', PER_INSTANCE, ['ubuntu'], ['wireguard']),
  gap('yum_add_repo', PER_INSTANCE, ['almalinux', 'centos', 'cloudlinux', 'eurolinux', 'fedora', 'mariner', 'openEuler', 'openmandriva', 'photon', 'rhel', 'rocky', 'virtuozzo'], ['yum_repos']),
  gap('zypper_add_repo', PER_ALWAYS, ['opensuse', 'sles'], ['zypper']),
];
