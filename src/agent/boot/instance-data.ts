// /run/cloud-init/instance-data.json (0644, sensitive keys redacted) and
// instance-data-sensitive.json (0600), plus cloud-id, as cloud-init's persist_instance_data writes
// them. Bytes appear as base64 listed in base64_encoded_keys; the sensitive keys' values become
// "redacted for non-root user" in the world-readable copy.
import type { Host } from '../host/host.js';
import type { Paths } from '../state/paths.js';
import type { DatasourceData } from '../datasources/types.js';
import type { DistroChoice } from '../distros/detect.js';
import { jsonDumps } from '../state/status.js';
import { CLOUD_INIT_COMPAT_VERSION } from '../version.js';
import { os as lazyOs } from '../host/lazy-builtins.js';

export const REDACTED = 'redacted for non-root user';
const DEFAULT_SENSITIVE = ['merged_cfg', 'security-credentials', 'userdata', 'user-data', 'user_data', 'vendordata', 'vendor-data', 'ds/vendor_data'];

type Dict = Record<string, unknown>;

/** Strips "ci-b64:" prefixes and records where they were; records sensitive key paths. */
export function processInstanceMetadata(md: Dict, sensitive: string[], keyPath = ''): Dict {
  const out: Dict = {};
  const b64: string[] = [];
  const sens: string[] = [];
  for (const [k, v] of Object.entries(md)) {
    const sub = keyPath ? `${keyPath}/${k}` : k;
    if (sensitive.includes(k) || sensitive.includes(sub)) sens.push(sub);
    if (typeof v === 'string' && v.startsWith('ci-b64:')) {
      b64.push(sub);
      out[k] = v.slice(7);
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const r = processInstanceMetadata(v as Dict, sensitive, sub);
      b64.push(...(r.base64_encoded_keys as string[]));
      sens.push(...(r.sensitive_keys as string[]));
      delete r.base64_encoded_keys;
      delete r.sensitive_keys;
      out[k] = r;
    } else out[k] = v;
  }
  out.base64_encoded_keys = b64.sort();
  out.sensitive_keys = sens.sort();
  return out;
}

export function redactSensitive(md: Dict): Dict {
  const keys = (md.sensitive_keys as string[] | undefined) ?? [];
  if (!keys.length) return md;
  const copy = structuredClone(md);
  for (const kp of keys) {
    const parts = kp.split('/');
    let obj: Dict = copy;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = obj[parts[i] as string];
      if (!next || typeof next !== 'object') break;
      obj = next as Dict;
    }
    const last = parts[parts.length - 1] as string;
    if (last in obj) obj[last] = REDACTED;
  }
  return copy;
}

export function canonicalCloudId(cloudName: string | undefined, region: string | undefined, platform: string): string {
  const cn = cloudName || 'unknown';
  const rg = region || 'unknown';
  if (rg === 'unknown') return cn !== 'unknown' ? cn : platform;
  if (rg.startsWith('cn-') && cn === 'aws') return 'aws-china';
  if (rg.startsWith('us-gov-') && cn === 'aws') return 'aws-gov';
  if (rg.includes('china') && cn === 'azure') return 'azure-china';
  return cn !== 'unknown' ? cn : platform;
}

export interface SysInfo {
  dist: [string, string, string];
  platform: string;
  python: string;
  release: string;
  system: string;
  uname: string[];
  variant: string;
}

export async function systemInfo(host: Host, distro: DistroChoice): Promise<SysInfo> {
  const os = lazyOs();
  const rel = distro.osRelease;
  const release = os.release();
  const machine = os.machine ? os.machine() : process.arch;
  const hostname = ((await host.fs.readTextIfExists('/proc/sys/kernel/hostname').catch(() => undefined)) ?? os.hostname()).trim();
  const kversion = ((await host.fs.readTextIfExists('/proc/sys/kernel/version').catch(() => undefined)) ?? os.version()).trim();
  return {
    dist: [rel.ID ?? distro.name, rel.VERSION_ID ?? '', rel.VERSION_CODENAME ?? ''],
    platform: `Linux-${release}-${machine}`,
    python: `node-${process.versions.node}`,
    release,
    system: 'Linux',
    uname: ['Linux', hostname, release, kversion, machine, ''],
    variant: (rel.ID ?? distro.name).toLowerCase(),
  };
}

