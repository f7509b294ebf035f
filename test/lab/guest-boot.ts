// One boot of a guest: what runs (the stages of an agent, as systemd would start them), the driver
// script that runs them inside the guest's namespaces with wall and CPU timing, and its results.
import { readFileSync } from 'node:fs';
import { shellQuote } from './command.js';

export interface StageSpec {
  name: string;
  /** Run chrooted in the guest with a clean environment (PATH, LANG as the image sets it, and `env`). */
  argv: string[];
  /** Counted in the agent's totals (false for the image's own steps, like `ifup -a`). Default true. */
  agent?: boolean;
  timeoutMs?: number;
}

export interface StageResult {
  name: string;
  argv: string[];
  agent: boolean;
  exitCode: number;
  timedOut: boolean;
  wallSeconds: number;
  /** CPU time of the stage's processes that exited by its end (bash `times` of the driver). */
  userSeconds: number;
  sysSeconds: number;
  cpuSeconds: number;
}

export interface BootResult {
  /** 1 for the first boot of this guest, 2 after one reboot, ... */
  boot: number;
  /** Host directory with agent.log (every stage's output), stages.tsv, run/ (the guest's /run at the end). */
  dir: string;
  log: string;
  stages: StageResult[];
  /** Every stage, the image's own steps included (as boot-cloud-init.sh's `total`). */
  wallSeconds: number;
  cpuSeconds: number;
  /** The agent's stages only. */
  agentWallSeconds: number;
  agentCpuSeconds: number;
  /**
   * CPU of processes that outlived the stage that started them and ended during the boot (they are
   * reparented to the guest's init, which reaps them; e.g. kindling-init's background host key
   * generation), which a stage's own times cannot see. Undefined when it could not be read.
   */
  orphanCpuSeconds?: number;
  /** True when every agent stage exited 0. */
  ok: boolean;
}

export const KINDLING_BUNDLE = '/opt/kindling/kindling-init.cjs';
/** packaging/bin/kindling-init with KINDLING_BUNDLE as its bundle: what the stages run, as the units do. */
export const KINDLING_COMMAND = '/opt/kindling/kindling-init';

/** The four stages, in systemd's order, with the image's `ifup -a` (networking.service) between local and network. */
export function fourStages(cli: string[]): StageSpec[] {
  return [
    { name: 'local', argv: [...cli, 'init', '--local'] },
    { name: 'networking', argv: ['ifup', '-a'], agent: false },
    { name: 'network', argv: [...cli, 'init'] },
    { name: 'config', argv: [...cli, 'modules', '--mode', 'config'] },
    { name: 'final', argv: [...cli, 'modules', '--mode', 'final'] },
  ];
}

export type Agent = 'cloud-init' | 'kindling' | { stages: StageSpec[] };

export function agentStages(agent: Agent): StageSpec[] {
  if (agent === 'cloud-init') return fourStages(['cloud-init']);
  if (agent === 'kindling') return fourStages([KINDLING_COMMAND]);
  return agent.stages;
}

export interface DriverInput {
  merged: string;
  out: string;
  reboot: boolean;
  hostname: string;
  /** NICs to restore at a reboot: name and MAC. */
  nics: { name: string; mac: string }[];
  env: Record<string, string>;
  stages: StageSpec[];
  defaultTimeoutMs: number;
}

const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The bash script run (not chrooted) in the guest's namespaces for one boot. */
export function driverScript(d: DriverInput): string {
  const q = shellQuote;
  const env = Object.entries({ PATH: GUEST_PATH, ...d.env }).map(([k, v]) => q(`${k}=${v}`));
  const lines = [
    'set -u',
    `merged=${q(d.merged)} out=${q(d.out)}`,
    `guest_env=(${env.join(' ')})`,
    'fail() { echo "lab boot: $*" >&2; exit 97; }',
  ];
  if (d.reboot) {
    // a reboot: everything in RAM is gone, NICs come back unconfigured, the disk stays
    lines.push(
      'umount -R -l "$merged/run" "$merged/tmp" 2>/dev/null',
      'for l in $(ip -o link show | awk -F\': \' \'{print $2}\' | cut -d@ -f1); do',
      `  case " lo ${d.nics.map((n) => n.name).join(' ')} " in *" $l "*) ;; *) ip link del "$l" 2>/dev/null ;; esac`,
      'done',
      ...d.nics.flatMap((n) => [
        `ip link set ${q(n.name)} down`,
        `ip addr flush dev ${q(n.name)}`,
        `ip link set ${q(n.name)} mtu 1500 address ${q(n.mac)}`,
      ]),
      'ip route flush table main 2>/dev/null; ip -6 route flush table main 2>/dev/null',
    );
  }
  lines.push(
    'mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$merged/run" || fail "cannot mount /run"',
    'mkdir -m 1777 "$merged/run/lock"',
    'mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$merged/tmp" || fail "cannot mount /tmp"',
    `hostname ${q(d.hostname)}`,
    ': >"$out/stages.tsv"',
    'stage() {',
    '  local name=$1 limit=$2; shift 2',
    '  printf "=== stage %s: %s\\n" "$name" "$*" >>"$out/agent.log"',
    '  local t0=$EPOCHREALTIME',
    '  timeout --kill-after=5 "$limit" chroot "$merged" /usr/bin/env -i "${guest_env[@]}" "$@" </dev/null >>"$out/agent.log" 2>&1',
    '  local rc=$? t1=$EPOCHREALTIME',
    '  times >"$out/.times"',
    '  printf "%s\\t%s\\t%s\\t%s\\t%s\\n" "$name" "$rc" "$t0" "$t1" "$(tail -n1 "$out/.times")" >>"$out/stages.tsv"',
    '  printf "=== stage %s: exit %s\\n" "$name" "$rc" >>"$out/agent.log"',
    '}',
  );
  for (const s of d.stages) {
    const secs = Math.ceil((s.timeoutMs ?? d.defaultTimeoutMs) / 1000);
    lines.push(`stage ${q(s.name)} ${secs}s ${s.argv.map(q).join(' ')}`);
  }
  lines.push('mkdir -p "$out/run" && cp -a "$merged/run/." "$out/run/" 2>/dev/null', 'exit 0', '');
  return lines.join('\n');
}

