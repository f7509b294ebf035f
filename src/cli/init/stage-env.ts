// The environment a stage verb runs in: the real host bound to `/` (or KINDLING_INIT_ROOT, for
// running against a mounted image), the network step, and cleanup at exit.
import { createHost, type RealHost } from '../../agent/host/create-host.js';
import type { StageEnv } from '../../agent/stages.js';
import { applyNetwork } from '../../agent/network/apply.js';
import type { GlobalArgs } from './args.js';
import { CLOUD_INIT_COMPAT_VERSION } from '../../agent/version.js';
import { confCache } from '../../agent/config/conf-cache.js';

export function stageEnv(g: GlobalArgs): StageEnv {
  const root = process.env.KINDLING_INIT_ROOT || '/';
  const host: RealHost = createHost(root, { userAgent: `Cloud-Init/${CLOUD_INIT_COMPAT_VERSION}`, io: g.io });
  return { host, files: g.files, force: g.force, network: applyNetwork };
}

/** Runs a stage and always flushes its log and output, whatever happens. */
export async function runStage(env: StageEnv, fn: () => Promise<number>): Promise<number> {
  let code = 1;
  try {
    code = await fn();
  } catch (e) {
    env.host.log.log('CRITICAL', 'main', `unhandled failure: ${(e as Error)?.stack ?? String(e)}`);
    env.host.output.err(`${(e as Error)?.message ?? String(e)}\n`);
    code = 1;
  } finally {
    await confCache(env.host).save();
    await env.host.close();
  }
  return code;
}
