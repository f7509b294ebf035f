// The real command runner: argv only (no shell), run inside the host's root with chroot unless the
// caller says the tool handles the root itself, bounded by a timeout, output captured or streamed
// to the stage's output.
import { childProcess } from './lazy-builtins.js';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Output, RunOptions, RunResult, Runner } from './host.js';

export interface NodeRunnerOptions {
  /** The host's root; commands run under `chroot ROOT` when it is not `/`. */
  root: string;
  /** Where capture:false output goes. */
  output?: Output;
  /** Base environment (default: the agent's own). */
  env?: NodeJS.ProcessEnv;
}

export function nodeRunner(o: NodeRunnerOptions): Runner {
  const baseEnv = o.env ?? process.env;
  return (argv: string[], opts: RunOptions = {}): Promise<RunResult> => {
    if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string')) {
      return Promise.reject(new Error('run: argv must be a non-empty array of strings'));
    }
    const useChroot = (opts.chroot ?? true) && o.root !== '/';
    let cmd = argv;
    if (useChroot) {
      // chroot keeps our cwd outside the root; `--` stops it from reading argv[0] as an option.
      cmd = opts.cwd
        ? ['chroot', o.root, '/bin/sh', '-c', 'cd "$1" && shift && exec "$@"', 'sh', opts.cwd, ...argv]
        : ['chroot', '--', o.root, ...argv];
    }
    const env = opts.env ? { ...baseEnv, ...opts.env } : baseEnv;
    const capture = opts.capture ?? true;
    return new Promise((resolvePromise) => {
      let settled = false;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const child = childProcess().spawn(cmd[0] as string, cmd.slice(1), {
        env,
        cwd: !useChroot && opts.cwd ? join(o.root, opts.cwd) : undefined,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let timer: NodeJS.Timeout | undefined;
      const finish = (r: RunResult) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolvePromise(r);
      };
      if (opts.timeoutMs && opts.timeoutMs > 0) {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          finish({
            code: 124,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            error: `timed out after ${opts.timeoutMs} ms`,
          });
        }, opts.timeoutMs);
      }
      child.stdout.on('data', (b: Buffer) => (capture || !o.output ? out.push(b) : o.output.out(b.toString('utf8'))));
      child.stderr.on('data', (b: Buffer) => (capture || !o.output ? err.push(b) : o.output.err(b.toString('utf8'))));
      child.on('error', (e: NodeJS.ErrnoException) => {
        finish({ code: e.code === 'ENOENT' ? 127 : 126, stdout: '', stderr: '', error: `${e.code ?? ''} ${e.message}`.trim() });
      });
      child.on('close', (code, signal) => {
        const bytes = Buffer.concat(out);
        finish({
          code: code ?? (signal ? 128 + signalNumber(signal) : 1),
          stdout: bytes.toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          ...(opts.binary ? { stdoutBytes: bytes } : {}),
        });
      });
      child.stdin.on('error', () => {}); // a child that exits without reading its input
      if (opts.input !== undefined) child.stdin.end(opts.input);
      else child.stdin.end();
    });
  };
}

function signalNumber(sig: NodeJS.Signals): number {
  const n: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGSEGV: 11, SIGABRT: 6, SIGPIPE: 13 };
  return n[sig] ?? 0;
}

/** Detached commands for Host.background: no stdin, stdout and stderr to a file in the root. */
export function nodeBackgroundRunner(o: { root: string; resolve: (p: string) => string }): import('./host.js').BackgroundRunner {
  return async (argv, opts) => {
    const useChroot = o.root !== '/';
    const cmd = useChroot ? ['chroot', '--', o.root, ...argv] : argv;
    const fd = fs.openSync(o.resolve(opts.output), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o600);
    try {
      const child = childProcess().spawn(cmd[0] as string, cmd.slice(1), {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
      child.unref();
    } finally {
      fs.closeSync(fd);
    }
  };
}
