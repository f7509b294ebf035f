// Identification by X-Forwarded-For, believed only from trusted proxies: the client is the
// rightmost address that is not itself a trusted proxy. A peer that is not a trusted proxy is
// identified by its own address, whatever it sends (a guest cannot claim to be another).
import type { InstanceIndex } from '../guest/instance-index.js';
import { errorReply, NOT_FOUND } from '../guest/reply.js';
import { forwardedFor, type Identifier } from './identify.js';
import { byAddress } from './source-ip.js';
import type { TrustedProxies } from './trusted-proxies.js';

const NO_XFF = errorReply(400, 'X-Forwarded-For is missing from the request.');

function clientIndex(chain: string[], trusted: TrustedProxies): number {
  let i = chain.length - 1;
  while (i > 0 && trusted.has(chain[i]!)) i--;
  return i;
}

export function forwardedForIdentifier(index: InstanceIndex, trusted: TrustedProxies): Identifier {
  return {
    mode: 'forwarded-for',
    identify(req) {
      if (!trusted.has(req.peer)) return byAddress(index, req.peer) ?? NOT_FOUND;
      const chain = forwardedFor(req);
      if (chain.length === 0) return NO_XFF;
      return byAddress(index, chain[clientIndex(chain, trusted)]!) ?? NOT_FOUND;
    },
    extraHop(req) {
      const chain = forwardedFor(req);
      if (!trusted.has(req.peer)) return chain.length > 0;
      // anything left of the client the proxies vouch for is a hop of the guest's own
      return chain.length > 0 && clientIndex(chain, trusted) > 0;
    },
  };
}
