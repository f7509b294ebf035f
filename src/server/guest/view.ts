// One instance as guests see it: its documents rendered on first use and kept until the instance
// changes or the view leaves the index's cache of recently used views (the index then builds a
// new one from the stored record). Everything here is derived from the record through
// the wire module, so the HTTP tree and a config drive are the same bytes.
import type { HttpEndpoint, HttpTokens, Instance } from '../../wire/instance.js';
import { fromStored } from '../store/row.js';
import type { IndexEntry } from './instance-index.js';
import { ec2VersionTree, type Ec2Dir } from '../../wire/ec2/tree.js';
import type { Ec2Version } from '../../wire/ec2/versions.js';
import { metaDataObject } from '../../wire/openstack/meta-data.js';
import { pythonJson, pythonJsonPieces, type JsonPiece } from '../../wire/python-json.js';
import { APPLICATION_JSON } from '../../wire/openstack/tree.js';
import { atLeast, GRIZZLY, type OpenstackVersion } from '../../wire/openstack/versions.js';
import { SEED_TEXT_LENGTH, writeRandomSeed } from './random-seed.js';
import { responseBuffer } from './response-slab.js';
import { share, SharedText } from './shared-text.js';
import type { RenderContext } from './render-context.js';
import { headText, makeReply, type Reply } from './reply.js';
import type { GuestRequest } from './request.js';

/** A cached answer: a fixed reply, or a function for what must be fresh (random_seed, password). */
export type Responder = Reply | ((req: GuestRequest, view: GuestView) => Reply | Promise<Reply>);

/** A part of a template: text of the view's own, or text it shares with other views. */
type Part = string | SharedText;

/**
 * A meta_data.json response minus its seed: the HTTP head and the body, in parts, with the seed's
 * place among them. The members that name the instance (OWN_MEMBERS) are the view's own text;
 * every other run of members (keys, zone, project, devices, metadata...) and the head are shared
 * with every view that has the same text (shared-text.ts), which in a fleet is most of them. Own
 * parts are one-byte strings of the UTF-8 bytes (compact on the heap, no buffer of their own to
 * keep alive, and copied into the response with one memcpy each).
 */
interface SeedTemplate {
  version: OpenstackVersion;
  /** The head and the body up to the seed, then the body after it. */
  parts: Part[];
  /** parts[0, seedAt) come before the seed. */
  seedAt: number;
  /** The response's length with the seed. */
  bytes: number;
  /** Where the body starts. */
  bodyAt: number;
  head: readonly string[];
}

/**
 * UTF-8 text as a one-byte string of its bytes (Buffer 'latin1' writes them back unchanged), and
 * always a new flat string: a joined or concatenated string can be a tree of the pieces it was made
 * of (a join of one piece is that piece), all of which a template would keep alive.
 */
function byteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** meta_data.json's members that differ from instance to instance by nature. */
const OWN_MEMBERS = new Set(['uuid', 'name', 'hostname']);

/** Appends `pieces` to `out` as parts: runs of own members joined (flat), other runs shared. */
function addParts(out: Part[], pieces: readonly JsonPiece[]): void {
  let run: string[] = [];
  let own = false;
  const flush = () => {
    if (run.length) {
      const text = byteString(run.join(''));
      out.push(own ? text : share(text));
    }
    run = [];
  };
  for (const p of pieces) {
    const mine = OWN_MEMBERS.has(p.key);
    if (mine !== own) flush();
    own = mine;
    run.push(p.text);
  }
  flush();
}

function writeParts(out: Buffer, parts: readonly Part[], from: number, to: number, at: number): number {
  for (let i = from; i < to; i++) {
    const p = parts[i]!;
    const text = typeof p === 'string' ? p : p.text;
    out.write(text, at, 'latin1');
    at += text.length;
  }
  return at;
}

