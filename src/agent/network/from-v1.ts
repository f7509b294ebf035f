// Network config v1 → the model, with cloud-init 22.4's semantics: a command missing a required key
// is skipped with a warning, every other defect (bad address, unknown command type, nameserver for
// an unknown interface) rejects the whole config.
import { emptyState, NetworkConfigError, type Iface, type NetworkState } from './model.js';
import { isIPv6Address } from './ip.js';
import { normalizeRoute, normalizeSubnet, type Warn } from './normalize.js';
import { pyRepr } from './pyfmt.js';

type Command = Record<string, unknown>;

/** A command that lacks a key its type requires: skipped, not fatal. */
export class InvalidCommand extends Error {}

const REQUIRED: Record<string, string[]> = {
  physical: ['name'],
  loopback: ['name'],
  infiniband: ['name'],
  vlan: ['name', 'vlan_id', 'vlan_link'],
  bond: ['name', 'bond_interfaces', 'params'],
  bridge: ['name', 'bridge_interfaces'],
  nameserver: ['address'],
  route: ['destination'],
};

export function requireKeys(type: string, cmd: Command): void {
  const missing = (REQUIRED[type] ?? []).filter((k) => !(k in cmd));
  if (missing.length) throw new InvalidCommand(`Command missing ${missing.join(', ')} of required keys ${REQUIRED[type]!.join(', ')}`);
}

