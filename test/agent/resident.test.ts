// The resident agent (src/cli/resident.ts, packaging/bin/kindling-init): the four boot stages through
// the command script, against a scratch root, in a PID namespace of their own (its init, bash, reaps
// the agent as a guest's init does). Whatever the agent runs must come out as the stages run one
// process each: the same exit codes, output and files; and a boot must never wait on an agent that
// is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bundle = resolve('dist/kindling-init.cjs');
const script = resolve('packaging/bin/kindling-init');
const STAGES = ['init --local', 'init', 'modules --mode config', 'modules --mode=final'];

const CLOUD_CFG = `datasource_list: [None]
cloud_init_modules: [write_files]
cloud_config_modules: [write_files_deferred]
cloud_final_modules: [final_message]
write_files:
  - {path: /etc/kr-now, content: now, permissions: '0640'}
  - {path: /etc/kr-late, content: late, defer: true}
  - {path: /etc/kr-bad, content: x, owner: 'nobody:nogroup'}
  - {path: /etc/kr-bad-late, content: x, owner: 'nobody:nogroup', defer: true}
final_message: "the end"
`;

interface StageRun {
  rc: number;
  stdout: string;
  stderr: string;
  /** The agent's pid (from its `agent` file) after the stage, if there was one. */
  agent?: string;
}

/**
 * Runs `lines` (shell, with $ki the command script) in a new PID namespace and returns each stage's
 * exit code and output, read from `work`.
 */
function boot(work: string, env: Record<string, string>, between: (i: number) => string = () => ''): { stages: StageRun[]; leftover: string } {
  const root = join(work, 'root');
  const res = join(work, 'resident');
  mkdirSync(join(root, 'etc/cloud'), { recursive: true });
  writeFileSync(join(root, 'etc/cloud/cloud.cfg'), CLOUD_CFG);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
  const lines = STAGES.flatMap((s, i) => [
    `sh "$ki" ${s} >"$out/${i}.out" 2>"$out/${i}.err"; echo $? >"$out/${i}.rc"`,
    `cut -d' ' -f1 "$res/agent" >"$out/${i}.agent" 2>/dev/null || rm -f "$out/${i}.agent"`,
    between(i),
  ]);
  // at the end: any agent process still in the namespace
  lines.push('for p in /proc/[0-9]*; do tr "\\0" " " <"$p/cmdline" 2>/dev/null | grep -q -- --kindling-init-resident && echo "${p#/proc/}"; done >"$out/leftover"; true');
  const out = join(work, 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(work, 'boot.sh'), lines.join('\n'));
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount', '--mount-proc', '--', 'bash', join(work, 'boot.sh')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      ki: script,
      out,
      res,
      KINDLING_INIT_BUNDLE: bundle,
      KINDLING_INIT_CODE_CACHE: '0',
      KINDLING_INIT_ROOT: root,
      KINDLING_INIT_RESIDENT_DIR: res,
      ...env,
    },
  });
  assert.equal(r.status, 0, `${r.stderr}${r.error ?? ''}`);
  const stages = STAGES.map((_, i) => {
    const s: StageRun = {
      rc: Number(readFileSync(join(out, `${i}.rc`), 'utf8')),
      stdout: readFileSync(join(out, `${i}.out`), 'utf8'),
      stderr: readFileSync(join(out, `${i}.err`), 'utf8'),
    };
    if (existsSync(join(out, `${i}.agent`))) s.agent = readFileSync(join(out, `${i}.agent`), 'utf8').trim();
    return s;
  });
  return { stages, leftover: readFileSync(join(out, 'leftover'), 'utf8').trim() };
}

/** Output with what differs between any two runs (times, uptime) masked. */
const masked = (t: string) => t.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}/g, '<time>').replace(/at \w{3}, \d\d \w{3} \d{4} [\d:]+ \+0000\. Up [\d.]+ seconds/g, 'at <time>');

/** Every file under root with its mode and, for what is not a log or a timestamped state file, its text. */
function tree(root: string): Map<string, string> {
  const m = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = p.slice(root.length);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) m.set(rel, `-> ${readlinkSync(p)}`);
      else if (e.isDirectory()) {
        m.set(`${rel}/`, (st.mode & 0o7777).toString(8));
        walk(p);
      } else {
        const volatile = /\.log$|result\.json$|status\.json$|instance-data.*\.json$|boot-finished$|conf-cache\.json$|obj\.json$/.test(rel);
        // sem markers hold the pid and time of the process that ran the module; MIME boundaries are random
        const text = volatile ? '' : readFileSync(p, 'utf8').replace(/^\d+: [\d.]+$/m, '<pid>: <time>').replace(/={15}\d+==/g, '<boundary>');
        m.set(rel, `${(st.mode & 0o7777).toString(8)} ${text}`);
      }
    }
  };
  walk(root);
  return m;
}

const asRoot = process.getuid?.() === 0;

