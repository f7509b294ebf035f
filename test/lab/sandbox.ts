// A namespace "machine": a named network namespace plus private mount, UTS, IPC and PID namespaces,
// held open by a tiny init (PID 1 inside). Commands join it with nsenter. When the init dies, the
// kernel kills everything in its PID namespace and the mount namespace (with every mount made in it)
// goes away, so a lab process that dies leaves no process or mount behind. The init itself dies with
// us through a parent-death signal on the unshare(1) that forked it.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { command, type CommandOptions, type CommandResult } from './command.js';
import { track, untrack } from './reaper.js';

// PID 1 must reap orphans (dhclient, sshd, FUSE daemons daemonize); bash reaps every child it is sent SIGCHLD for.
const INIT = 'trap "exit 0" TERM; echo ready; while :; do sleep 3600 & wait $!; done';

export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
}

/** A long-running process inside a sandbox (a server, dnsmasq, nginx). */
export class SandboxProcess {
  readonly exited: Promise<number>;
  private code: number | undefined;
  constructor(
    readonly name: string,
    readonly argv: readonly string[],
    readonly logFile: string,
    private readonly nsenterPid: number,
    exited: Promise<number>,
  ) {
    this.exited = exited.then((c) => (this.code = c));
  }

  get running(): boolean {
    return this.code === undefined;
  }

  /** The host PID of the process itself (nsenter forks it into the PID namespace). */
  get pid(): number | undefined {
    return childPids(this.nsenterPid)[0];
  }

  signal(sig: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid) process.kill(pid, sig);
  }

  /** SIGTERM, then SIGKILL after graceMs. Resolves with the exit code. */
  async stop(graceMs = 3000): Promise<number> {
    if (!this.running) return this.code!;
    try {
      this.signal('SIGTERM');
    } catch {}
    const timer = setTimeout(() => {
      try {
        this.signal('SIGKILL');
        process.kill(this.nsenterPid, 'SIGKILL');
      } catch {}
    }, graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}

export class Sandbox {
  private closed = false;
  private constructor(
    readonly netns: string,
    /** Host PID of the sandbox's init (PID 1 inside). */
    readonly pid: number,
    private readonly holder: ReturnType<typeof spawn>,
  ) {}

  static async create(netns: string): Promise<Sandbox> {
    track('netns', netns);
    await command(['ip', 'netns', 'add', netns]);
    await command(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
    const holder = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', 'ip', 'netns', 'exec', netns,
       'unshare', '--mount', '--uts', '--ipc', '--pid', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private',
       '--', 'bash', '-c', INIT],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    holder.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`namespace ${netns}: init exited (${code}): ${stderr}`)));
    });
    holder.stdout!.resume();
    const pid = childPids(holder.pid!)[0];
    if (!pid) throw new Error(`namespace ${netns}: cannot find its init`);
    track('pid', pid);
    holder.unref();
    return new Sandbox(netns, pid, holder);
  }

  /** argv prefix that runs a command inside (all namespaces, working directory cwd). */
  enter(cwd = '/'): string[] {
    return ['nsenter', `--target=${this.pid}`, '--net', '--mount', '--uts', '--ipc', '--pid', `--wd=${cwd}`, '--'];
  }

  /** Runs argv inside to completion. A timeout kills the command inside, not just nsenter. */
  exec(argv: readonly string[], opts: CommandOptions & { cwd?: string } = {}): Promise<CommandResult> {
    const limit = opts.timeoutMs ? ['timeout', '--kill-after=2', `${Math.ceil(opts.timeoutMs / 1000)}s`] : [];
    return command([...this.enter(opts.cwd), ...limit, ...argv], { ...opts, timeoutMs: opts.timeoutMs ? opts.timeoutMs + 5000 : undefined });
  }

  spawn(name: string, argv: readonly string[], opts: SpawnOptions): SandboxProcess {
    const fd = openSync(opts.logFile, 'a');
    const all = [...this.enter(opts.cwd ?? process.cwd()), ...argv];
    const child = spawn(all[0]!, all.slice(1), { stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
    closeSync(fd);
    const exited = new Promise<number>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 + 15 : 1))));
    child.once('error', () => {});
    child.unref();
    return new SandboxProcess(name, argv, opts.logFile, child.pid!, exited);
  }

  /** Host PIDs of every process in the sandbox's PID namespace, init included. */
  processes(): number[] {
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${this.pid}/ns/pid`);
    } catch {
      return [];
    }
    const out: number[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (readlinkSync(`/proc/${name}/ns/pid`) === ns) out.push(Number(name));
      } catch {}
    }
    return out;
  }

  /** Kills every process but init, as a reboot would, and waits until they are gone. */
  async killAllButInit(): Promise<void> {
    for (let round = 0; round < 100; round++) {
      // init's own `sleep` is harmless (and would only be replaced); everything else goes
      const initSleep = new Set(childPids(this.pid).filter((p) => comm(p) === 'sleep'));
      const victims = this.processes().filter((p) => p !== this.pid && !initSleep.has(p));
      if (!victims.length) return;
      for (const p of victims) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`namespace ${this.netns}: processes survive SIGKILL`);
  }

  /** A path as this sandbox's processes see it (mounts made inside included), readable from the host. */
  hostPath(path: string): string {
    return `/proc/${this.pid}/root${path.startsWith('/') ? '' : '/'}${path}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {}
    for (let i = 0; i < 100 && this.processes().length; i++) await new Promise((r) => setTimeout(r, 20));
    untrack('pid', this.pid);
    this.holder.removeAllListeners();
    await command(['ip', 'netns', 'del', this.netns], { allowFailure: true });
    untrack('netns', this.netns);
  }
}
