// A datasource's URL parameters from its config section (max_wait, timeout, retries,
// sec_between_retries), each falling back to the datasource's default when absent or not a number.
import type { Host } from '../host/host.js';

export interface UrlParams {
  maxWait: number;
  timeout: number;
  retries: number;
  secBetween: number;
}

export function urlParams(host: Host, dsName: string, dsCfg: Record<string, unknown>, defaults: UrlParams): UrlParams {
  const num = (key: string, def: number, min?: number): number => {
    const v = dsCfg[key];
    if (v === undefined || v === null) return def;
    const n = typeof v === 'number' ? v : Number.parseInt(String(v), 10);
    if (!Number.isFinite(n)) {
      host.log.log('WARNING', `DataSource${dsName}`, `Config ${key} '${String(v)}' is not an int, using default '${def}'`);
      return def;
    }
    return min === undefined ? Math.trunc(n) : Math.max(min, Math.trunc(n));
  };
  return {
    maxWait: num('max_wait', defaults.maxWait),
    timeout: num('timeout', defaults.timeout, 0),
    retries: num('retries', defaults.retries),
    secBetween: num('sec_between_retries', defaults.secBetween),
  };
}
