// The system configuration, read and merged as cloud-init's fetch_base_config does:
// kernel command line `cc: ... end_cc` > /run/cloud-init/cloud.cfg (ds-identify's result) >
// /etc/cloud/cloud.cfg.d/*.cfg (lexically later wins) > /etc/cloud/cloud.cfg > built-in.
// A file that fails to parse is logged and skipped; the boot goes on with the rest.
import type { Host } from '../host/host.js';
import { builtinConfig } from './builtin.js';
import { mergeManyDicts } from './mergers.js';
import { isDict, loadYaml } from './yaml.js';
import { confCache } from './conf-cache.js';

export const CLOUD_CFG = '/etc/cloud/cloud.cfg';
export const RUN_CLOUD_CFG = '/run/cloud-init/cloud.cfg';

type Dict = Record<string, unknown>;

/** Reads a YAML config file: {} when missing, empty or not a mapping (logged). */
export async function readConf(host: Host, path: string): Promise<Dict> {
  let text: string | undefined;
  const st = await host.fs.stat(path).catch(() => undefined);
  if (!st) return {};
  const cache = confCache(host);
  const cached = st.kind === 'file' ? await cache.get(path, st) : undefined;
  if (cached !== undefined) {
    host.log.log('DEBUG', 'util', `Read ${path} (${st.size} bytes, parsed earlier this boot)`);
    return cached as Dict;
  }
  try {
    text = await host.fs.readTextIfExists(path);
  } catch (e) {
    host.log.log('WARNING', 'util', `Failed reading config ${path}: ${(e as Error).message}`);
    return {};
  }
  if (text === undefined) return {};
  host.log.log('DEBUG', 'util', `Read ${Buffer.byteLength(text)} bytes from ${path}`);
  const v = parseConf(host, text, path);
  if (st.kind === 'file') await cache.put(path, st, v);
  return v;
}

export function parseConf(host: Host, text: string, what: string): Dict {
  try {
    const v = loadYaml(text);
    if (v === null || v === undefined) return {};
    if (!isDict(v)) {
      host.log.log('WARNING', 'util', `Config ${what} is not a mapping (got ${Array.isArray(v) ? 'a list' : typeof v}); ignored`);
      return {};
    }
    return v;
  } catch (e) {
    host.log.log('WARNING', 'util', `Failed loading yaml from ${what}: ${(e as Error).message}; ignored`);
    return {};
  }
}

export async function readConfD(host: Host, dir: string): Promise<Dict> {
  const names = (await host.fs.readdir(dir)).filter((n) => n.endsWith('.cfg')).sort().reverse();
  const cfgs: Dict[] = [];
  for (const n of names) {
    const p = `${dir}/${n}`;
    if ((await host.fs.stat(p))?.kind !== 'file') continue;
    cfgs.push(await readConf(host, p));
  }
  return mergeManyDicts(cfgs);
}

export async function readConfWithConfD(host: Host, path: string): Promise<Dict> {
  const cfg = await readConf(host, path);
  let confd = '';
  if ('conf_d' in cfg) {
    if (typeof cfg.conf_d === 'string') confd = cfg.conf_d.trim();
    else if (cfg.conf_d) host.log.log('WARNING', 'util', `Config file ${path} contains 'conf_d' with non-string type; ignored`);
  } else if ((await host.fs.stat(`${path}.d`))?.kind === 'dir') {
    confd = `${path}.d`;
  }
  if (!confd) return cfg;
  return mergeManyDicts([await readConfD(host, confd), cfg]);
}

/** `cc: <yaml> end_cc` fragments of the kernel command line, url-unquoted, `\n` made newlines. */
export function ccFromCmdline(cmdline: string): string {
  const tokens: string[] = [];
  let begin = cmdline.indexOf('cc:');
  while (begin >= 0) {
    let end = cmdline.indexOf('end_cc', begin + 3);
    if (end < 0) end = cmdline.length;
    let frag = cmdline.slice(begin + 3, end).trimStart();
    try {
      frag = decodeURIComponent(frag.replace(/\+/g, '%2B'));
    } catch {
      // not url-encoded: keep as written
    }
    tokens.push(frag.replace(/\\n/g, '\n'));
    begin = cmdline.indexOf('cc:', end + 6);
  }
  return tokens.join('\n');
}

export async function readKernelCmdline(host: Host): Promise<string> {
  return ((await host.fs.readTextIfExists('/proc/cmdline').catch(() => undefined)) ?? '').trim();
}

export async function readBaseConfig(host: Host, cmdline?: string): Promise<Dict> {
  const cl = cmdline ?? (await readKernelCmdline(host));
  const cc = ccFromCmdline(cl);
  const fromCmdline = cc ? parseConf(host, cc, 'the kernel command line') : {};
  return mergeManyDicts([fromCmdline, await readConf(host, RUN_CLOUD_CFG), await readConfWithConfD(host, CLOUD_CFG), builtinConfig()]);
}
