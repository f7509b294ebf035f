// Applying the network config at boot: pick the source (kernel command line, initramfs, system
// config, datasource, else the fallback), convert and check it, rename NICs by MAC, render with the
// first available renderer of the distro's list, write the files atomically, and in the network
// stage bring them up. Input that cannot be rendered is refused with a log line saying why, and the
// fallback config (DHCP on the primary NIC) is rendered instead.
import type { Host, LogLevel } from '../host/host.js';
import { bringUp as activate } from './activate.js';
import { describeProblems, openstackToV1 } from './from-openstack.js';
import { eniToV1 } from './from-eni.js';
import { fallbackConfig } from './fallback.js';
import { NetworkConfigError, type NetworkState } from './model.js';
import { ibHwaddrsByInterface, interfacesByMac } from './names.js';
import { extractPhysdevs, renameInterfaces } from './renames.js';
import { parseNetworkConfig } from './parse.js';
import { pyRepr } from './pyfmt.js';
import { loadPyYaml } from './pyyaml-load.js';
import { rendererConfigsFor } from './distro-configs.js';
import { RENDERER_NAMES, type OutputFile, type RenderContext, type RendererName, type RenderResult } from './renderer.js';
import { RENDERERS } from './renderers/list.js';
import { checkPriority, DEFAULT_ACTIVATOR_PRIORITY, DEFAULT_RENDERER_PRIORITY, rendererAvailable, selectAvailable } from './select.js';
import { cmdlineConfig, DEFAULT_SOURCE_ORDER, initramfsConfig, pickSource, type SourceName } from './sources.js';

export interface DatasourceNetwork {
  /** 'openstack' = network_data.json; 'v1'/'v2' = network config; 'eni' = an interfaces(5) text */
  format: 'openstack' | 'v1' | 'v2' | 'eni';
  config: unknown;
}

export interface NetworkApplyInput {
  host: Host;
  /** cloud-init's distro name (debian, ubuntu, rhel, ...) */
  distroName: string;
  /** the distro table's renderer preference; system_info.network.renderers overrides it */
  distroRenderers?: string[];
  /** the merged config (system_info.network, disable_network_activation, ...) */
  cfg: Record<string, unknown>;
  /**
   * The system config alone: its `network:` key is the system_cfg source. User-data never changes the
   * network config (cloud-init's documented rule, which 22.4 breaks once user-data's cloud-config has
   * been merged into its config on a later boot); without it, cfg's key is used.
   */
  systemCfg?: Record<string, unknown>;
  bringUp: boolean;
  /** false: not a new instance and no update event: only re-apply the NIC names */
  render: boolean;
  cmdline: string;
  datasource?: DatasourceNetwork;
  dsname?: string;
}

export interface NetworkApplyResult {
  source?: SourceName | 'upgraded-network';
  disabled?: boolean;
  renderer?: RendererName;
  written: string[];
  activated?: boolean;
}

// datasources that rank their own network config above the system config
const SOURCE_ORDER: Record<string, SourceName[]> = { Oracle: ['cmdline', 'ds', 'initramfs', 'system_cfg'] };

const LOGGER = 'stages';
const SOURCE_TEXT: Record<string, string> = {
  cmdline: 'the kernel command line (network-config=)', initramfs: 'the initramfs (ip=)', system_cfg: 'the system config (network:)',
  ds: 'the datasource', fallback: 'the fallback',
};

/** Config as logged: anything that looks like a secret (wifi passwords) masked. */
export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, /pass|psk|secret|key$/i.test(k) ? 'REDACTED' : redact(x)]));
  }
  return v;
}

