// apt_configure: apt's sources, mirrors, keys, proxies and extra apt.conf, and debconf selections,
// as cloud-init 22.4 applies them on Debian and Ubuntu. With preserve_sources_list false it renders
// /etc/apt/sources.list from `sources_list` or the image's template (mirrors and $RELEASE filled
// in, `disable_suites` commented out); `sources` entries become files under sources.list.d (or go
// to add-apt-repository for ppa:-style names), then the package index is refreshed.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { isDict, isFalse, isTrue, pyTypeName } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { runChecked } from './run-checked.js';
import { which } from './which.js';
import { convertToV3 } from './apt-format.js';
import { defaultMirrors, findAptMirrorInfo } from './apt-mirrors.js';
import { addAptKey } from './apt-keys.js';
import { applyDebconfSelections } from './apt-debconf.js';
import { renderString } from '../template/render-string.js';
import { updatePackageSources } from '../distros/packages.js';
import { packageContext } from './package-context.js';
import { pyDictRepr } from './py-repr.js';

type Dict = Record<string, unknown>;

const APT_LISTS = '/var/lib/apt/lists';
const APT_CONFIG_FN = '/etc/apt/apt.conf.d/94cloud-init-config';
const APT_PROXY_FN = '/etc/apt/apt.conf.d/90cloud-init-aptproxy';
const ADD_APT_REPO_MATCH = '^[\\w-]+:\\w';
const SUITE_ALIASES: Record<string, string> = {
  updates: '$RELEASE-updates',
  backports: '$RELEASE-backports',
  security: '$RELEASE-security',
  proposed: '$RELEASE-proposed',
  release: '$RELEASE',
};

/** lsb_release's codename: os-release's VERSION_CODENAME when present (no process), else lsb_release --all. */
async function releaseCodename(ctx: ModuleContext): Promise<string> {
  const code = ctx.distro.osRelease.VERSION_CODENAME;
  if (code) return code;
  const r = await ctx.host.run(['lsb_release', '--all']);
  if (r.code !== 0 || r.error) {
    ctx.log('WARNING', `Unable to get lsb_release --all: exit ${r.code}`);
    return 'UNAVAILABLE';
  }
  const m = /^Codename:\s*(.*)$/m.exec(r.stdout);
  return m ? (m[1] as string).trim() : 'UNAVAILABLE';
}

/** disable_suites: sources lines whose suite is listed become "# suite disabled by cloud-init: ...". */
export function disableSuites(disabled: unknown, src: string, release: string): string {
  if (!Array.isArray(disabled) || !disabled.length) return src;
  let out = src;
  for (const s of disabled.map(pyStr)) {
    const suite = renderString(SUITE_ALIASES[s] ?? s, { RELEASE: release });
    out = (out.match(/[^\n]*\n|[^\n]+$/g) ?? [])
      .map((line) => {
        if (line.startsWith('#')) return line;
        const cols = line.trim().split(/\s+/);
        if (cols.length > 1) {
          let pcol = 2;
          if ((cols[1] as string).startsWith('[')) {
            for (const c of cols.slice(1)) {
              pcol += 1;
              if (c.endsWith(']')) break;
            }
          }
          if (cols[pcol] === suite) return `# suite disabled by cloud-init: ${line}`;
        }
        return line;
      })
      .join('');
  }
  return out;
}

async function generateSourcesList(ctx: ModuleContext, cfg: Dict, release: string, mirrors: Record<string, string>): Promise<void> {
  const params: Record<string, string> = { RELEASE: release, codename: release };
  for (const [k, v] of Object.entries(mirrors)) {
    params[k] = v;
    params[k.toLowerCase()] = v;
  }
  let tmpl: string | undefined = cfg.sources_list === undefined || cfg.sources_list === null ? undefined : pyStr(cfg.sources_list);
  if (tmpl === undefined) {
    ctx.log('INFO', 'No custom template provided, fall back to builtin');
    const dir = ctx.paths.templatesDir.replace(/\/+$/, '');
    tmpl = (await ctx.host.fs.readTextIfExists(`${dir}/sources.list.${ctx.distro.name}.tmpl`)) ?? (await ctx.host.fs.readTextIfExists(`${dir}/sources.list.tmpl`));
    if (tmpl === undefined) {
      ctx.log('WARNING', 'No template found, not rendering /etc/apt/sources.list');
      return;
    }
  }
  await ctx.host.fs.writeFile('/etc/apt/sources.list', disableSuites(cfg.disable_suites, renderString(tmpl, params), release), { mode: 0o644 });
}

