import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkNetworkData, isIPv6, isIPv4, isMac } from './network-data.js';

test('address predicates', () => {
  for (const ok of ['::', '::1', 'fe80::a9fe:a9fe', '2001:db8::1:0:0:1', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8']) assert.ok(isIPv6(ok), ok);
  for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '10.0.0.1', '12345::']) assert.ok(!isIPv6(bad), bad);
  assert.ok(isIPv4('169.254.0.2'));
  for (const bad of ['256.0.0.1', '01.2.3.4', '1.2.3', '1.2.3.4.5']) assert.ok(!isIPv4(bad), bad);
  assert.ok(isMac('fa:16:3e:d8:bb:81'));
  assert.ok(!isMac('fa:16:3e:d8:bb'));
});

test('references: unknown bond member, VLAN parent, network link', () => {
  const errs = checkNetworkData({
    links: [
      { id: 'a', type: 'phy', ethernet_mac_address: 'fa:16:3e:00:00:01' },
      { id: 'b', type: 'bond', bond_links: ['a', 'zz'], bond_mode: 'active-backup' },
      { id: 'v', type: 'vlan', vlan_id: 10, vlan_link: 'nope' },
    ],
    networks: [{ id: 'n0', link: 'missing', type: 'ipv4', ip_address: '10.0.0.5', netmask: '255.255.255.0' }],
    services: [{ type: 'dns', address: 'not-an-ip' }],
  });
  assert.deepEqual(errs.map((e) => e.path), ['/links/1/bond_links/1', '/links/2/vlan_link', '/networks/0/link', '/services/0/address']);
});

test('the seed network is valid', () => {
  assert.deepEqual(checkNetworkData({
    services: [],
    networks: [{ network_id: 'a2332620-8027-4591-a0a6-dae312bc0944', link: 'tap7dbc4527-31', type: 'ipv4_dhcp', id: 'network0' }],
    links: [{ ethernet_mac_address: 'fa:16:3e:d8:bb:81', mtu: 8950, type: 'vhostuser', id: 'tap7dbc4527-31', vif_id: '7dbc4527-319a-45c6-8a0e-a27f92d062d3' }],
  }), []);
});
