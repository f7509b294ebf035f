// The distros kindling-init knows, as data: paths, tools, default groups, service manager and
// network renderers. Behaviour that differs by distro reads these fields; there is no subclass
// per distro. Names and values follow cloud-init 22.4's distro classes.

export type OsFamily = 'debian' | 'redhat' | 'suse' | 'alpine' | 'arch' | 'gentoo' | 'freebsd';

export interface DistroInfo {
  /** cloud-init's distro name (system_info.distro), e.g. 'debian', 'rhel'. */
  name: string;
  osFamily: OsFamily;
  /** /etc/os-release IDs that select this entry. */
  osReleaseIds: string[];
  /** How the persistent hostname is stored. */
  hostname: { method: 'file'; path: string } | { method: 'hostnamectl' | 'sysconfig'; path: string };
  /** The /etc/hosts template name under templates_dir (hosts.<x>.tmpl). */
  hostsTemplate: string;
  /** cloud-init's init_cmd: systemctl is used anyway when /run/systemd/system exists. */
  initCmd: string[];
  /** ssh_svcname default. */
  sshService: string;
  /** Where the system locale is written, and its default. */
  locale: { file: string; default: string; regenerate: boolean };
  /** Preferred network renderers in order (system_info.network.renderers overrides). */
  networkRenderers: string[];
  /** Default user when system_info.default_user is missing. */
  defaultUser: { name: string; groups: string[]; sudo: string[]; shell: string; gecos: string; lock_passwd: boolean };
  packageManager: 'apt' | 'dnf' | 'zypper' | 'apk' | 'pacman';
  /** DHCP clients to try for an ephemeral lease, in order. */
  dhcpClients: 'dhclient'[];
  /** Whether FQDN is preferred as the hostname (RHEL family). */
  preferFqdn: boolean;
  /** Directory for libexec helpers (cloud-init's usr_lib_exec). */
  usrLibExec: string;
  /** Locked accounts get this command (distro lock_passwd). */
  lockPasswd: string[];
  /** The address manage_etc_hosts: localhost maps the hostname to (Debian uses 127.0.1.1). */
  localhostIp: string;
}

const DEBIAN_USER = {
  groups: ['adm', 'audio', 'cdrom', 'dialout', 'dip', 'floppy', 'netdev', 'plugdev', 'sudo', 'video'],
  sudo: ['ALL=(ALL) NOPASSWD:ALL'],
  shell: '/bin/bash',
  lock_passwd: true,
};
const RHEL_USER = { groups: ['adm', 'systemd-journal'], sudo: ['ALL=(ALL) NOPASSWD:ALL'], shell: '/bin/bash', lock_passwd: true };

const debianBase = {
  osFamily: 'debian' as const,
  hostname: { method: 'file' as const, path: '/etc/hostname' },
  hostsTemplate: 'hosts.debian.tmpl',
  initCmd: ['service'],
  sshService: 'ssh',
  locale: { file: '/etc/default/locale', default: 'en_US.UTF-8', regenerate: true },
  packageManager: 'apt' as const,
  dhcpClients: ['dhclient'] as DistroInfo['dhcpClients'],
  preferFqdn: false,
  usrLibExec: '/usr/lib',
  lockPasswd: ['passwd', '-l'],
  localhostIp: '127.0.1.1',
};

const rhelBase = {
  osFamily: 'redhat' as const,
  hostname: { method: 'hostnamectl' as const, path: '/etc/hostname' },
  hostsTemplate: 'hosts.redhat.tmpl',
  initCmd: ['service'],
  sshService: 'sshd',
  locale: { file: '/etc/locale.conf', default: 'en_US.UTF-8', regenerate: false },
  networkRenderers: ['eni', 'netplan', 'network-manager', 'sysconfig', 'networkd'],
  packageManager: 'dnf' as const,
  dhcpClients: ['dhclient'] as DistroInfo['dhcpClients'],
  preferFqdn: true,
  usrLibExec: '/usr/libexec',
  lockPasswd: ['passwd', '-l'],
  localhostIp: '127.0.0.1',
};

export const DISTROS: readonly DistroInfo[] = [
  { ...debianBase, name: 'debian', osReleaseIds: ['debian', 'raspbian'], networkRenderers: ['eni', 'netplan', 'network-manager', 'networkd'], defaultUser: { name: 'debian', gecos: 'Debian', ...DEBIAN_USER } },
  { ...debianBase, name: 'ubuntu', osReleaseIds: ['ubuntu'], networkRenderers: ['netplan', 'eni', 'sysconfig'], defaultUser: { name: 'ubuntu', gecos: 'Ubuntu', ...DEBIAN_USER, groups: ['adm', 'audio', 'cdrom', 'dialout', 'dip', 'floppy', 'lxd', 'netdev', 'plugdev', 'sudo', 'video'] } },
  { ...rhelBase, name: 'rhel', osReleaseIds: ['rhel'], defaultUser: { name: 'cloud-user', gecos: 'Cloud User', ...RHEL_USER } },
  { ...rhelBase, name: 'centos', osReleaseIds: ['centos'], defaultUser: { name: 'centos', gecos: 'Cloud User', ...RHEL_USER } },
  { ...rhelBase, name: 'rocky', osReleaseIds: ['rocky'], defaultUser: { name: 'rocky', gecos: 'Rocky Cloud User', ...RHEL_USER } },
  { ...rhelBase, name: 'almalinux', osReleaseIds: ['almalinux'], defaultUser: { name: 'almalinux', gecos: 'Cloud User', ...RHEL_USER } },
  { ...rhelBase, name: 'fedora', osReleaseIds: ['fedora'], networkRenderers: ['netplan', 'network-manager', 'networkd', 'sysconfig', 'eni'], defaultUser: { name: 'fedora', gecos: 'Fedora Cloud User', ...RHEL_USER } },
];

export function distroByName(name: string): DistroInfo | undefined {
  return DISTROS.find((d) => d.name === name);
}

/** cloud-init's OSFAMILIES, for modules that declare the families they support. */
export const OS_FAMILIES: Record<string, string[]> = {
  debian: ['debian', 'ubuntu'],
  redhat: ['almalinux', 'amazon', 'centos', 'cloudlinux', 'eurolinux', 'fedora', 'mariner', 'miraclelinux', 'openEuler', 'openmandriva', 'photon', 'rhel', 'rocky', 'virtuozzo'],
  suse: ['opensuse', 'sles'],
  alpine: ['alpine'],
  arch: ['arch'],
  gentoo: ['gentoo', 'cos'],
  freebsd: ['freebsd', 'dragonfly'],
};
