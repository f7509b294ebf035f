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
import type { RenderContext } from './render-context.js';
import { makeReply, type Reply } from './reply.js';
import type { GuestRequest } from './request.js';

/** A cached answer: a fixed reply, or a function for what must be fresh (random_seed, password). */
export type Responder = Reply | ((req: GuestRequest, view: GuestView) => Reply | Promise<Reply>);

interface SeedTemplate {
  before: Buffer;
  after: Buffer;
  length: number;
  head: string[];
}

export class GuestView {
  /** Normalised path → responder, filled as guests ask (bounded by the tree's size). */
  readonly routes = new Map<string, Responder>();
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
      t = { before: b, after: a, length, head: ['Content-Type', APPLICATION_JSON, 'Content-Length', String(length)] };
      this.seedTemplates.set(version, t);
    }
    const body = Buffer.allocUnsafe(t.length);
    t.before.copy(body, 0);
    writeRandomSeed(body, t.before.length);
    t.after.copy(body, t.before.length + SEED_TEXT_LENGTH);
    return { status: 200, body, head: t.head };
  }
}

