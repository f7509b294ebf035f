// Kindling's own guest paths, beside Nova's: /kindling/v1/bundle, the whole tree in one request
// (format in wire/openstack/bundle.ts), which kindling-init asks for before crawling. Its files are
// the very entries a config drive holds, minus what Nova keeps off the HTTP API (admin_pass), so the
// agent reads the same bytes whichever way they came.
import { ec2DriveEntries } from '../../wire/config-drive-tree.js';
import { encodeBundle } from '../../wire/openstack/bundle.js';
import { openstackTree } from '../../wire/openstack/tree.js';
import type { RenderContext } from '../guest/render-context.js';
import { makeReply } from '../guest/reply.js';
import type { GuestView, Responder } from '../guest/view.js';

const encoder = new TextEncoder();

export function bundleBody(view: GuestView, ctx: RenderContext): string {
  const opts = { ...ctx, target: 'service' as const };
  const entries = [
    // The EC2 side only when its paths would answer a plain GET: the endpoint on and IMDSv2 tokens
    // optional. With http_tokens=required the EC2 data is for token holders only, and this one-request
    // path takes no token, so it must not become a way round the rule (a guest's SSRF-able GET).
    ...(view.instance.http_endpoint === 'enabled' && view.httpTokens === 'optional' ? ec2DriveEntries(view.instance, opts) : []),
    ...openstackTree(view.instance, opts),
  ];
  const files: Record<string, Uint8Array> = {};
  for (const e of entries) files[e.path] = typeof e.body === 'string' ? encoder.encode(e.body) : e.body;
  return JSON.stringify(encodeBundle(files));
}

/** tokens: the path below /kindling. */
export function kindlingResponder(ctx: RenderContext, tokens: readonly string[]): Responder | undefined {
  if (tokens.length === 2 && tokens[0] === 'v1' && tokens[1] === 'bundle') {
    // rendered per request: every meta_data.json in it carries a fresh random_seed
    return (_req, view) => makeReply(200, 'application/json', bundleBody(view, ctx));
  }
  return undefined;
}
