// Commands whose failure fails the module, with cloud-init's ProcessExecutionError message (the
// text the log and status.json show), and never the arguments or output of a sensitive command.
import type { Host, RunOptions, RunResult } from '../host/host.js';

/** Python's repr() of a str. */
export function pyRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${q}${out}${q}`;
}

/** Python's repr of a list of strings, as cloud-init prints commands. */
export function pyList(argv: string[]): string {
  return `[${argv.map(pyRepr).join(', ')}]`;
}

const indent = (t: string) => t.replace(/\n+$/, '').replace(/\n/g, '\n        ');

export class ProcessError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
    opts: { sensitive?: boolean; captured?: boolean } = {},
  ) {
    const failedToStart = !!result.error && (result.code === 127 || result.code === 126);
    const captured = opts.captured ?? true;
    const stream = (t: string) => (failedToStart || !captured ? '-' : opts.sensitive ? '' : indent(t));
    const reason = failedToStart ? `[Errno ${result.code === 127 ? 2 : 13}] ${result.code === 127 ? 'No such file or directory' : 'Permission denied'}: ${pyRepr(argv[0] ?? '')}` : '-';
    super(
      `Unexpected error while running command.\nCommand: ${opts.sensitive ? pyList(argv.slice(0, 1)) : pyList(argv)}\n` +
        `Exit code: ${failedToStart ? '-' : result.code}\nReason: ${reason}\nStdout: ${stream(result.stdout)}\nStderr: ${stream(result.stderr)}`,
    );
  }

  get code(): number {
    return this.result.code;
  }
}

/** Runs argv; an exit code outside `rcs` (default [0]) or a command that cannot start throws ProcessError. */
export async function runChecked(host: Host, argv: string[], opts: RunOptions & { rcs?: number[] } = {}): Promise<RunResult> {
  const { rcs = [0], ...runOpts } = opts;
  const r = await host.run(argv, runOpts);
  const failedToStart = !!r.error && (r.code === 127 || r.code === 126);
  if (failedToStart || !rcs.includes(r.code)) throw new ProcessError(argv, r, { sensitive: !!opts.sensitive, captured: opts.capture !== false });
  return r;
}
