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
//   - `in`: a FIFO the agent reads from its fd 3 (opened read-write by the script that started it, so
//     that it never reads EOF and a request written before it reads is kept). A request is one line,
//     "CLIENT WAITER": the client script's pid and the pid of the process it waits on;
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
function pipeWriter(fd: number | undefined, client: number): (text: string) => void {
  let broken = fd === undefined;
  return (text) => {
    if (broken) return;
    const b = Buffer.from(text, 'utf8');
    for (let off = 0; off < b.length; ) {
      try {
        off += fs.writeSync(fd!, b, off, b.length - off);
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
    private readonly requests = 3,
  ) {}

  /** Serves requests until the final stage, the idle limit or SIGTERM; never returns. */
  async serve(): Promise<never> {
    if (!privateDir(this.dir) || !fs.fstatSync(this.requests).isFIFO()) {
      process.stderr.write(`kindling-init: ${this.dir} is not a private directory of root's with the request FIFO on fd ${this.requests}\n`);
      process.exit(2);
    }
    process.once('SIGTERM', () => this.exit(143));
    this.armIdle();
    const buf = Buffer.alloc(4096);
    let pending = '';
    for (;;) {
      const n = await new Promise<number>((resolve, reject) =>
        fs.read(this.requests, buf, 0, buf.length, null, (e, got) => (e ? reject(e) : resolve(got))),
      ).catch(() => 0);
      if (n === 0) this.exit(0); // cannot happen while we hold the FIFO read-write; but never spin
      pending += buf.toString('latin1', 0, n);
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        clearTimeout(this.idle);
        const last = await this.handle(line).catch(() => undefined);
        if (last) this.exit(0, last);
        this.armIdle();
      }
    }
  }

  private armIdle(): void {
    this.idle = setTimeout(() => this.exit(0), IDLE_MS);
  }

  /** One request; when it was the boot's last stage, its client and waiter, for exit(). */
  private async handle(line: string): Promise<{ client: number; waiter: number } | undefined> {
    const m = /^(\d+) (\d+)$/.exec(line);
    if (!m) return undefined;
    const client = Number(m[1]);
    const waiter = Number(m[2]);
    const r = `${this.dir}/${client}`;
    for (const p of this.served.splice(0)) for (const f of REQUEST_FILES) fs.rmSync(`${p}.${f}`, { force: true });
    const req = fs.lstatSync(`${r}.req`, { throwIfNoEntry: false });
    if (!alive(client) || !req || !req.isFile() || req.uid !== 0) return undefined;
    this.served.push(r);
    const [prog = '', root = '', ...args] = fs.readFileSync(`${r}.req`, 'utf8').replace(/\n$/, '').split('\n');
    const command = args.join(' ');
    if (!STAGE_COMMANDS.has(command)) {
      this.reply(r, 'fallback', waiter);
      return undefined;
    }
    const out = await openWriter(`${r}.out`, client);
    const err = await openWriter(`${r}.err`, client);
    if (out === undefined || err === undefined) {
      for (const fd of [out, err]) if (fd !== undefined) fs.closeSync(fd);
      // the client is gone or broken: nothing ran, so a client that is still there runs it itself
      this.reply(r, 'fallback', waiter);
      return undefined;
    }
    setEnv('KINDLING_INIT_PROG', prog);
    setEnv('KINDLING_INIT_ROOT', root);
    const last = LAST_STAGES.includes(command);
    let code = 1;
    try {
      code = await this.run(args, { stdout: pipeWriter(out, client), stderr: pipeWriter(err, client) });
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
      this.reply(r, String(code), last ? undefined : waiter);
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
