// The four boot stages, in cloud-init's order and with its semantics:
//   init --local    find the datasource without network (or with an ephemeral lease), record the
//                   instance, set the hostname early, render the network config (network seam)
//   init            restore the datasource, bring the network up (seam), store and consume
//                   user-data and vendor-data, run cloud_init_modules
//   modules config  cloud_config_modules
//   modules final   cloud_final_modules (result.json at the end)
// Each stage is wrapped like cloud-init's status_wrapper: status.json before and after, errors
// collected, an exception never escapes without being recorded.
import type { RealHost } from './host/create-host.js';
import { Reporter } from './reporting.js';
import { Boot, DataSourceNotFound } from './boot/boot.js';
import { identify } from './boot/identify.js';
import { datasourceByName } from './datasources/list.js';
import { setupLogging } from './boot/output.js';
import { StatusStore, type StageMode } from './state/status.js';
import { FileSemaphores, type Frequency } from './state/semaphores.js';
import { ModuleRunner, readModuleEntries } from './modules/runner.js';
import { moduleByName } from './modules/list.js';
import { canonModuleName } from './modules/runner.js';
import type { ModuleContext, ModuleDef } from './modules/types.js';
import type { NetworkStep } from './network-step.js';
import { consumeData, processAll, storeUserData } from './boot/userdata-steps.js';
import { getHostnameFqdn } from './hostname/hostname.js';
import { DEFAULT_KEY_TYPES, discardFirstBootKeys, KEY_FILE, startFirstBootHostKeys, startHostKeyGeneration } from './ssh/hostkeys.js';
import { CLOUD_INIT_COMPAT_VERSION } from './version.js';
import type { LogLevel } from './host/host.js';

type Dict = Record<string, unknown>;

export interface StageEnv {
  host: RealHost;
  /** -f/--file extra config files. */
  files: string[];
  force: boolean;
  network: NetworkStep;
}

export interface StageOutcome {
  datasource?: string | null;
  errors: string[];
}

function rfc2822(d = new Date()): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

async function welcome(env: StageEnv, action: string): Promise<void> {
  const up = (await env.host.clock.uptime()).toFixed(2);
  const msg = `Cloud-init v. ${CLOUD_INIT_COMPAT_VERSION} running '${action}' at ${rfc2822()}. Up ${up} seconds.`;
  env.host.log.log('DEBUG', 'util', msg);
  env.host.output.err(`${msg}\n`);
}

/** Collects this stage's warnings by level for status.json's recoverable_errors. */
function recoverable(env: StageEnv, since: number): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of env.host.logger.problems.slice(since)) {
    if (r.level === 'WARNING') (out.WARNING ??= []).push(r.message);
  }
  return out;
}

/** status_wrapper: runs a stage function with status.json bookkeeping; returns the exit code. */
async function withStatus(env: StageEnv, boot: Boot, mode: StageMode, fn: () => Promise<StageOutcome>): Promise<number> {
  const store = new StatusStore(env.host, boot.paths);
  const status = await store.begin(mode);
  const mark = env.host.logger.problems.length;
  let outcome: StageOutcome;
  try {
    outcome = await fn();
  } catch (e) {
    env.host.log.log('WARNING', 'util', `failed stage ${mode}: ${(e as Error).stack ?? String(e)}`);
    env.host.output.err(`failed run of stage ${mode}\n${(e as Error).message}\n`);
    outcome = { errors: [(e as Error).message || String(e)] };
  }
  await store.finish(status, mode, { datasource: outcome.datasource ?? null, errors: outcome.errors, recoverable: recoverable(env, mark) });
  return outcome.errors.length ? 1 : 0;
}

function disabledMarker(env: StageEnv) {
  return env.host.fs.exists('/run/cloud-init/disabled');
}

async function modulesContext(boot: Boot, def: ModuleDef, raw: string, args: unknown[]): Promise<ModuleContext> {
  const cfg = structuredClone(await boot.cfg());
  const logger = `cc_${def.name}`;
  return {
    host: boot.host,
    name: raw,
    cfg,
    ds: boot.ds,
    distro: boot.distro,
    paths: boot.paths,
    iid: boot.ds ? boot.iid : undefined,
    args,
    log: (level: LogLevel, message: string) => boot.host.log.log(level, logger, message),
  };
}

