// cloud-init's on-disk layout (helpers.Paths): /var/lib/cloud (cloud_dir, configurable through
// system_info.paths) and /run/cloud-init, with the same names, so that tools written for cloud-init
// find what they look for.

export const INSTANCE_FILES = {
  boothooks: 'boothooks',
  cloud_config: 'cloud-config.txt',
  data: 'data',
  handlers: 'handlers',
  instance_data: 'instance-data.json',
  instance_data_sensitive: 'instance-data-sensitive.json',
  instance_id: '.instance-id',
  manual_clean_marker: 'manual-clean',
  obj_cache: 'obj.json',
  scripts: 'scripts',
  sem: 'sem',
  userdata: 'user-data.txt.i',
  userdata_raw: 'user-data.txt',
  vendordata: 'vendor-data.txt.i',
  vendordata2: 'vendor-data2.txt.i',
  vendordata2_raw: 'vendor-data2.txt',
  vendordata_raw: 'vendor-data.txt',
  vendor2_cloud_config: 'vendor2-cloud-config.txt',
  vendor_cloud_config: 'vendor-cloud-config.txt',
  vendor_scripts: 'scripts/vendor',
  warnings: 'warnings',
} as const;
export type InstanceFile = keyof typeof INSTANCE_FILES;

const join = (...p: string[]) => p.join('/').replace(/\/{2,}/g, '/');

export class Paths {
  readonly cloudDir: string;
  readonly runDir: string;
  readonly instanceLink: string;
  readonly bootFinished: string;
  readonly seedDir: string;
  readonly templatesDir: string;

  constructor(pathCfg: Record<string, unknown> = {}, runDir = '/run/cloud-init') {
    const cd = typeof pathCfg.cloud_dir === 'string' && pathCfg.cloud_dir ? pathCfg.cloud_dir : '/var/lib/cloud';
    this.cloudDir = cd.length > 1 ? cd.replace(/\/+$/, '') : cd;
    this.runDir = typeof pathCfg.run_dir === 'string' && pathCfg.run_dir ? pathCfg.run_dir.replace(/\/+$/, '') : runDir;
    this.instanceLink = join(this.cloudDir, 'instance');
    this.bootFinished = join(this.instanceLink, 'boot-finished');
    this.seedDir = join(this.cloudDir, 'seed');
    this.templatesDir = typeof pathCfg.templates_dir === 'string' && pathCfg.templates_dir ? pathCfg.templates_dir : '/etc/cloud/templates/';
  }

  /** cloud_dir or a file under it: cpath('data') = /var/lib/cloud/data. */
  cpath(sub?: string): string {
    return sub ? join(this.cloudDir, sub) : this.cloudDir;
  }

  /** The current instance via the `instance` link. */
  ipathCur(name?: InstanceFile): string {
    return name ? join(this.instanceLink, INSTANCE_FILES[name]) : this.instanceLink;
  }

  /** An instance's own directory: instances/<iid with "/" made "_">. */
  ipath(iid: string, name?: InstanceFile): string {
    const dir = join(this.cloudDir, 'instances', iid.replace(/\//g, '_'));
    return name ? join(dir, INSTANCE_FILES[name]) : dir;
  }

  runpath(name?: InstanceFile | string): string {
    if (!name) return this.runDir;
    const mapped = (INSTANCE_FILES as Record<string, string>)[name] ?? name;
    return join(this.runDir, mapped);
  }

  dataFile(name: string): string {
    return join(this.cloudDir, 'data', name);
  }

  /** The directories cloud-init creates at every stage start. */
  initialDirs(): string[] {
    const c = this.cloudDir;
    return [
      c,
      join(c, 'scripts'),
      join(c, 'scripts', 'per-instance'),
      join(c, 'scripts', 'per-once'),
      join(c, 'scripts', 'per-boot'),
      join(c, 'scripts', 'vendor'),
      join(c, 'seed'),
      join(c, 'instances'),
      join(c, 'handlers'),
      join(c, 'sem'),
      join(c, 'data'),
      join(this.runDir, 'sem'),
    ];
  }
}
