import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedInstance } from '../instance.fixture.js';
import { configDriveTree } from '../config-drive-tree.js';
import { metaDataObject } from './meta-data.js';
import { openstackContent, openstackFile, openstackFileNames, openstackTree } from './tree.js';
import { OPENSTACK_VERSIONS, openstackVersionListing, resolveOpenstackVersion } from './versions.js';

const opts = { dhcpDomain: 'novalocal', target: 'service' as const, randomSeed: () => 'SEED' };

test('version listing hides future-dated versions', () => {
  assert.equal(openstackVersionListing('2026-01-01'), [...OPENSTACK_VERSIONS, 'latest'].join('\n'));
  assert.equal(openstackVersionListing('2020-01-01'), '2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\nlatest');
  assert.equal(resolveOpenstackVersion('2020-10-14'), '2020-10-14');
  assert.equal(resolveOpenstackVersion('2099-01-01'), undefined);
});

test('file listing per version, in Nova order', () => {
  const s = seedInstance();
  assert.deepEqual(openstackFileNames(s, '2012-08-10'), ['meta_data.json', 'user_data']);
  assert.deepEqual(openstackFileNames(s, '2015-10-15'), ['meta_data.json', 'user_data', 'password', 'vendor_data.json', 'network_data.json']);
  assert.deepEqual(openstackFileNames(seedInstance({ user_data: null }), '2025-04-04'),
    ['meta_data.json', 'password', 'vendor_data.json', 'network_data.json', 'vendor_data2.json']);
});

test('meta_data.json members per version', () => {
  const s = seedInstance();
  assert.deepEqual(Object.keys(metaDataObject(s, '2012-08-10', opts)), ['uuid', 'public_keys', 'keys', 'hostname', 'name', 'launch_index', 'availability_zone']);
  assert.deepEqual(Object.keys(metaDataObject(s, '2013-04-04', opts)).slice(-1), ['random_seed']);
  assert.deepEqual(Object.keys(metaDataObject(s, '2015-10-15', opts)).slice(-2), ['random_seed', 'project_id']);
  assert.deepEqual(Object.keys(metaDataObject(s, '2016-06-30', opts)).slice(-1), ['devices']);
  assert.deepEqual(Object.keys(metaDataObject(s, '2020-10-14', opts)).slice(-2), ['devices', 'dedicated_cpus']);
  const md = JSON.parse(openstackFile(s, '2025-04-04', 'meta_data.json', opts)!.body as string);
  assert.equal(md.hostname, 'rhel.novalocal');
  assert.equal(md.random_seed, 'SEED');
  assert.deepEqual(md.public_keys, { 'lab-keys': s.keys[0]!.data });
  assert.equal(JSON.parse(openstackFile(s, '2025-04-04', 'meta_data.json', { ...opts, dhcpDomain: '' })!.body as string).hostname, 'rhel');
});

test('devices follow Nova version rules', () => {
  const s = seedInstance({
    devices: [
      { type: 'nic', bus: 'pci', address: '0000:00:02.0', mac: 'fa:16:3e:00:00:01' },
      { type: 'nic', bus: 'pci', address: '0000:00:03.0', mac: 'fa:16:3e:00:00:02', vlan: 10, tags: ['x'] },
      { type: 'disk', bus: 'scsi', address: '0:0:0:1', serial: 'abc' },
      { type: 'share', bus: 'none', address: 'none', share_id: 's1', tag: 't' },
    ],
  });
  const dev = (v: Parameters<typeof metaDataObject>[1]) => metaDataObject(s, v, opts).devices as Record<string, unknown>[];
  assert.deepEqual(dev('2016-06-30').map((d) => d.type), ['nic', 'disk']);
  assert.equal(dev('2016-06-30')[0]!.vlan, undefined);
  assert.equal(dev('2017-02-22')[0]!.vlan, 10);
  assert.deepEqual(dev('2018-08-27').map((d) => d.type), ['nic', 'nic', 'disk']);
  assert.deepEqual(dev('2025-04-04').map((d) => d.type), ['nic', 'nic', 'disk', 'share']);
});

test('content types and documents', () => {
  const s = seedInstance();
  assert.equal(openstackFile(s, '2025-04-04', 'meta_data.json', opts)!.contentType, 'application/json');
  assert.equal(openstackFile(s, '2025-04-04', 'network_data.json', opts)!.contentType, 'text/plain; charset=UTF-8');
  assert.equal(openstackFile(s, '2025-04-04', 'vendor_data.json', opts)!.body, '{}');
  assert.equal(openstackFile(s, '2025-04-04', 'vendor_data2.json', opts)!.body, '{"static": {}}');
  assert.equal(openstackFile(s, '2025-04-04', 'vendor_data2.json', { ...opts, vendorData: { a: 1 } })!.body, '{"static": {"a": 1}}');
  assert.equal(openstackFile(s, '2012-08-10', 'vendor_data.json', opts), undefined);
  assert.equal(openstackFile(s, '2013-10-17', 'network_data.json', opts), undefined);
  assert.equal(openstackFile(seedInstance({ user_data: null }), '2025-04-04', 'user_data', opts), undefined);
  assert.equal(openstackFile(seedInstance({ network: null }), '2025-04-04', 'network_data.json', opts)!.body, '{}');
  const nd = JSON.parse(openstackFile(s, '2025-04-04', 'network_data.json', opts)!.body as string);
  assert.deepEqual(Object.keys(nd), ['links', 'networks', 'services']);
});

test('config drive: every version, content files, admin_pass only there', () => {
  const s = seedInstance({ files: [{ path: '/etc/motd', content: new TextEncoder().encode('hi') }], admin_pass: 's3cret' });
  const tree = configDriveTree(s, { dhcpDomain: 'novalocal' });
  const paths = tree.map((e) => e.path);
  assert.ok(paths.includes('ec2/2009-04-04/meta-data.json'));
  assert.ok(paths.includes('ec2/latest/user-data'));
  assert.ok(paths.includes('openstack/2012-08-10/meta_data.json'));
  assert.ok(paths.includes('openstack/latest/vendor_data2.json'));
  assert.ok(paths.includes('openstack/content/0000'));
  assert.ok(!paths.some((p) => p.endsWith('/password')));
  assert.equal(paths.filter((p) => p.endsWith('meta_data.json')).length, OPENSTACK_VERSIONS.length + 1);
  const md = JSON.parse(tree.find((e) => e.path === 'openstack/latest/meta_data.json')!.body as string);
  assert.equal(md.admin_pass, 's3cret');
  assert.deepEqual(md.files, [{ path: '/etc/motd', content_path: '/content/0000' }]);
  const ec2 = JSON.parse(tree.find((e) => e.path === 'ec2/latest/meta-data.json')!.body as string);
  assert.deepEqual(ec2['public-keys'], { 0: { 'openssh-key': s.keys[0]!.data } });
  const served = JSON.parse(openstackFile(s, '2025-04-04', 'meta_data.json', opts)!.body as string);
  assert.equal(served.admin_pass, undefined);
  assert.equal(openstackTree(s, opts).length, tree.length - 4); // ec2: two versions × (user-data, meta-data.json)
  assert.equal(openstackContent(s, '0001'), undefined);
  assert.equal(openstackContent(s, '0'), undefined);
});
