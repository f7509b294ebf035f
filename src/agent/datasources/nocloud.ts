// NoCloud (cloud-init 22.4's DataSourceNoCloud in the local stage, DataSourceNoCloudNet in the
// network stage). Sources, merged in cloud-init's order: a `ds=nocloud[;k=v...]` line in the DMI
// system serial, the same on the kernel command line (`ds=nocloud-net` for net mode; h=, i=, s=
// short keys), the seed directories /var/lib/cloud/seed/nocloud(-net), `seedfrom` and inline
// user-data/meta-data in datasource.NoCloud, then an ISO 9660 or vfat filesystem labelled `cidata`
// (fs_label; CIDATA too, or the FAT boot sector's label), read in user space. `seedfrom` names a
// directory (local stage: / or file://) or an HTTP(S) base (network stage), read with bounded
// retries. Detection is fail-closed: only one of those present says yes.
import type { Datasource, DatasourceContext, DatasourceData, Dsmode, BootStage, DatasourceNetworkConfig } from './types.js';
import type { Host } from '../host/host.js';
import { loadYaml, isDict } from '../config/yaml.js';
import { mergeManyDicts } from '../config/mergers.js';
import { readUrl } from '../http/url-reader.js';
import { normalizePubkeys } from './metadata-helpers.js';
import { urlParams } from './url-params.js';
import { dirReader, MountFailedError, scanBlockDevices, withDeviceFiles, type BlockDevice, type SeedReader } from './block-devices.js';

type Dict = Record<string, unknown>;
const LOG = 'DataSourceNoCloud';
const SEED_DIRS = ['/var/lib/cloud/seed/nocloud', '/var/lib/cloud/seed/nocloud-net'];
const REQUIRED = ['user-data', 'meta-data'];
const OPTIONAL = ['vendor-data', 'network-config'];

export function classNameFor(stage: BootStage): string {
  return stage === 'local' ? 'DataSourceNoCloud' : 'DataSourceNoCloudNet';
}

/** parse_cmdline_data: `ds_id[;key=val;...]` on a whitespace-separated line; fills `fill`. */
export function parseCmdlineData(dsId: string, fill: Dict, cmdline: string): boolean {
  const line = ` ${cmdline} `;
  if (!(line.includes(` ${dsId} `) || line.includes(` ${dsId};`))) return false;
  let arg = '';
  for (const tok of line.split(/\s+/)) {
    if (tok && tok.startsWith(dsId)) arg = tok.slice(tok.indexOf('=') + 1);
  }
  const parts = arg.split(';');
  const s2l: Record<string, string> = { h: 'local-hostname', i: 'instance-id', s: 'seedfrom' };
  for (const item of parts.slice(1)) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    let k = eq < 0 ? item : item.slice(0, eq);
    const v = eq < 0 ? null : item.slice(eq + 1);
    k = s2l[k] ?? k;
    fill[k] = v;
  }
  return true;
}

/** load_cmdline_data: ds=nocloud (local) or ds=nocloud-net (net); dsmode= on the line wins. */
export function loadCmdlineData(fill: Dict, cmdline: string): boolean {
  for (const [id, mode] of [['ds=nocloud', 'local'], ['ds=nocloud-net', 'net']] as const) {
    if (parseCmdlineData(id, fill, cmdline)) {
      if (!('dsmode' in fill)) fill.dsmode = mode;
      return true;
    }
  }
  return false;
}

interface Seed {
  'meta-data': Dict;
  'user-data': Uint8Array | string | null;
  'vendor-data': Uint8Array | string | null;
  'network-config': Dict | null;
}

type Seeded = Partial<Record<'meta-data' | 'user-data' | 'vendor-data' | 'network-config', unknown>>;

const text = (v: unknown): string => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v));

/** util.load_yaml(blob) with allowed=(dict,): a mapping, else `def` (a warning for bad YAML). */
function loadYamlDict(host: Host, blob: unknown, def: Dict | null): Dict | null {
  if (isDict(blob)) return blob;
  try {
    const v = loadYaml(text(blob));
    if (v === null || v === undefined) return def;
    if (!isDict(v)) throw new Error(`Yaml load allows (<class 'dict'>,) root types, but got ${Array.isArray(v) ? 'list' : typeof v === 'string' ? 'str' : typeof v} instead`);
    return v;
  } catch (e) {
    host.log.log('WARNING', 'util', `Failed loading yaml blob. ${(e as Error).message}`);
    return def;
  }
}

