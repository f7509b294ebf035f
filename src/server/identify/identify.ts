// Who is asking: one step per listener, chosen by configuration. It returns the instance's index
// entry (its documents are rendered only once the request passed every check), or the reply that ends the request (404 for an unknown caller, who learns nothing more).
import type { Reply } from '../guest/reply.js';
import type { GuestRequest } from '../guest/request.js';
import type { IndexEntry } from '../guest/instance-index.js';

export interface Identifier {
  readonly mode: IdentifyMode;
  identify(req: GuestRequest): IndexEntry | Reply;
  /**
   * IMDSv2 refuses a token PUT that came through a proxy: true when the request carries a
   * forwarding hop this listener does not itself vouch for (AWS: any X-Forwarded-For).
   */
  extraHop(req: GuestRequest): boolean;
}

export type IdentifyMode = 'source-ip' | 'neutron-proxy' | 'forwarded-for';
export const IDENTIFY_MODES: readonly IdentifyMode[] = ['source-ip', 'neutron-proxy', 'forwarded-for'];

/** X-Forwarded-For as a list of addresses, leftmost (the original client) first. */
export function forwardedFor(req: GuestRequest): string[] {
  const v = req.header('x-forwarded-for');
  if (v === undefined) return [];
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
