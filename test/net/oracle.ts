// The real cloud-init 22.4.2's `devel net-convert`, run live in the lab rootfs (chroot, private mount
// namespace: the shared rootfs is never written). All jobs of a run go to one Python process that
// imports cloud-init once and forks per job (oracle-driver.py): about 15 ms per conversion instead of
// the 0.2 s of a `cloud-init devel net-convert` command, most of it cloud-init's own work.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from './paths.js';

export interface OracleJob {
  id: string;
  /** the input file's text */
  input: string;
  kind: 'eni' | 'network_data.json' | 'yaml';
  distro: string;
  output: string;
  macs: string[];
  /** files planted in the output directory before the conversion */
  existing?: Record<string, string>;
}

export interface OracleFile {
  content: string;
  mode: number;
}

export interface OracleResult {
  ok: boolean;
  /** last line of the traceback when net-convert failed */
  error?: string;
  /** stderr of the job (warnings) */
  stderr: string;
  /** path relative to the output directory → file */
  files: Map<string, OracleFile>;
}

/** The driver is a source file in test/net/ (this module runs from build/test/net/). */
export const DRIVER = join(repoRoot, 'test/net/oracle-driver.py');

function walk(dir: string, base = dir, out = new Map<string, OracleFile>()): Map<string, OracleFile> {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, base, out);
    else out.set(relative(base, p), { content: readFileSync(p, 'utf8'), mode: st.mode & 0o777 });
  }
  return out;
}

function run(argv: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** Runs every job in one chroot'd process; results by job id. */
export async function runOracle(rootfs: string, jobs: OracleJob[]): Promise<Map<string, OracleResult>> {
  const work = mkdtempSync(join(tmpdir(), 'kindling-net-oracle-'));
  try {
    copyFileSync(DRIVER, join(work, 'driver.py'));
    mkdirSync(join(work, 'in'));
    mkdirSync(join(work, 'out'));
    const specs = jobs.map((j, i) => {
      writeFileSync(join(work, 'in', String(i)), j.input);
      for (const [path, text] of Object.entries(j.existing ?? {})) {
        mkdirSync(dirname(join(work, 'out', String(i), path)), { recursive: true });
        writeFileSync(join(work, 'out', String(i), path), text);
      }
      return { id: j.id, input: `/tmp/in/${i}`, kind: j.kind, distro: j.distro, output: j.output, outdir: `/tmp/out/${i}`, macs: j.macs };
    });
    // the work directory is bind-mounted over the rootfs's /tmp in a private mount namespace only;
    // the jobs are split over (at most) two processes, one per core of this machine
    const workers = Math.max(1, Math.min(2, availableParallelism()));
    const chunks = Array.from({ length: workers }, (_, w) => specs.filter((_, i) => i % workers === w)).filter((c) => c.length);
    const outs = await Promise.all(chunks.map((chunk) => run(['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c',
      'mount --bind "$1" "$0/tmp" && exec chroot "$0" python3 /tmp/driver.py', rootfs, work], JSON.stringify({ jobs: chunk }))));
    for (const r of outs) if (r.code !== 0) throw new Error(`oracle driver failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const results = new Map<string, OracleResult>();
    for (const line of outs.flatMap((r) => r.stdout.split('\n')).filter(Boolean)) {
      const { id, ok, error } = JSON.parse(line) as { id: string; ok: boolean; error: string | null };
      const i = specs.findIndex((s) => s.id === id);
      let stderr = '';
      try {
        stderr = readFileSync(join(work, 'out', `${i}.stderr`), 'utf8');
      } catch {
        // no stderr file: the job could not start
      }
      results.set(id, { ok, error: error ?? undefined, stderr, files: ok ? walk(join(work, 'out', String(i))) : new Map() });
    }
    for (const j of jobs) if (!results.has(j.id)) throw new Error(`oracle driver gave no result for ${j.id}`);
    return results;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
