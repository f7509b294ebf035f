// Identification by the TCP peer address, matched against the registry's addresses (Nova's
// direct mode). An IPv6 link-local peer whose interface id is EUI-64 is also matched by the MAC
// it encodes, the way Neutron identifies guests asking over fe80::a9fe:a9fe.
import { macFromLinkLocal, peerKey } from '../address.js';
import type { InstanceIndex } from '../guest/instance-index.js';
import { NOT_FOUND } from '../guest/reply.js';
import type { Identify } from './identify.js';

export function sourceIp(index: InstanceIndex): Identify {
  return (req) => {
    const key = peerKey(req.peer);
    const view = index.byAddress(key);
    if (view) return view;
    const mac = macFromLinkLocal(key);
    if (mac) return index.byAddress(mac) ?? NOT_FOUND;
    return NOT_FOUND;
  };
}