/** cloud-init's util.is_true */
export function isTrue(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  return ['true', '1', 'on', 'yes'].includes(String(v === null || v === undefined ? 'None' : v).toLowerCase().trim());
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** Builds the model command by command; from-v2 drives the same builder. */
export class StateBuilder {
  readonly ns: NetworkState;
  private readonly ifaceDns = new Map<string, { nameservers: unknown[]; search: unknown[] }>();

  constructor(version: 1 | 2, readonly warn: Warn) {
    this.ns = emptyState(version);
  }

  private get ifaces(): Map<string, Iface> {
    return this.ns.interfaces;
  }

  physical(cmd: Command): void {
    requireKeys('physical', cmd);
    const name = String(cmd.name);
    const iface: Record<string, unknown> = this.ifaces.get(name) ?? {};
    const params = cmd.params;
    if (params && typeof params === 'object') Object.assign(iface, params);
    const rawSubnets = cmd.subnets;
    if (rawSubnets !== undefined && rawSubnets !== null && !Array.isArray(rawSubnets)) {
      throw new NetworkConfigError(`subnets of ${name} must be a list, got ${pyRepr(rawSubnets)}`);
    }
    const subnets = (Array.isArray(rawSubnets) ? rawSubnets : []).map((s) => {
      if (typeof s !== 'object' || s === null) throw new NetworkConfigError(`subnet of ${name} must be a mapping, got ${pyRepr(s)}`);
      return normalizeSubnet(s as Record<string, unknown>, this.warn);
    });
    if (!this.ns.useIpv6) {
      this.ns.useIpv6 = subnets.some((s) => String(s.type).endsWith('6') || isIPv6Address(s.address));
    }
    const accept = cmd['accept-ra'];
    const wol = cmd.wakeonlan;
    Object.assign(iface, {
      name,
      type: cmd.type ?? null,
      mac_address: cmd.mac_address ?? null,
      inet: 'inet',
      mode: 'manual',
      mtu: cmd.mtu ?? null,
      address: null,
      gateway: null,
      subnets,
      'accept-ra': accept === undefined || accept === null ? null : isTrue(accept),
      wakeonlan: wol === undefined || wol === null ? null : isTrue(wol),
    });
    this.ifaces.set(name, iface as Iface);
  }

  vlan(cmd: Command): void {
    requireKeys('vlan', cmd);
    this.physical(cmd);
    const iface = this.ifaces.get(String(cmd.name))!;
    iface['vlan-raw-device'] = cmd.vlan_link as string;
    iface.vlan_id = cmd.vlan_id;
  }

  bond(cmd: Command): void {
    requireKeys('bond', cmd);
    this.physical(cmd);
    const name = String(cmd.name);
    const iface = this.ifaces.get(name)!;
    const params = (cmd.params ?? {}) as Record<string, unknown>;
    Object.assign(iface, params);
    iface['bond-slaves'] = 'none';
    if (!Array.isArray(cmd.bond_interfaces)) throw new NetworkConfigError(`bond ${name} needs a list of member interfaces`);
    for (const member of cmd.bond_interfaces) {
      const m = String(member);
      // a member not declared (yet) gets a placeholder; a later physical entry fills it in
      if (!this.ifaces.has(m)) this.physical({ name: m, type: 'bond' });
      const slave = this.ifaces.get(m)!;
      slave['bond-master'] = name;
      Object.assign(slave, params);
    }
  }

  bridge(cmd: Command): void {
    requireKeys('bridge', cmd);
    if (!Array.isArray(cmd.bridge_interfaces)) throw new NetworkConfigError(`bridge ${String(cmd.name)} needs a list of ports`);
    for (const port of cmd.bridge_interfaces) {
      if (!this.ifaces.has(String(port))) this.physical({ name: port });
    }
    this.physical(cmd);
    const iface = this.ifaces.get(String(cmd.name))!;
    iface.bridge_ports = cmd.bridge_interfaces as string[];
    const params = cmd.params;
    if (params && typeof params === 'object') Object.assign(iface, params);
    const stp = iface.bridge_stp;
    if (stp !== undefined && stp !== null && typeof stp !== 'boolean') {
      if (stp === 'on' || stp === '1' || stp === 1) iface.bridge_stp = true;
      else if (stp === 'off' || stp === '0' || stp === 0) iface.bridge_stp = false;
      else throw new NetworkConfigError(`Cannot convert bridge_stp value (${String(stp)}) to boolean`);
    }
  }

  private parseDns(cmd: Command): { nameservers: unknown[]; search: unknown[] } {
    return {
      nameservers: 'address' in cmd ? asList(cmd.address) : [],
      search: 'search' in cmd ? asList(cmd.search) : [],
    };
  }

  nameserver(cmd: Command): void {
    requireKeys('nameserver', cmd);
    const dns = this.parseDns(cmd);
    if ('interface' in cmd) this.ifaceDns.set(String(cmd.interface), dns);
    else {
      this.ns.dns.nameservers.push(...(dns.nameservers as string[]));
      this.ns.dns.search.push(...(dns.search as string[]));
    }
  }

  /** v2: a device's own nameservers, stored on the device. */
  deviceNameserver(cmd: Command, ifname: string): void {
    requireKeys('nameserver', cmd);
    const iface = this.ifaces.get(ifname);
    if (!iface) throw new NetworkConfigError(`nameservers given for ${ifname}, which is not a configured device`);
    const dns = this.parseDns(cmd);
    iface.dns = { nameservers: dns.nameservers as string[], search: dns.search as string[] };
  }

  route(cmd: Command): void {
    requireKeys('route', cmd);
    this.ns.routes.push(normalizeRoute(cmd, this.warn));
  }

  /** v1 only: interface-scoped nameserver entries are attached once every device exists. */
  finishV1(): void {
    for (const [ifname, dns] of this.ifaceDns) {
      const iface = this.ifaces.get(ifname);
      if (!iface) throw new NetworkConfigError(`Nameserver specified for interface ${ifname}, but interface ${ifname} does not exist!`);
      iface.dns = { addresses: dns.nameservers as string[], search: dns.search as string[] };
    }
  }
}

const V1_HANDLERS: Record<string, (b: StateBuilder, cmd: Command) => void> = {
  physical: (b, c) => b.physical(c),
  loopback: (b, c) => {
    requireKeys('loopback', c);
    b.physical(c);
  },
  infiniband: (b, c) => {
    requireKeys('infiniband', c);
    b.physical(c);
  },
  vlan: (b, c) => b.vlan(c),
  bond: (b, c) => b.bond(c),
  bridge: (b, c) => b.bridge(c),
  nameserver: (b, c) => b.nameserver(c),
  route: (b, c) => b.route(c),
};

/** `{version: 1, config: [...]}`'s config list → the model. */
export function fromV1(config: unknown, warn: Warn = () => {}): NetworkState {
  if (!Array.isArray(config)) throw new NetworkConfigError(`network config v1 needs a list under "config", got ${pyRepr(config)}`);
  const b = new StateBuilder(1, warn);
  for (const raw of config) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new NetworkConfigError(`network config v1 entry must be a mapping, got ${pyRepr(raw)}`);
    }
    const cmd = raw as Command;
    const handler = V1_HANDLERS[String(cmd.type)];
    if (!handler) throw new NetworkConfigError(`No handler found for command '${String(cmd.type)}'`);
    try {
      handler(b, cmd);
    } catch (e) {
      if (!(e instanceof InvalidCommand)) throw e;
      warn(`Skipping invalid command: ${pyRepr(cmd)} (${e.message})`);
    }
  }
  b.finishV1();
  return b.ns;
}
