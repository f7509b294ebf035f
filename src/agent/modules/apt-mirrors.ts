// Which apt mirrors to use: the `primary`/`security` entries for this architecture (a uri, or the
// first resolvable of `search`, or DNS names under the machine's domain with `search_dns`), else
// the distro's package_mirrors (system_info), else Ubuntu's archive defaults, as cloud-init 22.4.
import type { ModuleContext } from './types.js';
import { isDict } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { getHostnameFqdn } from '../hostname/hostname.js';

type Dict = Record<string, unknown>;

const PRIMARY_ARCH_MIRRORS = { PRIMARY: 'http://archive.ubuntu.com/ubuntu/', SECURITY: 'http://security.ubuntu.com/ubuntu/' };
const PORTS_MIRRORS = { PRIMARY: 'http://ports.ubuntu.com/ubuntu-ports', SECURITY: 'http://ports.ubuntu.com/ubuntu-ports' };
const PRIMARY_ARCHES = ['amd64', 'i386'];
const PORTS_ARCHES = ['s390x', 'arm64', 'armhf', 'powerpc', 'ppc64el', 'riscv64'];
const EC2_AZ_RE = /^[a-z][a-z]-(?:[a-z]+-)+[0-9][a-z]$/;

export function defaultMirrors(arch: string): Record<string, string> {
  if (PRIMARY_ARCHES.includes(arch)) return { ...PRIMARY_ARCH_MIRRORS };
  if (PORTS_ARCHES.includes(arch)) return { ...PORTS_MIRRORS };
  throw new Error(`No default mirror known for arch ${arch}`);
}

/** util.is_resolvable_url through getent (the guest's resolver), without a DNS-hijack probe per call. */
async function resolvable(ctx: ModuleContext, url: string): Promise<boolean> {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (!host) return false;
  const r = await ctx.host.run(['getent', 'ahosts', host]);
  return r.code === 0 && !r.error && r.stdout.trim().length > 0;
}

async function searchForMirror(ctx: ModuleContext, candidates: unknown): Promise<string | undefined> {
  if (!Array.isArray(candidates)) return undefined;
  for (const c of candidates.map(pyStr)) {
    try {
      if (await resolvable(ctx, c)) return c;
    } catch {
      // as cloud-init: an unresolvable candidate is skipped
    }
  }
  return undefined;
}

async function searchDns(ctx: ModuleContext, configured: unknown, type: 'primary' | 'security'): Promise<string | undefined> {
  if (!configured) return undefined;
  const dns = type === 'primary' ? 'mirror' : 'security-mirror';
  const { fqdn } = await getHostnameFqdn(ctx.host, ctx.cfg, ctx.ds?.metadata);
  const domain = (fqdn ?? '').split('.').slice(1).join('.');
  const doms = [...(domain ? [`.${domain}`] : []), '.localdomain', ''];
  const d = ctx.distro.name;
  return searchForMirror(ctx, doms.map((post) => `http://${d}-${dns}${post}/${d}`));
}

function archMirrorConfig(cfg: Dict, type: string, arch: string): Dict | undefined {
  const list = cfg[type];
  if (list === undefined || list === null || !Array.isArray(list)) return undefined;
  let def: Dict | undefined;
  for (const m of list) {
    if (!isDict(m)) continue;
    const arches = Array.isArray(m.arches) ? m.arches.map(pyStr) : [];
    if (arches.includes(arch)) return m;
    if (arches.includes('default')) def = m;
  }
  return def;
}

async function getMirror(ctx: ModuleContext, cfg: Dict, type: 'primary' | 'security', arch: string): Promise<string | undefined> {
  const m = archMirrorConfig(cfg, type, arch);
  if (!m) return undefined;
  return (m.uri !== undefined && m.uri !== null ? pyStr(m.uri) : undefined) ?? (await searchForMirror(ctx, m.search)) ?? (await searchDns(ctx, m.search_dns, type));
}

/** distro.get_package_mirror_info: system_info.package_mirrors for this arch, failsafe then search. */
async function distroMirrors(ctx: ModuleContext, arch: string): Promise<Record<string, string>> {
  const si = isDict(ctx.cfg.system_info) ? ctx.cfg.system_info : {};
  const list = Array.isArray(si.package_mirrors) ? si.package_mirrors : [];
  let info: Dict | undefined;
  for (const item of list) {
    if (!isDict(item)) continue;
    const arches = Array.isArray(item.arches) ? item.arches.map(pyStr) : [];
    if (arches.includes(arch)) {
      info = item;
      break;
    }
    if (arches.includes('default')) info = item;
  }
  const out: Record<string, string> = {};
  if (!info) return out;
  for (const [k, v] of Object.entries(isDict(info.failsafe) ? info.failsafe : {})) out[k] = pyStr(v);
  const subst: Record<string, string> = {};
  const md = ctx.ds?.metadata ?? {};
  const placement = isDict(md.placement) ? md.placement : {};
  const az = md['availability-zone'] ?? md.availability_zone ?? placement['availability-zone'];
  if (az) {
    subst.availability_zone = pyStr(az);
    if (EC2_AZ_RE.test(pyStr(az)) && ctx.ds?.platform === 'ec2') subst.ec2_region = pyStr(az).slice(0, -1);
  }
  if (md.region) subst.region = pyStr(md.region);
  for (const [name, searchlist] of Object.entries(isDict(info.search) ? info.search : {})) {
    const mirrors: string[] = [];
    for (const tmpl of Array.isArray(searchlist) ? searchlist.map(pyStr) : []) {
      let missing = false;
      const m = tmpl.replace(/%\((\w+)\)s/g, (_x, k: string) => (k in subst ? (subst[k] as string) : ((missing = true), '')));
      if (!missing && /^[a-z]+:\/\/[^/]+/i.test(m)) mirrors.push(m);
    }
    const found = await searchForMirror(ctx, mirrors);
    if (found) out[name] = found;
  }
  ctx.log('DEBUG', `filtered distro mirror info: ${JSON.stringify(out)}`);
  return out;
}

/** find_apt_mirror_info: PRIMARY, SECURITY and MIRROR (plus any other names the distro gives). */
export async function findAptMirrorInfo(ctx: ModuleContext, cfg: Dict, arch: string): Promise<Record<string, string>> {
  const p = await getMirror(ctx, cfg, 'primary', arch);
  ctx.log('DEBUG', `got primary mirror: ${p ?? 'None'}`);
  const s = await getMirror(ctx, cfg, 'security', arch);
  ctx.log('DEBUG', `got security mirror: ${s ?? 'None'}`);
  let info: Record<string, string>;
  if (p !== undefined) info = { PRIMARY: p, SECURITY: s ?? p };
  else {
    const d = await distroMirrors(ctx, arch);
    if (Object.keys(d).length) {
      if (d.primary === undefined || d.security === undefined) throw new Error(`'${d.primary === undefined ? 'primary' : 'security'}'`);
      info = { ...d, PRIMARY: d.primary, SECURITY: d.security };
    } else info = defaultMirrors(arch);
  }
  info.MIRROR = info.PRIMARY as string;
  return info;
}
