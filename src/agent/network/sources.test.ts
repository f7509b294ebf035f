import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { cmdlineConfig, initramfsConfig, klibcEntry, pickSource } from './sources.js';

test('network-config= on the kernel command line: base64 YAML, gzipped or not, or disabled', () => {
  const yaml = 'version: 2\nethernets:\n  eth0:\n    dhcp4: true\n';
  assert.deepEqual(cmdlineConfig(`ro network-config=${Buffer.from(yaml).toString('base64')} quiet`), { version: 2, ethernets: { eth0: { dhcp4: true } } });
  assert.deepEqual(cmdlineConfig(`network-config=${gzipSync(yaml).toString('base64')}`), { version: 2, ethernets: { eth0: { dhcp4: true } } });
  assert.deepEqual(cmdlineConfig('network-config=disabled'), { config: 'disabled' });
  assert.equal(cmdlineConfig('ro quiet'), undefined);
});

test('klibc ipconfig files (ip= in the initramfs) as v1 entries', () => {
  const [name, entry] = klibcEntry([
    "DEVICE='eth0'", "PROTO='none'", "IPV4ADDR='192.168.122.89'", "IPV4BROADCAST='192.168.122.255'", "IPV4NETMASK='255.255.255.0'",
    "IPV4GATEWAY='192.168.122.1'", "IPV4DNS0='192.168.122.1'", "IPV4DNS1='0.0.0.0'", "HOSTNAME='foohost'", "DOMAINSEARCH='foo.com'",
  ].join('\n'), new Map([['eth0', 'fa:16:3e:00:00:01']]));
  assert.equal(name, 'eth0');
  assert.deepEqual(entry, {
    type: 'physical', name: 'eth0', mac_address: 'fa:16:3e:00:00:01',
    subnets: [{ type: 'static', control: 'manual', address: '192.168.122.89', netmask: '255.255.255.0', broadcast: '192.168.122.255', gateway: '192.168.122.1', dns_nameservers: ['192.168.122.1'], dns_search: ['foo.com'] }],
  });
  assert.deepEqual(klibcEntry("DEVICE6=eth0\nIPV6PROTO=dhcp6\nIPV6ADDR=2001:db8::5\nIPV6NETMASK=64\n", new Map())[1].subnets, [{ type: 'dhcp6', control: 'manual', netmask: '64' }]);
  assert.throws(() => klibcEntry('PROTO=static\n', new Map()), /no 'DEVICE' or 'DEVICE6'/);
});

test('the initramfs source applies only when ip= was given (or an iSCSI root), merging net- and net6- files', async () => {
  const files: Record<string, string> = { '/run/net-eth0.conf': 'DEVICE=eth0\nPROTO=dhcp\nIPV4ADDR=10.0.0.5\n', '/run/net6-eth0.conf': 'DEVICE6=eth0\nIPV6PROTO=dhcp6\nIPV6ADDR=2001:db8::5\n' };
  const fs = {
    readdir: async (p: string) => (p === '/run' ? ['net-eth0.conf', 'net6-eth0.conf', 'other'] : []),
    readText: async (p: string) => files[p]!,
    exists: async () => false,
  };
  assert.equal(await initramfsConfig(fs, 'ro quiet', new Map()), undefined);
  assert.deepEqual(await initramfsConfig(fs, 'ro ip=dhcp', new Map()), {
    version: 1,
    config: [{ type: 'physical', name: 'eth0', subnets: [{ type: 'dhcp', control: 'manual' }, { type: 'dhcp6', control: 'manual' }] }],
  });
});

test('the first source with a config wins; a disabled one stops the search', () => {
  const v1 = { version: 1, config: [] as unknown[] };
  assert.deepEqual(pickSource({ cmdline: undefined, initramfs: undefined, systemCfg: { network: v1 }, ds: { version: 2 } }), { config: v1, source: 'system_cfg', disabled: false });
  assert.deepEqual(pickSource({ cmdline: undefined, initramfs: v1, systemCfg: { config: 'disabled' }, ds: undefined }), { config: v1, source: 'initramfs', disabled: false });
  assert.deepEqual(pickSource({ cmdline: undefined, initramfs: undefined, systemCfg: { config: 'disabled' }, ds: v1 }), { source: 'system_cfg', disabled: true });
  assert.equal(pickSource({ cmdline: undefined, initramfs: undefined, systemCfg: {}, ds: undefined }), undefined);
});
