// The in-process equivalent of ds-identify with its current default policy
// `search,found=all,maybe=none,notfound=disabled`: cloud-init is disabled by the marker file or
// the kernel command line, and otherwise enabled only if some listed datasource's cheap detect()
// says yes (or the operator named exactly one datasource). Fail-closed: no evidence, no run.
import type { Host } from '../host/host.js';
import type { Boot } from './boot.js';
import { datasourceByName } from '../datasources/list.js';

export type Identity = { enabled: true; reason: string; found: string[] } | { enabled: false; reason: string; code: string };

function cmdlineValue(cmdline: string, key: string): string | undefined {
  for (const tok of cmdline.split(/\s+/)) if (tok.startsWith(`${key}=`)) return tok.slice(key.length + 1);
  return undefined;
}

async function readPolicy(host: Host, cmdline: string): Promise<{ notfound: 'disabled' | 'enabled'; mode: string }> {
  let policy = 'search,found=all,maybe=none,notfound=disabled';
  const cfg = await host.fs.readTextIfExists('/etc/cloud/ds-identify.cfg').catch(() => undefined);
  const m = cfg ? /^\s*policy:\s*(\S+)/m.exec(cfg) : null;
  if (m) policy = m[1] as string;
  const k = cmdlineValue(cmdline, 'ci.di.policy');
  if (k) policy = k;
  let mode = 'search';
  let notfound: 'disabled' | 'enabled' = 'disabled';
  for (const tok of policy.split(',')) {
    if (['disabled', 'enabled', 'search', 'report'].includes(tok)) mode = tok;
    else if (tok === 'notfound=enabled') notfound = 'enabled';
    else if (tok === 'notfound=disabled') notfound = 'disabled';
  }
  return { notfound, mode };
}

export async function identify(boot: Boot): Promise<Identity> {
  const { host, cmdline } = boot;
  if (await host.fs.exists('/etc/cloud/cloud-init.disabled')) return { enabled: false, reason: 'marker file /etc/cloud/cloud-init.disabled', code: 'disabled-by-marker-file' };
  if (/(^|\s)cloud-init=disabled(\s|$)/.test(cmdline)) return { enabled: false, reason: 'kernel command line cloud-init=disabled', code: 'disabled-by-kernel-command-line' };
  if (/(^|\s)cloud-init=disabled(\s|$)/.test(process.env.KERNEL_CMDLINE ?? '')) return { enabled: false, reason: 'environment KERNEL_CMDLINE', code: 'disabled-by-environment-variable' };
  const policy = await readPolicy(host, cmdline);
  if (policy.mode === 'disabled') return { enabled: false, reason: 'ds-identify policy disabled', code: 'disabled-by-generator' };
  const names = boot.datasourceList();
  const real = names.filter((n) => n !== 'None');
  if (policy.mode === 'enabled' || real.length === 1 || (real.length === 0 && names.includes('None'))) {
    return { enabled: true, reason: real.length === 1 ? `single entry in datasource_list (${real[0]}) use that` : `policy ${policy.mode}`, found: names };
  }
  const found: string[] = [];
  for (const n of real) {
    const p = datasourceByName(n);
    if (!p) continue;
    const ctx = { host, cfg: boot.sysCfg, dsCfg: {}, distro: boot.distro, paths: boot.paths, dmi: boot.dmi, cmdline, stage: 'local' as const, withEphemeralNetwork: <T>(fn: () => Promise<T>) => fn() };
    if (await p.detect(ctx).catch(() => false)) found.push(p.name);
  }
  if (found.length) return { enabled: true, reason: `found datasources ${found.join(', ')}`, found: [...found, 'None'] };
  if (policy.notfound === 'enabled') return { enabled: true, reason: 'no datasource found; policy notfound=enabled', found: names };
  return { enabled: false, reason: `no datasource found in ${JSON.stringify(names)} (policy notfound=disabled)`, code: 'disabled-by-generator' };
}
