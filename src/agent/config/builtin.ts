// cloud-init's built-in configuration (settings.py CFG_BUILTIN), the lowest-priority source.
// One difference: system_info.distro is not defaulted to 'ubuntu' here; when no config names a
// distro, it is detected from /etc/os-release (distros/detect.ts) and filled in.
export function builtinConfig(): Record<string, unknown> {
  return {
    datasource_list: [
      'NoCloud', 'ConfigDrive', 'LXD', 'OpenNebula', 'DigitalOcean', 'Azure', 'AltCloud', 'OVF', 'MAAS', 'GCE',
      'OpenStack', 'AliYun', 'Vultr', 'Ec2', 'CloudSigma', 'CloudStack', 'SmartOS', 'Bigstep', 'Scaleway', 'Hetzner',
      'IBMCloud', 'Oracle', 'Exoscale', 'RbxCloud', 'UpCloud', 'VMware', 'NWCS', 'None',
    ],
    def_log_file: '/var/log/cloud-init.log',
    log_cfgs: [],
    syslog_fix_perms: ['syslog:adm', 'root:adm', 'root:wheel', 'root:root'],
    system_info: {
      paths: { cloud_dir: '/var/lib/cloud', templates_dir: '/etc/cloud/templates/' },
      network: { renderers: null },
    },
    vendor_data: { enabled: true, prefix: [] },
    vendor_data2: { enabled: true, prefix: [] },
  };
}
