// `collect-logs`: a gzipped tarball for bug reports, as cloud-init's: the agent version, dmesg,
// the journal of this boot, cloud-init's logs, /run/cloud-init (without
// instance-data-sensitive.json unless root), user-data only when asked and only for root, and
// /var/lib/cloud/data when the agent was disabled. Because root's tarball holds
// instance-data-sensitive.json (user-data and vendor-data), it is written 0600.
import type { Host } from '../host/host.js';
import { configLogfiles, verbConfig } from './verb-config.js';
import { tarArchive, type TarEntry } from './tar.js';
import { zlib } from '../host/lazy-builtins.js';
import { CLOUD_INIT_COMPAT_VERSION, KINDLING_INIT_VERSION } from '../version.js';
import { ProcessError } from '../modules/run-checked.js';

export interface CollectArgs {
  tarfile: string;
  includeUserdata: boolean;
  verbosity: number;
  uid: number;
  /** The date for the directory name (UTC). */
  now: Date;
}

const INSTALLER_FILES = [
  '/var/log/installer/ubuntu_desktop_installer.log',
  '/var/log/installer/subiquity-server-debug.log',
  '/var/log/installer/subiquity-client-debug.log',
  '/var/log/installer/curtin-install.log',
  '/var/log/installer/subiquity-curtin-install.conf',
  '/var/log/installer/curtin-install/subiquity-initial.conf',
  '/var/log/installer/curtin-install/subiquity-curthooks.conf',
  '/var/log/installer/curtin-install/subiquity-extract.conf',
  '/var/log/installer/curtin-install/subiquity-partitioning.conf',
  '/var/log/installer/curtin-error-logs.tar',
  '/var/log/installer/curtin-errors.tar',
  '/var/log/installer/block/probe-data.json',
];
const INSTALLER_SENSITIVE_FILES = ['/var/log/installer/autoinstall-user-data', '/autoinstall.yaml', '/etc/cloud/cloud.cfg.d/99-installer.cfg'];

export async function collectLogs(host: Host, a: CollectArgs, stderr: (m: string) => void): Promise<{ code: number; tar?: Buffer }> {
  const debug = (m: string, level: number) => level <= a.verbosity && stderr(m);
  if (a.includeUserdata && a.uid !== 0) {
    stderr('To include userdata, root user is required. Try sudo cloud-init collect-logs\n');
    return { code: 1 };
  }
  const { cfg, paths } = await verbConfig(host);
  const d = a.now;
  const top = `cloud-init-logs-${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
  const mtime = Math.floor(d.getTime() / 1000);
  const entries = new Map<string, TarEntry>();
  const addDirs = (path: string) => {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!entries.has(dir)) entries.set(dir, { name: dir, kind: 'dir', mode: 0o755, mtime });
    }
  };
  const addFile = (rel: string, data: Buffer, mode = 0o644, fileMtime = mtime) => {
    const name = `${top}/${rel}`;
    addDirs(name);
    entries.set(name, { name, kind: 'file', mode, mtime: fileMtime, data });
  };
  entries.set(top, { name: top, kind: 'dir', mode: 0o755, mtime });
  const command = async (argv: string[], rel: string, msg: string): Promise<string | undefined> => {
    const r = await host.run(argv);
    if (r.code !== 0 || r.error) {
      addFile(rel, Buffer.from(new ProcessError(argv, r).message));
      debug(`collecting ${msg} failed.\n`, 1);
      return undefined;
    }
    addFile(rel, Buffer.from(r.stdout));
    debug(`collected ${msg}\n`, 1);
    return r.stdout;
  };
  // this agent is the cloud-init command: its version needs no process
  const version = `cloud-init ${CLOUD_INIT_COMPAT_VERSION} (kindling-init ${KINDLING_INIT_VERSION})\n`;
  addFile('version', Buffer.from(version));
  debug('collected cloud-init --version\n', 1);
  await command(['dpkg-query', '--show', '-f=${Version}\n', 'cloud-init'], 'dpkg-version', 'dpkg version');
  debug(`collected cloud-init version: ${version.trim()}\n`, 1);
  await command(['dmesg'], 'dmesg.txt', 'dmesg output');
  await command(['journalctl', '--boot=0', '-o', 'short-precise'], 'journal.txt', 'systemd journal of current boot');
  const collect = async (path: string, rel: string) => {
    const st = await host.fs.stat(path).catch(() => undefined);
    if (st?.kind !== 'file') {
      debug(`file ${path} did not exist\n`, 2);
      return;
    }
    addFile(rel, await host.fs.readFile(path), st.mode & 0o777, Math.floor(st.mtimeMs / 1000));
    debug(`collected file: ${path}\n`, 1);
  };
  for (const f of configLogfiles(cfg)) await collect(f, f.split('/').pop() as string);
  if (a.includeUserdata) await collect(paths.ipathCur('userdata_raw'), 'user-data.txt');
  for (const f of INSTALLER_FILES) await collect(f, f.slice(1));
  if (a.includeUserdata) for (const f of INSTALLER_SENSITIVE_FILES) await collect(f, f.slice(1));
  const runDir = paths.runDir;
  addDirs(`${top}/run/x`);
  if ((await host.fs.stat(runDir))?.kind === 'dir') {
    const skip = new Set(['hook-hotplug-cmd', ...(a.uid !== 0 ? ['instance-data-sensitive.json'] : [])]);
    const walk = async (dir: string, rel: string) => {
      for (const name of await host.fs.readdir(dir)) {
        if (skip.has(name)) continue;
        const p = `${dir}/${name}`;
        // copytree follows links, as cloud-init's does (status.json is a link into /var/lib/cloud)
        const st = await host.fs.stat(p).catch(() => undefined);
        if (!st) {
          stderr(`Failed collecting file(s) due to error:\n${p}: no such file (dangling link)\n`);
          continue;
        }
        if (st.kind === 'dir') await walk(p, `${rel}/${name}`);
        else if (st.kind === 'file') {
          try {
            addFile(`${rel}/${name}`, await host.fs.readFile(p), st.mode & 0o777, Math.floor(st.mtimeMs / 1000));
          } catch (e) {
            stderr(`Failed collecting file(s) due to error:\n${p}: ${(e as Error).message}\n`);
          }
        }
      }
    };
    await walk(runDir, 'run/cloud-init');
    debug(`collected dir ${runDir}\n`, 1);
  } else debug(`directory '${runDir}' did not exist\n`, 1);
  if (await host.fs.exists(`${runDir}/disabled`)) {
    const dataDir = paths.cpath('data');
    for (const name of await host.fs.readdir(dataDir)) await collect(`${dataDir}/${name}`, `${dataDir.slice(1)}/${name}`);
  }
  const tar = zlib().gzipSync(tarArchive([...entries.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))));
  return { code: 0, tar };
}
