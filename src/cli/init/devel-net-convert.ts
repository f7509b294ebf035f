// `kindling-init devel net-convert`: cloud-init's offline network config converter, same flags:
//   -p FILE -k eni|network_data.json|yaml -d OUTDIR -D DISTRO -O eni|netplan|sysconfig|networkd|network-manager
//   [-m NAME,MAC ...] [--debug]
// Writes the renderer's files under OUTDIR (as if OUTDIR were /), each one atomically.
import { chownSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KNOWN_DISTROS } from '../../agent/network/distro-configs.js';
import { INPUT_KINDS, netConvert, type InputKind } from '../../agent/network/net-convert.js';
import type { SysHost } from '../../agent/network/names.js';
import { RENDERER_NAMES, type RendererName } from '../../agent/network/renderer.js';

const USAGE = 'usage: kindling-init devel net-convert -p PATH -k {eni,network_data.json,yaml} -d PATH -D DISTRO [-m name,mac] [--debug] -O {eni,netplan,networkd,sysconfig,network-manager}';

/** /sys/class/net of this machine, read-only. */
const machineSys: SysHost = {
  fs: {
    readdir: async (p) => {
      try {
        return readdirSync(p).sort();
      } catch {
        return [];
      }
    },
    readTextIfExists: async (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw e;
      }
    },
    exists: async (p) => existsSync(p),
    readlink: async (p) => {
      try {
        return readlinkSync(p);
      } catch {
        return undefined;
      }
    },
  },
};

interface Args { p?: string; k?: string; d?: string; D?: string; O?: string; m: string[]; debug: boolean }

function parseArgs(argv: string[]): Args | string {
  const a: Args = { m: [], debug: false };
  const long: Record<string, keyof Args> = {
    '--network-data': 'p', '--kind': 'k', '--directory': 'd', '--distro': 'D', '--output-kind': 'O', '--mac': 'm',
  };
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i]!;
    let value: string | undefined;
    const eq = flag.indexOf('=');
    if (flag.startsWith('--') && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (flag === '--debug') {
      a.debug = true;
      continue;
    }
    if (flag === '-h' || flag === '--help') return USAGE;
    const key = long[flag] ?? (/^-[pkdDOm]$/.test(flag) ? (flag.slice(1) as keyof Args) : undefined);
    if (!key) return `unrecognized argument: ${flag}`;
    value ??= argv[++i];
    if (value === undefined) return `argument ${flag}: expected one argument`;
    if (key === 'm') a.m.push(value);
    else (a as unknown as Record<string, string>)[key] = value;
  }
  for (const [k, name] of [['p', '-p/--network-data'], ['k', '-k/--kind'], ['d', '-d/--directory'], ['D', '-D/--distro'], ['O', '-O/--output-kind']] as const) {
    if (a[k] === undefined) return `the following arguments are required: ${name}`;
  }
  if (!(INPUT_KINDS as readonly string[]).includes(a.k!)) return `argument -k/--kind: invalid choice: '${a.k}'`;
  if (!KNOWN_DISTROS.includes(a.D!)) return `argument -D/--distro: invalid choice: '${a.D}'`;
  if (!(RENDERER_NAMES as string[]).includes(a.O!)) return `argument -O/--output-kind: invalid choice: '${a.O}'`;
  for (const m of a.m) if (!m.includes(',')) return `argument -m/--mac: expected NAME,MAC, got '${m}'`;
  return a;
}

function writeAtomic(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.kindling-tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/** Owner by name from this machine's passwd/group; absent users are left alone. */
function chownByName(path: string, name: string): void {
  const id = (file: string) => {
    try {
      const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
      return line ? Number(line.split(':')[2]) : undefined;
    } catch {
      return undefined;
    }
  };
  const uid = id('/etc/passwd');
  const gid = id('/etc/group');
  if (uid !== undefined && gid !== undefined) chownSync(path, uid, gid);
}

export default async function develNetConvert(argv: string[]): Promise<number> {
  const a = parseArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(`${USAGE}\nnet-convert: error: ${a}\n`);
    return a === USAGE ? 0 : 2;
  }
  const dir = a.d!.endsWith('/') ? a.d! : `${a.d}/`;
  let text: string;
  try {
    text = readFileSync(a.p!, 'utf8');
  } catch (e) {
    process.stderr.write(`net-convert: error: argument -p/--network-data: can't open '${a.p}': ${(e as Error).message}\n`);
    return 2;
  }
  mkdirSync(dir, { recursive: true });
  const warn = (m: string) => process.stderr.write(`WARNING: ${m}\n`);
  try {
    const result = await netConvert({
      kind: a.k as InputKind,
      text,
      distro: a.D!,
      output: a.O as RendererName,
      macs: a.m.map((m) => {
        const i = m.indexOf(',');
        return [m.slice(0, i), m.slice(i + 1)];
      }),
      sys: machineSys,
      existing: (p) => {
        try {
          return readFileSync(join(dir, p), 'utf8');
        } catch {
          return undefined;
        }
      },
      warn,
    });
    process.stderr.write(`Read input format '${a.k}' from '${a.p}'.\nWrote output format '${a.O}' to '${dir}'\n\n`);
    for (const f of result.files) {
      const path = join(dir, f.path);
      writeAtomic(path, f.content, f.mode);
      if (f.owner) chownByName(path, f.owner);
    }
    for (const p of result.remove) rmSync(join(dir, p), { force: true });
    return 0;
  } catch (e) {
    process.stderr.write(`net-convert: error: ${(e as Error).message}\n`);
    if (a.debug) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
