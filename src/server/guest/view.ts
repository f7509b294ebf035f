// One instance as guests see it: its documents rendered on first use and kept until the instance
// changes (the index then builds a new view). Everything here is derived from the record through
// the wire module, so the HTTP tree and a config drive are the same bytes.
import type { Instance } from '../../wire/instance.js';
import { ec2VersionTree, type Ec2Dir } from '../../wire/ec2/tree.js';
import type { Ec2Version } from '../../wire/ec2/versions.js';
import { metaDataObject } from '../../wire/openstack/meta-data.js';
import { pythonJson, pythonJsonWithHole } from '../../wire/python-json.js';
import { APPLICATION_JSON } from '../../wire/openstack/tree.js';
import { atLeast, GRIZZLY, type OpenstackVersion } from '../../wire/openstack/versions.js';
import { SEED_TEXT_LENGTH, writeRandomSeed } from './random-seed.js';
import { responseBuffer } from './response-slab.js';
import type { Bucket } from './rate-limit.js';
import type { RenderContext } from './render-context.js';
import { headText, makeReply, type Reply } from './reply.js';
import type { GuestRequest } from './request.js';

/** A cached answer: a fixed reply, or a function for what must be fresh (random_seed, password). */
export type Responder = Reply | ((req: GuestRequest, view: GuestView) => Reply | Promise<Reply>);

interface SeedTemplate {
  /** HTTP/1.1 status line and headers, then the document's text up to the seed. */
  before: Buffer;
  /** Where the body starts inside `before`. */
  bodyAt: number;
  after: Buffer;
  total: number;
  head: string[];
}

export class GuestView {
  /** Normalised path → responder, filled as guests ask (bounded by the tree's size). */
  readonly routes = new Map<string, Responder>();
  /** The per-instance rate limit's bucket (carried over when the instance changes). */
  bucket: Bucket | undefined;
  private readonly ec2Trees = new Map<Ec2Version, Ec2Dir>();
  private readonly seedTemplates = new Map<OpenstackVersion, SeedTemplate>();

  constructor(readonly instance: Instance, readonly ctx: RenderContext) {}

  get uuid(): string {
    return this.instance.uuid;
  }

  ec2Tree(version: Ec2Version): Ec2Dir {
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
    let t = this.seedTemplates.get(version);
    if (!t) {
      const [before, after] = pythonJsonWithHole(metaDataObject(this.instance, version, { ...this.ctx, target: 'service' }), 'random_seed');
      const b = Buffer.from(before, 'utf8');
      const a = Buffer.from(after, 'utf8');
      const length = b.length + SEED_TEXT_LENGTH + a.length;
      const head = ['Content-Type', APPLICATION_JSON, 'Content-Length', String(length)];
      const http = Buffer.from(headText(200, head), 'latin1');
      t = { before: Buffer.concat([http, b]), bodyAt: http.length, after: a, total: http.length + length, head };
      this.seedTemplates.set(version, t);
    }
    // One buffer holds the whole response; the body is a view into it.
    const raw = responseBuffer(t.total);
    t.before.copy(raw, 0);
    writeRandomSeed(raw, t.before.length);
    t.after.copy(raw, t.before.length + SEED_TEXT_LENGTH);
    return { status: 200, body: raw.subarray(t.bodyAt), head: t.head, raw };
  }
}

