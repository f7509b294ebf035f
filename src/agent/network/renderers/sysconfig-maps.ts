// The KEY=value files of /etc/sysconfig networking: an ifcfg-<dev> (written sorted by key, booleans
// as yes/no, values with blanks quoted) and its routes (route-<dev> as ADDRESSn/GATEWAYn/NETMASKn
// renumbered per family, route6-<dev> as `ip -6 route` lines).
import { pyStr } from '../pyfmt.js';

export const header = (sep: string) => `${sep} Created by cloud-init on instance boot automatically, do not edit.\n${sep}`;

export function quote(v: string): string {
  if (!/\s/.test(v)) return v;
  return v.startsWith('"') && v.endsWith('"') ? v : `"${v}"`;
}

const shellValue = (v: unknown): string => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : pyStr(v));

/** An ordered KEY=value map written sorted by key, as the sysconfig files are. */
export class ConfigMap {
  conf = new Map<string, unknown>();
  set(k: string, v: unknown): void {
    this.conf.set(k, v);
  }
  get(k: string): unknown {
    return this.conf.get(k);
  }
  has(k: string): boolean {
    return this.conf.has(k);
  }
  get size(): number {
    return this.conf.size;
  }
  protected skip(_k: string, _v: unknown): boolean {
    return false;
  }
  toString(): string {
    let out = header('#');
    if (this.conf.size) out += '\n';
    for (const k of [...this.conf.keys()].sort()) {
      const v = this.conf.get(k);
      if (this.skip(k, v)) continue;
      out += `${k}=${quote(shellValue(v))}\n`;
    }
    return out;
  }
}

export class Routes extends ConfigMap {
  lastIdx = 1;
  hasDefault4 = false;
  hasDefault6 = false;

  render(proto: 'ipv4' | 'ipv6', dev: string): string {
    let out = header('#');
    if (this.conf.size) out += '\n';
    let reindex = -1;
    for (const key of [...this.conf.keys()].sort()) {
      if (!key.includes('ADDRESS')) continue;
      const idx = key.replace('ADDRESS', '');
      const addr = pyStr(this.conf.get(key));
      // an on-link route has no gateway (22.4 raises on those)
      const gw = this.conf.has(`GATEWAY${idx}`) ? pyStr(this.conf.get(`GATEWAY${idx}`)) : undefined;
      const v6 = addr.includes(':');
      if (proto === 'ipv4' && !v6) {
        reindex++;
        out += `ADDRESS${reindex}=${quote(addr)}\n`;
        if (gw !== undefined) out += `GATEWAY${reindex}=${quote(gw)}\n`;
        out += `NETMASK${reindex}=${quote(pyStr(this.conf.get(`NETMASK${idx}`)))}\n`;
        if (this.conf.has(`METRIC${idx}`)) out += `METRIC${reindex}=${quote(pyStr(this.conf.get(`METRIC${idx}`)))}\n`;
      } else if (proto === 'ipv6' && v6) {
        const metric = this.conf.has(`METRIC${idx}`) ? `metric ${pyStr(this.conf.get(`METRIC${idx}`))}` : '';
        out += `${addr}/${pyStr(this.conf.get(`PREFIX${idx}`))}${gw === undefined ? '' : ` via ${gw}`} ${metric} dev ${dev}\n`;
      }
    }
    return out;
  }
}

const IFACE_TYPES: Record<string, string> = { ethernet: 'Ethernet', bond: 'Bond', bridge: 'Bridge', infiniband: 'InfiniBand', vlan: 'Vlan' };

export class IfCfg extends ConfigMap {
  readonly routes = new Routes();
  constructor(readonly name: string) {
    super();
    this.set('TYPE', 'Ethernet');
    this.set('DEVICE', name);
  }
  set kind(k: string) {
    this.set('TYPE', IFACE_TYPES[k]);
  }
  drop(k: string): void {
    this.conf.delete(k);
  }
  protected override skip(k: string, v: unknown): boolean {
    return k === 'TYPE' && v === 'Vlan';
  }
}

