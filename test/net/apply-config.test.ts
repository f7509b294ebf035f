// The boot-time network step against a scratch root: sources and their precedence, disabled
// config, bad input refused with a log line and replaced by the fallback DHCP config, renames only
// on a known instance, and bring-up with the distro's tool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyNetworkConfig, type NetworkApplyInput } from '../../src/agent/network/apply-config.js';
import { plantEni, plantNic, scratchHost, type ScratchHost } from './scratch-host.js';
import type { RunResult } from '../../src/agent/host/host.js';

const ok = (stdout = ''): RunResult => ({ code: 0, stdout, stderr: '' });
/** the commands a Debian guest answers: address listings for renames, ifup */
const debianScript = (argv: string[]): RunResult | undefined => {
  if (argv[0] === 'ip' && argv.includes('addr')) return ok();
  if (argv[0] === 'ifup' || argv[0] === 'udevadm') return ok();
  return undefined;
};

const STATIC = {
  links: [{ id: 'tap1', type: 'ovs', ethernet_mac_address: 'fa:16:3e:d8:bb:81', mtu: 1450 }],
  networks: [{ id: 'n0', type: 'ipv4', link: 'tap1', ip_address: '169.254.0.10', netmask: '255.255.0.0', routes: [] }],
  services: [{ type: 'dns', address: '169.254.169.254' }],
};

function debian(h: ScratchHost, over: Partial<NetworkApplyInput> = {}): NetworkApplyInput {
  return { host: h, distroName: 'debian', distroRenderers: ['eni', 'netplan', 'network-manager', 'networkd'], cfg: {}, bringUp: false, render: true, cmdline: '', ...over };
}

function withGuest(fn: (h: ScratchHost) => Promise<void>, script = debianScript): () => Promise<void> {
  return async () => {
    const h = scratchHost(script);
    try {
      plantNic(h, 'eth0', 'fa:16:3e:d8:bb:81');
      plantEni(h);
      await fn(h);
    } finally {
      h.cleanup();
    }
  };
}

const ENI = '/etc/network/interfaces.d/50-cloud-init';

test('local stage: network_data.json rendered for ifupdown, nothing brought up', withGuest(async (h) => {
  const r = await applyNetworkConfig(debian(h, { datasource: { format: 'openstack', config: STATIC } }));
  assert.deepEqual(r, { source: 'ds', renderer: 'eni', written: [ENI, '/etc/udev/rules.d/70-persistent-net.rules'] });
  assert.match(h.read(ENI), /auto eth0\niface eth0 inet static\n    address 169\.254\.0\.10\/16\n    mtu 1450\n$/);
  assert.match(h.read(ENI), /iface lo inet loopback\n    dns-nameservers 169\.254\.169\.254\n/);
  assert.ok(!h.calls.some((c) => c[0] === 'ifup'));
  assert.ok(h.logs.some((l) => l.level === 'INFO' && l.message.startsWith('Applying network configuration from ds bringup=False: ')));
}));

test('network stage: the same config brought up with ifup per device', withGuest(async (h) => {
  const r = await applyNetworkConfig(debian(h, { bringUp: true, datasource: { format: 'openstack', config: STATIC } }));
  assert.equal(r.activated, true);
  assert.deepEqual(h.calls.filter((c) => c[0] === 'ifup'), [['ifup', 'eth0']]);
}));

test('network: {config: disabled} (99-disable-network-config.cfg) and network-config=disabled win over the datasource', withGuest(async (h) => {
  const bySystem = await applyNetworkConfig(debian(h, { cfg: { network: { config: 'disabled' } }, datasource: { format: 'openstack', config: STATIC } }));
  assert.deepEqual(bySystem, { source: 'system_cfg', disabled: true, written: [] });
  const byCmdline = await applyNetworkConfig(debian(h, { cmdline: 'ro network-config=disabled quiet', datasource: { format: 'openstack', config: STATIC } }));
  assert.deepEqual(byCmdline, { source: 'cmdline', disabled: true, written: [] });
  assert.ok(!(await h.fs.exists(ENI)));
  assert.ok(h.logs.some((l) => l.message === 'network config is disabled by system_cfg'));
}));

test('a v2 config on the kernel command line (base64) comes before the system config', withGuest(async (h) => {
  const v2 = 'network:\n  version: 2\n  ethernets:\n    eth0:\n      match: {macaddress: "fa:16:3e:d8:bb:81"}\n      set-name: eth0\n      addresses: [10.9.9.9/24]\n';
  const r = await applyNetworkConfig(debian(h, { cmdline: `network-config=${Buffer.from(v2).toString('base64')}`, cfg: { network: { version: 1, config: [] } } }));
  assert.equal(r.source, 'cmdline');
  assert.match(h.read(ENI), /address 10\.9\.9\.9\/24/);
}));

