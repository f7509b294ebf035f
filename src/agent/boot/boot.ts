// One stage's view of the machine and its state, as cloud-init's stages.Init: the merged config,
// the paths, the distro, and the datasource (found, or restored from the cache), plus the steps
// that write state: initialize, instancify, store user-data, consume it.
import type { Host } from '../host/host.js';
import { Paths } from '../state/paths.js';
import { readBaseConfig, readConf, readKernelCmdline } from '../config/load.js';
import { mergeManyDicts } from '../config/mergers.js';
import { chooseDistro, readOsRelease, type DistroChoice } from '../distros/detect.js';
import type { BootStage, Datasource, DatasourceContext, DatasourceData } from '../datasources/types.js';
import { DATASOURCES, datasourceByName } from '../datasources/list.js';
import { Dmi } from '../datasources/dmi.js';
import { withEphemeralDhcp } from '../datasources/ephemeral-dhcp.js';
import type { Reporter } from '../reporting.js';
import { loadDsCache, storeDsCache } from './ds-cache.js';
import { persistInstanceData } from './instance-data.js';

type Dict = Record<string, unknown>;
export const NO_PREVIOUS_INSTANCE_ID = 'NO_PREVIOUS_INSTANCE_ID';

export class DataSourceNotFound extends Error {}

export class Boot {
  ds: DatasourceData | undefined;
  dsRestored = false;
  private previous: string | undefined;
  private merged: Dict | undefined;
  readonly dmi: Dmi;

  private constructor(
    readonly host: Host,
    readonly reporter: Reporter,
    readonly cmdline: string,
    /** The system config (builtin + cloud.cfg + cloud.cfg.d + /run + kernel cmdline). */
    readonly sysCfg: Dict,
    readonly paths: Paths,
    readonly distro: DistroChoice,
    private readonly extraFiles: string[],
  ) {
    this.dmi = new Dmi(host);
  }

  static async create(host: Host, reporter: Reporter, extraFiles: string[] = []): Promise<Boot> {
    const cmdline = await readKernelCmdline(host);
    const [sysCfg, osRelease] = await Promise.all([readBaseConfig(host, cmdline), readOsRelease(host)]);
    const si = (sysCfg.system_info && typeof sysCfg.system_info === 'object' ? sysCfg.system_info : {}) as Dict;
    sysCfg.system_info = si;
    const paths = new Paths((si.paths ?? {}) as Dict);
    const distro = chooseDistro(configuredDistro(sysCfg), osRelease);
    if (typeof si.distro !== 'string') si.distro = distro.name;
    return new Boot(host, reporter, cmdline, sysCfg, paths, distro, extraFiles);
  }

  /** The full config: -f files, $CLOUD_CFG, instance cloud-configs, datasource config, system. */
  async cfg(): Promise<Dict> {
    if (this.merged) return this.merged;
    const cfgs: Dict[] = [];
    for (const f of this.extraFiles) cfgs.push(await readConf(this.host, f));
    if (process.env.CLOUD_CFG) cfgs.push(await readConf(this.host, process.env.CLOUD_CFG));
    if (this.ds) {
      for (const name of ['cloud_config', 'vendor2_cloud_config', 'vendor_cloud_config'] as const) {
        const p = this.paths.ipathCur(name);
        if ((await this.host.fs.stat(p))?.kind === 'file') cfgs.push(await readConf(this.host, p));
      }
      if (this.ds.configObj) cfgs.push(this.ds.configObj);
    }
    cfgs.push(this.sysCfg);
    this.merged = mergeManyDicts(cfgs);
    return this.merged;
  }

  /** Forget the merged config (after user-data has been consumed). */
  resetCfg(): void {
    this.merged = undefined;
  }

  async initialize(): Promise<void> {
    for (const d of this.paths.initialDirs()) await this.host.fs.mkdir(d);
  }

  async purgeCache(removeInstanceLink = false): Promise<void> {
    await this.host.fs.remove(this.paths.bootFinished);
    if (removeInstanceLink) await this.host.fs.remove(this.paths.instanceLink);
  }

