// The addresses allowed to speak for guests (Neutron's metadata proxy, an nginx in front):
// IPs or CIDR blocks, IPv4 and IPv6.
import { BlockList, isIP } from 'node:net';
import { peerKey } from '../address.js';

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** Throws Error with a readable message for a bad entry. */
  constructor(readonly specs: readonly string[]) {
    for (const spec of specs) {
      const [addr, bits] = spec.split('/');
      const family = isIP(addr ?? '');
      if (!family) throw new Error(`${JSON.stringify(spec)} is not an IP address or CIDR block`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.list.addAddress(addr!, type);
      else {
        const n = Number(bits);
        if (!/^\d{1,3}$/.test(bits) || n > (family === 4 ? 32 : 128)) throw new Error(`${JSON.stringify(spec)} has a bad prefix length`);
        this.list.addSubnet(addr!, n, type);
      }
    }
    this.size = specs.length;
  }

  // BlockList.check builds a SocketAddress per call (measured: the costliest step of a signed
  // request); peers are few, so answers are remembered, in a map that is reset when it fills.
  private readonly seen = new Map<string, boolean>();

  has(address: string): boolean {
    let yes = this.seen.get(address);
    if (yes === undefined) {
      const a = peerKey(address);
      const family = isIP(a);
      yes = family !== 0 && this.list.check(a, family === 4 ? 'ipv4' : 'ipv6');
      if (this.seen.size >= 4096) this.seen.clear();
      this.seen.set(address, yes);
    }
    return yes;
  }
}
