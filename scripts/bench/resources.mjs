// What a benchmark script starts, and its clean-up: temporary directories and child processes
// (with their own children: nginx's workers, kindling's cluster workers, which would otherwise
// outlive a parent killed first and keep their ports and CPU). Clean-up runs at exit and on ^C.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The pids of a process's direct children. */
export function childPids(pid) {
  const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').filter(Boolean).map(Number);
}

/** Kills a process's descendants (SIGKILL), then the process itself with `signal`. */
export function killTree(pid, signal) {
  for (const child of childPids(pid)) killTree(child, 'SIGKILL');
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

/** signal: what the tracked processes get at clean-up (their descendants always get SIGKILL). */
export function benchResources(signal = 'SIGTERM') {
  const children = [];
  const dirs = [];
  const cleanup = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) killTree(c.pid, signal);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  process.on('SIGINT', () => process.exit(130));
  return {
    cleanup,
    tempDir(prefix, mode = 0o700) {
      const d = mkdtempSync(join(tmpdir(), prefix));
      chmodSync(d, mode);
      dirs.push(d);
      return d;
    },
    /** spawn(argv), killed at clean-up. */
    spawn(argv, opts) {
      const p = spawn(argv[0], argv.slice(1), opts);
      children.push(p);
      return p;
    },
  };
}
