// Argument parsing for kindling-init, with cloud-init's global flags (--version/-v, --file/-f,
// --debug/-d, --force) before the subcommand, and helpers for each verb's own flags.
import { basename } from 'node:path';
import type { StageIo } from '../../agent/host/stage-output.js';

export type { StageIo };

export interface GlobalArgs {
  prog: string;
  verb?: string;
  rest: string[];
  files: string[];
  debug: boolean;
  force: boolean;
  version: boolean;
  help: boolean;
  error?: string;
  /** Where a stage's stdout and stderr go: the process's own unless a resident agent runs it for a client (resident.ts). */
  io?: StageIo;
}

export type Verb = (g: GlobalArgs) => Promise<number>;

/** The name we were called by: KINDLING_INIT_PROG (set by the cloud-init and cloud-id wrappers), else the script's. */
export function progName(): string {
  const b = process.env.KINDLING_INIT_PROG || basename(process.argv[1] ?? 'kindling-init').replace(/\.c?js$/, '');
  return b === 'cloud-init' || b === 'cloud-id' ? b : 'kindling-init';
}

export function usage(prog: string): string {
  return `usage: ${prog} [-h] [--version] [--file FILES] [--debug] [--force] {init,modules,single,query,analyze,collect-logs,clean,status,devel} ...`;
}

export function parseGlobal(argv: string[]): GlobalArgs {
  const g: GlobalArgs = { prog: progName(), rest: [], files: [], debug: false, force: false, version: false, help: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--version' || a === '-v') g.version = true;
    else if (a === '--debug' || a === '-d') g.debug = true;
    else if (a === '--force') g.force = true;
    else if (a === '-h' || a === '--help') g.help = true;
    else if (a === '--file' || a === '-f') {
      const v = argv[++i];
      if (v === undefined) return { ...g, error: `argument --file/-f: expected one argument` };
      g.files.push(v);
    } else if (a.startsWith('--file=')) g.files.push(a.slice(7));
    else if (a.startsWith('-') && a !== '-') return { ...g, error: `unrecognized arguments: ${a}` };
    else break;
  }
  g.verb = argv[i];
  g.rest = argv.slice(i + 1);
  return g;
}

export interface FlagSpec {
  /** names → key, e.g. {'--local': 'local', '-l': 'local'} */
  bools?: Record<string, string>;
  /** names that take a value → key */
  values?: Record<string, string>;
  /** allowed values per key */
  choices?: Record<string, string[]>;
}

export function parseFlags(args: string[], spec: FlagSpec): { flags: Record<string, string | boolean>; positional: string[]; error?: string } {
  const flags: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (spec.bools && name in spec.bools && eq < 0) {
      flags[spec.bools[name] as string] = true;
    } else if (spec.values && name in spec.values) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return { flags, positional, error: `argument ${name}: expected one argument` };
      const key = spec.values[name] as string;
      const allowed = spec.choices?.[key];
      if (allowed && !allowed.includes(v)) return { flags, positional, error: `argument ${name}: invalid choice: '${v}' (choose from ${allowed.map((c) => `'${c}'`).join(', ')})` };
      flags[key] = v;
    } else if (a === '-h' || a === '--help') {
      flags.help = true;
    } else if (a.startsWith('-') && a !== '-') {
      return { flags, positional, error: `unrecognized arguments: ${a}` };
    } else {
      positional.push(a);
    }
  }
  return { flags, positional };
}
