// Storing and consuming user-data and vendor-data (cloud-init's Init.update and consume_data):
// raw and processed copies go to instances/<iid>/ with mode 0600, then the part handlers run,
// once per instance under the consume_data marker (and again every boot for per-boot handlers,
// which in cloud-init are all of the default ones).
import type { Boot } from './boot.js';
import type { DatasourceData } from '../datasources/types.js';
import { UserDataProcessor, type UserDataPart } from '../userdata/process.js';
import { consumeParts, type DataKind } from '../userdata/consume.js';
import { getHeader, serializeMultipart } from '../userdata/mime.js';
import { FileSemaphores, PER_INSTANCE } from '../state/semaphores.js';
import { jsonDumps } from '../state/status.js';
import { readConf } from '../config/load.js';
import { mergeManyDicts } from '../config/mergers.js';

type Dict = Record<string, unknown>;

export interface ProcessedData {
  userdata: UserDataPart[];
  vendordata: UserDataPart[];
  vendordata2: UserDataPart[];
}

function rawOf(ds: DatasourceData, kind: DataKind): Buffer | unknown[] | string | undefined {
  if (kind === 'userdata') return ds.userdataRaw === undefined ? undefined : Buffer.from(ds.userdataRaw, 'base64');
  return kind === 'vendordata' ? ds.vendordataRaw : ds.vendordata2Raw;
}

/** Python's int() of a metadata or header value, or undefined (util.safe_int). */
function safeInt(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^\s*[+-]?\d+(_\d+)*\s*$/.test(v)) return Number.parseInt(v.replace(/_/g, ''), 10);
  return undefined;
}

/**
 * cloud-init's launch_index filter (get_userdata(apply_filter=True)): when the datasource knows
 * this machine's launch index, parts whose Launch-Index header names another one are not consumed.
 */
export function filterLaunchIndex(boot: Pick<Boot, 'host'>, ds: DatasourceData, parts: UserDataPart[]): UserDataPart[] {
  const wanted = safeInt(ds.launchIndex ?? ds.metadata['launch-index']);
  if (wanted === undefined) return parts;
  const kept = parts.filter((p) => {
    const li = getHeader(p.headers, 'Launch-Index');
    return li === undefined || safeInt(li) === wanted;
  });
  boot.host.log.log('DEBUG', 'launch_index', `Discarding ${parts.length - kept.length} multipart messages which do not match launch index ${wanted}`);
  return kept;
}

function isEmpty(raw: Buffer | unknown[] | string | undefined): boolean {
  if (raw === undefined || raw === null) return true;
  return raw.length === 0;
}

export async function processAll(boot: Boot): Promise<ProcessedData> {
  const ds = boot.ds as DatasourceData;
  const urlCacheDir = `${boot.paths.ipath(boot.iid)}/data/urlcache`;
  const one = (kind: DataKind) => new UserDataProcessor({ host: boot.host, urlCacheDir }).process(rawOf(ds, kind) as never);
  return { userdata: await one('userdata'), vendordata: await one('vendordata'), vendordata2: await one('vendordata2') };
}

/** Writes user-data.txt(.i), vendor-data.txt(.i), vendor-data2.txt(.i), all 0600. */
export async function storeUserData(boot: Boot, processed: ProcessedData): Promise<void> {
  const ds = boot.ds as DatasourceData;
  const iid = boot.iid;
  const w = (name: Parameters<typeof boot.paths.ipath>[1], data: string | Buffer) => boot.host.fs.writeFile(boot.paths.ipath(iid, name), data, { mode: 0o600 });
  await w('userdata_raw', ds.userdataRaw ? Buffer.from(ds.userdataRaw, 'base64') : '');
  await w('userdata', mime(processed.userdata));
  const vraw = (v: string | unknown[] | undefined) => (v === undefined ? '' : typeof v === 'string' ? v : jsonDumps(v).replace(/\n$/, ''));
  await w('vendordata_raw', vraw(ds.vendordataRaw));
  await w('vendordata', mime(processed.vendordata));
  await w('vendordata2_raw', vraw(ds.vendordata2Raw));
  await w('vendordata2', mime(processed.vendordata2));
}

