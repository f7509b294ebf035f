// A Host over a scratch directory for the network tests: guest paths map under the directory,
// writes are atomic (temp file + rename) with the requested mode, commands go to a script that
// must know them, log lines are kept. (The agent's rooted test host replaces this once it is on main.)
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FileStat, Host, HostFs, LogLevel, RunResult } from '../../src/agent/host/host.js';

export type Script = (argv: string[]) => RunResult | undefined;

export interface ScratchHost extends Host {
  root: string;
  calls: string[][];
  logs: Array<{ level: LogLevel; message: string }>;
  plant(path: string, text: string, mode?: number): void;
  link(target: string, path: string): void;
  read(path: string): string;
  cleanup(): void;
}

function toStat(st: import('node:fs').Stats): FileStat {
  const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  return { kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs };
}

export function scratchHost(script: Script = () => undefined): ScratchHost {
  const root = mkdtempSync(join(tmpdir(), 'kindling-net-root-'));
  const at = (p: string) => join(root, p);
  const calls: string[][] = [];
  const logs: Array<{ level: LogLevel; message: string }> = [];
  const fs: HostFs = {
    root,
    readFile: async (p) => readFileSync(at(p)),
    readText: async (p) => readFileSync(at(p), 'utf8'),
    readTextIfExists: async (p) => (existsSync(at(p)) ? readFileSync(at(p), 'utf8') : undefined),
    exists: async (p) => existsSync(at(p)),
    stat: async (p) => (existsSync(at(p)) ? toStat(statSync(at(p))) : undefined),
    lstat: async (p) => {
      try {
        return toStat(lstatSync(at(p)));
      } catch {
        return undefined;
      }
    },
    readdir: async (p) => (existsSync(at(p)) ? readdirSync(at(p)).sort() : []),
    readlink: async (p) => {
      try {
        return readlinkSync(at(p));
      } catch {
        return undefined;
      }
    },
    writeFile: async (p, data, opts) => {
      mkdirSync(dirname(at(p)), { recursive: true });
      const tmp = `${at(p)}.tmp-${process.pid}`;
      writeFileSync(tmp, data);
      chmodSync(tmp, opts?.mode ?? 0o644);
      if (opts?.uid !== undefined && opts.gid !== undefined) chownSync(tmp, opts.uid, opts.gid);
      renameSync(tmp, at(p));
    },
    appendFile: async () => {
      throw new Error('not used');
    },
    mkdir: async (p) => void mkdirSync(at(p), { recursive: true }),
    symlink: async (t, p) => symlinkSync(t, at(p)),
    chmod: async (p, m) => chmodSync(at(p), m),
    chown: async (p, u, g) => chownSync(at(p), u, g),
    remove: async (p, o) => rmSync(at(p), { recursive: !!o?.recursive, force: true }),
    rename: async (a, b) => renameSync(at(a), at(b)),
    resolve: (p) => at(p),
  };
  return {
    root, calls, logs, fs,
    run: async (argv) => {
      calls.push(argv);
      const r = script(argv);
      if (!r) throw new Error(`unexpected command: ${argv.join(' ')}`);
      return r;
    },
    http: async () => {
      throw new Error('no network in this test');
    },
    clock: { now: () => 0, uptime: async () => 0, sleep: async () => {} },
    log: { log: (level, _logger, message) => void logs.push({ level, message }) },
    output: { out: () => {}, err: () => {}, console: () => {} },
    plant(p, text, mode = 0o644) {
      mkdirSync(dirname(at(p)), { recursive: true });
      writeFileSync(at(p), text);
      chmodSync(at(p), mode);
    },
    link(target, p) {
      mkdirSync(dirname(at(p)), { recursive: true });
      symlinkSync(target, at(p));
    },
    read: (p) => readFileSync(at(p), 'utf8'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  } as ScratchHost;
}

/** A NIC in the scratch root's sysfs. */
export function plantNic(h: ScratchHost, name: string, mac: string, opts: { carrier?: boolean; operstate?: string } = {}): void {
  const dev = `/sys/devices/pci0000:00/0000:00:03.0/net/${name}`;
  h.plant(`${dev}/address`, `${mac}\n`);
  h.plant(`${dev}/addr_assign_type`, '0\n');
  h.plant(`${dev}/type`, '1\n');
  h.plant(`${dev}/carrier`, opts.carrier === false ? '0\n' : '1\n');
  h.plant(`${dev}/operstate`, `${opts.operstate ?? 'up'}\n`);
  h.plant(`${dev}/name_assign_type`, '4\n');
  h.link(`../../devices/pci0000:00/0000:00:03.0/net/${name}`, `/sys/class/net/${name}`);
}

/** The tools and files that make a renderer available in the scratch root. */
export function plantEni(h: ScratchHost): void {
  for (const t of ['ifquery', 'ifup', 'ifdown']) h.plant(`/sbin/${t}`, '#!/bin/sh\n', 0o755);
  h.plant('/etc/network/interfaces', 'source /etc/network/interfaces.d/*\n');
}
