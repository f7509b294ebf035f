// ConfigDrive (cloud-init 22.4's DataSourceConfigDrive; local stage only). Where: the seed directory
// /var/lib/cloud/seed/config_drive, /config-drive, then block devices as find_candidate_devs orders
// them: labelled config-2 or CONFIG-2 first (newest-named first), then any other unpartitioned
// vfat or ISO 9660 device. ISO 9660 and vfat are read in user space (no mount, no kernel driver);
// another filesystem carrying the label is mounted read-only in a private directory. The tree is
// read as read_v2 does (the newest known version directory, else latest; meta_data.json required),
// falling back to the legacy v1 layout (meta.js). Files in meta_data.json are written on a new
// instance id, mode 0660, as on_first_boot does. Detection is fail-closed.
import type { Datasource, DatasourceContext, DatasourceData, Dsmode } from './types.js';
import type { Host } from '../host/host.js';
import { BrokenMetadata, NonReadable, chooseVersion, convertVendorData, readOpenStackTree } from '../../wire/openstack/read-tree.js';
import { normalizePubkeys, toCiJson } from './metadata-helpers.js';
import { dirReader, isPartition, MountFailedError, scanBlockDevices, withDeviceFiles, type BlockDevice, type SeedReader } from './block-devices.js';

type Dict = Record<string, unknown>;
const LOG = 'DataSourceConfigDrive';
const SEED_DIRS = ['/var/lib/cloud/seed/config_drive', '/config-drive'];
const LABELS = ['config-2', 'CONFIG-2'];
const OPTICAL = ['/dev/sr0', '/dev/sr1', '/dev/cd0', '/dev/cd1'];
const CLASS = 'DataSourceConfigDrive';

interface DriveResults {
  version: 1 | 2;
  metadata: Dict;
  userdata?: Uint8Array | string;
  vendordata?: unknown;
  vendordata2?: unknown;
  networkdata?: unknown;
  networkConfig?: string;
  ec2?: Dict;
  dsmode?: string;
  files: Record<string, Uint8Array>;
}

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');

async function readV2(r: SeedReader): Promise<DriveResults> {
  const versions = (await r.readdir('openstack')) ?? [];
  const version = chooseVersion(versions);
  const tree = await readOpenStackTree((p) => r.read(p), version);
  let ec2: Dict = {};
  const ec2Raw = await r.read('ec2/latest/meta-data.json');
  if (ec2Raw !== undefined) {
    try {
      ec2 = JSON.parse(utf8(ec2Raw)) as Dict;
    } catch (e) {
      throw new BrokenMetadata(`Failed to process path ${r.where}/ec2/latest/meta-data.json: ${(e as Error).message}`);
    }
  }
  const out: DriveResults = { version: 2, metadata: tree.metadata, ec2, files: tree.files, userdata: tree.userdata ?? '' };
  if (tree.vendordata !== undefined) out.vendordata = tree.vendordata;
  if (tree.vendordata2 !== undefined) out.vendordata2 = tree.vendordata2;
  if (tree.networkdata !== undefined) out.networkdata = tree.networkdata;
  if (tree.networkConfig !== undefined) out.networkConfig = tree.networkConfig;
  if (tree.dsmode !== undefined) out.dsmode = tree.dsmode;
  return out;
}