/** rename_apt_lists: package lists downloaded from the default mirrors are kept under the new names. */
async function renameAptLists(ctx: ModuleContext, mirrors: Record<string, string>, arch: string): Promise<void> {
  const prefix = (m: string) => m.replace(/\/$/, '').replace(/^.*?:\/\//, '').replace(/\//g, '_');
  for (const [name, omirror] of Object.entries(defaultMirrors(arch))) {
    const nmirror = mirrors[name];
    if (!nmirror) continue;
    const o = prefix(omirror);
    const n = prefix(nmirror);
    if (o === n) continue;
    for (const f of await ctx.host.fs.readdir(APT_LISTS)) {
      if (!f.startsWith(`${o}_`)) continue;
      ctx.log('DEBUG', `Renaming apt list ${APT_LISTS}/${f} to ${APT_LISTS}/${n}${f.slice(o.length)}`);
      try {
        await ctx.host.fs.rename(`${APT_LISTS}/${f}`, `${APT_LISTS}/${n}${f.slice(o.length)}`);
      } catch {
        ctx.log('WARNING', 'Failed to rename apt list:');
      }
    }
  }
}

async function applyAptConfig(ctx: ModuleContext, cfg: Dict): Promise<void> {
  const fmts: [string, string][] = [
    ['proxy', 'Acquire::http::Proxy "%s";'],
    ['http_proxy', 'Acquire::http::Proxy "%s";'],
    ['ftp_proxy', 'Acquire::ftp::Proxy "%s";'],
    ['https_proxy', 'Acquire::https::Proxy "%s";'],
  ];
  const proxies = fmts.filter(([k]) => cfg[k]).map(([k, f]) => f.replace('%s', pyStr(cfg[k])));
  if (proxies.length) {
    ctx.log('DEBUG', `write apt proxy info to ${APT_PROXY_FN}`);
    await ctx.host.fs.writeFile(APT_PROXY_FN, `${proxies.join('\n')}\n`, { mode: 0o644 });
  } else if ((await ctx.host.fs.stat(APT_PROXY_FN))?.kind === 'file') {
    await ctx.host.fs.remove(APT_PROXY_FN);
    ctx.log('DEBUG', `no apt proxy configured, removed ${APT_PROXY_FN}`);
  }
  if (cfg.conf) {
    ctx.log('DEBUG', `write apt config info to ${APT_CONFIG_FN}`);
    await ctx.host.fs.writeFile(APT_CONFIG_FN, pyStr(cfg.conf), { mode: 0o644 });
  } else if ((await ctx.host.fs.stat(APT_CONFIG_FN))?.kind === 'file') {
    await ctx.host.fs.remove(APT_CONFIG_FN);
    ctx.log('DEBUG', `no apt config configured, removed ${APT_CONFIG_FN}`);
  }
}

async function addAptSources(ctx: ModuleContext, sources: unknown, params: Record<string, string>, matcher: RegExp | undefined): Promise<void> {
  if (!matcher) throw new Error('did not get a valid repo matcher');
  if (!isDict(sources)) throw new TypeError(`unknown apt format: ${JSON.stringify(sources)}`);
  for (const [filename, raw] of Object.entries(sources)) {
    const ent: Dict = isDict(raw) ? raw : {};
    ctx.log('DEBUG', `adding source/key '${pyDictRepr(ent)}'`);
    if (!('filename' in ent)) ent.filename = filename;
    if ('source' in ent && pyStr(ent.source).includes('$KEY_FILE')) {
      const keyFile = await addAptKey(ctx, ent, { hardened: true });
      params.KEY_FILE = keyFile ?? 'None';
    } else await addAptKey(ctx, ent);
    if (!('source' in ent)) continue;
    const source = renderString(pyStr(ent.source), params);
    let fn = pyStr(ent.filename);
    if (!fn.startsWith('/')) fn = `/etc/apt/sources.list.d/${fn}`;
    if (!fn.endsWith('.list')) fn += '.list';
    ent.filename = fn;
    if (matcher.test(source)) {
      await runChecked(ctx.host, ['add-apt-repository', '--no-update', source]);
      continue;
    }
    const line = `${source}\n`;
    if ('append' in ent && !ent.append) await ctx.host.fs.writeFile(fn, line, { mode: 0o644 });
    else if (await ctx.host.fs.exists(fn)) {
      await ctx.host.fs.appendFile(fn, line);
      await ctx.host.fs.chmod(fn, 0o644);
    } else await ctx.host.fs.writeFile(fn, line, { mode: 0o644 });
  }
  await updatePackageSources(packageContext(ctx));
}

async function shouldConfigureOnEmpty(ctx: ModuleContext): Promise<[boolean, string]> {
  const cmdline = (await ctx.host.fs.readTextIfExists('/proc/cmdline').catch(() => undefined)) ?? '';
  const channel = (await ctx.host.fs.readTextIfExists('/etc/system-image/channel.ini').catch(() => undefined)) ?? '';
  if ((ctx.distro.osRelease.ID ?? '').toLowerCase() === 'ubuntu-core' || cmdline.includes('snap_core=') || channel.toLowerCase().includes('ubuntu-core') || (await ctx.host.fs.stat('/etc/system-image/config.d/'))?.kind === 'dir') {
    return [false, 'system is snappy.'];
  }
  if (!(await which(ctx.host, 'apt-get')) && !(await which(ctx.host, 'apt'))) return [false, 'no apt commands.'];
  return [true, 'Apt is available.'];
}

async function applyApt(ctx: ModuleContext, cfg: Dict): Promise<void> {
  if (!Object.keys(cfg).length) {
    const [should, msg] = await shouldConfigureOnEmpty(ctx);
    if (!should) {
      ctx.log('DEBUG', `Nothing to do: No apt config and ${msg}`);
      return;
    }
  }
  ctx.log('DEBUG', `handling apt config: ${pyDictRepr(cfg)}`);
  const release = await releaseCodename(ctx);
  const arch = (await runChecked(ctx.host, ['dpkg', '--print-architecture'])).stdout.trim();
  const mirrors = await findAptMirrorInfo(ctx, cfg, arch);
  ctx.log('DEBUG', `Apt Mirror info: ${pyDictRepr(mirrors)}`);
  if (isTrue(cfg.generate_mirrorlists ?? false)) {
    await ctx.host.fs.mkdir('/etc/apt/mirrors');
    await ctx.host.fs.writeFile(`/etc/apt/mirrors/${ctx.distro.name}.list`, `${mirrors.PRIMARY}\n`, { mode: 0o644 });
    await ctx.host.fs.writeFile(`/etc/apt/mirrors/${ctx.distro.name}-security.list`, `${mirrors.SECURITY}\n`, { mode: 0o644 });
  } else if (isFalse(cfg.preserve_sources_list ?? false)) {
    for (const key of ['primary', 'security']) {
      const list = cfg[key];
      for (const m of Array.isArray(list) ? list : []) if (isDict(m)) await addAptKey(ctx, m, { fileName: key });
    }
    await generateSourcesList(ctx, cfg, release, mirrors);
    await renameAptLists(ctx, mirrors, arch);
  }
  try {
    await applyAptConfig(ctx, cfg);
  } catch (e) {
    ctx.log('ERROR', `Failed to apply proxy or apt config info: ${(e as Error).message}`);
  }
  if ('sources' in cfg) {
    const params: Record<string, string> = { ...mirrors, RELEASE: release, MIRROR: mirrors.MIRROR as string };
    const m = cfg.add_apt_repo_match ?? ADD_APT_REPO_MATCH;
    await addAptSources(ctx, cfg.sources, params, m ? new RegExp(pyStr(m).replace(/\(\?P</g, '(?<'), 'u') : undefined);
  }
}

export const aptConfigure: ModuleDef = {
  name: 'apt_configure',
  frequency: PER_INSTANCE,
  distros: ['ubuntu', 'debian'],
  async run(ctx) {
    const cfg = convertToV3(ctx.cfg, (m) => ctx.log('WARNING', m), (m) => ctx.log('DEBUG', m));
    const apt = cfg.apt ?? {};
    if (!isDict(apt)) throw new Error(`Expected dictionary for 'apt' config, found <class '${pyTypeName(apt)}'>`);
    await applyDebconfSelections(ctx, apt);
    await applyApt(ctx, apt);
  },
};