function runnerFor(boot: Boot, reporter: Reporter): ModuleRunner {
  const sems = new FileSemaphores(boot.host, boot.ds ? boot.paths.ipath(boot.iid, 'sem') : undefined, boot.paths.cpath('sem'));
  return new ModuleRunner(boot.host, reporter, sems, (def, e) => modulesContext(boot, def, e.raw, e.args));
}

async function maybeSetHostname(boot: Boot, stage: string, retry: string): Promise<void> {
  const cfg = await boot.cfg();
  const { hostname } = await getHostnameFqdn(boot.host, cfg, boot.ds?.metadata, true);
  if (!hostname) return;
  const def = moduleByName('set_hostname');
  if (!def) return;
  try {
    await def.run(await modulesContext(boot, def, 'set-hostname', []));
  } catch (e) {
    boot.host.log.log('DEBUG', 'main', `Failed setting hostname in ${stage} stage. Will retry in ${retry} stage. Error: ${(e as Error).message}.`);
  }
}

async function networkStep(env: StageEnv, boot: Boot, stage: 'local' | 'network', bringUp: boolean): Promise<void> {
  const cfg = await boot.cfg();
  const isNew = boot.ds ? await boot.isNewInstance() : true;
  const semPath = `${boot.paths.runDir}/sem/apply_network_config.once`;
  const alreadyThisBoot = await boot.host.fs.exists(semPath);
  // cloud-init renders on a new instance, or on a boot event the user and datasource allow
  const updates = (cfg.updates as Dict | undefined)?.network as Dict | undefined;
  const when = Array.isArray(updates?.when) ? (updates?.when as unknown[]).map(String) : (boot.ds?.networkUpdateEvents ?? []);
  // 'boot' once per boot (the semaphore); 'boot-legacy' in every stage that gets here, as 22.4
  const bootEvent = (!alreadyThisBoot && when.includes('boot')) || when.includes('boot-legacy');
  const render = !boot.ds || isNew || bootEvent;
  if (render) await boot.host.fs.writeFile(semPath, `${process.pid}: ${boot.host.clock.now()}\n`, { mode: 0o644 });
  try {
    await env.network({
      host: boot.host,
      distro: boot.distro,
      paths: boot.paths,
      cfg,
      systemCfg: boot.sysCfg,
      stage,
      bringUp,
      render,
      cmdline: boot.cmdline,
      ...(boot.ds?.networkConfig ? { datasource: boot.ds.networkConfig } : {}),
      ...(boot.ds ? { dsname: boot.ds.dsname } : {}),
    });
  } catch (e) {
    boot.host.log.log('WARNING', 'stages', `Applying network configuration failed: ${(e as Error).message}`);
  }
}

/**
 * A new instance's ssh module will generate host keys: start that now, in the background, for the
 * types the system config asks for (user-data can still change them; the ssh module reconciles).
 */
async function startEarlyHostKeys(boot: Boot): Promise<void> {
  await startHostKeyGeneration(boot.host, boot.iid, await wantedHostKeyTypes(boot));
}

/** The host key types the ssh module will generate, as far as the config known now says. */
async function wantedHostKeyTypes(boot: Boot): Promise<string[]> {
  const cfg = await boot.cfg();
  const mods = readModuleEntries(boot.host, cfg, 'cloud_init_modules');
  if (!mods.some((m) => m.def.name === 'ssh') || cfg.ssh_keys) return [];
  const raw = cfg.ssh_genkeytypes;
  const types = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',').map((x) => x.trim()) : DEFAULT_KEY_TYPES;
  const deleteKeys = cfg.ssh_deletekeys === undefined || cfg.ssh_deletekeys === null || cfg.ssh_deletekeys === true || cfg.ssh_deletekeys === 'true';
  const wanted: string[] = [];
  for (const t of types) if (deleteKeys || !(await boot.host.fs.exists(KEY_FILE(t)))) wanted.push(t);
  return wanted;
}

// ---------------------------------------------------------------- init (local and network)

