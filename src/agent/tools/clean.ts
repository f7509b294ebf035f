// `clean`: resets the machine so that the next boot is a first boot, as cloud-init's clean does:
// everything under /var/lib/cloud except the seed (unless --seed), the logs with --logs, the
// network and sshd drop-ins cloud-init generated with --configs, /etc/machine-id with
// --machine-id, then the executables in /etc/cloud/clean.d, and a reboot with --reboot.
import type { Host } from '../host/host.js';
import { configLogfiles, verbConfig } from './verb-config.js';

export interface CleanArgs {
  logs: boolean;
  seed: boolean;
  machineId: boolean;
  reboot: boolean;
  configs: string[];
}

const CLEAN_RUNPARTS_DIR = '/etc/cloud/clean.d';
const GEN_NET_CONFIG_FILES = [
  '/etc/netplan/50-cloud-init.yaml',
  '/etc/NetworkManager/conf.d/99-cloud-init.conf',
  '/etc/NetworkManager/conf.d/30-cloud-init-ip6-addr-gen-mode.conf',
  '/etc/NetworkManager/system-connections/cloud-init-*.nmconnection',
  '/etc/systemd/network/10-cloud-init-*.network',
  '/etc/network/interfaces.d/50-cloud-init.cfg',
];
const GEN_SSH_CONFIG_FILES = ['/etc/ssh/sshd_config.d/50-cloud-init.conf'];

async function glob(host: Host, pattern: string): Promise<string[]> {
  const dir = pattern.slice(0, pattern.lastIndexOf('/'));
  const base = pattern.slice(pattern.lastIndexOf('/') + 1);
  if (!base.includes('*')) return (await host.fs.lstat(pattern)) ? [pattern] : [];
  const re = new RegExp(`^${base.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (await host.fs.readdir(dir)).filter((n) => re.test(n)).map((n) => `${dir}/${n}`);
}

/** remove_artifacts: logs, generated configs, /var/lib/cloud, then clean.d. 0, or 1 on failure. */
async function removeArtifacts(host: Host, a: CleanArgs, err: (m: string) => void): Promise<number> {
  const { cfg, paths } = await verbConfig(host);
  if (a.logs) for (const f of configLogfiles(cfg)) await host.fs.remove(f);
  const all = a.configs.includes('all');
  if (all || a.configs.includes('network')) for (const p of GEN_NET_CONFIG_FILES) for (const f of await glob(host, p)) await host.fs.remove(f);
  if (all || a.configs.includes('ssh_config')) for (const f of GEN_SSH_CONFIG_FILES) await host.fs.remove(f);
  if ((await host.fs.stat(paths.cloudDir))?.kind !== 'dir') return 0;
  for (const name of await host.fs.readdir(paths.cloudDir)) {
    const p = `${paths.cloudDir}/${name}`;
    if (p === paths.seedDir && !a.seed) continue;
    try {
      await host.fs.remove(p, { recursive: true });
    } catch (e) {
      err(`Could not remove ${p}: ${(e as Error).message}`);
      return 1;
    }
  }
  const failed: string[] = [];
  let attempted = 0;
  for (const name of await host.fs.readdir(CLEAN_RUNPARTS_DIR)) {
    const p = `${CLEAN_RUNPARTS_DIR}/${name}`;
    const st = await host.fs.stat(p);
    if (st?.kind !== 'file' || !(st.mode & 0o111)) continue;
    attempted++;
    const r = await host.run([p], { capture: false });
    if (r.code !== 0 || r.error) failed.push(name);
  }
  if (failed.length) {
    err(`Failure during run-parts of ${CLEAN_RUNPARTS_DIR}: Runparts: ${failed.length} failures (${failed.join(',')}) in ${attempted} attempted commands`);
    return 1;
  }
  return 0;
}

export async function clean(host: Host, a: CleanArgs, err: (m: string) => void): Promise<number> {
  let code = await removeArtifacts(host, a, err);
  // as cloud-init: the machine id goes whatever happened above; the reboot only after a clean reset
  if (a.machineId) await host.fs.remove('/etc/machine-id');
  if (code === 0 && a.reboot) {
    const cmd = ['shutdown', '-r', 'now'];
    const r = await host.run(cmd, { capture: false });
    if (r.code !== 0 || r.error) {
      err(`Could not reboot this system using "${JSON.stringify(cmd)}": exit ${r.code}`);
      code = 1;
    }
  }
  return code;
}