/** meta_data.json's header list for a body length: one per length, shared by every view. */
const seedHeads = new Map<number, readonly string[]>();
function seedHead(bodyBytes: number): readonly string[] {
  let h = seedHeads.get(bodyBytes);
  if (h === undefined) {
    h = ['Content-Type', APPLICATION_JSON, 'Content-Length', String(bodyBytes)];
    seedHeads.set(bodyBytes, h);
  }
  return h;
}

// The record parsed last: resolving one request's route reads `instance` several times, and views
// keep neither the parsed record nor its text (most of a fleet's views only ever serve a few cached
// documents; the entry keeps the text, packed).
let lastEntry: IndexEntry | undefined;
let lastParsed: Instance | undefined;

export class GuestView {
  // Normalised path → responder, filled as guests ask (bounded by the tree's size): the first
  // path in two fields, a map from the second on (most views of a large fleet serve one or two).
  private firstPath: string | undefined;
  private firstRoute: Responder | undefined;
  private moreRoutes: Map<string, Responder> | undefined;
  /** The EC2 metadata options, read on every EC2 request. */
  readonly httpEndpoint: HttpEndpoint;
  readonly httpTokens: HttpTokens;
  // Created on first use: most instances of a large fleet only ever see a few documents.
  private ec2Trees: Map<Ec2Version, Ec2Dir> | undefined;
  private seedTemplates: Map<OpenstackVersion, SeedTemplate> | undefined;
  /** The template asked for last: clients stick to one version, so this spares the map. */
  private lastTemplate: SeedTemplate | undefined;

  constructor(private readonly entry: IndexEntry, readonly ctx: RenderContext) {
    const i = this.instance;
    this.httpEndpoint = i.http_endpoint;
    this.httpTokens = i.http_tokens;
  }

  get uuid(): string {
    return this.entry.uuid;
  }

  /** The responder cached for a normalised path. */
  route(path: string): Responder | undefined {
    return path === this.firstPath ? this.firstRoute : this.moreRoutes?.get(path);
  }

  setRoute(path: string, r: Responder): void {
    if (this.firstPath === undefined || this.firstPath === path) {
      this.firstPath = path;
      this.firstRoute = r;
    } else {
      (this.moreRoutes ??= new Map()).set(path, r);
    }
  }

  /** The guest's password (Nova's password endpoint). */
  get password(): string | null {
    return this.entry.password;
  }

  /** The parsed record, for rendering (parsed again when another view was rendered meanwhile). */
  get instance(): Instance {
    if (lastEntry !== this.entry) {
      lastParsed = fromStored(this.entry.stored());
      lastEntry = this.entry;
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
      // one template per version asked for; a map only once a second version is
      if (t !== undefined) {
        this.seedTemplates ??= new Map([[t.version, t]]);
        t = this.seedTemplates.get(version);
      }
      if (t === undefined) {
        t = this.seedTemplate(version);
        this.seedTemplates?.set(version, t);
      }
      this.lastTemplate = t;
    }
    // One buffer holds the whole response; the body is a view into it.
    const { parts, seedAt } = t;
    const raw = responseBuffer(t.bytes);
    const at = writeParts(raw, parts, 0, seedAt, 0);
    writeRandomSeed(raw, at);
    writeParts(raw, parts, seedAt, parts.length, at + SEED_TEXT_LENGTH);
    return { status: 200, body: raw.subarray(t.bodyAt), head: t.head, raw };
  }

  private seedTemplate(version: OpenstackVersion): SeedTemplate {
    const [before, after] = pythonJsonPieces(metaDataObject(this.instance, version, { ...this.ctx, target: 'service' }), 'random_seed');
    const parts: Part[] = [];
    addParts(parts, before);
    const seedAt = parts.length;
    addParts(parts, after);
    let bodyBytes = SEED_TEXT_LENGTH;
    for (const p of parts) bodyBytes += typeof p === 'string' ? p.length : p.text.length;
    const head = seedHead(bodyBytes);
    const http = share(headText(200, head));
    // a literal of exactly its length (an array grown by push keeps room for more)
    return { version, parts: [http, ...parts], seedAt: seedAt + 1, bytes: http.text.length + bodyBytes, bodyAt: http.text.length, head };
  }
}
