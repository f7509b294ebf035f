// A command runner for unit tests: it answers only the commands a test declared, records every
// call, and fails the test on anything unexpected (the call rejects and verify() throws), so a
// module cannot quietly start running a new command.
import type { RunOptions, RunResult, Runner } from './host.js';

export type ArgvMatcher = string[] | ((argv: string[]) => boolean);

export interface Expectation {
  match: ArgvMatcher;
  result?: Partial<RunResult>;
  /** Side effect, e.g. planting the files a real tool would write in the scratch root. */
  effect?: (argv: string[], opts: RunOptions) => void | Promise<void>;
  /** How many calls it answers: a number, or 'any' for zero or more. Default 1. */
  times?: number | 'any';
}

export interface RecordedCall {
  argv: string[];
  opts: RunOptions;
}

function matches(m: ArgvMatcher, argv: string[]): boolean {
  if (typeof m === 'function') return m(argv);
  return m.length === argv.length && m.every((a, i) => a === argv[i]);
}

export class RecordingRunner {
  readonly calls: RecordedCall[] = [];
  readonly unexpected: string[][] = [];
  private readonly expectations: (Expectation & { used: number })[] = [];

  expect(match: ArgvMatcher, result: Partial<RunResult> = {}, more: Omit<Expectation, 'match' | 'result'> = {}): this {
    this.expectations.push({ match, result, ...more, used: 0 });
    return this;
  }

  /** Any number of calls (including none). */
  allow(match: ArgvMatcher, result: Partial<RunResult> = {}, effect?: Expectation['effect']): this {
    return this.expect(match, result, { times: 'any', ...(effect ? { effect } : {}) });
  }

  readonly run: Runner = async (argv: string[], opts: RunOptions = {}) => {
    this.calls.push({ argv: [...argv], opts });
    const e = this.expectations.find((x) => (x.times === 'any' || x.used < (x.times ?? 1)) && matches(x.match, argv));
    if (!e) {
      this.unexpected.push([...argv]);
      throw new Error(`unexpected command: ${JSON.stringify(argv)}`);
    }
    e.used++;
    if (e.effect) await e.effect(argv, opts);
    return { code: 0, stdout: '', stderr: '', ...e.result };
  };

  /** Throws when a command was unexpected or a declared one (with a count) was not run. */
  verify(): void {
    const problems: string[] = this.unexpected.map((a) => `unexpected: ${JSON.stringify(a)}`);
    for (const e of this.expectations) {
      if (e.times === 'any') continue;
      const want = e.times ?? 1;
      if (e.used !== want) {
        problems.push(`expected ${want} call(s) of ${typeof e.match === 'function' ? '(matcher)' : JSON.stringify(e.match)}, got ${e.used}`);
      }
    }
    if (problems.length) throw new Error(`recording runner:\n  ${problems.join('\n  ')}`);
  }

  /** The argv of every call, for assertions. */
  argvs(): string[][] {
    return this.calls.map((c) => c.argv);
  }
}
