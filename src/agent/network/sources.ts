// Where the network config comes from, first non-empty wins: the kernel command line
// (network-config=<base64, maybe gzipped YAML> or network-config=disabled), the initramfs (klibc's
// /run/net-*.conf when ip= was given), the system config (`network:` in cloud.cfg and cloud.cfg.d,
// which is where 99-disable-network-config.cfg says `config: disabled`), then the datasource.
// User-data is not among them: it can never change the network config.
import { zlib } from '../host/lazy-builtins.js';
import type { HostFs } from '../host/host.js';
import { NetworkConfigError } from './model.js';
import { isDisabled, unwrapNetwork } from './parse.js';
import { loadPyYaml } from './pyyaml-load.js';

export type SourceName = 'cmdline' | 'initramfs' | 'system_cfg' | 'ds' | 'fallback';
export const DEFAULT_SOURCE_ORDER: SourceName[] = ['cmdline', 'initramfs', 'system_cfg', 'ds'];

/** network-config= from /proc/cmdline: undefined when absent. */
export function cmdlineConfig(cmdline: string): unknown {
  let data: string | undefined;
  for (const tok of cmdline.split(/\s+/)) if (tok.startsWith('network-config=')) data = tok.slice('network-config='.length);
  if (!data) return undefined;
  if (data === 'disabled') return { config: 'disabled' };
  let raw = Buffer.from(data, 'base64');
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = zlib().gunzipSync(raw);
    } catch {
      // not gzip after all: use the bytes as they are
    }
  }
  try {
    return loadPyYaml(raw.toString('utf8'));
  } catch (e) {
    throw new NetworkConfigError(`network-config= on the kernel command line is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Shell-style KEY=value lines (klibc ipconfig output). */
export function parseShellVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    const q = v[0];
    if ((q === "'" || q === '"') && v.endsWith(q) && v.length >= 2) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

/** One /run/net-<dev>.conf → [device name, v1 physical entry]. */
export function klibcEntry(text: string, macs: Map<string, string>): [string, Record<string, unknown>] {
  const d = parseShellVars(text);
  const name = d.DEVICE ?? d.DEVICE6;
  if (!name) throw new NetworkConfigError("no 'DEVICE' or 'DEVICE6' entry in klibc net config");
  let proto = d.PROTO ?? d.IPV6PROTO;
  if (!proto) proto = d.filename ? 'dhcp' : 'none';
  if (!['none', 'dhcp', 'dhcp6'].includes(proto)) throw new NetworkConfigError(`Unexpected value for PROTO: ${proto}`);
  const iface: Record<string, unknown> = { type: 'physical', name, subnets: [] };
  if (macs.has(name)) iface.mac_address = macs.get(name);
  for (const pre of ['IPV4', 'IPV6']) {
    if (!(`${pre}ADDR` in d)) continue;
    let cur = d[`${pre}PROTO`] ?? proto;
    if (cur === 'none') cur = 'static';
    const subnet: Record<string, unknown> = { type: cur, control: 'manual' };
    if (cur === 'static') subnet.address = d[`${pre}ADDR`];
    for (const key of ['NETMASK', 'BROADCAST', 'GATEWAY']) if (`${pre}${key}` in d) subnet[key.toLowerCase()] = d[`${pre}${key}`];
    const dns = ['DNS0', 'DNS1'].map((k) => d[`${pre}${k}`]).filter((v): v is string => !!v && v.replace(/^[:.0]+|[:.0]+$/g, '') !== '');
    if (dns.length) {
      subnet.dns_nameservers = dns;
      const search = d.DOMAINSEARCH;
      if (search) subnet.dns_search = search.includes(',') ? search.split(',') : search.split(/\s+/).filter(Boolean);
    }
    (iface.subnets as unknown[]).push(subnet);
  }
  return [name, iface];
}

/** klibc initramfs networking (Debian/Ubuntu with ip= or an open-iscsi root) as v1, or undefined. */
export async function initramfsConfig(fs: Pick<HostFs, 'readdir' | 'readText' | 'exists'>, cmdline: string, macs: Map<string, string>): Promise<unknown> {
  const files = (await fs.readdir('/run')).filter((n) => /^net6?-.*\.conf$/.test(n)).sort((a, b) => (a.startsWith('net6-') ? 1 : 0) - (b.startsWith('net6-') ? 1 : 0));
  if (!files.length) return undefined;
  const ipGiven = cmdline.split(/\s+/).some((t) => t.startsWith('ip=') || t.startsWith('ip6='));
  if (!ipGiven && !(await fs.exists('/run/initramfs/open-iscsi.interface'))) return undefined;
  const entries: Array<Record<string, unknown>> = [];
  const seen = new Map<string, Record<string, unknown>>();
  for (const f of files) {
    const [name, entry] = klibcEntry(await fs.readText(`/run/${f}`), macs);
    const prev = seen.get(name);
    if (prev) {
      if (prev.mac_address !== entry.mac_address) throw new NetworkConfigError(`device '${name}' was defined multiple times with differing mac addresses`);
      (prev.subnets as unknown[]).push(...(entry.subnets as unknown[]));
    } else {
      seen.set(name, entry);
      entries.push(entry);
    }
  }
  return { config: entries, version: 1 };
}

export interface FoundConfig {
  /** undefined when disabled */
  config?: Record<string, unknown>;
  source: SourceName | 'upgraded-network';
  disabled: boolean;
}

export interface SourceInputs {
  cmdline: unknown;
  initramfs: unknown;
  systemCfg: unknown;
  ds: unknown;
}

/** The first source that gives a config, or says it is disabled; undefined when none does. */
export function pickSource(inputs: SourceInputs, order: SourceName[] = DEFAULT_SOURCE_ORDER): FoundConfig | undefined {
  const byName: Record<string, unknown> = { cmdline: inputs.cmdline, initramfs: inputs.initramfs, system_cfg: inputs.systemCfg, ds: inputs.ds };
  for (const src of order) {
    const cfg = unwrapNetwork(byName[src]);
    if (isDisabled(cfg)) return { source: src, disabled: true };
    if (cfg && typeof cfg === 'object' && !Array.isArray(cfg) && Object.keys(cfg).length) {
      return { config: cfg as Record<string, unknown>, source: src, disabled: false };
    }
  }
  return undefined;
}