/** The legacy layout: meta.js, etc/network/interfaces, root/.ssh/authorized_keys. */
async function readV1(r: SeedReader): Promise<DriveResults> {
  const [iface, metaJs, keys] = await Promise.all([r.read('etc/network/interfaces'), r.read('meta.js'), r.read('root/.ssh/authorized_keys')]);
  if (!iface && !metaJs && !keys) throw new NonReadable(`${r.where}: no files found`);
  let meta: Dict = {};
  if (metaJs) {
    try {
      const v = JSON.parse(utf8(metaJs)) as unknown;
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
      meta = v as Dict;
    } catch (e) {
      throw new BrokenMetadata(`Failed to process path ${r.where}/meta.js: ${(e as Error).message}`);
    }
  }
  const md: Dict = { network_config: iface ? utf8(iface) : '', meta_js: meta, authorized_keys: keys ? utf8(keys) : '' };
  const keydata = 'public-keys' in meta ? meta['public-keys'] : md.authorized_keys;
  if (keydata) md['public-keys'] = String(keydata).split(/\r?\n/).filter((l) => l.length && !l.startsWith('#'));
  if ('instance-id' in meta) md['instance-id'] = meta['instance-id'];
  const out: DriveResults = { version: 1, metadata: md, files: {}, userdata: typeof meta['user-data'] === 'string' ? meta['user-data'] : '' };
  if ('dsmode' in meta) out.dsmode = String(meta.dsmode);
  return out;
}

/** read_config_drive: v2, else v1; the last NonReadable when neither is there. */
async function readConfigDrive(r: SeedReader): Promise<DriveResults> {
  try {
    return await readV2(r);
  } catch (e) {
    if (!(e instanceof NonReadable)) throw e;
  }
  return readV1(r);
}

/** find_candidate_devs: labelled ones first, then unpartitioned vfat/iso9660 ones, each newest-named first. */
export async function candidateDevs(host: Host, devs: readonly BlockDevice[]): Promise<string[]> {
  const byType = [...new Set(devs.filter((d) => d.type === 'vfat' || d.type === 'iso9660').map((d) => d.device))].sort().reverse();
  const byLabel = [...new Set(devs.filter((d) => d.label !== undefined && LABELS.includes(d.label)).map((d) => d.device))].sort().reverse();
  const candidates = [...byLabel, ...byType.filter((d) => !byLabel.includes(d))];
  const out: string[] = [];
  for (const d of candidates) if (byLabel.includes(d) || !(await isPartition(host, d))) out.push(d);
  host.log.log('DEBUG', LOG, `devices=${JSON.stringify(out)}`);
  return out;
}

function validDsmode(host: Host, candidates: unknown[]): Dsmode {
  for (const c of candidates) {
    if (c === undefined || c === null) continue;
    if (c === 'local' || c === 'net' || c === 'disabled') return c;
    host.log.log('WARNING', 'sources', `invalid dsmode '${String(c)}', using default=net`);
    return 'net';
  }
  return 'net';
}

async function writeInjectedFiles(host: Host, files: Record<string, Uint8Array>): Promise<void> {
  const names = Object.keys(files);
  if (!names.length) return;
  host.log.log('DEBUG', LOG, `Writing ${names.length} injected files`);
  for (const name of names) {
    const path = name.startsWith('/') ? name : `/${name}`;
    try {
      await host.fs.writeFile(path, files[name] as Uint8Array, { mode: 0o660 });
    } catch (e) {
      host.log.log('WARNING', LOG, `Failed writing file: ${path}: ${(e as Error).message}`);
    }
  }
}

