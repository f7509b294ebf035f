// power_state_change: reboot, power off or halt after the final stage, optionally after a delay,
// with a message, and only if a condition command succeeds. As in cloud-init, a detached helper
// waits until this process has exited (or `timeout` seconds passed), checks the condition, then
// runs the distro's shutdown command; the stage itself is never blocked.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_INSTANCE } from '../state/semaphores.js';
import { isDict } from './cfg-values.js';
import { pyStr } from './shellify.js';

const MODES: Record<string, string> = { halt: '-H', poweroff: '-P', reboot: '-r' };

// The helper gets everything as positional arguments: pid, timeout, the condition's argv length,
// the condition's argv, then the command. Data never becomes shell text: the eval below only
// expands "${N}" references it built itself.
const WAITER = [
  'pid=$1 timeout=$2 ncond=$3',
  'shift 3',
  'orig=$(cksum </proc/"$pid"/cmdline) || exit 1',
  'end=$(( $(date +%s) + timeout ))',
  'while [ "$(cksum </proc/"$pid"/cmdline 2>/dev/null)" = "$orig" ]; do',
  '  [ "$(date +%s)" -lt "$end" ] || break',
  '  sleep 0.25',
  'done',
  'if [ "$ncond" -gt 0 ]; then',
  '  cond= i=1',
  '  while [ "$i" -le "$ncond" ]; do cond="$cond \\"\\${$i}\\""; i=$((i + 1)); done',
  '  (eval "$cond") || exit 0',
  '  shift "$ncond"',
  'fi',
  'exec "$@"',
].join('\n');

export interface PowerState {
  command: string[];
  timeoutSec: number;
  condition: boolean | string | unknown[];
}

/** load_power_state: the shutdown command, timeout and condition, or undefined without config. */
export function loadPowerState(cfg: Record<string, unknown>): PowerState | undefined {
  const p = cfg.power_state;
  if (p === undefined || p === null) return undefined;
  if (!isDict(p)) throw new TypeError('power_state is not a dict.');
  const mode = p.mode;
  if (typeof mode !== 'string' || !(mode in MODES)) {
    throw new TypeError(`power_state[mode] required, must be one of: halt,poweroff,reboot. found: '${mode === undefined ? 'None' : pyStr(mode)}'.`);
  }
  let delay = p.delay ?? 'now';
  if (delay !== 'now') {
    const s = pyStr(delay).trim();
    if (!/^[+-]?\d+$/.test(s)) throw new TypeError(`power_state[delay] must be 'now' or '+m' (minutes). found '${pyStr(delay)}'.`);
    delay = `+${parseInt(s, 10)}`;
  }
  const command = ['shutdown', MODES[mode] as string, delay as string];
  if (p.message) command.push(pyStr(p.message));
  const t = p.timeout ?? 30.0;
  const timeoutSec = typeof t === 'number' ? t : Number(pyStr(t).trim());
  if (typeof t === 'boolean' || !Number.isFinite(timeoutSec) || (typeof t === 'string' && !t.trim())) {
    throw new Error(`failed to convert timeout '${pyStr(t)}' to float.`);
  }
  const condition = p.condition ?? true;
  if (!['string', 'boolean'].includes(typeof condition) && !Array.isArray(condition)) throw new TypeError('condition type %s invalid. must be list, bool, str');
  return { command, timeoutSec, condition: condition as PowerState['condition'] };
}

function conditionArgv(c: PowerState['condition']): string[] {
  if (c === true) return [];
  if (typeof c === 'string') return ['/bin/sh', '-c', c];
  return (c as unknown[]).map(pyStr);
}

async function start(ctx: ModuleContext, ps: PowerState): Promise<void> {
  const pid = process.pid;
  const self = await ctx.host.fs.readFile(`/proc/${pid}/cmdline`).catch(() => undefined);
  if (!self || !self.length) {
    ctx.log('WARNING', 'power_state: failed to get cmdline of current process');
    return;
  }
  if (!ctx.host.background) throw new Error('power_state: this host cannot start a background process');
  ctx.log('DEBUG', `After pid ${pid} ends, will execute: ${ps.command.join(' ')}`);
  const cond = conditionArgv(ps.condition);
  await ctx.host.background(['/bin/sh', '-c', WAITER, 'power-state', String(pid), String(Math.ceil(ps.timeoutSec)), String(cond.length), ...cond, ...ps.command], {
    output: '/dev/null',
  });
}

export const powerStateChange: ModuleDef = {
  name: 'power_state_change',
  frequency: PER_INSTANCE,
  distros: 'all',
  activateBy: ['power_state'],
  async run(ctx) {
    let ps: PowerState | undefined;
    try {
      ps = loadPowerState(ctx.cfg);
      if (!ps) {
        ctx.log('DEBUG', 'no power_state provided. doing nothing');
        return;
      }
    } catch (e) {
      ctx.log('WARNING', `${(e as Error).message} Not performing power state change!`);
      return;
    }
    if (ps.condition === false) {
      ctx.log('DEBUG', 'Condition was false. Will not perform state change.');
      return;
    }
    await start(ctx, ps);
  },
};
