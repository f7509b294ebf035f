// Package operations through the distro's package manager, as cloud-init's distro classes run
// them: apt-get (non-interactive, confold, waiting for dpkg's locks, optional eatmydata wrapper)
// on the Debian family; dnf, or `yum -t` where dnf is missing, on the RHEL family. The index
// update runs once per instance (the update-sources marker), however many modules ask for it.
import type { Host } from '../host/host.js';
import type { DistroChoice } from './detect.js';
import type { FileSemaphores } from '../state/semaphores.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { which } from '../modules/which.js';
import { runChecked } from '../modules/run-checked.js';
import { isTrue } from '../modules/cfg-values.js';
import { pyStr } from '../modules/shellify.js';

type Dict = Record<string, unknown>;

const APT_GET_COMMAND = ['apt-get', '--option=Dpkg::Options::=--force-confold', '--option=Dpkg::options::=--force-unsafe-io', '--assume-yes', '--quiet'];
const APT_LOCK_FILES = ['/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/var/cache/apt/archives/lock', '/var/lib/apt/lists/lock'];
const APT_LOCK_WAIT_MS = 30_000;

export interface PackageContext {
  host: Host;
  distro: DistroChoice;
  /** The merged config (system_info.apt_get_command and friends live there). */
  cfg: Dict;
  /** Per-instance markers (update-sources); undefined without an instance. */
  sems: FileSemaphores | undefined;
  log(level: 'DEBUG' | 'INFO' | 'WARNING', message: string): void;
}

function sysInfo(cfg: Dict): Dict {
  const si = cfg.system_info;
  return si && typeof si === 'object' && !Array.isArray(si) ? (si as Dict) : {};
}

/** util.expand_package_list: names, or [name, version] pairs joined with the manager's separator. */
export function expandPackageList(pkgs: unknown, sep: '=' | '-'): string[] {
  const list = Array.isArray(pkgs) ? pkgs : [pkgs];
  return list.map((p) => {
    if (typeof p === 'string') return p;
    if (Array.isArray(p)) {
      if (p.length < 1 || p.length > 2) throw new Error('Invalid package & version tuple.');
      return p.length === 2 && p[1] ? `${pyStr(p[0])}${sep}${pyStr(p[1])}` : pyStr(p[0]);
    }
    throw new Error('Invalid package type.');
  });
}

/** Inodes of files someone holds a POSIX or flock lock on (/proc/locks), to wait for dpkg as apt does. */
async function lockedInodes(host: Host): Promise<Set<number>> {
  const t = (await host.fs.readTextIfExists('/proc/locks').catch(() => undefined)) ?? '';
  const out = new Set<number>();
  for (const line of t.split('\n')) {
    const m = /\s[0-9a-f]+:[0-9a-f]+:(\d+)\s/.exec(line);
    if (m) out.add(Number(m[1]));
  }
  return out;
}

async function aptLockAvailable(host: Host): Promise<boolean> {
  const locked = await lockedInodes(host);
  if (!locked.size) return true;
  for (const f of APT_LOCK_FILES) {
    const st = await host.fs.stat(f).catch(() => undefined);
    if (st && locked.has(st.ino)) return false;
  }
  return true;
}

async function aptCommand(p: PackageContext, command: string, args: string[], pkgs: unknown): Promise<void> {
  const si = sysInfo(p.cfg);
  const wrapper = (si.apt_get_wrapper && typeof si.apt_get_wrapper === 'object' ? si.apt_get_wrapper : {}) as Dict;
  const wcmd = wrapper.command === undefined ? ['eatmydata'] : Array.isArray(wrapper.command) ? wrapper.command.map(pyStr) : [pyStr(wrapper.command)];
  const mode = wrapper.enabled ?? 'auto';
  const useWrapper = isTrue(mode) || (pyStr(mode).toLowerCase() === 'auto' && !!wcmd[0] && !!(await which(p.host, wcmd[0])));
  const cmd = [...(useWrapper ? wcmd : []), ...(Array.isArray(si.apt_get_command) ? si.apt_get_command.map(pyStr) : APT_GET_COMMAND), ...args];
  cmd.push(command === 'upgrade' ? (si.apt_get_upgrade_subcommand !== undefined ? pyStr(si.apt_get_upgrade_subcommand) : 'dist-upgrade') : command);
  cmd.push(...expandPackageList(pkgs ?? [], '='));
  const start = p.host.clock.now();
  p.log('DEBUG', 'Waiting for apt lock');
  while (p.host.clock.now() - start < APT_LOCK_WAIT_MS / 1000) {
    if (!(await aptLockAvailable(p.host))) {
      await p.host.clock.sleep(1000);
      continue;
    }
    p.log('DEBUG', 'apt lock available');
    const t0 = p.host.clock.now();
    try {
      await runChecked(p.host, cmd, { env: { DEBIAN_FRONTEND: 'noninteractive' }, capture: false });
      return;
    } catch (e) {
      // another dpkg may have taken the lock between our look and apt's start
      if (await aptLockAvailable(p.host)) throw e;
      p.log('DEBUG', 'Another process holds apt lock. Waiting...');
      await p.host.clock.sleep(1000);
    } finally {
      p.log('DEBUG', `apt-${command} [${cmd.join(' ')}] took ${(p.host.clock.now() - t0).toFixed(3)} seconds`);
    }
  }
  throw new Error('Could not get apt lock');
}

async function yumCommand(p: PackageContext, command: string, args: string[], pkgs: unknown): Promise<void> {
  let cmd: string[];
  if (await which(p.host, 'dnf')) {
    p.log('DEBUG', 'Using DNF for package management');
    cmd = ['dnf'];
  } else {
    p.log('DEBUG', 'Using YUM for package management');
    cmd = ['yum', '-t'];
  }
  cmd.push('-y', ...args, command, ...expandPackageList(pkgs ?? [], '-'));
  await runChecked(p.host, cmd, { capture: false });
}

/** distro.package_command(command, args, pkgs). */
export async function packageCommand(p: PackageContext, command: string, opts: { args?: string[]; pkgs?: unknown } = {}): Promise<void> {
  const args = opts.args ?? [];
  switch (p.distro.info.packageManager) {
    case 'apt':
      return aptCommand(p, command, args, opts.pkgs);
    case 'dnf':
      return yumCommand(p, command, args, opts.pkgs);
    default:
      throw new Error(`package management with ${p.distro.info.packageManager} is not implemented in kindling-init`);
  }
}

/** distro.update_package_sources: once per instance. */
export async function updatePackageSources(p: PackageContext): Promise<void> {
  const name = 'update-sources';
  if (p.sems && (await p.sems.hasRun(name, PER_INSTANCE))) {
    p.log('DEBUG', `${name} already ran (freq=${PER_INSTANCE})`);
    return;
  }
  const marker = p.sems ? await p.sems.mark(name, PER_INSTANCE) : undefined;
  p.log('DEBUG', `Running ${name} using lock (${marker ?? '<cloudinit.helpers.DummyLock>'})`);
  await packageCommand(p, p.distro.info.packageManager === 'apt' ? 'update' : 'makecache');
}

/** distro.install_packages: Debian updates the index first (once per instance). */
export async function installPackages(p: PackageContext, pkgs: unknown): Promise<void> {
  if (p.distro.info.packageManager === 'apt') await updatePackageSources(p);
  await packageCommand(p, 'install', { pkgs });
}

