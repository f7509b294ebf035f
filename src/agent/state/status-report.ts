// `status`: what this boot's stages reported (status.json and result.json through /run, so a
// previous boot's files are invisible) and whether the agent is enabled, reduced to cloud-init's
// status words. Exit codes: 0 done (or not run / running / disabled), 1 error, 2 done with
// recoverable errors (warnings), as cloud-init 23.4+ reports them.
import type { Host } from '../host/host.js';

export type UxStatus = 'not run' | 'running' | 'done' | 'error' | 'disabled';

export interface StatusDetails {
  status: UxStatus;
  extendedStatus: string;
  bootStatusCode: string;
  description: string;
  errors: string[];
  recoverableErrors: Record<string, string[]>;
  lastUpdate: string;
  datasource: string | null;
  stages: Record<string, unknown>;
}

const DISABLED_CODES = ['disabled-by-generator', 'disabled-by-kernel-cmdline', 'disabled-by-marker-file', 'disabled-by-environment-variable'];

async function bootStatus(host: Host, runDir: string): Promise<[string, string]> {
  const cmdline = ((await host.fs.readTextIfExists('/proc/cmdline').catch(() => undefined)) ?? '').split(/\s+/);
  const systemd = (await host.fs.lstat('/run/systemd/system'))?.kind === 'dir';
  if (!systemd) {
    if (await host.fs.exists(`${runDir}/disabled`)) return ['disabled-by-generator', ((await host.fs.readTextIfExists(`${runDir}/disabled`)) ?? '').trim() || 'kindling-init disabled itself for this boot'];
    return ['enabled-by-sysvinit', 'Cloud-init enabled on sysvinit'];
  }
  if (cmdline.includes('cloud-init=enabled')) return ['enabled-by-kernel-cmdline', 'Cloud-init enabled by kernel command line cloud-init=enabled'];
  if (await host.fs.exists('/etc/cloud/cloud-init.disabled')) return ['disabled-by-marker-file', 'Cloud-init disabled by /etc/cloud/cloud-init.disabled'];
  if (cmdline.includes('cloud-init=disabled')) return ['disabled-by-kernel-cmdline', 'Cloud-init disabled by kernel parameter cloud-init=disabled'];
  if (await host.fs.exists(`${runDir}/disabled`)) return ['disabled-by-generator', 'Cloud-init disabled by cloud-init-generator'];
  if (await host.fs.exists(`${runDir}/enabled`)) return ['enabled-by-generator', 'Cloud-init enabled by systemd cloud-init-generator'];
  return ['unknown', 'Systemd generator may not have run yet.'];
}

function gmt(t: number): string {
  const d = new Date(t * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export async function statusDetails(host: Host, runDir = '/run/cloud-init'): Promise<StatusDetails> {
  let status: UxStatus = 'not run';
  const errors: string[] = [];
  const recoverable: Record<string, string[]> = {};
  let datasource: string | null = '';
  let [code, description] = await bootStatus(host, runDir);
  if (DISABLED_CODES.includes(code)) status = 'disabled';
  let v1: Record<string, unknown> = {};
  const statusText = await host.fs.readTextIfExists(`${runDir}/status.json`).catch(() => undefined);
  if (statusText !== undefined) {
    if (!(await host.fs.exists(`${runDir}/result.json`))) status = 'running';
    try {
      v1 = ((JSON.parse(statusText) as { v1?: Record<string, unknown> }).v1 ?? {}) as Record<string, unknown>;
    } catch {
      v1 = {};
    }
  }
  let latest = 0;
  const stages: Record<string, unknown> = {};
  for (const key of Object.keys(v1).sort()) {
    const value = v1[key];
    if (key === 'stage') {
      if (value) {
        status = 'running';
        description = `Running in stage: ${String(value)}`;
      }
    } else if (key === 'datasource') {
      if (value === null || value === undefined) {
        datasource = null;
        continue;
      }
      description = String(value);
      datasource = String(value).split(' ')[0]?.toLowerCase().replace('datasource', '') ?? '';
    } else if (value && typeof value === 'object') {
      const v = value as { errors?: string[]; start?: number | null; finished?: number | null; recoverable_errors?: Record<string, string[]> };
      stages[key] = v;
      errors.push(...(v.errors ?? []));
      for (const [lvl, msgs] of Object.entries(v.recoverable_errors ?? {})) (recoverable[lvl] ??= []).push(...msgs);
      const start = v.start ?? 0;
      const fin = v.finished ?? 0;
      if (fin === 0 && start !== 0) status = 'running';
      latest = Math.max(latest, start, fin);
    }
  }
  if (errors.length) {
    status = 'error';
    description = errors.join('\n');
  } else if (status === 'not run' && latest > 0) {
    status = 'done';
  }
  const degraded = Object.keys(recoverable).length > 0 && (status === 'done' || status === 'running');
  return {
    status,
    extendedStatus: degraded ? `degraded ${status}` : status,
    bootStatusCode: code,
    description,
    errors,
    recoverableErrors: recoverable,
    lastUpdate: latest ? gmt(latest) : '',
    datasource,
    stages,
  };
}

export function statusExitCode(d: StatusDetails): number {
  if (d.status === 'error') return 1;
  if (d.extendedStatus.startsWith('degraded')) return 2;
  return 0;
}
