// `analyze boot`: when the kernel started, when it handed over to userspace, when systemd started
// the local stage and when that stage began its search, from systemd's monotonic timestamps (the
// same sources cloud-init's analyze uses). Without systemd the timestamps are unknown.
import type { Host } from '../host/host.js';
import type { AnalyzeEvent } from './events.js';
import { isContainer } from '../modules/container.js';

/** Python's str(datetime.utcfromtimestamp(t)). */
export function pyUtcDatetime(t: number): string {
  const us = Math.round(t * 1e6);
  const d = new Date(Math.floor(us / 1000));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  const base = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return frac ? `${base}.${p(frac, 6)}` : base;
}

/** Python's str(float). */
const pyFloat = (v: number) => (Number.isInteger(v) ? `${v}.0` : String(v));

async function systemctlMonotonic(host: Host, args: string[]): Promise<number> {
  const r = await host.run(['systemctl', 'show', ...args]);
  if (r.code !== 0 || r.error || r.stderr) throw new Error(`systemctl show ${args.join(' ')} failed (exit ${r.code})`);
  return Number(r.stdout.trim().split('=')[1]) / 1e6;
}

export async function analyzeBoot(host: Host, events: AnalyzeEvent[]): Promise<{ text: string; code: string }> {
  const uptime = await host.clock.uptime();
  let code = 'failure';
  let kStart = -1;
  let kEnd = -1;
  let ciSysd = -1;
  if ((await host.fs.lstat('/run/systemd/system'))?.kind === 'dir') {
    try {
      kStart = host.clock.now() - uptime;
      const dEnd = await systemctlMonotonic(host, ['-p', 'UserspaceTimestampMonotonic']);
      const dCi = await systemctlMonotonic(host, ['cloud-init-local', '-p', 'InactiveExitTimestampMonotonic']);
      let base = kStart;
      code = 'successful';
      if (await isContainer(host)) {
        base = host.clock.now() - uptime;
        kStart = ((await host.fs.stat('/proc/1/cmdline'))?.mtimeMs ?? base * 1000) / 1000;
        code = 'container';
      }
      kEnd = base + dEnd;
      ciSysd = base + dCi;
    } catch {
      code = 'failure';
      kStart = kEnd = ciSysd = -1;
    }
  }
  const starts = events.filter((e) => e.name === 'init-local' && e.description.includes('starting search'));
  let ciStart: string;
  if (starts.length) ciStart = pyUtcDatetime((starts[starts.length - 1] as AnalyzeEvent).timestamp);
  else {
    ciStart = 'Could not find init-local log-line in cloud-init.log';
    code = 'failure';
  }
  if (code === 'failure') {
    return { code, text: 'Boot timestamps are not available here: they come from systemd (systemctl show), which is not running this machine or did not answer.\n' };
  }
  if (code === 'container') {
    return { code, text: `-- Most Recent Container Boot Record --\n    Container started at: ${pyUtcDatetime(kStart)}\n    Cloud-init activated by systemd at: ${pyUtcDatetime(ciSysd)}\n    Cloud-init start: ${ciStart}\n` };
  }
  return {
    code,
    text:
      `-- Most Recent Boot Record --\n    Kernel Started at: ${pyUtcDatetime(kStart)}\n    Kernel ended boot at: ${pyUtcDatetime(kEnd)}\n` +
      `    Kernel time to boot (seconds): ${pyFloat(kEnd - kStart)}\n    Cloud-init activated by systemd at: ${pyUtcDatetime(ciSysd)}\n` +
      `    Time between Kernel end boot and Cloud-init activation (seconds): ${pyFloat(ciSysd - kEnd)}\n    Cloud-init start: ${ciStart}\n`,
  };
}
