// One instance as guests see it: its documents rendered on first use and kept until the instance
// changes or the view leaves the index's cache of recently used views (the index then builds a
// new one from the stored record). Everything here is derived from the record through
// the wire module, so the HTTP tree and a config drive are the same bytes.
import type { HttpEndpoint, HttpTokens, Instance } from '../../wire/instance.js';
import { fromStored } from '../store/row.js';
import type { StoredInstance } from '../store/store.js';
import { ec2VersionTree, type Ec2Dir } from '../../wire/ec2/tree.js';
import type { Ec2Version } from '../../wire/ec2/versions.js';
import { metaDataObject } from '../../wire/openstack/meta-data.js';
import { pythonJson, pythonJsonWithHole } from '../../wire/python-json.js';
import { APPLICATION_JSON } from '../../wire/openstack/tree.js';
import { atLeast, GRIZZLY, type OpenstackVersion } from '../../wire/openstack/versions.js';
import { SEED_TEXT_LENGTH, writeRandomSeed } from './random-seed.js';
import { responseBuffer } from './response-slab.js';
import type { RenderContext } from './render-context.js';
import { headText, makeReply, type Reply } from './reply.js';
import type { GuestRequest } from './request.js';

/** A cached answer: a fixed reply, or a function for what must be fresh (random_seed, password). */
export type Responder = Reply | ((req: GuestRequest, view: GuestView) => Reply | Promise<Reply>);

/**
 * A meta_data.json response minus its seed: the HTTP head and the text before the seed, and the
 * text after it, as one-byte strings of the UTF-8 bytes (compact on the heap, no buffer of their
 * own to keep alive, and copied into the response with one memcpy each).
 */
interface SeedTemplate {
  version: OpenstackVersion;
  /** Head and body up to the seed. */
  pre: string;
  /** The body after the seed. */
  post: string;
  /** Where the body starts. */
  bodyAt: number;
  head: string[];
}

// The record parsed last: resolving one request's route reads `instance` several times, and views
// keep no parsed record (most of a fleet's views only ever serve a few cached documents).
let lastStored: StoredInstance | undefined;
let lastParsed: Instance | undefined;

/** UTF-8 text as a one-byte string of its bytes (Buffer 'latin1' writes them back unchanged). */
function byteString(text: string): string {
  // ASCII, the common case, is its own UTF-8
  return Buffer.byteLength(text, 'utf8') === text.length ? text : Buffer.from(text, 'utf8').toString('latin1');
}

export class GuestView {
  /** Normalised path → responder, filled as guests ask (bounded by the tree's size). */
  readonly routes = new Map<string, Responder>();
  /** The EC2 metadata options, read on every EC2 request. */
  readonly httpEndpoint: HttpEndpoint;
  readonly httpTokens: HttpTokens;
  // Created on first use: most instances of a large fleet only ever see a few documents.
  private ec2Trees: Map<Ec2Version, Ec2Dir> | undefined;
  private seedTemplates: Map<OpenstackVersion, SeedTemplate> | undefined;
  /** The template asked for last: clients stick to one version, so this spares the map. */
  private lastTemplate: SeedTemplate | undefined;

  constructor(readonly stored: StoredInstance, readonly ctx: RenderContext) {
    const i = this.instance;
    this.httpEndpoint = i.http_endpoint;
    this.httpTokens = i.http_tokens;
  }

  get uuid(): string {
    return this.stored.uuid;
  }

  /** The guest's password (Nova's password endpoint). */
  get password(): string | null {
    return this.stored.password;
  }

  /** The parsed record, for rendering (parsed again when another view was rendered meanwhile). */
  get instance(): Instance {
    if (lastStored !== this.stored) {
      lastParsed = fromStored(this.stored);
      lastStored = this.stored;
    }
    return lastParsed!;
  }

  ec2Tree(version: Ec2Version): Ec2Dir {
    this.ec2Trees ??= new Map();
    let t = this.ec2Trees.get(version);
    if (!t) {
      t = ec2VersionTree(this.instance, version, this.ctx);
      this.ec2Trees.set(version, t);
    }
    return t;
  }

  /** meta_data.json with a fresh random_seed: the fixed text around the seed is rendered once. */
  metaData(version: OpenstackVersion): Reply {
    if (!atLeast(version, GRIZZLY)) {
      // no random_seed before 2013-04-04: the whole document is fixed (the caller caches it)
      return makeReply(200, APPLICATION_JSON, pythonJson(metaDataObject(this.instance, version, { ...this.ctx, target: 'service' })));
    }
    let t = this.lastTemplate;
    if (t === undefined || t.version !== version) {
      this.seedTemplates ??= new Map();
      t = this.seedTemplates.get(version);
      if (!t) {
        const [before, after] = pythonJsonWithHole(metaDataObject(this.instance, version, { ...this.ctx, target: 'service' }), 'random_seed');
        const b = byteString(before);
        const post = byteString(after);
        const head = ['Content-Type', APPLICATION_JSON, 'Content-Length', String(b.length + SEED_TEXT_LENGTH + post.length)];
        const http = headText(200, head);
        t = { version, pre: http + b, post, bodyAt: http.length, head };
        this.seedTemplates.set(version, t);
      }
      this.lastTemplate = t;
    }
    // One buffer holds the whole response; the body is a view into it.
    const { pre, post } = t;
    const seedAt = pre.length;
    const raw = responseBuffer(seedAt + SEED_TEXT_LENGTH + post.length);
    raw.write(pre, 0, 'latin1');
    writeRandomSeed(raw, seedAt);
    raw.write(post, seedAt + SEED_TEXT_LENGTH, 'latin1');
    return { status: 200, body: raw.subarray(t.bodyAt), head: t.head, raw };
  }
}