/** _merge_new_seed: meta-data merged (the current values win), the rest replaced when given. */
function mergeNewSeed(host: Host, cur: Seed, seeded: Seeded): Seed {
  const ret: Seed = { ...cur };
  const newmd = isDict(seeded['meta-data']) ? seeded['meta-data'] : loadYamlDict(host, seeded['meta-data'] ?? '', null);
  ret['meta-data'] = mergeManyDicts([cur['meta-data'], newmd]);
  const nc = seeded['network-config'];
  if (nc !== undefined && nc !== null && !(nc instanceof Uint8Array && nc.byteLength === 0) && nc !== '') ret['network-config'] = loadYamlDict(host, nc, null);
  if ('user-data' in seeded) ret['user-data'] = (seeded['user-data'] ?? null) as Seed['user-data'];
  if ('vendor-data' in seeded) ret['vendor-data'] = (seeded['vendor-data'] ?? null) as Seed['vendor-data'];
  return ret;
}

class MissingFiles extends Error {}

/** util.pathprefix2dict over a reader: required files missing → MissingFiles. */
async function prefixToDict(r: SeedReader, required: string[], optional: string[]): Promise<Seeded> {
  const out: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const f of [...required, ...optional]) {
    const b = await r.read(f);
    if (b === undefined) {
      if (required.includes(f)) missing.push(f);
    } else {
      out[f] = b;
    }
  }
  if (missing.length) throw new MissingFiles(`Missing required files: ${missing.join(',')}`);
  return out as Seeded;
}

/** The devices _get_devices lists for a label: vfat or iso9660, labelled LABEL upper or lower, or LABEL_FATBOOT. */
export function labelledDevices(devs: readonly BlockDevice[], label: string): string[] {
  const out = devs
    .filter((d) => d.type === 'vfat' || d.type === 'iso9660')
    .filter((d) => d.label === label.toUpperCase() || d.label === label.toLowerCase() || d.labelFatboot === label)
    .map((d) => d.device);
  return [...new Set(out)].sort().reverse();
}

function fsLabel(dsCfg: Dict): string | undefined {
  if (!('fs_label' in dsCfg)) return 'cidata';
  const v = dsCfg.fs_label;
  return v === null || v === undefined ? undefined : String(v);
}

function validDsmode(host: Host, v: unknown): Dsmode {
  if (v === undefined || v === null) return 'net';
  if (v === 'local' || v === 'net' || v === 'disabled') return v;
  host.log.log('WARNING', 'sources', `invalid dsmode '${String(v)}', using default=net`);
  return 'net';
}

/** read_seeded: meta-data, user-data and vendor-data under a base (a path, file:// or http(s)://; %s = the name). */
async function readSeeded(ctx: DatasourceContext, base: string): Promise<{ md: Dict; ud: Uint8Array | null; vd: Uint8Array | null }> {
  const url = (name: string) => (base.includes('%s') ? base.replace(/%s/g, name) : `${base}${name}`);
  const p = urlParams(ctx.host, 'NoCloud', ctx.dsCfg, { maxWait: -1, timeout: 10, retries: 10, secBetween: 1 });
  const get = async (u: string): Promise<Uint8Array> => {
    if (u.startsWith('/') || u.startsWith('file://')) {
      const path = u.startsWith('file://') ? u.slice('file://'.length) : u;
      const b = await dirReader(ctx.host, '/').read(path);
      if (b === undefined) throw new Error(`[Errno 2] No such file or directory: '${path}'`);
      return b;
    }
    return (await readUrl(ctx.host, u, { timeoutSec: p.timeout, retries: p.retries, secBetween: p.secBetween })).body;
  };
  const md = loadYamlDict(ctx.host, await get(url('meta-data')), {}) ?? {};
  const ud = await get(url('user-data'));
  let vd: Uint8Array | null = null;
  try {
    vd = await get(url('vendor-data'));
  } catch (e) {
    ctx.host.log.log('DEBUG', 'util', `Error in vendor-data response: ${(e as Error).message}`);
  }
  return { md, ud, vd };
}

