// createApp(deps): the service's request handlers, with no sockets. main.ts binds them to
// listeners; tests call them directly with hand-built requests.
import type { AccessLog } from './access-log.js';
import type { InstanceIndex } from './guest/instance-index.js';
import type { RenderContext } from './guest/render-context.js';
import type { Identify, IdentifyMode } from './identify/identify.js';
import { sourceIp } from './identify/source-ip.js';
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
}

export interface App {
  /** The handler for one guest listener, identifying callers with `mode`. */
  guest(mode: IdentifyMode, listenerName: string): GuestHandler;
  control: ControlHandler;
}

export function createApp(deps: AppDeps): App {
  const openstack = new OpenstackRoutes(deps.registry, deps.ctx);
  const identifiers: Record<IdentifyMode, () => Identify> = {
    'source-ip': () => sourceIp(deps.index),
  };
  return {
    guest: (mode, name) => createGuestHandler({ openstack, log: deps.log }, identifiers[mode](), name),
    control: createControlHandler({ ...deps.control, registry: deps.registry, drives: { ...deps.drives, ctx: deps.ctx } }),
  };
}
