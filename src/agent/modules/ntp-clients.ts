// The NTP clients cloud-init 22.4 knows, with their executables, config files, packages, services
// and templates, and the per-distro differences: data for the ntp module.

export interface NtpClientConfig {
  check_exe?: string;
  confpath?: string;
  packages?: string[];
  service_name?: string;
  template_name?: string;
  template?: string | null;
  [key: string]: unknown;
}

export const PREFERRED_NTP_CLIENTS = ['chrony', 'systemd-timesyncd', 'ntp', 'ntpdate'];
/** Distros whose own preference differs (opensuse/sles choose by version in cloud-init). */
export const DISTRO_PREFERRED: Record<string, string[]> = { alpine: ['chrony', 'ntp'] };

const BASE: Record<string, NtpClientConfig> = {
  chrony: { check_exe: 'chronyd', confpath: '/etc/chrony.conf', packages: ['chrony'], service_name: 'chrony', template_name: 'chrony.conf.{distro}', template: null },
  ntp: { check_exe: 'ntpd', confpath: '/etc/ntp.conf', packages: ['ntp'], service_name: 'ntp', template_name: 'ntp.conf.{distro}', template: null },
  ntpdate: { check_exe: 'ntpdate', confpath: '/etc/ntp.conf', packages: ['ntpdate'], service_name: 'ntpdate', template_name: 'ntp.conf.{distro}', template: null },
  openntpd: { check_exe: 'ntpd', confpath: '/etc/ntpd.conf', packages: [], service_name: 'ntpd', template_name: 'ntpd.conf.{distro}', template: null },
  'systemd-timesyncd': {
    check_exe: '/lib/systemd/systemd-timesyncd',
    confpath: '/etc/systemd/timesyncd.conf.d/cloud-init.conf',
    packages: [],
    service_name: 'systemd-timesyncd',
    template_name: 'timesyncd.conf',
    template: null,
  },
};

const CHRONYD = { service_name: 'chronyd' };
const NTPD_ETC = { confpath: '/etc/ntp.conf', service_name: 'ntpd' };
const TIMESYNCD_USR = { check_exe: '/usr/lib/systemd/systemd-timesyncd' };

const DISTRO_OVERRIDES: Record<string, Record<string, NtpClientConfig>> = {
  alpine: { chrony: { confpath: '/etc/chrony/chrony.conf', service_name: 'chronyd' }, ntp: { confpath: '/etc/ntp.conf', packages: [], service_name: 'ntpd' } },
  centos: { ntp: { service_name: 'ntpd' }, chrony: CHRONYD },
  cos: { chrony: { service_name: 'chronyd', confpath: '/etc/chrony/chrony.conf' } },
  debian: { chrony: { confpath: '/etc/chrony/chrony.conf' } },
  mariner: { chrony: CHRONYD, 'systemd-timesyncd': { ...TIMESYNCD_USR, confpath: '/etc/systemd/timesyncd.conf' } },
  openmandriva: { chrony: CHRONYD, ntp: NTPD_ETC, 'systemd-timesyncd': { check_exe: '/lib/systemd/systemd-timesyncd' } },
  opensuse: { chrony: CHRONYD, ntp: NTPD_ETC, 'systemd-timesyncd': TIMESYNCD_USR },
  photon: { chrony: CHRONYD, ntp: NTPD_ETC, 'systemd-timesyncd': { ...TIMESYNCD_USR, confpath: '/etc/systemd/timesyncd.conf' } },
  rhel: { ntp: { service_name: 'ntpd' }, chrony: CHRONYD },
  sles: { chrony: CHRONYD, ntp: NTPD_ETC, 'systemd-timesyncd': TIMESYNCD_USR },
  ubuntu: { chrony: { confpath: '/etc/chrony/chrony.conf' } },
};

/** distro_ntp_client_configs: the base table with the distro's differences merged in. */
export function distroNtpClientConfigs(distro: string): Record<string, NtpClientConfig> {
  const out: Record<string, NtpClientConfig> = {};
  for (const [name, c] of Object.entries(BASE)) out[name] = { ...c, ...(DISTRO_OVERRIDES[distro]?.[name] ?? {}) };
  return out;
}

/** generate_server_names: {0..3}.<distro>.pool.ntp.org (no distro part where no such pool exists). */
export function generateServerNames(distro: string): string[] {
  const pool = distro === 'sles' ? 'opensuse' : distro === 'alpine' || distro === 'eurolinux' ? '' : distro;
  return [0, 1, 2, 3].map((i) => [String(i), pool, 'pool.ntp.org'].filter(Boolean).join('.'));
}