function networkConfigOf(seed: Seed): DatasourceNetworkConfig | undefined {
  const nc = seed['network-config'];
  if (nc) {
    const inner = isDict(nc.network) ? nc.network : nc;
    return { format: String(inner.version) === '2' ? 'v2' : 'v1', config: nc };
  }
  const eni = seed['meta-data']['network-interfaces'];
  if (eni !== undefined && eni !== null) return { format: 'eni', config: String(eni) };
  return undefined;
}

async function fetchNoCloud(ctx: DatasourceContext): Promise<DatasourceData | undefined> {
  const { host } = ctx;
  const className = classNameFor(ctx.stage);
  const supported = ctx.stage === 'local' ? ['/', 'file://'] : ['http://', 'https://'];
  const found: string[] = [];
  let mydata: Seed = { 'meta-data': {}, 'user-data': '', 'vendor-data': '', 'network-config': null };

  const serial = await ctx.dmi.read('system-serial-number');
  const fromDmi: Dict = {};
  if (serial && loadCmdlineData(fromDmi, serial)) {
    found.push('dmi');
    mydata = mergeNewSeed(host, mydata, { 'meta-data': fromDmi });
  }
  const fromCmdline: Dict = {};
  if (loadCmdlineData(fromCmdline, ctx.cmdline)) {
    found.push('cmdline');
    mydata = mergeNewSeed(host, mydata, { 'meta-data': fromCmdline });
  }
  for (const dir of SEED_DIRS) {
    try {
      const seeded = await prefixToDict(dirReader(host, dir), REQUIRED, OPTIONAL);
      found.push(dir);
      host.log.log('DEBUG', LOG, `Using seeded data from ${dir}`);
      mydata = mergeNewSeed(host, mydata, seeded);
      break;
    } catch (e) {
      if (!(e instanceof MissingFiles)) throw e;
    }
  }
  // datasource config: seedfrom beats one found on a filesystem, not one on external media
  if (ctx.dsCfg.seedfrom) {
    found.push('ds_config_seedfrom');
    mydata['meta-data'].seedfrom = ctx.dsCfg.seedfrom;
  }
  if ('user-data' in ctx.dsCfg && 'meta-data' in ctx.dsCfg) {
    mydata = mergeNewSeed(host, mydata, ctx.dsCfg as Seeded);
    found.push('ds_config');
  }
  const label = fsLabel(ctx.dsCfg);
  if (label !== undefined) {
    for (const dev of labelledDevices(await scanBlockDevices(host), label)) {
      host.log.log('DEBUG', LOG, `Attempting to use data from ${dev}`);
      try {
        const seeded = await withDeviceFiles(host, dev, (r) => prefixToDict(r, REQUIRED, OPTIONAL));
        mydata = mergeNewSeed(host, mydata, seeded);
        host.log.log('DEBUG', LOG, `Using data from ${dev}`);
        found.push(dev);
        break;
      } catch (e) {
        if (e instanceof MissingFiles) host.log.log('WARNING', LOG, `device ${dev} with label=${label} not a valid seed.`);
        else if (e instanceof MountFailedError) host.log.log('WARNING', LOG, `Failed to mount ${dev} when looking for data: ${e.message}`);
        else host.log.log('WARNING', LOG, `Failed to read ${dev} when looking for data: ${(e as Error).message}`);
      }
    }
  }
  if (found.length === 0) return undefined;

  if ('seedfrom' in mydata['meta-data']) {
    const seedfrom = mydata['meta-data'].seedfrom;
    if (typeof seedfrom !== 'string' || !supported.some((s) => seedfrom.startsWith(s))) {
      host.log.log('DEBUG', LOG, `Seed from ${String(seedfrom)} not supported by ${className} [seed=None][dsmode=net]`);
      return undefined;
    }
    const { md, ud, vd } = await readSeeded(ctx, seedfrom);
    host.log.log('DEBUG', LOG, `Using seeded cache data from ${seedfrom}`);
    mydata['meta-data'] = mergeManyDicts([mydata['meta-data'], md]);
    mydata['user-data'] = ud;
    mydata['vendor-data'] = vd;
    found.push(seedfrom);
  }
  mydata['meta-data'] = mergeManyDicts([mydata['meta-data'], { 'instance-id': 'nocloud', dsmode: 'net' }]);
  const dsmode = validDsmode(host, mydata['meta-data'].dsmode);
  const seed = found.join(',');
  if (dsmode === 'disabled') {
    host.log.log('DEBUG', LOG, `${className} [seed=None][dsmode=${dsmode}]: not claiming datasource, dsmode=${dsmode}`);
    return undefined;
  }
  const md = mydata['meta-data'];
  const cloudName = typeof md['cloud-name'] === 'string' ? md['cloud-name'].toLowerCase() : 'unknown';
  const isLxd = await host.fs.exists('/dev/lxd/sock');
  const ud = mydata['user-data'];
  const vd = mydata['vendor-data'];
  const data: DatasourceData = {
    dsname: 'NoCloud',
    className,
    description: `${className} [seed=${seed}][dsmode=${dsmode}]`,
    dsmode,
    platform: isLxd ? 'lxd' : 'nocloud',
    subplatform: `${seed.startsWith('/dev') ? 'config-disk' : 'seed-dir'} (${seed})`,
    cloudName,
    metadata: md,
    publicKeys: normalizePubkeys(md['public-keys']),
    userdataRaw: Buffer.from(ud === null ? new Uint8Array() : typeof ud === 'string' ? Buffer.from(ud, 'utf8') : ud).toString('base64'),
    crawled: { meta_data: md },
  };
  if (vd !== null && !(typeof vd === 'string' && vd === '') && !(vd instanceof Uint8Array && vd.byteLength === 0)) data.vendordataRaw = text(vd);
  const net = networkConfigOf(mydata);
  if (net) data.networkConfig = net;
  return data;
}