/** Runs `fn` with a scratch directory, removed afterwards. */
function inWork(fn: (work: string) => void): void {
  const work = mkdtempSync(join(tmpdir(), 'ki-resident-'));
  try {
    fn(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test('the four stages through one resident agent: the exit codes, output and files of one process per stage', { skip: !asRoot && 'needs root' }, () =>
  inWork((work) => {
    const viaAgent = boot(join(work, 'agent'), {});
    const plain = boot(join(work, 'plain'), { KINDLING_INIT_RESIDENT: '0' });
    // one agent for the first three stages' pid files, gone after the final stage, nothing left running
    const pids = viaAgent.stages.slice(0, 3).map((s) => s.agent);
    assert.ok(pids[0], 'the local stage started an agent');
    assert.deepEqual(pids, [pids[0], pids[0], pids[0]]);
    assert.equal(viaAgent.stages[3]!.agent, undefined);
    assert.equal(existsSync(join(work, 'agent/resident')), false, 'the final stage removes the directory');
    assert.equal(viaAgent.leftover, '');
    assert.equal(plain.stages.some((s) => s.agent), false, 'KINDLING_INIT_RESIDENT=0: no agent');
    // the same results (write_files fails on its item of an unknown owner in the network stage, and
    // write_files_deferred on its own in the config stage)
    assert.deepEqual(viaAgent.stages.map((s) => s.rc), [0, 1, 1, 0]);
    assert.deepEqual(plain.stages.map((s) => s.rc), [0, 1, 1, 0]);
    for (let i = 0; i < STAGES.length; i++) {
      assert.equal(masked(viaAgent.stages[i]!.stdout), masked(plain.stages[i]!.stdout), `stdout of ${STAGES[i]}`);
      assert.equal(masked(viaAgent.stages[i]!.stderr), masked(plain.stages[i]!.stderr), `stderr of ${STAGES[i]}`);
    }
    assert.match(viaAgent.stages[3]!.stdout + viaAgent.stages[3]!.stderr, /the end/);
    assert.match(viaAgent.stages[1]!.stderr, /Running module write_files \(cc_write_files\) failed/);
    assert.deepEqual(tree(join(work, 'agent/root')), tree(join(work, 'plain/root')));
    assert.equal(readFileSync(join(work, 'agent/root/etc/kr-late'), 'utf8'), 'late');
  }));

test('an agent that dies with a stage in hand: that stage runs in its own process, and so do the rest', { skip: !asRoot && 'needs root' }, () =>
  inWork((work) => {
    // the agent stopped after the local stage, and killed while the network stage waits on it
    const r = boot(work, {}, (i) => (i === 0 ? 'read -r a _ <"$res/agent"; kill -STOP "$a"; (sleep 0.5; kill -9 "$a") &' : ''));
    assert.deepEqual(r.stages.map((s) => s.rc), [0, 1, 1, 0]);
    assert.match(r.stages[1]!.stderr, /the resident agent is gone; the stage runs in its own process/);
    assert.match(r.stages[1]!.stderr, /running 'init'/);
    assert.doesNotMatch(r.stages[2]!.stderr, /resident agent/);
    assert.match(r.stages[3]!.stdout + r.stages[3]!.stderr, /the end/);
    assert.equal(r.stages[3]!.agent, undefined);
    assert.equal(existsSync(join(work, 'resident')), false);
    assert.equal(r.leftover, '');
  }));

test('an agent gone between stages, or a pid file naming another process: the stages run in their own processes at once', { skip: !asRoot && 'needs root' }, () =>
  inWork((work) => {
    // after the local stage: the agent killed, and its pid file pointing at a live process (this
    // namespace's init): the network stage must not wait on it, nor say anything about it
    const r = boot(work, {}, (i) =>
      i === 0
        ? ['read -r a _ <"$res/agent"; kill -9 "$a"; sleep 0.2; echo "1 0" >"$res/agent"', 'sh "$ki" status >"$out/status.out" 2>&1; echo $? >"$out/status.rc"'].join('\n')
        : '',
    );
    assert.deepEqual(r.stages.map((s) => s.rc), [0, 1, 1, 0]);
    assert.doesNotMatch(r.stages[1]!.stderr, /resident agent/);
    // a verb that is not a stage's never goes to an agent
    assert.match(readFileSync(join(work, 'out/status.out'), 'utf8'), /^status: /m);
  }));

test('SIGTERM (a unit stopped, a stage timed out): the agent exits at once and removes its directory; the next stage runs in its own process', { skip: !asRoot && 'needs root' }, () =>
  inWork((work) => {
    // between the local and the network stage: SIGTERM, then the agent must be gone within a second
    const r = boot(work, {}, (i) =>
      i === 0 ? 'read -r a _ <"$res/agent"; kill -TERM "$a"; for n in 1 2 3 4 5 6 7 8 9 10; do [ -d "/proc/$a" ] || break; sleep 0.1; done; [ -d "/proc/$a" ] && echo alive >"$out/term"; true' : '',
    );
    assert.equal(existsSync(join(work, 'out/term')), false, 'the agent still ran a second after SIGTERM');
    assert.equal(existsSync(join(work, 'resident')), false);
    assert.deepEqual(r.stages.map((s) => s.rc), [0, 1, 1, 0]);
    assert.equal(r.stages[1]!.agent, undefined);
    assert.doesNotMatch(r.stages[1]!.stderr, /resident agent/);
    assert.equal(r.leftover, '');
  }));