export async function persistInstanceData(host: Host, paths: Paths, ds: DatasourceData, sysCfg: Dict, distro: DistroChoice): Promise<void> {
  const sys = await systemInfo(host, distro);
  const md = ds.metadata;
  const iid = String(md['instance-id'] ?? 'iid-datasource');
  const lh = localHostnameOf(md);
  const az = ds.availabilityZone ?? (md['availability-zone'] ?? md.availability_zone ?? (md.placement as Dict | undefined)?.['availability-zone'] ?? null) as string | null;
  const region = ds.region ?? (md.region as string | undefined) ?? null;
  const cloudId = canonicalCloudId(ds.cloudName, region ?? undefined, ds.platform);
  const crawled = structuredClone(ds.crawled);
  delete crawled['user-data'];
  delete crawled['vendor-data'];
  crawled._doc = "EXPERIMENTAL: The structure and format of content scoped under the 'ds' key may change in subsequent releases of cloud-init.";
  const mergedCfg: Dict = { ...structuredClone(sysCfg), _doc: 'Merged cloud-init system config from /etc/cloud/cloud.cfg and /etc/cloud/cloud.cfg.d/' };
  const data: Dict = {
    ds: crawled,
    merged_cfg: mergedCfg,
    sys_info: sys,
    v1: {
      _beta_keys: ['subplatform'],
      'availability-zone': az,
      availability_zone: az,
      cloud_id: cloudId,
      'cloud-name': ds.cloudName,
      cloud_name: ds.cloudName,
      distro: sys.dist[0],
      distro_version: sys.dist[1],
      distro_release: sys.dist[2],
      platform: ds.platform,
      public_ssh_keys: ds.publicKeys,
      python_version: sys.python,
      'instance-id': iid,
      instance_id: iid,
      kernel_release: sys.uname[2],
      'local-hostname': lh,
      local_hostname: lh,
      machine: sys.uname[4],
      region,
      subplatform: ds.subplatform,
      system_platform: sys.platform,
      variant: sys.variant,
    },
  };
  const processed = processInstanceMetadata(JSON.parse(JSON.stringify(data)) as Dict, [...DEFAULT_SENSITIVE, ...(ds.sensitiveKeys ?? [])]);
  const cloudIdFile = `${paths.runDir}/cloud-id`;
  await host.fs.writeFile(`${cloudIdFile}-${cloudId}`, `${cloudId}\n`, { mode: 0o644 });
  const prev = await host.fs.readlink(cloudIdFile);
  await host.fs.symlink(`${cloudIdFile}-${cloudId}`, cloudIdFile);
  if (prev && prev !== `${cloudIdFile}-${cloudId}`) await host.fs.remove(prev);
  await host.fs.writeFile(paths.runpath('instance_data_sensitive'), jsonDumps(processed), { mode: 0o600 });
  await host.fs.writeFile(paths.runpath('instance_data'), jsonDumps(redactSensitive(processed)), { mode: 0o644 });
  host.log.log('DEBUG', 'instance-data', `Wrote ${paths.runpath('instance_data')} (0644, redacted) and ${paths.runpath('instance_data_sensitive')} (0600) for cloud-id ${cloudId}; compatible with cloud-init ${CLOUD_INIT_COMPAT_VERSION}`);
}

/** The local hostname as cloud-init's get_hostname() derives it from metadata (no fqdn). */
export function localHostnameOf(md: Dict): string | null {
  const lh = md['local-hostname'];
  if (typeof lh !== 'string' || !lh) return null;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(lh)) return `ip-${lh.replace(/\./g, '-')}`;
  return lh.split('.')[0] ?? lh;
}
