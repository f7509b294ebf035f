// createApp(deps): the service's request handlers, with no sockets. main.ts binds them to
// listeners; tests call them directly with hand-built requests.
import type { AccessLog } from './access-log.js';
import type { InstanceIndex } from './guest/instance-index.js';
import type { RenderContext } from './guest/render-context.js';
import { ImdsTokens } from './guest/imds-tokens.js';
import type { RateLimit } from './guest/rate-limit.js';
import { forwardedForIdentifier } from './identify/forwarded-for.js';
import type { Identifier, IdentifyMode } from './identify/identify.js';
import { neutronProxyIdentifier } from './identify/neutron-proxy.js';
import { sourceIp } from './identify/source-ip.js';
import { TrustedProxies } from './identify/trusted-proxies.js';
import type { Registry } from './registry/registry.js';
import type { DriveDeps } from './routes/config-drive.js';
import { createControlHandler, type ControlDeps, type ControlHandler } from './routes/control-api.js';
import { createGuestHandler, type GuestHandler } from './routes/guest.js';
import { OpenstackRoutes } from './routes/openstack.js';

export interface AppDeps {
  registry: Registry;
  index: InstanceIndex;
  ctx: RenderContext;
  log: AccessLog;
  control: Omit<ControlDeps, 'registry' | 'drives'>;
  /** What building config drives needs beyond the render context (see routes/config-drive.ts). */
  drives: Omit<DriveDeps, 'ctx'>;
  /** Per-instance rate limit on guest listeners; undefined disables it. */
  rateLimit?: RateLimit;
  /** Addresses allowed to speak for guests (neutron-proxy and forwarded-for listeners). */
  trustedProxies?: string[];
  /** The shared secret of neutron-proxy listeners (never logged). */
  proxySecret?: string;
  /** Key of IMDSv2 tokens; random per process when absent. */
  tokenKey?: Buffer;
}

export interface App {
  /** The handler for one guest listener, identifying callers with `mode`. */
  guest(mode: IdentifyMode, listenerName: string): GuestHandler;
  control: ControlHandler;
}

export function createApp(deps: AppDeps): App {
  const openstack = new OpenstackRoutes(deps.registry, deps.ctx);
  const trusted = new TrustedProxies(deps.trustedProxies ?? []);
  const identifiers: Record<IdentifyMode, () => Identifier> = {
    'source-ip': () => sourceIp(deps.index),
    'forwarded-for': () => forwardedForIdentifier(deps.index, trusted),
    'neutron-proxy': () => {
      // Nova only warns about an empty secret; anyone reaching the service could then sign.
      if (!deps.proxySecret) throw new Error('identify=neutron-proxy needs a non-empty proxy secret');
      return neutronProxyIdentifier(deps.index, deps.proxySecret, trusted);
    },
  };
  const tokens = new ImdsTokens(deps.tokenKey, deps.ctx.now);
  const guestDeps = { openstack, log: deps.log, tokens, rateLimit: deps.rateLimit, now: deps.ctx.now };
  return {
    guest: (mode, name) => createGuestHandler(guestDeps, identifiers[mode](), name),
    control: createControlHandler({ ...deps.control, registry: deps.registry, drives: { ...deps.drives, ctx: deps.ctx } }),
  };
}
