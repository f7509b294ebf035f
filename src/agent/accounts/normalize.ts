// cloud-init's ug_util: `users`, `groups`, the deprecated `user` key and system_info.default_user
// normalised into {name → config} and {group → members}, with the "default" entry expanded into
// the distro's default user. The config values are kept as the user wrote them.
import type { Host } from '../host/host.js';
import { mergeManyDicts } from '../config/mergers.js';

type Dict = Record<string, unknown>;

function uniqMerge(...lists: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (let l of lists) {
    if (typeof l === 'string') l = l.trim().split(',').filter(Boolean);
    if (!Array.isArray(l)) continue;
    for (const x of l) if (!out.some((y) => JSON.stringify(y) === JSON.stringify(x))) out.push(x);
  }
  return out;
}

function uniqMergeSorted(...lists: unknown[]): unknown[] {
  return uniqMerge(...lists).sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

function isTrue(v: unknown): boolean {
  if (v === true) return true;
  if (typeof v === 'number') return v === 1;
  if (typeof v === 'string') return ['true', '1', 'on', 'yes'].includes(v.toLowerCase().trim());
  return false;
}

export function normalizeGroups(cfg: unknown): Record<string, string[]> {
  let g = cfg;
  if (typeof g === 'string') g = g.trim().split(',');
  if (Array.isArray(g)) {
    const c: Record<string, string[]> = {};
    for (const i of g) {
      if (i && typeof i === 'object' && !Array.isArray(i)) {
        for (const [k, v] of Object.entries(i as Dict)) {
          if (Array.isArray(v)) (c[k] ??= []).push(...v.map(String));
          else if (typeof v === 'string') (c[k] ??= []).push(v);
          else throw new TypeError(`Bad group member type ${v === null ? 'NoneType' : typeof v}`);
        }
      } else if (typeof i === 'string') {
        c[i] ??= [];
      } else {
        throw new TypeError(`Unknown group name type ${i === null ? 'NoneType' : typeof i}`);
      }
    }
    g = c;
  }
  if (!g || typeof g !== 'object' || Array.isArray(g)) throw new TypeError('Group config must be list, dict or string type only');
  const out: Record<string, string[]> = {};
  for (const [name, members] of Object.entries(g as Dict)) out[name] = uniqMergeSorted(members ?? []).map(String);
  return out;
}

export function normalizeUsers(uCfg: unknown, defUserCfg?: Dict): Record<string, Dict> {
  let u = uCfg;
  if (u && typeof u === 'object' && !Array.isArray(u)) {
    const ad: unknown[] = [];
    for (const [k, v] of Object.entries(u as Dict)) {
      if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') {
        if (isTrue(v)) ad.push(String(k));
      } else if (v && typeof v === 'object' && !Array.isArray(v)) {
        ad.push({ ...(v as Dict), name: k });
      } else throw new TypeError(`Unmappable user value type ${typeof v} for key ${k}`);
    }
    u = ad;
  } else if (typeof u === 'string') {
    u = uniqMergeSorted(u);
  }
  const users: Record<string, Dict> = {};
  for (const uc of (u as unknown[]) ?? []) {
    if (typeof uc === 'string' || Array.isArray(uc)) {
      for (const name of uniqMerge(uc)) if (name && !(String(name) in users)) users[String(name)] = {};
    } else if (uc && typeof uc === 'object') {
      const c = { ...(uc as Dict) };
      const n = c.name === undefined ? 'default' : String(c.name);
      delete c.name;
      users[n] = mergeManyDicts([users[n] ?? {}, c]);
    } else {
      throw new TypeError(`User config must be dictionary/list or string types only and not ${uc === null ? 'NoneType' : typeof uc}`);
    }
  }
  for (const [name, conf] of Object.entries(users)) {
    const c: Dict = {};
    for (const [k, v] of Object.entries(conf)) {
      const kk = k.replace(/-/g, '_').trim();
      if (kk) c[kk] = v;
    }
    users[name] = c;
  }
  let defUser: string | undefined;
  if ('default' in users) {
    const defConfig = users.default as Dict;
    delete users.default;
    if (defUserCfg && Object.keys(defUserCfg).length) {
      const d = { ...defUserCfg };
      defUser = String(d.name);
      const defGroups = d.groups ?? [];
      delete d.name;
      delete d.groups;
      const parsed = users[defUser] ?? {};
      delete users[defUser];
      const ug = uniqMergeSorted(parsed.groups ?? [], defGroups);
      parsed.groups = ug.map(String).join(',');
      users[defUser] = mergeManyDicts([d, defConfig, parsed]);
    }
  }
  for (const [name, conf] of Object.entries(users)) conf.default = defUser ? name === defUser : false;
  return users;
}

export function normalizeUsersGroups(host: Host, cfg: Dict, distroDefaultUser: Dict | undefined): { users: Record<string, Dict>; groups: Record<string, string[]> } {
  let oldUser: Dict = {};
  if (cfg.user) {
    if (typeof cfg.user === 'string') {
      oldUser = { name: cfg.user };
      host.log.log('WARNING', 'ug_util', "DEPRECATED: 'user' of type string is deprecated and will be removed in a future release. Use 'users' list instead.");
    } else if (typeof cfg.user === 'object' && !Array.isArray(cfg.user)) {
      oldUser = cfg.user as Dict;
    } else {
      host.log.log('WARNING', 'ug_util', `Format for 'user' key must be a string or dictionary and not ${typeof cfg.user}`);
    }
  }
  const defaultUserConfig = mergeManyDicts([oldUser, distroDefaultUser ?? {}]);
  let base: unknown = cfg.users ?? [];
  if (base && typeof base === 'object' && !Array.isArray(base)) {
    host.log.log('WARNING', 'ug_util', "DEPRECATED: 'users' of type <class 'dict'> is deprecated and will be removed in a future release. Use 'users' as a list.");
    base = { ...(base as Dict) };
  } else if (typeof base === 'string') {
    host.log.log('WARNING', 'ug_util', "DEPRECATED: 'users' of type <class 'str'> is deprecated and will be removed in a future release. Use 'users' as a list.");
  } else if (!Array.isArray(base)) {
    host.log.log('WARNING', 'ug_util', `Format for 'users' key must be a comma-separated string or a dictionary or a list but found ${typeof base}`);
    base = [];
  } else {
    base = [...base];
  }
  if (Object.keys(oldUser).length) {
    if (Array.isArray(base)) base.push({ name: 'default' });
    else if (typeof base === 'string') base = `${base},default`;
    else (base as Dict).default = (base as Dict).default ?? true;
  }
  const groups = 'groups' in cfg && cfg.groups !== null && cfg.groups !== undefined ? normalizeGroups(cfg.groups) : {};
  const users = normalizeUsers(base, defaultUserConfig);
  return { users, groups };
}

export function extractDefault(users: Record<string, Dict>): { name: string | undefined; config: Dict | undefined } {
  for (const [name, conf] of Object.entries(users)) {
    if (conf && conf.default) {
      const c = { ...conf };
      delete c.default;
      return { name, config: c };
    }
  }
  return { name: undefined, config: undefined };
}