async function fetchConfigDrive(ctx: DatasourceContext): Promise<DatasourceData | undefined> {
  const { host } = ctx;
  let found: string | undefined;
  let results: DriveResults | undefined;
  for (const dir of SEED_DIRS) {
    if ((await host.fs.stat(dir))?.kind !== 'dir') continue;
    try {
      results = await readConfigDrive(dirReader(host, dir));
      found = dir;
      break;
    } catch (e) {
      if (e instanceof NonReadable) host.log.log('WARNING', LOG, `Failed reading config drive from ${dir}: ${e.message}`);
      else throw e;
    }
  }
  if (!found) {
    for (const dev of await candidateDevs(host, await scanBlockDevices(host, OPTICAL))) {
      try {
        results = await withDeviceFiles(host, dev, readConfigDrive);
        found = dev;
        break;
      } catch (e) {
        if (e instanceof NonReadable || e instanceof MountFailedError) continue;
        host.log.log('WARNING', LOG, `Broken config drive: ${dev}: ${(e as Error).message}`);
      }
    }
  }
  if (!found || !results) return undefined;

  const md = { ...results.metadata };
  if (!('instance-id' in md)) md['instance-id'] = 'iid-dsconfigdrive';
  const dsmode = validDsmode(host, [results.dsmode, ctx.dsCfg.dsmode, results.version === 1 ? 'pass' : undefined]);
  if (dsmode === 'disabled') return undefined;

  const prevIid = (await host.fs.readTextIfExists('/var/lib/cloud/data/instance-id').catch(() => undefined))?.replace(/\n$/, '');
  if (prevIid !== String(md['instance-id'])) await writeInjectedFiles(host, results.files);

  const description = `${CLASS} [${dsmode},ver=${results.version}][source=${found}]`;
  const metadata = toCiJson(md) as Dict;
  const data: DatasourceData = {
    dsname: 'ConfigDrive',
    className: CLASS,
    description,
    dsmode,
    platform: 'openstack',
    subplatform: `${found.startsWith('/dev') ? 'config-disk' : 'seed-dir'} (${found})`,
    cloudName: typeof md['cloud-name'] === 'string' ? md['cloud-name'].toLowerCase() : 'configdrive',
    metadata,
    publicKeys: normalizePubkeys(results.version === 1 ? md['public-keys'] : md.public_keys),
    userdataRaw: Buffer.from(typeof results.userdata === 'string' ? Buffer.from(results.userdata, 'utf8') : (results.userdata ?? new Uint8Array())).toString('base64'),
    crawled: { meta_data: metadata, network_json: results.networkdata ?? null, ec2_metadata: results.version === 2 ? (results.ec2 ?? {}) : null },
    checkInstanceId: 'system-uuid',
  };
  try {
    const vd = convertVendorData(results.vendordata);
    if (vd !== undefined) data.vendordataRaw = vd;
  } catch (e) {
    host.log.log('WARNING', LOG, `Invalid content in vendor-data: ${(e as Error).message}`);
  }
  try {
    const vd2 = convertVendorData(results.vendordata2);
    if (vd2 !== undefined) data.vendordata2Raw = vd2;
  } catch (e) {
    host.log.log('WARNING', LOG, `Invalid content in vendor-data2: ${(e as Error).message}`);
  }
  if (results.networkdata !== undefined && results.networkdata !== null) data.networkConfig = { format: 'openstack', config: results.networkdata };
  else if (results.networkConfig) data.networkConfig = { format: 'eni', config: results.networkConfig };
  if (Object.keys(results.files).length) data.files = Object.fromEntries(Object.entries(results.files).map(([p, b]) => [p, Buffer.from(b).toString('base64')]));
  return data;
}

/** Cheap, fail-closed: a seed directory with a v2 tree (or meta.js), or a device labelled config-2. */
async function detectConfigDrive(ctx: DatasourceContext): Promise<boolean> {
  for (const dir of SEED_DIRS) {
    const versions = await ctx.host.fs.readdir(`${dir}/openstack`).catch(() => [] as string[]);
    for (const v of versions) {
      if ((/^20\d\d-\d\d-\d\d$/.test(v) || v === 'latest') && (await ctx.host.fs.stat(`${dir}/openstack/${v}/meta_data.json`))?.kind === 'file') return true;
    }
    if ((await ctx.host.fs.stat(`${dir}/meta.js`))?.kind === 'file') return true;
  }
  return (await scanBlockDevices(ctx.host, OPTICAL)).some((d) => d.label !== undefined && LABELS.includes(d.label));
}

export const configDrive: Datasource = {
  name: 'ConfigDrive',
  stages: ['local'],
  className: () => CLASS,
  detect: detectConfigDrive,
  fetch: fetchConfigDrive,
  async checkInstanceId(ctx, data) {
    const uuid = await ctx.dmi.read('system-uuid');
    const iid = String(data.metadata['instance-id'] ?? '');
    return !!uuid && !!iid && uuid.toLowerCase() === iid.toLowerCase();
  },
};