export async function runInit(env: StageEnv, local: boolean): Promise<number> {
  const mode: StageMode = local ? 'init-local' : 'init';
  const reporter = new Reporter(env.host.log, local ? 'init-local' : 'init-network');
  const boot = await Boot.create(env.host, reporter, env.files);
  await setupLogging(env.host, boot.sysCfg, 'init');
  if (!local && (await disabledMarker(env))) {
    env.host.log.log('INFO', 'main', 'kindling-init is disabled for this boot (/run/cloud-init/disabled); nothing to do');
    return 0;
  }
  if (local) {
    const id = await identify(boot);
    if (!id.enabled) {
      await env.host.fs.writeFile('/run/cloud-init/disabled', `${id.code}: ${id.reason}\n`, { mode: 0o644 });
      await env.host.fs.remove('/run/cloud-init/enabled');
      env.host.log.log('INFO', 'main', `kindling-init disabled: ${id.reason}`);
      return 0;
    }
    await env.host.fs.writeFile('/run/cloud-init/enabled', `${id.reason}\n`, { mode: 0o644 });
    await env.host.fs.remove('/run/cloud-init/disabled');
    env.host.log.log('DEBUG', 'main', `kindling-init enabled: ${id.reason}`);
  }
  reporter.start(local ? 'searching for local datasources' : 'searching for network datasources');
  const code = await withStatus(env, boot, mode, async () => {
    await welcome(env, local ? 'init-local' : 'init');
    await boot.initialize();
    let existing: 'check' | 'trust' = 'trust';
    if (local) {
      existing = 'check';
      if (boot.sysCfg.manual_cache_clean === true || (await env.host.fs.exists(boot.paths.ipathCur('manual_clean_marker')))) {
        env.host.log.log('DEBUG', 'main', 'manual cache clean set: trusting the cache');
        existing = 'trust';
      }
      await boot.purgeCache();
      // An image's first boot (no instance has run here): its instance will be new, so the slow
      // host keys start now, while the datasource is searched for (ssh/hostkeys.ts).
      if (!(await env.host.fs.lstat(boot.paths.instanceLink))) await startFirstBootHostKeys(env.host, await wantedHostKeyTypes(boot));
    }
    try {
      await boot.fetch(existing, local ? 'local' : 'network');
      if (!local && boot.ds && boot.ds.dsmode !== 'net') {
        env.host.log.log('DEBUG', 'main', `[net] Exiting. datasource ${boot.ds.description} in local mode`);
        return { datasource: null, errors: [] };
      }
    } catch (e) {
      if (!(e instanceof DataSourceNotFound)) throw e;
      if (local) env.host.log.log('DEBUG', 'main', 'No local datasource found');
      else env.host.log.log('WARNING', 'main', `No instance datasource found! Likely bad things to come! ${e.message}`);
      if (!env.force) {
        await networkStep(env, boot, local ? 'local' : 'network', !local && boot.sysCfg.disable_network_activation !== true);
        env.host.log.log('DEBUG', 'main', `[${local ? 'local' : 'net'}] Exiting without datasource`);
        return { errors: local ? [] : ['No instance datasource found.'] };
      }
    }
    if (boot.dsRestored && !(await env.host.fs.exists(boot.paths.runpath('instance_data'))) && boot.ds) {
      const { persistInstanceData } = await import('./boot/instance-data.js');
      await persistInstanceData(env.host, boot.paths, boot.ds, boot.sysCfg, boot.distro);
    }
    const iid = await boot.instancify();
    env.host.log.log('DEBUG', 'main', `[${local ? 'local' : 'net'}] init will now be targeting instance id: ${iid}. new=${await boot.isNewInstance()}`);
    if (local) await maybeSetHostname(boot, 'local', 'network');
    if (local) {
      if (await boot.isNewInstance()) await startEarlyHostKeys(boot);
      else await discardFirstBootKeys(env.host);
    }
    const bringUp = !local && (await boot.cfg()).disable_network_activation !== true;
    await networkStep(env, boot, local ? 'local' : 'network', bringUp);
    const ds = boot.ds;
    if (local) {
      if (ds && ds.dsmode !== 'local') {
        env.host.log.log('DEBUG', 'main', `[local] Exiting. datasource ${ds.description} not in local mode.`);
        return { datasource: ds.description, errors: [] };
      }
    }
    await reporter.event('setup-datasource', 'setting up datasource', async () => {});
    const processed = await processAll(boot);
    await storeUserData(boot, processed);
    await maybeSetHostname(boot, 'init-net', 'modules:config');
    try {
      await consumeData(boot, processed);
    } catch (e) {
      env.host.log.log('WARNING', 'main', `Consuming user data failed! ${(e as Error).message}`);
      return { datasource: ds?.description ?? null, errors: ['Consuming user data failed!'] };
    }
    await reporter.event('activate-datasource', 'activating datasource', async () => {
      const plugin = ds ? datasourceByName(ds.dsname) : undefined;
      if (ds && plugin?.activate) await plugin.activate({ host: boot.host, cfg: await boot.cfg(), paths: boot.paths }, ds, await boot.isNewInstance());
    });
    const r = await runnerFor(boot, reporter).runSection(await boot.cfg(), 'cloud_init_modules', boot.distro.name);
    return { datasource: ds?.description ?? null, errors: r.failures };
  });
  reporter.finish(code === 0 ? 'SUCCESS' : 'FAIL', local ? 'searching for local datasources' : 'searching for network datasources');
  return code;
}