const dict = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export async function applyNetworkConfig(input: NetworkApplyInput): Promise<NetworkApplyResult> {
  const { host } = input;
  const log = (level: LogLevel, m: string) => host.log.log(level, LOGGER, m);
  if (await host.fs.exists('/var/lib/cloud/data/upgraded-network')) {
    log('INFO', 'network config is disabled by /var/lib/cloud/data/upgraded-network');
    return { source: 'upgraded-network', disabled: true, written: [] };
  }
  const found = await findConfig(input, log);
  if (found.disabled) {
    log('INFO', `network config is disabled by ${found.source}`);
    return { source: found.source, disabled: true, written: [] };
  }
  if (!found.config) {
    log('WARNING', 'no network config and no NIC to fall back to: networking not configured');
    return { source: found.source, written: [] };
  }
  if (!input.render) {
    log('DEBUG', 'No network config applied. Neither a new instance nor datasource network update allowed');
    await applyNames(host, found.config, log);
    return { source: found.source, written: [] };
  }
  try {
    return await render(input, found.config, found.source, log);
  } catch (e) {
    if (!(e instanceof NetworkConfigError) || found.source === 'fallback') throw e;
    log('ERROR', `Network config from ${SOURCE_TEXT[found.source]} rejected: ${e.message}; falling back to DHCP on the primary NIC`);
    const fb = await fallbackConfig(host, { log: (m) => log('DEBUG', m) });
    if (!fb) {
      log('WARNING', 'no NIC to fall back to: networking not configured');
      return { source: found.source, written: [] };
    }
    return render(input, fb, 'fallback', log);
  }
}

/** The first source with a config (or a "disabled"), a rejected datasource config counting as none. */
async function findConfig(input: NetworkApplyInput, log: (l: LogLevel, m: string) => void): Promise<{ config?: Record<string, unknown>; source: SourceName; disabled: boolean }> {
  const { host } = input;
  let cmdline: unknown;
  try {
    cmdline = cmdlineConfig(input.cmdline);
  } catch (e) {
    log('ERROR', (e as Error).message);
  }
  let initramfs: unknown;
  try {
    const macs = new Map<string, string>();
    for (const [mac, name] of await interfacesByMac(host)) macs.set(name, mac);
    initramfs = await initramfsConfig(host.fs, input.cmdline, macs);
  } catch (e) {
    log('WARNING', `initramfs network config ignored: ${(e as Error).message}`);
  }
  const ds = await datasourceConfig(input, log);
  const order = SOURCE_ORDER[input.dsname ?? ''] ?? DEFAULT_SOURCE_ORDER;
  const picked = pickSource({ cmdline, initramfs, systemCfg: (input.systemCfg ?? input.cfg).network, ds }, order);
  if (picked) return { config: picked.config, source: picked.source as SourceName, disabled: picked.disabled };
  const fb = await fallbackConfig(host, { log: (m) => log('DEBUG', m) });
  return { config: fb, source: 'fallback', disabled: false };
}

/** The datasource's config as v1/v2; bad input is refused here, with every problem named. */
async function datasourceConfig(input: NetworkApplyInput, log: (l: LogLevel, m: string) => void): Promise<unknown> {
  const ds = input.datasource;
  if (!ds) return undefined;
  const problems = ds.format === 'openstack' ? describeProblems(ds.config) : [];
  try {
    let cfg: unknown;
    switch (ds.format) {
      case 'openstack':
        cfg = openstackToV1(ds.config, { knownMacs: await interfacesByMac(input.host), ibHwaddrs: await ibHwaddrsByInterface(input.host), warn: (m) => log('WARNING', m) });
        break;
      case 'eni':
        cfg = eniToV1(String(ds.config));
        break;
      default:
        try {
          cfg = typeof ds.config === 'string' ? loadPyYaml(ds.config) : ds.config;
        } catch (e) {
          throw new NetworkConfigError(`not valid YAML: ${(e as Error).message.split('\n')[0]}`);
        }
    }
    // refuse what cannot become a network state now, so that the fallback takes its place; v2 is
    // left to the renderer (netplan takes it as it is)
    if (ds.format !== 'v2') parseNetworkConfig(cfg, { macs: new Map() });
    return cfg;
  } catch (e) {
    if (e instanceof NetworkConfigError && problems.length) e = new NetworkConfigError(`${(e as Error).message} (${problems.join('; ')})`);
    if (!(e instanceof NetworkConfigError)) throw e;
    log('ERROR', `Network config from the datasource (${ds.format === 'openstack' ? 'network_data.json' : ds.format}) rejected: ${e.message}`);
    return undefined;
  }
}

