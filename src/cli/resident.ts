// The resident agent: one Node process for a boot's stages. A Node start costs about 70 ms of CPU
// even from the startup snapshot, a quarter of a reboot's whole cost when each of the four stages
// starts its own. So packaging/bin/kindling-init, run by the local stage's unit as
// `kindling-init init --local`, starts this process once (from the snapshot when there is one) and
// hands it that stage; the network, config and final stages' units run the same script, which finds
// the resident agent and hands it their command line instead of starting Node. Each stage still is
// its own command for systemd: the script relays the stage's stdout and stderr as they come, and
// exits with the stage's exit code.
//
// The protocol (the script's side is in packaging/bin/kindling-init), in a directory only root can
// enter (/run/kindling-init/resident, 0700, root's):
//   - `in`: the FIFO of requests. The script that starts the agent gives it the FIFO, opened
//     read-write, as its fd 3, so that the first request, written before the agent runs, waits there;
//     the agent opens it again close-on-exec and closes fd 3 (what the stages start must not hold
//     it), and writes `agent`: "PID FD", which clients check (/proc/PID/fd/FD is the FIFO) before they
//     trust the pid. A request is one line, "CLIENT WAITER": the client script's pid and the pid of
//     the process it waits on;
//   - `CLIENT.req`: what to run: the program name, the root (KINDLING_INIT_ROOT) and the arguments,
//     one per line; `CLIENT.out` and `CLIENT.err`: FIFOs the client reads;
//   - the agent runs the stage with the client's out and err as its stdout and stderr, closes them,
//     writes `CLIENT.rc` (the exit code, or "fallback": not a command it runs) and ends the waiter;
//   - the client waits for the waiter, which also ends if the agent dies (`tail --pid`): no rc means
//     the agent died, and the client runs the stage itself, as it does when there is no agent.
// The agent exits after the final stage, after IDLE_MS without a request, and at SIGTERM, and removes
// the directory. Only the units' own command lines go to it (STAGE_COMMANDS); anything else starts
// Node as before.
import * as fs from 'node:fs';
import type { StageIo } from './init/args.js';
import { net } from '../agent/host/lazy-builtins.js';

export const RESIDENT_FLAG = '--kindling-init-resident';
export const RESIDENT_DIR = '/run/kindling-init/resident';

/** The stages' command lines, as the units run them (packaging/systemd) and in their other spellings; as the script matches them. */
const LAST_STAGES = ['modules --mode=final', 'modules --mode final', 'modules -m final'];
export const STAGE_COMMANDS = new Set(['init --local', 'init -l', 'init', 'modules --mode=config', 'modules --mode config', 'modules -m config', ...LAST_STAGES]);
/** Longer than a boot waits between two stages (systemd-networkd-wait-online gives up after 2 minutes). */
const IDLE_MS = 10 * 60_000;
/** How long a client has to open its FIFOs. */
const OPEN_MS = 10_000;

