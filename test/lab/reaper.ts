// Cleanup that survives our own death. The lab's processes die with us on their own (each namespace
// holder has a parent-death signal, and the PID namespace takes everything in it along), but named
// network namespaces, loop devices and run directories are machine state. A detached reaper process
// keeps a list of them, fed line by line over a pipe, and removes what is left when the pipe closes:
// at a normal close (nothing left by then), a crash, a SIGKILL or a test-runner timeout alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { command } from './command.js';
import { runsRoot } from './paths.js';
import { processAlive } from '../support/process.js';

export type ReaperKind = 'pid' | 'loop' | 'netns' | 'dir';

const SCRIPT = [
  'declare -A res',
  'while read -r op kind val; do',
  '  case $op in',
  '    add) res["$kind $val"]=1 ;;',
  '    del) unset "res[$kind $val]" ;;',
  '  esac',
  'done',
  'for kind in pid loop netns dir; do',
  '  for key in "${!res[@]}"; do',
  '    [[ $key == "$kind "* ]] || continue',
  '    val=${key#* }',
  '    case $kind in',
  '      pid) kill -KILL "$val" 2>/dev/null ;;',
  '      loop) losetup -d "$val" 2>/dev/null ;;',
  '      netns) ip netns del "$val" 2>/dev/null ;;',
  '      dir) rm -rf --one-file-system "$val" ;;',
  '    esac',
  '  done',
  '  [[ $kind == pid ]] && sleep 0.2',
  'done',
].join('\n');

let reaper: ChildProcess | undefined;

function get(): ChildProcess {
  if (reaper && reaper.exitCode === null) return reaper;
  reaper = spawn('bash', ['-c', SCRIPT], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  reaper.unref();
  (reaper.stdin as unknown as { unref(): void }).unref();
  reaper.stdin!.on('error', () => {});
  return reaper;
}

export function track(kind: ReaperKind, value: string | number): void {
  get().stdin!.write(`add ${kind} ${value}\n`);
}

export function untrack(kind: ReaperKind, value: string | number): void {
  get().stdin!.write(`del ${kind} ${value}\n`);
}


/** Lab resources are named kl<pid>…; this removes those of processes that are gone (e.g. a reaper killed with them). */
export async function sweepStale(): Promise<void> {
  const owner = (name: string) => Number(/^kl(\d+)[a-z]/.exec(name)?.[1] ?? /^(\d+)-/.exec(name)?.[1] ?? NaN);
  const stale = (name: string) => {
    const pid = owner(name);
    return Number.isInteger(pid) && pid !== process.pid && !processAlive(pid);
  };
  const ns = await command(['ip', 'netns', 'list'], { allowFailure: true });
  for (const line of ns.stdout.split('\n')) {
    const name = line.split(' ')[0];
    if (name && stale(name)) await command(['ip', 'netns', 'del', name], { allowFailure: true });
  }
  const runs = runsRoot();
  const loops = await command(['losetup', '--list', '--noheadings', '--output', 'NAME,BACK-FILE'], { allowFailure: true });
  for (const line of loops.stdout.split('\n')) {
    const [dev, file] = line.trim().split(/\s+/);
    if (!dev || !file?.startsWith(`${runs}/`)) continue;
    const runName = file.slice(runs.length + 1).split('/')[0]!;
    if (stale(runName)) await command(['losetup', '-d', dev], { allowFailure: true });
  }
  if (existsSync(runs)) {
    for (const name of readdirSync(runs)) if (stale(name)) rmSync(join(runs, name), { recursive: true, force: true });
  }
}
