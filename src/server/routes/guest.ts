// The guest-facing handler: normalise the path, answer `/` (served before identification, like
// Nova), identify the caller through the listener's step, apply the per-instance rate limit and
// the EC2 metadata options (endpoint disabled, IMDSv2 tokens), then answer from the instance's
// view. Any method reads; only the password and token endpoints tell methods apart.
import { parseTokenTtl, TOKEN_HEADER, TOKEN_PATH, TTL_HEADER } from '../../wire/ec2/imds.js';
import { ec2VersionListing } from '../../wire/ec2/versions.js';
import { normalizeMetadataPath, pathTokens } from '../../wire/metadata-path.js';
import { TEXT_PLAIN } from '../../wire/openstack/tree.js';
import type { AccessLog } from '../access-log.js';
import type { Identifier } from '../identify/identify.js';
import type { ImdsTokens } from '../guest/imds-tokens.js';
import { fullBucket, take, type RateLimit } from '../guest/rate-limit.js';
import { errorReply, makeReply, NOT_FOUND, type Reply } from '../guest/reply.js';
import type { GuestRequest } from '../guest/request.js';
import { IndexEntry } from '../guest/instance-index.js';
import type { GuestView, Responder } from '../guest/view.js';
import { ec2Responder } from './ec2.js';
import { kindlingResponder } from './kindling.js';
import type { OpenstackRoutes } from './openstack.js';

const ROOT = makeReply(200, TEXT_PLAIN, ec2VersionListing());
const ENDPOINT_DISABLED = errorReply(403, 'The instance metadata endpoint is disabled for this instance.');
const TOKEN_REQUIRED = errorReply(401, 'This instance requires IMDSv2: PUT /latest/api/token, then send X-aws-ec2-metadata-token.');
const TOKEN_INVALID = errorReply(401, 'The IMDSv2 token is invalid or expired.');
const TOKEN_FORWARDED = errorReply(403, 'Token requests through a forwarding proxy are refused.');
const TOKEN_BAD_TTL = errorReply(400, `Missing or invalid ${TTL_HEADER} (1 to 21600 seconds).`);

export type GuestHandler = (req: GuestRequest) => Reply | Promise<Reply>;

export interface GuestHandlerDeps {
  openstack: OpenstackRoutes;
  log: AccessLog;
  tokens: ImdsTokens;
  /** undefined: no rate limit. */
  rateLimit: RateLimit | undefined;
  now(): number;
}

function resolve(deps: GuestHandlerDeps, view: GuestView, path: string): Responder | undefined {
  const tokens = pathTokens(path);
  if (tokens[0] === 'openstack') return deps.openstack.responder(view, tokens.slice(1));
  if (tokens[0] === 'kindling') return kindlingResponder(view.ctx, tokens.slice(1));
  return ec2Responder(view, tokens[0] === 'ec2' ? tokens.slice(1) : tokens);
}

/** Paths outside the EC2 tree (the OpenStack API and kindling's own), which IMDSv2 rules do not cover. */
function isOpenstack(path: string): boolean {
  return (path.startsWith('/openstack') && (path.length === 10 || path.charCodeAt(10) === 47)) || path.startsWith('/kindling/');
}

export function createGuestHandler(deps: GuestHandlerDeps, identifier: Identifier, listener: string): GuestHandler {
  const { log, rateLimit } = deps;
  const done = (req: GuestRequest, who: string | undefined, r: Reply): Reply => {
    if (log.enabled) log.guest(listener, req.peer, req.method, req.target, who, r.status, r.body.length);
    return r;
  };
  const tooMany = new Map<number, Reply>();
  const limited = (retryAfter: number): Reply => {
    let r = tooMany.get(retryAfter);
    if (!r) {
      r = errorReply(429, 'Too many metadata requests from this instance; slow down.', ['Retry-After', String(retryAfter)]);
      tooMany.set(retryAfter, r);
    }
    return r;
  };

  /** EC2 metadata options and IMDSv2; undefined when the request may proceed. */
  const ec2Gate = (req: GuestRequest, view: GuestView, path: string): Reply | undefined => {
    if (view.httpEndpoint === 'disabled') return ENDPOINT_DISABLED;
    if (path === TOKEN_PATH && req.method === 'PUT') {
      if (identifier.extraHop(req)) return TOKEN_FORWARDED;
      const ttl = parseTokenTtl(req.header(TTL_HEADER));
      if (ttl === undefined) return TOKEN_BAD_TTL;
      return makeReply(200, TEXT_PLAIN, deps.tokens.mint(view.uuid, ttl), ['X-aws-ec2-metadata-token-ttl-seconds', String(ttl)]);
    }
    const token = req.header(TOKEN_HEADER);
    if (token !== undefined) return deps.tokens.verify(token, view.uuid) ? undefined : TOKEN_INVALID;
    return view.httpTokens === 'required' ? TOKEN_REQUIRED : undefined;
  };

  return (req) => {
    const path = normalizeMetadataPath(req.target);
    if (path === undefined) return done(req, undefined, NOT_FOUND);
    if (path === '/' || path === '/ec2') return done(req, undefined, ROOT);
    const entry = identifier.identify(req);
    if (!(entry instanceof IndexEntry)) return done(req, undefined, entry);
    if (rateLimit) {
      const wait = take((entry.bucket ??= fullBucket(rateLimit, deps.now())), rateLimit, deps.now());
      if (wait > 0) return done(req, entry.uuid, limited(wait));
    }
    const who = entry.view();
    if (!isOpenstack(path)) {
      const refused = ec2Gate(req, who, path);
      if (refused) return done(req, who.uuid, refused);
    }
    let r = who.route(path);
    if (r === undefined) {
      r = resolve(deps, who, path);
      if (r === undefined) return done(req, who.uuid, NOT_FOUND);
      who.setRoute(path, r);
    }
    if (typeof r !== 'function') return done(req, who.uuid, r);
    const out = r(req, who);
    if (out instanceof Promise) return out.then((x) => done(req, who.uuid, x));
    return done(req, who.uuid, out);
  };
}