async function applyNames(host: Host, netcfg: Record<string, unknown>, log: (l: LogLevel, m: string) => void): Promise<void> {
  try {
    const errors = await renameInterfaces(host, await extractPhysdevs(host, netcfg), (m) => log('DEBUG', m));
    if (errors.length) log('WARNING', `Failed to rename devices: ${errors.join('\n')}`);
  } catch (e) {
    log('WARNING', `Failed to rename devices: ${(e as Error).message}`);
  }
}

/** Waits (udevadm settle, five times) for the NICs the config names by MAC. */
async function waitForPhysdevs(host: Host, netcfg: Record<string, unknown>, log: (l: LogLevel, m: string) => void): Promise<void> {
  const physdevs = await extractPhysdevs(host, netcfg);
  const want = new Map(physdevs.map(([mac, name]) => [mac.toLowerCase(), name]));
  for (let i = 0; i < 5; i++) {
    const present = new Set([...(await interfacesByMac(host)).keys()].map((m) => m.toLowerCase()));
    const missing = [...want.keys()].filter((m) => !present.has(m));
    if (!missing.length) return;
    for (const mac of missing) {
      await host.run(['udevadm', 'settle', `--exit-if-exists=/sys/class/net/${want.get(mac)}`], { timeoutMs: 120_000 }).catch(() => undefined);
    }
    if (i === 4) log('WARNING', `Not all expected physical devices present: ${missing.join(', ')}`);
  }
}