function mime(parts: UserDataPart[]): string {
  // cloud-init sets Number-Attachments as it attaches a part: with none attached (e.g. a MIME body
  // that never uses its boundary) there is no such header
  return serializeMultipart(parts.length ? [['Number-Attachments', String(parts.length)]] : [], parts.map((p) => ({ headers: p.headers, payload: p.payload, ...(p.raw ? { raw: p.raw } : {}) })));
}

function isTrue(v: unknown): boolean {
  if (v === true) return true;
  if (typeof v === 'string') return ['true', '1', 'on', 'yes'].includes(v.toLowerCase().trim());
  return false;
}

export async function consumeData(boot: Boot, processed: ProcessedData): Promise<void> {
  const sems = new FileSemaphores(boot.host, boot.paths.ipath(boot.iid, 'sem'), boot.paths.cpath('sem'));
  if (!(await sems.hasRun('consume_data', PER_INSTANCE))) {
    await sems.mark('consume_data', PER_INSTANCE);
    boot.host.log.log('DEBUG', 'helpers', 'Running consume_data (once per instance)');
  } else {
    boot.host.log.log('DEBUG', 'helpers', 'consume_data already ran (freq=once-per-instance): running the per-boot handlers');
  }
  const cfg = await boot.cfg();
  const ds = boot.ds as DatasourceData;
  await boot.reporter.event('consume-user-data', 'reading and applying user-data', async () => {
    if (cfg.allow_userdata === false || (typeof cfg.allow_userdata === 'string' && !isTrue(cfg.allow_userdata))) {
      boot.host.log.log('DEBUG', 'stages', 'allow_userdata = False: discarding user-data');
      return;
    }
    await consumeParts({ host: boot.host, paths: boot.paths, iid: boot.iid, kind: 'userdata' }, filterLaunchIndex(boot, ds, processed.userdata));
  });
  for (const [kind, cfgName, ev] of [
    ['vendordata', 'vendor_data', 'consume-vendor-data'],
    ['vendordata2', 'vendor_data2', 'consume-vendor-data2'],
  ] as const) {
    await boot.reporter.event(ev, `reading and applying ${kind === 'vendordata' ? 'vendor-data' : 'vendor-data2'}`, async () => {
      if (isEmpty(rawOf(ds, kind))) {
        boot.host.log.log('DEBUG', 'stages', `no ${kind} from datasource`);
        return;
      }
      // vendor_data settings come from everything but the vendor data itself
      let vdcfg = (await userAndSystemCfg(boot))[cfgName] ?? {};
      if (!vdcfg || typeof vdcfg !== 'object' || Array.isArray(vdcfg)) {
        vdcfg = { enabled: false };
        boot.host.log.log('WARNING', 'stages', `invalid ${cfgName} setting. resetting to: {'enabled': False}`);
      }
      const v = vdcfg as Dict;
      if (!isTrue(v.enabled)) {
        boot.host.log.log('DEBUG', 'stages', `${kind} consumption is disabled.`);
        return;
      }
      const excluded = Array.isArray(v.disabled_handlers) ? v.disabled_handlers.map(String) : undefined;
      boot.host.log.log('DEBUG', 'stages', `${kind} will be consumed. disabled_handlers=${JSON.stringify(excluded ?? null)}`);
      await consumeParts({ host: boot.host, paths: boot.paths, iid: boot.iid, kind, ...(excluded ? { excluded } : {}) }, processed[kind]);
    });
  }
  boot.resetCfg();
}

/** The config without vendor cloud-configs (cloud-init's ConfigMerger with include_vendor=False). */
async function userAndSystemCfg(boot: Boot): Promise<Dict> {
  const cfgs: Dict[] = [];
  const p = boot.paths.ipathCur('cloud_config');
  if ((await boot.host.fs.stat(p))?.kind === 'file') cfgs.push(await readConf(boot.host, p));
  cfgs.push(boot.sysCfg);
  return mergeManyDicts(cfgs);
}
