// The project's own metadata service in the lab: `kindling serve` started in the hypervisor namespace
// (guest listener on 169.254.169.254:80 by default, control listener on 127.0.0.1:8776 inside the
// namespace, state in the lab's run directory), and its CLI run next to it.
import { join } from 'node:path';
import type { CommandOptions, CommandResult } from './command.js';
import { METADATA_IP, type Hypervisor } from './hypervisor.js';
import type { SandboxProcess } from './sandbox.js';
import { repoRoot } from './paths.js';

export interface KindlingService {
  process: SandboxProcess;
  /** The service's log (access log and errors): <hv dir>/<name>.log. */
  log: string;
  /** The control API's base URL inside the hypervisor namespace. */
  controlUrl: string;
  /** Runs `kindling ARGS...` in the hypervisor namespace (finds the control API and token by itself). Throws on failure. */
  cli(args: string[], opts?: CommandOptions): Promise<CommandResult>;
  stop(): Promise<number>;
}

export interface KindlingServeOptions {
  /** Arguments after `serve`. Default: --listen 169.254.169.254:80 and a database in the lab. */
  args?: string[];
  /** Extra environment (e.g. KINDLING_* settings). */
  env?: Record<string, string>;
  name?: string;
  /** Where the control API answers (default 127.0.0.1:8776, the service's default). */
  control?: string;
}

export async function startKindling(hv: Hypervisor, opts: KindlingServeOptions = {}): Promise<KindlingService> {
  const name = opts.name ?? 'kindling';
  const control = opts.control ?? '127.0.0.1:8776';
  const args = opts.args ?? ['--listen', `${METADATA_IP}:80`, '--db', join(hv.dir, `${name}.db`)];
  const bin = join(repoRoot, 'bin/kindling.js');
  const p = hv.spawn(name, [process.execPath, bin, 'serve', ...args], { cwd: repoRoot, env: opts.env });
  const controlUrl = `http://${control}`;
  await hv.waitForHttp(`${controlUrl}/healthz`, { process: p, timeoutMs: 20_000 });
  return {
    process: p,
    log: p.logFile,
    controlUrl,
    cli: (cliArgs, cliOpts = {}) =>
      hv.exec([process.execPath, bin, ...cliArgs], { cwd: repoRoot, ...cliOpts, env: { KINDLING_URL: controlUrl, ...opts.env, ...(cliOpts.env as Record<string, string>) } }),
    stop: () => p.stop(),
  };
}
