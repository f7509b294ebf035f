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
    // the EC2 side only when the instance's EC2 endpoint is on (its token rules guard the EC2 paths)
    ...(view.instance.http_endpoint === 'enabled' ? ec2DriveEntries(view.instance, opts) : []),
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
