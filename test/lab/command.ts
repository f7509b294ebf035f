// Runs host tools with argv arrays (never a shell string built from data) and turns a failure into an
// error that names the command and carries the end of its stderr.
import { spawn, type SpawnOptions } from 'node:child_process';

export interface CommandOptions {
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the command (SIGKILL) after this long. Default: no limit. */
  timeoutMs?: number;
  /** Resolve with the exit code instead of throwing when it is not 0. */
  allowFailure?: boolean;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
    super(`command failed (exit ${result.code}): ${argv.join(' ')}\n${tail}`);
    this.name = 'CommandError';
  }
}

export function command(argv: readonly string[], opts: CommandOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('command: empty argv');
  const spawnOpts: SpawnOptions = { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env };
  if (opts.cwd) spawnOpts.cwd = opts.cwd;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new Error(`cannot run ${file}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const result: CommandResult = {
        code: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (timedOut ? `\n(killed after ${opts.timeoutMs} ms)` : ''),
      };
      if (result.code !== 0 && !opts.allowFailure) reject(new CommandError(argv, result));
      else resolve(result);
    });
    child.stdin!.on('error', () => {}); // a command that exits without reading its input is not an error here
    child.stdin!.end(opts.input ?? '');
  });
}

/** Quotes one word for a POSIX shell. Used only for the lab's own generated driver scripts. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
