// Identification by the TCP peer address, matched against the registry's addresses (Nova's
// direct mode). An IPv6 link-local peer whose interface id is EUI-64 is also matched by the MAC
// it encodes, the way Neutron identifies guests asking over fe80::a9fe:a9fe.
import { macFromLinkLocal, peerKey } from '../address.js';
import type { IndexEntry, InstanceIndex } from '../guest/instance-index.js';
import { NOT_FOUND } from '../guest/reply.js';
import type { Identifier } from './identify.js';

/** The instance owning `address` (an IP as a socket or X-Forwarded-For gives it). */
export function byAddress(index: InstanceIndex, address: string): IndexEntry | undefined {
  const key = peerKey(address);
  const view = index.byAddress(key);
  if (view) return view;
  const mac = macFromLinkLocal(key);
  return mac ? index.byAddress(mac) : undefined;
}

export function sourceIp(index: InstanceIndex): Identifier {
  return {
    mode: 'source-ip',
    identify: (req) => byAddress(index, req.peer) ?? NOT_FOUND,
    // guests reach this listener directly: any forwarding header means a proxy on the way
    extraHop: (req) => req.header('x-forwarded-for') !== undefined,
  };
}
