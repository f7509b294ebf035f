// The OpenStack tree for an identified guest: /openstack, /openstack/<version>[/<file>],
// /openstack/content/NNNN, and the password endpoint.
import { PASSWORD_MAX_LENGTH } from '../../wire/instance.js';
import {
  META_DATA, openstackContent, openstackFile, openstackFileNames, PASSWORD, TEXT_PLAIN,
} from '../../wire/openstack/tree.js';
import { atLeast, GRIZZLY, openstackVersionListing, resolveOpenstackVersion, utcDate, type OpenstackVersion } from '../../wire/openstack/versions.js';
import { KindlingError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { errorReply, makeReply, PASSWORD_CONTENT_TYPE, type Reply } from '../guest/reply.js';
import type { RenderContext } from '../guest/render-context.js';
import type { GuestRequest } from '../guest/request.js';
import type { GuestView, Responder } from '../guest/view.js';

const EMPTY_PASSWORD = makeReply(200, PASSWORD_CONTENT_TYPE, '');
const TOO_LARGE = errorReply(400, 'Request is too large.');
const METHODS = errorReply(400, 'GET and POST only are supported.');
const CONFLICT = errorReply(409);
const NOT_UTF8 = errorReply(400, 'The password must be UTF-8 text.');
const GONE = errorReply(400, 'Instance not found.');
const STORE_UNAVAILABLE = errorReply(503, 'The registry is unavailable; retry later.', ['Retry-After', '5']);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class OpenstackRoutes {
  private listingDay = '';
  private listing: Reply | undefined;

  constructor(private readonly registry: Registry, private readonly ctx: RenderContext) {}

  /** GET /openstack: the version list, recomputed when the UTC date changes (future versions hidden). */
  private versionListing = (): Reply => {
    const day = utcDate(this.ctx.now());
    if (day !== this.listingDay || !this.listing) {
      this.listing = makeReply(200, TEXT_PLAIN, openstackVersionListing(day));
      this.listingDay = day;
    }
    return this.listing;
  };

  private password = async (req: GuestRequest, view: GuestView): Promise<Reply> => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const pw = view.password;
      return pw ? makeReply(200, PASSWORD_CONTENT_TYPE, pw) : EMPTY_PASSWORD;
    }
    if (req.method !== 'POST') return METHODS;
    // Nova's order: an already-set password wins over a too-large body.
    if (view.password) return CONFLICT;
    const body = req.body ?? Buffer.alloc(0);
    if (req.bodyTooLarge || body.length > PASSWORD_MAX_LENGTH) return TOO_LARGE;
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      return NOT_UTF8;
    }
    let r: Awaited<ReturnType<Registry['guestSetPassword']>>;
    try {
      r = await this.registry.guestSetPassword(view.uuid, text);
    } catch (e) {
      // the store is away (an outage): the guest may retry, as cloud-init's password poster does
      if (e instanceof KindlingError && e.status === 503) return STORE_UNAVAILABLE;
      throw e;
    }
    if (r === 'conflict') return CONFLICT;
    if (r === 'not_found') return GONE;
    return EMPTY_PASSWORD;
  };

  /** tokens: the path below /openstack. */
  responder(view: GuestView, tokens: readonly string[]): Responder | undefined {
    if (tokens.length === 0) return this.versionListing;
    if (tokens[0] === 'content') {
      // the content directory itself is not listable (404), like Nova
      if (tokens.length !== 2) return undefined;
      const e = openstackContent(view.instance, tokens[1]!);
      return e && makeReply(200, e.contentType, e.body);
    }
    const version = resolveOpenstackVersion(tokens[0]!);
    if (!version) return undefined;
    if (tokens.length === 1) return makeReply(200, TEXT_PLAIN, openstackFileNames(view.instance, version).join('\n'));
    const name = tokens.slice(1).join('/');
    if (name === PASSWORD) return atLeast(version, GRIZZLY) ? this.password : undefined;
    if (name === META_DATA) return metaDataResponder(view, version);
    const e = openstackFile(view.instance, version, name, { ...this.ctx, target: 'service' });
    return e && makeReply(200, e.contentType, e.body);
  }
}

// One responder per version for every view (views keep it in their routes).
const seededMetaData = new Map<OpenstackVersion, Responder>();

function metaDataResponder(view: GuestView, version: OpenstackVersion): Responder {
  // Before 2013-04-04 there is no random_seed and the document is fixed.
  if (!atLeast(version, GRIZZLY)) return view.metaData(version);
  let r = seededMetaData.get(version);
  if (r === undefined) {
    r = (_req, v) => v.metaData(version);
    seededMetaData.set(version, r);
  }
  return r;
}
