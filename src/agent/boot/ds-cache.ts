// The datasource cache: instances/<iid>/obj.json, versioned JSON (cloud-init pickles a live object
// into obj.pkl, which breaks across upgrades). Mode 0400: it holds user-data. An unreadable, foreign
// or older-format cache is ignored, which makes the stage look for the datasource again.
import type { Host } from '../host/host.js';
import type { Paths } from '../state/paths.js';
import type { DatasourceData } from '../datasources/types.js';

export const CACHE_FORMAT = 'kindling-datasource';
export const CACHE_VERSION = 1;

interface CacheFile {
  format: string;
  version: number;
  data: DatasourceData;
}

export async function loadDsCache(host: Host, paths: Paths): Promise<DatasourceData | undefined> {
  const p = paths.ipathCur('obj_cache');
  let text: string | undefined;
  try {
    text = await host.fs.readTextIfExists(p);
  } catch (e) {
    host.log.log('WARNING', 'stages', `failed loading cache ${p}: ${(e as Error).message}`);
    return undefined;
  }
  if (!text) return undefined;
  try {
    const c = JSON.parse(text) as CacheFile;
    if (c.format !== CACHE_FORMAT || c.version !== CACHE_VERSION || !c.data || typeof c.data.dsname !== 'string') {
      host.log.log('INFO', 'stages', `ignoring cache ${p}: format ${String(c.format)} v${String(c.version)} is not ${CACHE_FORMAT} v${CACHE_VERSION}`);
      return undefined;
    }
    return c.data;
  } catch (e) {
    host.log.log('WARNING', 'stages', `ignoring unreadable cache ${p}: ${(e as Error).message}`);
    return undefined;
  }
}

export async function storeDsCache(host: Host, paths: Paths, iid: string, data: DatasourceData): Promise<void> {
  const body: CacheFile = { format: CACHE_FORMAT, version: CACHE_VERSION, data };
  await host.fs.writeFile(paths.ipath(iid, 'obj_cache'), `${JSON.stringify(body)}\n`, { mode: 0o400 });
}