  private dsContext(stage: BootStage, name: string): DatasourceContext {
    const dsAll = (this.sysCfg.datasource ?? {}) as Dict;
    const dsCfg = (dsAll[name] && typeof dsAll[name] === 'object' ? dsAll[name] : {}) as Dict;
    return {
      host: this.host,
      cfg: this.sysCfg,
      dsCfg,
      distro: this.distro,
      paths: this.paths,
      dmi: this.dmi,
      cmdline: this.cmdline,
      stage,
      withEphemeralNetwork: (fn) => withEphemeralDhcp(this.host, this.distro, fn),
    };
  }

  /** The cache, if it is valid for `existing` ('check' verifies the instance id locally). */
  private async restoreFromCheckedCache(existing: 'check' | 'trust'): Promise<[DatasourceData | undefined, string]> {
    const ds = await loadDsCache(this.host, this.paths);
    if (!ds) return [undefined, 'no cache found'];
    const runIid = (await this.host.fs.readTextIfExists(this.paths.runpath('instance_id')))?.trim();
    if (runIid && runIid === String(ds.metadata['instance-id'])) return [ds, `restored from cache with run check: ${ds.description}`];
    if (existing === 'trust') return [ds, `restored from cache: ${ds.description}`];
    const plugin = datasourceByName(ds.dsname);
    if (plugin?.checkInstanceId && (await plugin.checkInstanceId(this.dsContext('local', plugin.name), ds))) {
      return [ds, `restored from checked cache: ${ds.description}`];
    }
    return [undefined, `cache invalid in datasource: ${ds.description}`];
  }

  /** The datasource list for this boot: config order, known plugins only (unknown ones logged). */
  datasourceList(): string[] {
    const list = Array.isArray(this.sysCfg.datasource_list) ? (this.sysCfg.datasource_list as unknown[]).map(String) : [];
    return list;
  }

  /**
   * The datasource: from the cache, else searched for in stage. quiet: no check-cache event or log
   * line (cloud-init's modules and single stages read the cache before their logging is set up).
   */
  async fetch(existing: 'check' | 'trust', stage: BootStage | undefined, opts: { quiet?: boolean } = {}): Promise<DatasourceData> {
    if (this.ds) return this.ds;
    const [cached] = opts.quiet
      ? await this.restoreFromCheckedCache(existing)
      : await this.reporter.event('check-cache', `attempting to read from cache [${existing}]`, async (ev) => {
          const r = await this.restoreFromCheckedCache(existing);
          ev.message = r[1];
          this.host.log.log('DEBUG', 'stages', r[1]);
          return r;
        });
    if (cached) {
      this.ds = cached;
      this.dsRestored = true;
      this.merged = undefined;
      return cached;
    }
    if (!stage) throw new DataSourceNotFound('no cached datasource and no stage to search in');
    await this.host.fs.remove(this.paths.instanceLink);
    const found = await this.findSource(stage);
    this.host.log.log('INFO', 'stages', `Loaded datasource ${found.className} - ${found.description}`);
    this.ds = found;
    this.merged = undefined;
    return found;
  }