for (const [name, doc, reason] of [
  ['unknown bond member', { links: [{ id: 'tap1', type: 'phy', ethernet_mac_address: 'fa:16:3e:d8:bb:81' }, { id: 'b', type: 'bond', bond_links: ['tap1', 'ghost'], bond_mode: 'active-backup' }], networks: [], services: [] },
    /rejected: a link refers to unknown link id 'ghost' \(network_data\.json\/links\/1\/bond_links\/1: names unknown link "ghost"\)/],
  ['malformed address', { ...STATIC, networks: [{ ...STATIC.networks[0], ip_address: '169.254.0.300' }] },
    /rejected: address 169\.254\.0\.300 is not a valid IP address or network/],
  ['VLAN without a parent', { links: [{ id: 'v', type: 'vlan', vlan_id: 5, vlan_link: 'nowhere', vlan_mac_address: 'fa:16:3e:d8:bb:81' }], networks: [], services: [] },
    /rejected: a link refers to unknown link id 'nowhere'/],
] as const) {
  test(`bad network_data.json (${name}): a clear ERROR line, and DHCP on the primary NIC instead`, withGuest(async (h) => {
    const r = await applyNetworkConfig(debian(h, { datasource: { format: 'openstack', config: doc } }));
    const err = h.logs.find((l) => l.level === 'ERROR');
    assert.ok(err, 'an ERROR line');
    assert.match(err.message, /^Network config from the datasource \(network_data\.json\) rejected: /);
    assert.match(err.message, reason);
    assert.equal(r.source, 'fallback');
    assert.match(h.read(ENI), /auto eth0\niface eth0 inet dhcp\n$/);
  }));
}

test('no config anywhere: DHCP on the NIC with carrier, eth0 first', async () => {
  const h = scratchHost(debianScript);
  try {
    plantNic(h, 'ens4', 'fa:16:3e:00:00:04');
    plantNic(h, 'eth0', 'fa:16:3e:00:00:01', { carrier: false, operstate: 'down' });
    plantNic(h, 'ens3', 'fa:16:3e:00:00:03');
    plantEni(h);
    const r = await applyNetworkConfig(debian(h));
    assert.equal(r.source, 'fallback');
    assert.match(h.read(ENI), /auto ens3\niface ens3 inet dhcp\n$/);
  } finally {
    h.cleanup();
  }
});

test('a known instance without an update event: only NIC names are applied, nothing written', withGuest(async (h) => {
  const r = await applyNetworkConfig(debian(h, { render: false, datasource: { format: 'openstack', config: STATIC } }));
  assert.deepEqual(r, { source: 'ds', written: [] });
  assert.ok(!(await h.fs.exists(ENI)));
  // the NIC already has its name: no rename, so not even the query of which NICs hold addresses
  assert.deepEqual(h.calls.filter((c) => c[0] === 'ip'), []);
}));

test('networkd when ifupdown is missing: .network/.link owned by systemd-network, networkd restarted', async () => {
  const h = scratchHost((argv) => (argv[0] === 'ip' || argv[0] === 'systemctl' || argv[0] === 'udevadm' ? ok() : undefined));
  try {
    plantNic(h, 'eth0', 'fa:16:3e:d8:bb:81');
    h.plant('/usr/sbin/ip', '', 0o755);
    h.plant('/bin/systemctl', '', 0o755);
    h.plant('/etc/passwd', `root:x:0:0::/root:/bin/sh\nsystemd-network:x:${process.getuid!() === 0 ? 998 : process.getuid!()}:${process.getgid!() === 0 ? 998 : process.getgid!()}::/:/usr/sbin/nologin\n`);
    h.plant('/etc/group', `root:x:0:\nsystemd-network:x:${process.getgid!() === 0 ? 998 : process.getgid!()}:\n`);
    const r = await applyNetworkConfig({ ...debian(h), distroName: 'photon', distroRenderers: ['networkd'], bringUp: true, datasource: { format: 'openstack', config: STATIC } });
    assert.equal(r.renderer, 'networkd');
    assert.deepEqual(r.written, ['/etc/systemd/network/10-cloud-init-eth0.network', '/etc/systemd/network/10-cloud-init-eth0.link']);
    const st = await h.fs.stat('/etc/systemd/network/10-cloud-init-eth0.network');
    if (process.getuid!() === 0) assert.equal(st?.uid, 998);
    assert.deepEqual(h.calls.at(-1), ['systemctl', 'restart', 'systemd-networkd', 'systemd-resolved']);
  } finally {
    h.cleanup();
  }
});

test('an unknown renderer in system_info.network.renderers is an error, as in cloud-init', withGuest(async (h) => {
  await assert.rejects(applyNetworkConfig(debian(h, { cfg: { system_info: { network: { renderers: ['eni', 'wicked'] } } }, datasource: { format: 'openstack', config: STATIC } })),
    /Unknown renderers provided in priority list: wicked/);
}));

