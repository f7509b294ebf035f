// The guest-facing handler: normalise the path, answer `/` (served before identification, like
// Nova), identify the caller through the listener's step, then answer from the instance's view.
// Any method reads; only the password endpoint tells GET from POST.
import { ec2VersionListing } from '../../wire/ec2/versions.js';
import { normalizeMetadataPath, pathTokens } from '../../wire/metadata-path.js';
import { TEXT_PLAIN } from '../../wire/openstack/tree.js';
import type { AccessLog } from '../access-log.js';
import type { Identify } from '../identify/identify.js';
import { makeReply, NOT_FOUND, type Reply } from '../guest/reply.js';
import type { GuestRequest } from '../guest/request.js';
import { GuestView, type Responder } from '../guest/view.js';
import { ec2Responder } from './ec2.js';
import type { OpenstackRoutes } from './openstack.js';

const ROOT = makeReply(200, TEXT_PLAIN, ec2VersionListing());

export type GuestHandler = (req: GuestRequest) => Reply | Promise<Reply>;

export interface GuestHandlerDeps {
  openstack: OpenstackRoutes;
  log: AccessLog;
}

function resolve(deps: GuestHandlerDeps, view: GuestView, path: string): Responder | undefined {
  const tokens = pathTokens(path);
  if (tokens[0] === 'openstack') return deps.openstack.responder(view, tokens.slice(1));
  return ec2Responder(view, tokens[0] === 'ec2' ? tokens.slice(1) : tokens);
}

export function createGuestHandler(deps: GuestHandlerDeps, identify: Identify, listener: string): GuestHandler {
  const { log } = deps;
  const done = (req: GuestRequest, who: string | undefined, r: Reply): Reply => {
    if (log.enabled) log.guest(listener, req.peer, req.method, req.target, who, r.status, r.body.length);
    return r;
  };
  return (req) => {
    const path = normalizeMetadataPath(req.target);
    if (path === undefined) return done(req, undefined, NOT_FOUND);
    if (path === '/' || path === '/ec2') return done(req, undefined, ROOT);
    const who = identify(req);
    if (!(who instanceof GuestView)) return done(req, undefined, who);
    let r = who.routes.get(path);
    if (r === undefined) {
      r = resolve(deps, who, path);
      if (r === undefined) return done(req, who.uuid, NOT_FOUND);
      who.routes.set(path, r);
    }
    if (typeof r !== 'function') return done(req, who.uuid, r);
    const out = r(req, who);
    if (out instanceof Promise) return out.then((x) => done(req, who.uuid, x));
    return done(req, who.uuid, out);
  };
}