async function ownerIds(host: Host, name: string): Promise<{ uid: number; gid: number } | undefined> {
  const find = async (file: string) => {
    const line = ((await host.fs.readTextIfExists(file).catch(() => undefined)) ?? '').split('\n').find((l) => l.startsWith(`${name}:`));
    return line ? Number(line.split(':')[2]) : undefined;
  };
  const uid = await find('/etc/passwd');
  const gid = await find('/etc/group');
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

async function writeFiles(host: Host, files: OutputFile[], log: (l: LogLevel, m: string) => void): Promise<string[]> {
  const written: string[] = [];
  for (const f of files) {
    const path = `/${f.path}`;
    const owner = f.owner ? await ownerIds(host, f.owner) : undefined;
    if (f.owner && !owner) log('WARNING', `no user ${f.owner} in this root: ${path} stays owned by root`);
    await host.fs.writeFile(path, f.content, { mode: f.mode, ...(owner ?? {}) });
    written.push(path);
  }
  return written;
}

async function netplanFeatures(host: Host, log: (l: LogLevel, m: string) => void): Promise<string[]> {
  const r = await host.run(['netplan', 'info']).catch(() => undefined);
  if (!r || r.code !== 0) return [];
  try {
    const f = dict(dict(loadPyYaml(r.stdout))['netplan.io']).features;
    return Array.isArray(f) ? f.map(String) : [];
  } catch (e) {
    log('DEBUG', `Failed to list features from netplan info: ${(e as Error).message}`);
    return [];
  }
}

async function render(input: NetworkApplyInput, netcfg: Record<string, unknown>, source: SourceName, log: (l: LogLevel, m: string) => void): Promise<NetworkApplyResult> {
  const { host } = input;
  await waitForPhysdevs(host, netcfg, log);
  await applyNames(host, netcfg, log);
  log('INFO', `Applying network configuration from ${source} bringup=${input.bringUp ? 'True' : 'False'}: ${pyRepr(redact(netcfg))}`);
  const sysNet = dict(dict(input.cfg.system_info).network);
  const priority = checkPriority(sysNet.renderers, RENDERER_NAMES, 'renderers') ?? input.distroRenderers ?? DEFAULT_RENDERER_PRIORITY;
  const name = await selectAvailable(host, priority, input.distroName);
  if (!name) {
    log('ERROR', `Unable to render networking. Network config is likely broken: No available network renderers found. Searched through list: ${priority.join(', ')}`);
    return { source, written: [] };
  }
  log('DEBUG', `Selected renderer '${name}' from priority list: ${priority.join(', ')}`);
  const ns = parseNetworkConfig(netcfg, { renderer: name, macs: await interfacesByMac(host), warn: (m) => log('WARNING', m) });
  const configs = rendererConfigsFor(input.distroName);
  const existing = new Map<string, string | undefined>();
  const result = await renderWith(name, ns, configs, async (paths) => {
    for (const p of paths) existing.set(p, await host.fs.readTextIfExists(`/${p}`).catch(() => undefined));
  }, { existing: (p) => existing.get(p), warn: (m) => log('WARNING', m) }, host, log);
  const written = await writeFiles(host, result.files, log);
  for (const p of result.remove) await host.fs.remove(`/${p}`);
  if (name === 'netplan' && configs.netplan?.postcmds) await netplanPostcmds(host);
  let activated: boolean | undefined;
  if (input.bringUp) activated = await bringUpAll(input, ns, log);
  else log('DEBUG', 'Not bringing up newly configured network interfaces');
  return { source, renderer: name, written, ...(activated === undefined ? {} : { activated }) };
}

async function renderWith(
  name: RendererName, ns: NetworkState, configs: ReturnType<typeof rendererConfigsFor>,
  preload: (paths: string[]) => Promise<void>, ctx: RenderContext, host: Host, log: (l: LogLevel, m: string) => void,
): Promise<RenderResult> {
  switch (name) {
    case 'eni': {
      const c = configs.eni ?? {};
      await preload(RENDERERS.eni.reads(c));
      return RENDERERS.eni.render(ns, c, ctx);
    }
    case 'netplan': {
      const c = { ...(configs.netplan ?? {}), features: await netplanFeatures(host, log) };
      await preload(RENDERERS.netplan.reads(c));
      return RENDERERS.netplan.render(ns, c, ctx);
    }
    case 'sysconfig': {
      const c = configs.sysconfig ?? {};
      await preload(RENDERERS.sysconfig.reads(c));
      return RENDERERS.sysconfig.render(ns, c, ctx);
    }
    case 'networkd': {
      const c = configs.networkd ?? {};
      return RENDERERS.networkd.render(ns, c, ctx);
    }
    case 'network-manager':
      return RENDERERS['network-manager'].render(ns, {}, ctx);
  }
}

/** netplan generate, then udev's net_setup_link for every NIC so .link settings apply now. */
async function netplanPostcmds(host: Host): Promise<void> {
  const r = await host.run(['netplan', 'generate'], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`netplan generate failed (exit ${r.code}): ${r.stderr.trim()}`);
  for (const dev of await host.fs.readdir('/sys/class/net')) {
    if ((await host.fs.lstat(`/sys/class/net/${dev}`))?.kind !== 'symlink') continue;
    await host.run(['udevadm', 'test-builtin', 'net_setup_link', `/sys/class/net/${dev}`], { timeoutMs: 60_000 });
  }
}

async function bringUpAll(input: NetworkApplyInput, ns: NetworkState, log: (l: LogLevel, m: string) => void): Promise<boolean> {
  const { host } = input;
  const priority = checkPriority(dict(dict(input.cfg.system_info).network).activators, DEFAULT_ACTIVATOR_PRIORITY, 'activators') ?? DEFAULT_ACTIVATOR_PRIORITY;
  let activator: RendererName | undefined;
  for (const n of priority) {
    if (await rendererAvailable(host, n, input.distroName)) {
      activator = n as RendererName;
      break;
    }
  }
  if (!activator) {
    log('WARNING', 'No network activator found, not bringing up network interfaces');
    return false;
  }
  log('DEBUG', `Bringing up newly configured network interfaces with ${activator}`);
  const r = await activate(host, activator, ns, log);
  return r.ok;
}
