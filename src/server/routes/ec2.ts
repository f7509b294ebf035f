// The EC2-compatible tree for an identified guest: /<version>/..., also reachable as /ec2/<version>/...
import { ec2Find, ec2Render } from '../../wire/ec2/tree.js';
import { resolveEc2Version } from '../../wire/ec2/versions.js';
import { TEXT_PLAIN } from '../../wire/openstack/tree.js';
import { makeReply } from '../guest/reply.js';
import type { GuestView, Responder } from '../guest/view.js';

/** tokens: the path below the EC2 root, e.g. ["latest", "meta-data", "hostname"]. */
export function ec2Responder(view: GuestView, tokens: readonly string[]): Responder | undefined {
  const version = resolveEc2Version(tokens[0] ?? '');
  if (!version) return undefined;
  const node = ec2Find(view.ec2Tree(version), tokens.slice(1));
  if (node === undefined) return undefined;
  return makeReply(200, TEXT_PLAIN, ec2Render(node));
}
