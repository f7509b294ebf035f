// Random network configs (network_data.json, v1, v2) through the real cloud-init 22.4.2 and through
// kindling, renderer by renderer, to find behaviour the corpus does not cover. A development tool,
// not a test: `node build/test/net/fuzz-net-convert.js [seed] [count]` prints every kind of
// difference once, with an input that shows it. The deliberate differences of docs/compatibility.md
// (networkd: .netdev/.link files, Bond=/VLAN=/Bridge= on members, Name= matches of virtual devices;
// NetworkManager: bond options, DNS) are not reported.
import { netConvert } from '../../src/agent/network/net-convert.js';
import type { RendererName } from '../../src/agent/network/renderer.js';
import type { SysHost } from '../../src/agent/network/names.js';
import { runOracle, type OracleJob } from './oracle.js';
import { oracleRootfs } from './rootfs.js';

type Dict = Record<string, unknown>;
interface Case { name: string; kind: OracleJob['kind']; input: string; macs: string[] }

let seed = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 150);
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;
const chance = (p: number) => rnd() < p;
const mac = (i: number) => `fa:16:3e:aa:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
const v4 = () => `10.${Math.floor(rnd() * 250)}.${Math.floor(rnd() * 250)}.${1 + Math.floor(rnd() * 250)}`;
const v6 = () => `2001:db8:${Math.floor(rnd() * 65535).toString(16)}::${Math.floor(rnd() * 65535).toString(16)}`;
const MASKS4 = ['255.255.255.0', '255.255.0.0', '255.255.255.128', '24', '255.255.255.252', '255.255.255.255'];

function openstack(k: number): Omit<Case, 'name'> {
  const links: Dict[] = [];
  const networks: Dict[] = [];
  const macs: string[] = [];
  for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) {
    const m = mac(k * 10 + i);
    links.push({ id: `tap${i}`, type: pick(['phy', 'ovs', 'vif', 'ethernet', 'tap', 'bridge']), ethernet_mac_address: chance(0.1) ? m.toUpperCase() : m, mtu: pick([null, 1500, 9000, 1450]) });
    macs.push(`${pick(['eth', 'ens', 'enp0s'])}${i},${m}`);
  }
  const first = links[0]!;
  if (links.length >= 2 && chance(0.4)) {
    links.push({
      id: 'bond0', type: 'bond', bond_links: links.slice(0, 2).map((l) => l.id), bond_mode: pick(['802.3ad', 'active-backup', 'balance-rr', 'balance-xor', 'broadcast', 'balance-tlb', 'balance-alb']),
      ...(chance(0.6) ? { bond_miimon: pick([100, 200]) } : {}), ...(chance(0.4) ? { bond_xmit_hash_policy: pick(['layer2', 'layer3+4', 'layer2+3']) } : {}),
      ...(chance(0.7) ? { ethernet_mac_address: first.ethernet_mac_address } : {}), ...(chance(0.5) ? { mtu: 9000 } : {}),
    });
  }
  if (chance(0.35)) {
    links.push({ id: 'vl', type: 'vlan', vlan_link: pick(links).id, vlan_id: 1 + Math.floor(rnd() * 4000), vlan_mac_address: first.ethernet_mac_address, ...(chance(0.3) ? { mtu: 1400 } : {}) });
  }
  let n = 0;
  for (const l of links) {
    if (chance(0.2)) continue;
    for (let j = 0; j < 1 + Math.floor(rnd() * 2); j++) {
      const type = pick(['ipv4', 'ipv4', 'ipv6', 'ipv4_dhcp', 'ipv6_dhcp', 'ipv6_slaac', 'ipv6_dhcpv6-stateless', 'ipv6_dhcpv6-stateful']);
      const net: Dict = { id: `n${n++}`, type, link: l.id, network_id: 'x' };
      if (type === 'ipv4') {
        Object.assign(net, { ip_address: v4(), netmask: pick(MASKS4), routes: Array.from({ length: Math.floor(rnd() * 3) }, (_, r) => (r === 0 && chance(0.6)
          ? { network: '0.0.0.0', netmask: '0.0.0.0', gateway: v4() }
          : { network: `172.${16 + r}.0.0`, netmask: pick(['255.255.0.0', '255.255.255.0', '255.255.255.255']), gateway: v4() })) });
      }
      if (type === 'ipv6') Object.assign(net, { ip_address: v6(), netmask: pick(['ffff:ffff:ffff:ffff::', '64', 'ffff:ffff:ffff::']), routes: chance(0.5) ? [{ network: '::', netmask: '::', gateway: v6() }] : [] });
      networks.push(net);
    }
  }
  const services = Array.from({ length: Math.floor(rnd() * 4) }, () => ({ type: 'dns', address: chance(0.7) ? v4() : v6() }));
  return { kind: 'network_data.json', input: JSON.stringify({ links, networks, services }), macs };
}

function v1(k: number): Omit<Case, 'name'> {
  const config: Dict[] = [];
  const names: string[] = [];
  for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) {
    const name = `eth${i}`;
    names.push(name);
    const subnets: Dict[] = [];
    for (let j = 0; j < Math.floor(rnd() * 3); j++) {
      const type = pick(['static', 'static', 'static6', 'dhcp', 'dhcp4', 'dhcp6', 'manual', 'ipv6_slaac']);
      const s: Dict = { type };
      if (type === 'static') Object.assign(s, chance(0.5) ? { address: `${v4()}/${pick([24, 16, 28])}` } : { address: v4(), netmask: pick(MASKS4) });
      if (type === 'static6') s.address = `${v6()}/64`;
      if ((type === 'static' || type === 'static6') && chance(0.4)) s.gateway = type === 'static' ? v4() : v6();
      if (type === 'static' && chance(0.3)) s.dns_nameservers = [v4()];
      if (type === 'static' && chance(0.3)) s.dns_search = ['a.example'];
      if (type === 'static' && chance(0.3)) s.routes = [{ network: '192.168.0.0', netmask: '255.255.0.0', gateway: v4(), ...(chance(0.5) ? { metric: pick([0, 10, 100]) } : {}) }];
      if (chance(0.1)) s.mtu = pick([1400, 1500]);
      subnets.push(s);
    }
    config.push({ type: 'physical', name, mac_address: mac(k * 10 + i), ...(chance(0.3) ? { mtu: pick([1500, 9000]) } : {}), ...(chance(0.15) ? { 'accept-ra': pick([true, false]) } : {}), subnets });
  }
  if (names.length >= 2 && chance(0.3)) {
    config.push({ type: 'bond', name: 'bond0', bond_interfaces: names.slice(0, 2), params: { 'bond-mode': pick(['active-backup', '802.3ad', 'balance-rr']), ...(chance(0.5) ? { 'bond-miimon': 100 } : {}) },
      subnets: [pick([{ type: 'dhcp' }, { type: 'static', address: `${v4()}/24` }])] });
  } else if (names.length >= 2 && chance(0.3)) {
    config.push({ type: 'bridge', name: 'br0', bridge_interfaces: names.slice(0, 2), params: { bridge_stp: pick(['on', 'off']), bridge_fd: pick([0, 15]) }, subnets: [{ type: 'dhcp' }] });
  }
  if (chance(0.3)) config.push({ type: 'vlan', name: `${names[0]}.${10 + (k % 50)}`, vlan_link: names[0], vlan_id: 10 + (k % 50), subnets: [{ type: 'static', address: `${v4()}/24` }] });
  if (chance(0.5)) config.push({ type: 'nameserver', address: [v4()], ...(chance(0.5) ? { search: ['x.example'] } : {}) });
  if (chance(0.3)) config.push({ type: 'route', destination: `192.168.${k % 200}.0/24`, gateway: v4(), ...(chance(0.5) ? { metric: 5 } : {}) });
  return { kind: 'yaml', input: JSON.stringify({ version: 1, config }), macs: [] };
}

function v2(k: number): Omit<Case, 'name'> {
  const ethernets: Dict = {};
  const n = 1 + Math.floor(rnd() * 2);
  for (let i = 0; i < n; i++) {
    const e: Dict = { match: { macaddress: mac(k * 10 + i) }, 'set-name': `eth${i}` };
    if (chance(0.5)) e.dhcp4 = true;
    if (chance(0.3)) e.dhcp6 = true;
    if (chance(0.5)) e.addresses = [`${v4()}/24`, ...(chance(0.4) ? [`${v6()}/64`] : [])];
    if (e.addresses && chance(0.5)) e.gateway4 = v4();
    if (chance(0.4)) e.nameservers = { addresses: [v4()], ...(chance(0.5) ? { search: ['y.example'] } : {}) };
    if (chance(0.3)) e.routes = [{ to: '172.20.0.0/16', via: v4(), ...(chance(0.5) ? { metric: 50 } : {}) }];
    if (chance(0.2)) e.mtu = 9000;
    ethernets[`id${i}`] = e;
  }
  const doc: Dict = { version: 2, ethernets };
  if (n >= 2 && chance(0.3)) doc.bonds = { bond0: { interfaces: ['id0', 'id1'], parameters: { mode: pick(['802.3ad', 'active-backup']), 'mii-monitor-interval': 100 }, dhcp4: true } };
  if (chance(0.2)) doc.vlans = { 'eth0.5': { id: 5, link: 'eth0', addresses: [`${v4()}/24`] } };
  return { kind: 'yaml', input: JSON.stringify({ network: doc }), macs: [] };
}

/** The deliberate differences (docs/compatibility.md), recognised by the first differing line. */
function deliberate(output: string, path: string, theirs: string | undefined, ours: string | undefined): boolean {
  if (output === 'networkd') return path.endsWith('.link') || path.endsWith('.netdev') || /^(VLAN|Bond|Bridge|PrimarySlave|Name)=/.test(ours ?? '');
  if (output === 'network-manager') {
    const bondOrDns = /^(dns|dns-search|mode|miimon|xmit_hash_policy|lacp_rate|updelay|downdelay|primary|fail_over_mac|min_links|ad_select)=/;
    return bondOrDns.test(ours ?? '') || bondOrDns.test(theirs ?? '');
  }
  return false;
}

const TARGETS = ['debian:eni', 'ubuntu:netplan', 'rhel:sysconfig', 'opensuse:sysconfig', 'debian:networkd', 'rhel:network-manager'];
const noSys: SysHost = { fs: { readdir: async () => [], readTextIfExists: async () => undefined, exists: async () => false, readlink: async () => undefined } };
const cases: Case[] = Array.from({ length: count }, (_, k) => ({ name: `fz${k}`, ...pick([openstack, openstack, v1, v2])(k) }));
const jobs: OracleJob[] = cases.flatMap((c) => TARGETS.map((t) => {
  const [distro, output] = t.split(':') as [string, string];
  return { id: `${c.name}@${t}`, input: c.input, kind: c.kind, distro, output, macs: c.macs };
}));
const oracle = await runOracle(await oracleRootfs(), jobs);
let same = 0;
let differ = 0;
let bothFail = 0;
const kinds = new Map<string, string>();
for (const j of jobs) {
  const ref = oracle.get(j.id)!;
  let mine: Map<string, string> | Error;
  try {
    const r = await netConvert({
      kind: j.kind, text: j.input, distro: j.distro, output: j.output as RendererName,
      macs: j.macs.map((m) => [m.slice(0, m.indexOf(',')), m.slice(m.indexOf(',') + 1)] as [string, string]),
      sys: noSys, existing: () => undefined, warn: () => {},
    });
    mine = new Map(r.files.map((f) => [f.path, f.content]));
  } catch (e) {
    mine = e as Error;
  }
  if (!ref.ok && mine instanceof Error) {
    bothFail++;
    continue;
  }
  if (!ref.ok || mine instanceof Error) {
    differ++;
    const key = `${j.output}: ${!ref.ok ? `22.4 fails: ${ref.error}` : `we fail: ${(mine as Error).message}`}`.slice(0, 160);
    if (!kinds.has(key)) kinds.set(key, `${j.id} ${j.input}`);
    continue;
  }
  let ok = true;
  for (const path of new Set([...ref.files.keys(), ...mine.keys()])) {
    const a = ref.files.get(path)?.content;
    const b = mine.get(path);
    if (a === b) continue;
    ok = false;
    const al = (a ?? '').split('\n');
    const bl = (b ?? '').split('\n');
    let i = 0;
    while (i < Math.max(al.length, bl.length) && al[i] === bl[i]) i++;
    if (deliberate(j.output, path, al[i], bl[i])) continue;
    const key = `${j.output} ${path}: 22.4 ${JSON.stringify(al[i])} / ours ${JSON.stringify(bl[i])}`.slice(0, 200);
    if (!kinds.has(key)) kinds.set(key, `${j.id} ${j.input}`);
  }
  if (ok) same++;
  else differ++;
}
console.log(`${jobs.length} conversions: ${same} identical, ${differ} different, ${bothFail} refused by both; ${kinds.size} kinds of unexpected difference`);
for (const [k, example] of kinds) console.log(`--- ${k}\n    ${example.slice(0, 600)}`);
