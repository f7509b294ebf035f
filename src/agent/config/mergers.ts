// cloud-init's mergers (dict, list, str), with its spec syntax ("list(append)+dict(recurse_array)"
// or a list of {name, settings}) and its dispatch on the type of the value being merged into.
// Used for the system config (default list()+dict()+str(): earlier sources win) and between
// user-data cloud-config parts (dict(replace)+list()+str(): later parts win).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: unknown };

export interface MergerSpec {
  name: string; // 'dict' | 'list' | 'str'
  opts: string[];
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);

export const DEFAULT_MERGE = 'list()+dict()+str()';
export const USERDATA_MERGE = 'dict(replace)+list()+str()';

/** Parses "list(append)+dict(no_replace,recurse_list)+str()". Throws on a malformed spec. */
export function parseMergeString(spec: string): MergerSpec[] {
  const out: MergerSpec[] = [];
  for (let part of spec.split('+')) {
    part = part.toLowerCase().trim().replace(/-/g, '_');
    if (!part) continue;
    const m = /^([a-z_][a-z0-9_]*)\((.*?)\)$/.exec(part);
    if (!m) throw new Error(`Matcher identifer '${part}' is not in the right format`);
    const opts = (m[2] ?? '').split(',').map((o) => o.trim().toLowerCase()).filter(Boolean);
    out.push({ name: m[1] as string, opts });
  }
  return out;
}

/** The merge_how / merge_type of a config, as a spec list; [] when absent. Does not modify cfg. */
export function extractMergers(cfg: Obj): MergerSpec[] {
  let raw = cfg.merge_how;
  if (raw === undefined || raw === null) raw = cfg.merge_type;
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'string') return parseMergeString(raw);
  const out: MergerSpec[] = [];
  if (!Array.isArray(raw)) return out;
  for (const m of raw) {
    if (isObj(m)) {
      const name = String(m.name ?? '').replace(/-/g, '_').trim();
      const settings = Array.isArray(m.settings) ? m.settings.map(String) : [];
      if (name) out.push({ name, opts: settings });
    } else if (Array.isArray(m) && m.length) {
      out.push({ name: String(m[0]), opts: m.slice(1).map(String) });
    }
  }
  return out;
}

interface DictMerger { method: 'replace' | 'no_replace'; recurseStr: boolean; recurseArray: boolean; allowDelete: boolean }
interface ListMerger { method: 'append' | 'prepend' | 'replace' | 'no_replace'; recurseStr: boolean; recurseDict: boolean; recurseArray: boolean }
interface StrMerger { append: boolean }

export interface Merger {
  merge(value: unknown, mergeWith: unknown): unknown;
}

const has = (opts: string[], ...k: string[]) => k.some((x) => opts.includes(x));

/** Builds a merger from specs; unknown merger names are an error, as in cloud-init. */
export function constructMerger(specs: MergerSpec[]): Merger {
  let dict: DictMerger | undefined;
  let list: ListMerger | undefined;
  let str: StrMerger | undefined;
  for (const { name, opts } of specs) {
    const n = name.replace(/^m_/, '');
    if (n === 'dict') {
      dict ??= {
        method: opts.includes('replace') ? 'replace' : 'no_replace',
        recurseStr: opts.includes('recurse_str'),
        recurseArray: has(opts, 'recurse_array', 'recurse_list'),
        allowDelete: opts.includes('allow_delete'),
      };
    } else if (n === 'list') {
      const method = (['append', 'prepend', 'replace', 'no_replace'] as const).find((m) => opts.includes(m)) ?? 'replace';
      list ??= { method, recurseStr: opts.includes('recurse_str'), recurseDict: opts.includes('recurse_dict'), recurseArray: has(opts, 'recurse_array', 'recurse_list') };
    } else if (n === 'str' || n === 'unicode') {
      str ??= { append: opts.includes('append') };
    } else {
      throw new Error(`Could not find merger module named '${name}'`);
    }
  }
  const self: Merger = {
    merge(value, mergeWith) {
      if (isObj(value)) {
        if (!dict || !isObj(mergeWith)) return value;
        const d = dict;
        const out: Obj = { ...value };
        for (const [k, v] of Object.entries(mergeWith)) {
          if (Object.prototype.hasOwnProperty.call(out, k)) {
            if (v === null && d.allowDelete) delete out[k];
            else if (d.method === 'replace') out[k] = v;
            else if (Array.isArray(v) && d.recurseArray) out[k] = self.merge(out[k], v);
            else if (typeof v === 'string' && d.recurseStr) out[k] = self.merge(out[k], v);
            else if (isObj(v)) out[k] = self.merge(out[k], v);
          } else {
            out[k] = v;
          }
        }
        return out;
      }
      if (Array.isArray(value)) {
        if (!list) return value;
        const l = list;
        if (l.method === 'replace' && !Array.isArray(mergeWith)) return mergeWith;
        if (!Array.isArray(mergeWith)) return value; // Python would fail iterating; keep the old value
        if (l.method === 'prepend') return [...mergeWith, ...value];
        if (l.method === 'append') return [...value, ...mergeWith];
        const out = [...value];
        const n = Math.min(out.length, mergeWith.length);
        for (let i = 0; i < n; i++) {
          const nv = mergeWith[i];
          if (l.method === 'no_replace') continue;
          if (Array.isArray(nv) && l.recurseArray) out[i] = self.merge(out[i], nv);
          else if (typeof nv === 'string' && l.recurseStr) out[i] = self.merge(out[i], nv);
          else if (isObj(nv) && l.recurseDict) out[i] = self.merge(out[i], nv);
          else out[i] = nv;
        }
        return out;
      }
      if (typeof value === 'string') {
        if (!str) return value;
        if (!str.append) return mergeWith;
        return typeof mergeWith === 'string' ? value + mergeWith : mergeWith;
      }
      return value; // other types: no merger, the existing value stays
    },
  };
  return self;
}

/**
 * cloud-init's mergemanydict: sources in priority order (first wins under the default mergers).
 * A source's own merge_how/merge_type chooses how it merges in, and is removed from the result.
 */
export function mergeManyDicts(srcs: unknown[]): Obj {
  let merged: Obj = {};
  for (const src of srcs) {
    if (!isObj(src) || Object.keys(src).length === 0) continue;
    const specs = extractMergers(src);
    const cfg = { ...src };
    const hadHow = cfg.merge_how !== undefined && cfg.merge_how !== null;
    delete cfg.merge_how;
    if (!hadHow) delete cfg.merge_type;
    const merger = constructMerger(specs.length ? specs : parseMergeString(DEFAULT_MERGE));
    merged = merger.merge(merged, cfg) as Obj;
  }
  return merged;
}