test('no renderer available: an ERROR line, nothing written', async () => {
  const h = scratchHost(debianScript);
  try {
    plantNic(h, 'eth0', 'fa:16:3e:d8:bb:81');
    const r = await applyNetworkConfig(debian(h, { datasource: { format: 'openstack', config: STATIC } }));
    assert.deepEqual(r.written, []);
    assert.ok(h.logs.some((l) => l.level === 'ERROR' && /No available network renderers found/.test(l.message)));
  } finally {
    h.cleanup();
  }
});

test('the network: key is read from the system config only, never from the merged config (user-data)', withGuest(async (h) => {
  const fromUserData = { network: { version: 1, config: [{ type: 'physical', name: 'eth0', mac_address: 'fa:16:3e:d8:bb:81', subnets: [{ type: 'static', address: '10.66.0.6/24' }] }] } };
  const r = await applyNetworkConfig(debian(h, { cfg: fromUserData, systemCfg: {}, datasource: { format: 'openstack', config: STATIC } }));
  assert.equal(r.source, 'ds');
  assert.match(h.read(ENI), /address 169\.254\.0\.10\/16/);
}));

test('netplan (Ubuntu): features from `netplan info`, netplan generate and net_setup_link after writing, netplan apply to bring up', async () => {
  const info = 'netplan.io:\n  features:\n  - dhcp-use-domains\n  - ipv6-mtu\n  website: https://netplan.io/\n';
  const h = scratchHost((argv) => {
    if (argv[0] === 'ip' && argv.includes('addr')) return ok();
    if (argv.join(' ') === 'netplan info') return ok(info);
    if (['netplan generate', 'netplan apply'].includes(argv.join(' ')) || argv[0] === 'udevadm') return ok();
    return undefined;
  });
  try {
    plantNic(h, 'ens3', 'fa:16:3e:d8:bb:81');
    h.plant('/usr/sbin/netplan', '', 0o755);
    const v6 = { ...STATIC, networks: [{ id: 'n6', type: 'ipv6', link: 'tap1', ip_address: '2001:db8::5', netmask: 'ffff:ffff:ffff:ffff::', routes: [] }] };
    const r = await applyNetworkConfig({ ...debian(h), distroName: 'ubuntu', distroRenderers: ['netplan', 'eni', 'sysconfig'], bringUp: true, datasource: { format: 'openstack', config: v6 } });
    assert.equal(r.renderer, 'netplan');
    assert.deepEqual(r.written, ['/etc/netplan/50-cloud-init.yaml']);
    assert.match(h.read('/etc/netplan/50-cloud-init.yaml'), /^# This file is generated from information provided by the datasource\. {2}Changes\n[\s\S]*\nnetwork:\n {4}version: 2\n {4}ethernets:\n {8}ens3:\n/);
    assert.deepEqual(h.calls.filter((c) => c[0] === 'netplan' || c[0] === 'udevadm').map((c) => c.join(' ')), [
      'netplan info', 'netplan generate', 'udevadm test-builtin net_setup_link /sys/class/net/ens3', 'netplan apply',
    ]);
  } finally {
    h.cleanup();
  }
});

test('sysconfig (RHEL): the resolv.conf already in the image is merged, NetworkManager profiles brought up with nmcli when NM is there', async () => {
  const h = scratchHost((argv) => (argv[0] === 'ip' || argv[0] === 'nmcli' || argv[0] === 'udevadm' ? ok() : undefined));
  try {
    plantNic(h, 'eth0', 'fa:16:3e:d8:bb:81');
    for (const t of ['ifup', 'ifdown']) h.plant(`/usr/sbin/${t}`, '', 0o755);
    h.plant('/etc/sysconfig/network-scripts/network-functions', '');
    h.plant('/etc/resolv.conf', '# from the image\nsearch image.example\nnameserver 192.0.2.53\n');
    h.plant('/etc/NetworkManager/NetworkManager.conf', '[main]\n');
    h.plant('/usr/bin/nmcli', '', 0o755);
    const r = await applyNetworkConfig({ ...debian(h), distroName: 'rocky', distroRenderers: ['sysconfig', 'network-manager'], bringUp: true, datasource: { format: 'openstack', config: STATIC } });
    assert.equal(r.renderer, 'sysconfig');
    assert.equal(h.read('/etc/resolv.conf'), '; Created by cloud-init on instance boot automatically, do not edit.\n;\n# from the image\nsearch image.example\nnameserver 192.0.2.53\nnameserver 169.254.169.254\n');
    assert.match(h.read('/etc/sysconfig/network-scripts/ifcfg-eth0'), /\nIPADDR=169\.254\.0\.10\nMTU=1450\nNETMASK=255\.255\.0\.0\n/);
    // the activator list has no sysconfig: NetworkManager (installed) brings the device up
    assert.deepEqual(h.calls.filter((c) => c[0] === 'nmcli').map((c) => c.join(' ')), [
      'nmcli connection load /etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection',
      'nmcli connection up filename /etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection',
    ]);
  } finally {
    h.cleanup();
  }
});