/** _quick_read_instance_id: the kernel command line's i=, else a seed directory's meta-data. */
async function quickInstanceId(host: Host, cmdline: string): Promise<string | undefined> {
  const fill: Dict = {};
  if (loadCmdlineData(fill, cmdline) && 'instance-id' in fill) return String(fill['instance-id']);
  for (const dir of SEED_DIRS) {
    try {
      const d = await prefixToDict(dirReader(host, dir), ['meta-data'], []);
      const md = loadYamlDict(host, d['meta-data'], null);
      if (md && 'instance-id' in md) return String(md['instance-id']);
    } catch (e) {
      if (!(e instanceof MissingFiles)) throw e;
    }
  }
  return undefined;
}

/** Cheap, fail-closed: a ds=nocloud line, a seed directory, datasource config, or a labelled device. */
async function detectNoCloud(ctx: DatasourceContext): Promise<boolean> {
  const serial = await ctx.dmi.read('system-serial-number');
  if (serial && loadCmdlineData({}, serial)) return true;
  if (loadCmdlineData({}, ctx.cmdline)) return true;
  for (const dir of SEED_DIRS) {
    if ((await ctx.host.fs.stat(`${dir}/user-data`))?.kind === 'file' && (await ctx.host.fs.stat(`${dir}/meta-data`))?.kind === 'file') return true;
  }
  if (ctx.dsCfg.seedfrom || ('user-data' in ctx.dsCfg && 'meta-data' in ctx.dsCfg)) return true;
  const label = fsLabel(ctx.dsCfg);
  return label !== undefined && labelledDevices(await scanBlockDevices(ctx.host), label).length > 0;
}

export const noCloud: Datasource = {
  name: 'NoCloud',
  stages: ['local', 'network'],
  className: classNameFor,
  detect: detectNoCloud,
  fetch: fetchNoCloud,
  async checkInstanceId(ctx, data) {
    const current = String(data.metadata['instance-id'] ?? '');
    if (!current) return false;
    const quick = await quickInstanceId(ctx.host, ctx.cmdline);
    return quick !== undefined && quick === current;
  },
};
