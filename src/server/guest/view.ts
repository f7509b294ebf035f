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

/**
 * A meta_data.json response minus its seed, in one buffer: HTTP head and text before the seed, then
 * the text after it (one object, so a request touches little memory in a large fleet).
 */
interface SeedTemplate {
  version: OpenstackVersion;
  bytes: Buffer;
  /** Where the seed goes (= the length of the part before it). */
  seedAt: number;
  /** Where the body starts. */
  bodyAt: number;
  head: string[];
}

export class GuestView {
  /** Normalised path → responder, filled as guests ask (bounded by the tree's size). */
  readonly routes = new Map<string, Responder>();
  /** The per-instance rate limit's bucket (carried over when the instance changes). */
  bucket: Bucket | undefined;
  /** neutron-proxy's expected X-Instance-ID-Signature, computed on first use. */
  signature: string | undefined;
  /** The instance's project, here so that identification touches one object less. */
  readonly projectId: string;
  // Created on first use: most instances of a large fleet only ever see a few documents.
  private ec2Trees: Map<Ec2Version, Ec2Dir> | undefined;
  private seedTemplates: Map<OpenstackVersion, SeedTemplate> | undefined;
  /** The template asked for last: clients stick to one version, so this spares the map. */
  private lastTemplate: SeedTemplate | undefined;

  constructor(readonly instance: Instance, readonly ctx: RenderContext) {
    this.projectId = instance.project_id;
  }

  get uuid(): string {
    return this.instance.uuid;
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
        const b = Buffer.from(before, 'utf8');
        const a = Buffer.from(after, 'utf8');
        const length = b.length + SEED_TEXT_LENGTH + a.length;
        const head = ['Content-Type', APPLICATION_JSON, 'Content-Length', String(length)];
        const http = Buffer.from(headText(200, head), 'latin1');
        t = { version, bytes: Buffer.concat([http, b, a]), seedAt: http.length + b.length, bodyAt: http.length, head };
        this.seedTemplates.set(version, t);
      }
      this.lastTemplate = t;
    }
    // One buffer holds the whole response; the body is a view into it.
    const { bytes, seedAt } = t;
    const raw = responseBuffer(bytes.length + SEED_TEXT_LENGTH);
    bytes.copy(raw, 0, 0, seedAt);
    writeRandomSeed(raw, seedAt);
    bytes.copy(raw, seedAt + SEED_TEXT_LENGTH, seedAt);
    return { status: 200, body: raw.subarray(t.bodyAt), head: t.head, raw };
  }
}