  private async findSource(stage: BootStage): Promise<DatasourceData> {
    const names = this.datasourceList();
    const mode = stage === 'network' ? 'network' : 'local';
    const candidates = [];
    for (const n of names) {
      const p = datasourceByName(n);
      if (!p) {
        this.host.log.log('ERROR', 'sources', `Could not import DataSource${n}. Does the DataSource exist and is it importable?`);
        continue;
      }
      if (p.stages.includes(stage)) candidates.push(p);
    }
    // An explicit single datasource (plus None) is the operator's choice: no detection, as
    // ds-identify and cloud-init's override_ds_detect treat it.
    const real = names.filter((n) => n !== 'None');
    const forced = real.length === 1 ? real[0] : undefined;
    const clsOf = (c: Datasource) => c.className?.(stage) ?? `DataSource${c.name}${stage === 'local' && c.name !== 'None' ? 'Local' : ''}`;
    this.host.log.log('DEBUG', 'sources', `Searching for ${mode} data source in: ${JSON.stringify(candidates.map(clsOf))}`);
    for (const p of candidates) {
      const cls = clsOf(p);
      const got = await this.reporter
        .event(`search-${cls.replace(/^DataSource/, '')}`, `searching for ${mode} data from ${cls}`, async (ev) => {
          ev.message = `no ${mode} data found from ${cls}`;
          const ctx = this.dsContext(stage, p.name);
          const detected = forced?.toLowerCase() === p.name.toLowerCase() ? true : await p.detect(ctx);
          if (!detected) {
            this.host.log.log('DEBUG', 'sources', `Did not detect ${p.name} (detection is fail-closed)`);
            return undefined;
          }
          const data = await p.fetch(ctx);
          if (data) {
            ev.message = `found ${mode} data from ${cls}`;
            await persistInstanceData(this.host, this.paths, data, this.sysCfg, this.distro).catch((e) =>
              this.host.log.log('WARNING', 'sources', `Error persisting instance-data.json: ${(e as Error).message}`),
            );
          }
          return data;
        })
        .catch((e) => {
          this.host.log.log('WARNING', 'sources', `Getting data from ${cls} failed: ${(e as Error).message}`);
          return undefined;
        });
      if (got) return got;
    }
    throw new DataSourceNotFound(`Did not find any data source, searched classes: (${candidates.map((c) => `DataSource${c.name}`).join(', ')})`);
  }

  get iid(): string {
    if (!this.ds) throw new Error('no datasource');
    return String(this.ds.metadata['instance-id'] ?? 'iid-datasource');
  }

  async previousIid(): Promise<string> {
    if (this.previous !== undefined) return this.previous;
    const t = await this.host.fs.readTextIfExists(this.paths.dataFile('instance-id')).catch(() => undefined);
    this.previous = t?.trim() || NO_PREVIOUS_INSTANCE_ID;
    this.host.log.log('DEBUG', 'stages', `previous iid found to be ${this.previous}`);
    return this.previous;
  }

  async isNewInstance(): Promise<boolean> {
    const prev = await this.previousIid();
    return prev === NO_PREVIOUS_INSTANCE_ID || prev !== this.iid;
  }

  /** Points instance/ at instances/<iid> and records ids and the datasource, as cloud-init does. */
  async instancify(): Promise<string> {
    const ds = this.ds as DatasourceData;
    const iid = this.iid;
    const idir = this.paths.ipath(iid);
    await this.host.fs.remove(this.paths.instanceLink);
    await this.host.fs.symlink(idir, this.paths.instanceLink);
    for (const d of ['handlers', 'scripts', 'sem']) await this.host.fs.mkdir(`${idir}/${d}`);
    const dsLine = `${ds.className}: ${ds.description}`;
    const dsFile = `${idir}/datasource`;
    const prevDs = (await this.host.fs.readTextIfExists(dsFile))?.trim() || dsLine;
    await this.host.fs.writeFile(dsFile, `${dsLine}\n`, { mode: 0o644 });
    await this.host.fs.writeFile(this.paths.dataFile('previous-datasource'), `${prevDs}\n`, { mode: 0o644 });
    const prev = await this.previousIid();
    await this.host.fs.writeFile(this.paths.dataFile('instance-id'), `${iid}\n`, { mode: 0o644 });
    await this.host.fs.writeFile(this.paths.runpath('instance_id'), `${iid}\n`, { mode: 0o644 });
    await this.host.fs.writeFile(this.paths.dataFile('previous-instance-id'), `${prev}\n`, { mode: 0o644 });
    await storeDsCache(this.host, this.paths, iid, ds);
    this.merged = undefined;
    return iid;
  }
}

function configuredDistro(cfg: Dict): string | undefined {
  const si = cfg.system_info;
  if (!si || typeof si !== 'object') return undefined;
  const d = (si as Dict).distro;
  return typeof d === 'string' ? d : undefined;
}

export { DATASOURCES };
