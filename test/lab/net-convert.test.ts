import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netConvert } from './net-convert.js';

const nd = JSON.stringify({
  links: [{ id: 'l0', type: 'phy', ethernet_mac_address: 'fa:16:3e:00:00:01', mtu: 9000 }],
  networks: [{ id: 'n0', link: 'l0', type: 'ipv4', ip_address: '192.0.2.10', netmask: '255.255.255.0', routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.0.2.1' }] }],
  services: [{ type: 'dns', address: '192.0.2.53' }],
});

test('net-convert oracle: the real cloud-init renders network_data.json into files', { timeout: 600_000 }, async () => {
  const eni = await netConvert(nd, { kind: 'network_data.json', distro: 'debian', output: 'eni', macs: { eth0: 'fa:16:3e:00:00:01' } });
  assert.equal(eni.code, 0, eni.stderr);
  assert.deepEqual([...eni.files.keys()], ['etc/network/interfaces.d/50-cloud-init', 'etc/udev/rules.d/70-persistent-net.rules']);
  const text = eni.files.get('etc/network/interfaces.d/50-cloud-init')!.content;
  assert.match(text, /^iface eth0 inet static$/m);
  assert.match(text, /address 192\.0\.2\.10\/24/);
  assert.match(text, /mtu 9000/);
  assert.match(text, /dns-nameservers 192\.0\.2\.53/);

  const sysconfig = await netConvert(nd, { kind: 'network_data.json', distro: 'rhel', output: 'sysconfig', macs: { eth0: 'fa:16:3e:00:00:01' } });
  assert.equal(sysconfig.code, 0, sysconfig.stderr);
  assert.match(sysconfig.files.get('etc/sysconfig/network-scripts/ifcfg-eth0')?.content ?? '', /IPADDR=192\.0\.2\.10/);

  // bad input: cloud-init's own failure comes back, with no files
  const bad = await netConvert('{not json', { kind: 'network_data.json', distro: 'debian', output: 'eni' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /JSONDecodeError|Expecting/);
  assert.equal(bad.files.size, 0);
});
