// apt_configure's config formats: the deprecated top-level apt_* keys (V1/V2) converted to the
// `apt:` dictionary (V3), as cloud-init's convert_to_v3_apt_format does, with its warnings and its
// refusal of V2 and V3 values that disagree.
import { isDict } from './cfg-values.js';

type Dict = Record<string, unknown>;

const MAP_OLD_KEYS: Record<string, string | null> = {
  apt_sources: 'sources',
  apt_mirror: null,
  apt_mirror_search: null,
  apt_mirror_search_dns: null,
  apt_proxy: 'proxy',
  apt_http_proxy: 'http_proxy',
  // cloud-init 22.4 maps these two crosswise; kept, since configs in the field rely on it
  apt_ftp_proxy: 'https_proxy',
  apt_https_proxy: 'ftp_proxy',
  apt_preserve_sources_list: 'preserve_sources_list',
  apt_custom_sources_list: 'sources_list',
  add_apt_repo_match: 'add_apt_repo_match',
};

function randKey(d: Dict, postfix: string): string {
  for (;;) {
    const k = `${Math.random().toString(36).slice(2, 10).padEnd(8, '0')}_${postfix}`;
    if (!(k in d)) return k;
  }
}

function v1ToV2(src: unknown, warn: (m: string) => void, debug: (m: string) => void): Dict {
  warn("DEPRECATION: 'apt_sources' deprecated config key found. Use 'apt' instead");
  if (Array.isArray(src)) {
    debug('apt config: convert V1 to V2 format (source list to dict)');
    const out: Dict = {};
    for (const ent of src) {
      const e = isDict(ent) ? { ...ent } : {};
      if (!('filename' in e)) {
        e.filename = 'cloud_config_sources.list';
        out[randKey(out, 'cloud_config_sources.list')] = e;
      } else out[String(e.filename)] = e;
    }
    return out;
  }
  if (isDict(src)) return src;
  throw new Error('unknown apt_sources format');
}

/** convert_to_v3_apt_format: the config with every old key moved under `apt`. Mutates and returns cfg. */
export function convertToV3(cfg: Dict, warn: (m: string) => void, debug: (m: string) => void): Dict {
  if (cfg.apt_sources !== undefined && cfg.apt_sources !== null) cfg.apt_sources = v1ToV2(cfg.apt_sources, warn, debug);
  const need: string[] = [];
  for (const k of Object.keys(MAP_OLD_KEYS)) {
    if (!(k in cfg)) continue;
    if (cfg[k] === null || cfg[k] === '') delete cfg[k];
    else need.push(k);
  }
  if (!need.length) return cfg;
  warn(`DEPRECATION apt: converted deprecated config V2 to V3 format for keys '${need.join(', ')}'. Use updated config keys.`);
  const newApt = cfg.apt;
  if (newApt !== undefined && newApt !== null) {
    warn('DEPRECATION: apt config: deprecated V1/2 and V3 format specified, preferring V3');
    for (const old of need) {
      const nk = MAP_OLD_KEYS[old];
      const verify = cfg[old];
      delete cfg[old];
      if (!nk || !isDict(newApt) || newApt[nk] === undefined || newApt[nk] === null) continue;
      if (JSON.stringify(verify) !== JSON.stringify(newApt[nk])) {
        throw new Error(`Old and New apt format defined with unequal values ${JSON.stringify(verify)} vs ${JSON.stringify(newApt[nk])} @ ${old}`);
      }
    }
    return cfg;
  }
  const apt: Dict = {};
  for (const [old, nk] of Object.entries(MAP_OLD_KEYS)) {
    if (nk && cfg[old] !== undefined && cfg[old] !== null) {
      apt[nk] = cfg[old];
      delete cfg[old];
    }
  }
  const mirror: Dict = { arches: ['default'] };
  let converted = false;
  for (const [old, nk] of [['apt_mirror', 'uri'], ['apt_mirror_search', 'search'], ['apt_mirror_search_dns', 'search_dns']] as const) {
    if (cfg[old] !== undefined && cfg[old] !== null) {
      mirror[nk] = cfg[old];
      delete cfg[old];
      converted = true;
    }
  }
  if (converted) apt.primary = [mirror];
  cfg.apt = apt;
  return cfg;
}