// ---------------------------------------------------------------- modules config / final

export async function runModules(env: StageEnv, mode: 'init' | 'config' | 'final'): Promise<number> {
  const reporter = new Reporter(env.host.log, `modules-${mode}`);
  const boot = await Boot.create(env.host, reporter, env.files);
  await setupLogging(env.host, boot.sysCfg, mode);
  if (await disabledMarker(env)) {
    env.host.log.log('INFO', 'main', 'kindling-init is disabled for this boot (/run/cloud-init/disabled); nothing to do');
    return 0;
  }
  reporter.start(`running modules for ${mode}`);
  const code = await withStatus(env, boot, `modules-${mode}` as StageMode, async () => {
    await welcome(env, `modules:${mode}`);
    try {
      await boot.fetch('trust', undefined, { quiet: true });
    } catch (e) {
      if (!(e instanceof DataSourceNotFound)) throw e;
      const msg = `Can not apply stage ${mode}, no datasource found! Likely bad things to come!`;
      env.host.log.log('WARNING', 'main', msg);
      env.host.output.err(`${msg}\n`);
      if (!env.force) return { errors: [msg] };
    }
    if (boot.ds && !(await env.host.fs.exists(boot.paths.runpath('instance_data')))) {
      const { persistInstanceData } = await import('./boot/instance-data.js');
      await persistInstanceData(env.host, boot.paths, boot.ds, boot.sysCfg, boot.distro);
    }
    const cfg = await boot.cfg();
    const section = `cloud_${mode}_modules`;
    if (readModuleEntries(env.host, cfg, section).length === 0) {
      const msg = `No '${mode}' modules to run under section '${section}'`;
      env.host.output.err(`${msg}\n`);
      env.host.log.log('DEBUG', 'main', msg);
      return { errors: [] };
    }
    const r = await runnerFor(boot, reporter).runSection(cfg, section, boot.distro.name);
    return { errors: r.failures };
  });
  reporter.finish(code === 0 ? 'SUCCESS' : 'FAIL', `running modules for ${mode}`);
  return code;
}

// ---------------------------------------------------------------- single

export async function runSingle(env: StageEnv, name: string, frequency: Frequency | undefined, args: string[], report: boolean): Promise<number> {
  const reporter = new Reporter(env.host.log, `single/${name}`);
  const boot = await Boot.create(env.host, reporter, env.files);
  await setupLogging(env.host, boot.sysCfg, 'single');
  await welcome(env, 'single');
  try {
    await boot.fetch('trust', undefined, { quiet: true });
  } catch (e) {
    if (!(e instanceof DataSourceNotFound)) throw e;
    const msg = 'Failed to fetch your datasource, likely bad things to come!';
    env.host.log.log('WARNING', 'main', msg);
    env.host.output.err(`${msg}\n`);
    if (!env.force) return 1;
  }
  const canon = canonModuleName(name);
  const def = canon ? moduleByName(canon) : undefined;
  if (!def) {
    env.host.log.log('WARNING', 'main', `Did not run ${name}, does it exist?`);
    env.host.output.err(`Did not run ${name}, does it exist?\n`);
    return 1;
  }
  if (args.length) env.host.log.log('DEBUG', 'main', `Using passed in arguments ${JSON.stringify(args)}`);
  if (report) reporter.start(`running single module ${name}`);
  const r = await runnerFor(boot, reporter).runOne({ raw: name, def, frequency: frequency ?? def.frequency, args });
  if (report) reporter.finish(r.outcome === 'failed' ? 'FAIL' : 'SUCCESS', `running single module ${name}`);
  if (r.outcome === 'failed') {
    env.host.log.log('WARNING', 'main', `Ran ${name} but it failed!`);
    return 1;
  }
  return 0;
}