type RunCommand = (argv: string[], io: StageIo) => Promise<number>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// (made on first use: a startup snapshot is built without SharedArrayBuffer; where it is missing, a spin)
let sleepCell: Int32Array | undefined;
function sleepSync(ms: number): void {
  if (typeof SharedArrayBuffer === 'function') {
    Atomics.wait((sleepCell ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);
    return;
  }
  for (const end = Date.now() + ms; Date.now() < end; );
}

/** A directory that is root's and that nobody else can enter. */
function privateDir(path: string): boolean {
  const st = fs.lstatSync(path, { throwIfNoEntry: false });
  return !!st && st.isDirectory() && st.uid === 0 && (st.mode & 0o077) === 0;
}

/**
 * Opens the client's FIFO for writing without ever blocking: non-blocking, retried until the client's
 * reader is there (it is started just before the request, so this is a few milliseconds).
 */
async function openWriter(path: string, client: number): Promise<number | undefined> {
  const deadline = Date.now() + OPEN_MS;
  for (;;) {
    try {
      const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
      if (!fs.fstatSync(fd).isFIFO()) {
        fs.closeSync(fd);
        return undefined;
      }
      return fd;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline || !alive(client)) return undefined;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/** Writes all of it to a non-blocking pipe, waiting while the pipe is full; a client that is gone gets nothing more. */
function pipeWriter(fd: number, client: number): (text: string) => void {
  let broken = false;
  return (text) => {
    if (broken) return;
    const b = Buffer.from(text, 'utf8');
    for (let off = 0; off < b.length; ) {
      try {
        off += fs.writeSync(fd, b, off, b.length - off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN' && alive(client)) {
          sleepSync(1);
          continue;
        }
        broken = true; // EPIPE: the client's reader is gone
        return;
      }
    }
  };
}

/** A request's files: CLIENT.req, CLIENT.out, CLIENT.err, CLIENT.rc (and rc's temporary). */
const REQUEST_FILES = ['req', 'out', 'err', 'rc', 'rc.tmp'];

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, path);
}

export class ResidentAgent {
  /** Paths of the requests answered before the current one (their clients have read their rc). */
  private served: string[] = [];
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly dir: string,
    private readonly run: RunCommand,
    private readonly inherited = 3,
  ) {}

  /** Serves requests until the final stage, the idle limit or SIGTERM; never returns. */
  async serve(): Promise<never> {
    if (!privateDir(this.dir) || !fs.fstatSync(this.inherited).isFIFO()) {
      process.stderr.write(`kindling-init: ${this.dir} is not a private directory of root's with the request FIFO on fd ${this.inherited}\n`);
      process.exit(2);
    }
    // The FIFO again, close-on-exec (what the stages run must not inherit it), before the inherited
    // descriptor is closed: it holds the requests written before we got here. Then `agent` says who
    // we are: clients check that this pid has this descriptor on the FIFO.
    const requests = fs.openSync(`${this.dir}/in`, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
    if (!fs.fstatSync(requests).isFIFO()) process.exit(2);
    fs.closeSync(this.inherited);
    writeAtomic(`${this.dir}/agent`, `${process.pid} ${requests}\n`);
    process.once('SIGTERM', () => this.exit(143));
    this.armIdle();
    // Read by the event loop (a pipe handle, non-blocking), never by a blocking read in the thread
    // pool: a thread blocked on the FIFO would keep process.exit() from ever finishing.
    const pipe = new (net().Socket)({ fd: requests, readable: true, writable: false });
    pipe.setEncoding('latin1');
    let pending = '';
    let queue = Promise.resolve();
    pipe.on('data', (chunk: string) => {
      pending += chunk;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        queue = queue.then(() => this.serveOne(line));
      }
    });
    // cannot end while we hold the FIFO read-write; but never linger without requests
    pipe.on('end', () => this.exit(0));
    pipe.on('error', () => this.exit(0));
    return new Promise<never>(() => undefined);
  }

  private async serveOne(line: string): Promise<void> {
    clearTimeout(this.idle);
    const last = await this.handle(line);
    if (last) this.exit(0, last);
    this.armIdle();
  }

  private armIdle(): void {
    this.idle = setTimeout(() => this.exit(0), IDLE_MS);
  }

  /**
   * One request. Whatever happens, its client gets an answer: the stage's exit code, or "fallback"
   * when the stage did not start here (the client then runs it itself). When it was the boot's last
   * stage, returns its client and waiter, for exit().
   */
  private async handle(line: string): Promise<{ client: number; waiter: number } | undefined> {
    const m = /^(\d+) (\d+)$/.exec(line);
    if (!m) return undefined;
    const client = Number(m[1]);
    const waiter = Number(m[2]);
    const r = `${this.dir}/${client}`;
    let rc = 'fallback';
    let last = false;
    let out: number | undefined;
    let err: number | undefined;
    try {
      for (const p of this.served.splice(0)) if (p !== r) for (const f of REQUEST_FILES) fs.rmSync(`${p}.${f}`, { force: true });
      this.served.push(r);
      const req = fs.lstatSync(`${r}.req`, { throwIfNoEntry: false });
      if (!alive(client) || !req || !req.isFile() || req.uid !== 0) return undefined;
      const [prog = '', root = '', ...args] = fs.readFileSync(`${r}.req`, 'utf8').replace(/\n$/, '').split('\n');
      const command = args.join(' ');
      if (!STAGE_COMMANDS.has(command)) return undefined;
      out = await openWriter(`${r}.out`, client);
      err = await openWriter(`${r}.err`, client);
      // a client that is gone or broken: nothing ran, so a client still there runs it itself
      if (out === undefined || err === undefined) return undefined;
      setEnv('KINDLING_INIT_PROG', prog);
      setEnv('KINDLING_INIT_ROOT', root);
      last = LAST_STAGES.includes(command);
      rc = '1';
      const stderr = pipeWriter(err, client);
      try {
        rc = String(await this.run(args, { stdout: pipeWriter(out, client), stderr }));
      } catch (e) {
        stderr(`kindling-init: ${(e as Error)?.stack ?? String(e)}\n`);
      }
    } catch {
      // (the request's files: nothing ran if rc is still "fallback")
    } finally {
      for (const fd of [out, err]) if (fd !== undefined) fs.closeSync(fd);
      try {
        this.reply(r, rc, last ? undefined : waiter);
      } catch {
        // no rc: the client sees the waiter end with none, as if the agent were gone, and runs the stage
        if (last) process.kill(waiter, 'SIGTERM');
      }
    }
    return last ? { client, waiter } : undefined;
  }

  /** Writes the exit code (unless undefined) and ends the waiter (when given). */
  private reply(r: string, rc: string | undefined, waiter: number | undefined): void {
    try {
      if (rc !== undefined) writeAtomic(`${r}.rc`, `${rc}\n`);
    } finally {
      try {
        if (waiter !== undefined) process.kill(waiter, 'SIGTERM');
      } catch {
        // the waiter is gone (its client too)
      }
    }
  }

  /**
   * Removes the directory and exits. After the boot's last stage, that request's files stay for its
   * client (which removes the directory), and its waiter is ended last, as the process exits.
   */
  private exit(code: number, last?: { client: number; waiter: number }): never {
    try {
      if (last === undefined) fs.rmSync(this.dir, { recursive: true, force: true });
      else for (const f of fs.readdirSync(this.dir)) if (!f.startsWith(`${last.client}.`)) fs.rmSync(`${this.dir}/${f}`, { recursive: true, force: true });
    } finally {
      if (last) this.reply(`${this.dir}/${last.client}`, undefined, last.waiter);
      process.exit(code);
    }
  }
}

function setEnv(name: string, value: string): void {
  if (value) process.env[name] = value;
  else delete process.env[name];
}