/** bash `times` prints e.g. "0m1.234s 0m0.056s": cumulative user and sys of finished children. */
function parseTimes(text: string): [number, number] {
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s/.exec(text);
  if (!m) return [0, 0];
  return [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function parseBoot(boot: number, dir: string, stages: StageSpec[]): BootResult {
  const rows = readFileSync(`${dir}/stages.tsv`, 'utf8').trim().split('\n').filter(Boolean);
  let prevUser = 0;
  let prevSys = 0;
  const results: StageResult[] = rows.map((row, i) => {
    const [name, rc, t0, t1, times] = row.split('\t');
    const [user, sys] = parseTimes(times ?? '');
    const spec = stages[i]!;
    const r: StageResult = {
      name: name!,
      argv: spec.argv,
      agent: spec.agent ?? true,
      exitCode: Number(rc),
      timedOut: Number(rc) === 124 || Number(rc) === 137,
      wallSeconds: round(Number(t1) - Number(t0)),
      userSeconds: round(user - prevUser),
      sysSeconds: round(sys - prevSys),
      cpuSeconds: round(user - prevUser + sys - prevSys),
    };
    prevUser = user;
    prevSys = sys;
    return r;
  });
  const sum = (xs: StageResult[], k: 'wallSeconds' | 'cpuSeconds') => round(xs.reduce((a, s) => a + s[k], 0));
  const agent = results.filter((s) => s.agent);
  return {
    boot,
    dir,
    log: `${dir}/agent.log`,
    stages: results,
    wallSeconds: sum(results, 'wallSeconds'),
    cpuSeconds: sum(results, 'cpuSeconds'),
    agentWallSeconds: sum(agent, 'wallSeconds'),
    agentCpuSeconds: sum(agent, 'cpuSeconds'),
    ok: results.length === stages.length && agent.every((s) => s.exitCode === 0),
  };
}

/** One line per boot, like boot-cloud-init.sh's TIMES line. */
export function formatTimes(b: BootResult): string {
  const parts = b.stages.map((s) => `${s.name}=${s.wallSeconds.toFixed(3)}s/${s.cpuSeconds.toFixed(3)}cpu${s.exitCode ? `(exit ${s.exitCode})` : ''}`);
  return `boot ${b.boot}: ${parts.join(' ')} total=${b.wallSeconds.toFixed(3)}s cpu=${b.cpuSeconds.toFixed(3)}s`;
}

export interface StageTiming {
  name: string;
  runs: number;
  wall: { median: number; min: number; max: number };
  cpu: { median: number; min: number; max: number };
}

/**
 * Median/min/max wall and CPU per stage over several boots, for benchmarks; then 'orphans' (when
 * any boot had some) and 'total': the agent's stages plus orphans.
 */
export function summariseTimes(boots: BootResult[]): StageTiming[] {
  const stat = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length >> 1;
    const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
    return { median: round(median), min: round(s[0] ?? 0), max: round(s[s.length - 1] ?? 0) };
  };
  const names = [...new Set(boots.flatMap((b) => b.stages.map((s) => s.name)))];
  const rows = names.map((name) => {
    const st = boots.flatMap((b) => b.stages.filter((s) => s.name === name));
    return { name, runs: st.length, wall: stat(st.map((s) => s.wallSeconds)), cpu: stat(st.map((s) => s.cpuSeconds)) };
  });
  if (boots.some((b) => b.orphanCpuSeconds)) {
    rows.push({ name: 'orphans', runs: boots.length, wall: stat(boots.map(() => 0)), cpu: stat(boots.map((b) => b.orphanCpuSeconds ?? 0)) });
  }
  rows.push({ name: 'total', runs: boots.length, wall: stat(boots.map((b) => b.agentWallSeconds)), cpu: stat(boots.map((b) => b.agentCpuSeconds + (b.orphanCpuSeconds ?? 0))) });
  return rows;
}
