import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedInstance, SEED_KEY } from '../instance.fixture.js';
import { ec2Find, ec2Render, ec2VersionTree } from './tree.js';
import { ec2VersionListing, resolveEc2Version } from './versions.js';

const opts = { dhcpDomain: 'novalocal' };
const render = (tokens: string[], inst = seedInstance(), v = '2009-04-04') => {
  const node = ec2Find(ec2VersionTree(inst, resolveEc2Version(v)!, opts), tokens);
  return node === undefined ? undefined : Buffer.from(ec2Render(node)).toString();
};

test('version list as Nova prints it', () => {
  assert.equal(ec2VersionListing(), '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest');
  assert.equal(resolveEc2Version('9999-99-99'), undefined);
});

test('version directory lists user-data only when there is some', () => {
  assert.equal(render([]), 'dynamic/\nmeta-data/\nuser-data');
  assert.equal(render([], seedInstance({ user_data: null })), 'dynamic/\nmeta-data/');
  assert.equal(render([], seedInstance(), '2008-09-01'), 'meta-data/\nuser-data');
  assert.equal(render(['user-data'], seedInstance({ user_data: null })), undefined);
});

test('meta-data listing: sorted keys, dir/ suffixes, the 0=name quirk', () => {
  assert.equal(render(['meta-data']), [
    'ami-id', 'ami-launch-index', 'ami-manifest-path', 'block-device-mapping/', 'hostname', 'instance-action',
    'instance-id', 'instance-type', 'local-hostname', 'local-ipv4', 'mac', 'network/', 'placement/', 'public-hostname',
    'public-ipv4', 'public-keys/', 'reservation-id', 'security-groups',
  ].join('\n'));
  assert.equal(render(['meta-data', 'public-keys']), '0=lab-keys');
  assert.equal(render(['meta-data', 'public-keys', '0']), 'openssh-key');
  assert.equal(render(['meta-data', 'public-keys', '0', 'openssh-key']), SEED_KEY);
  assert.equal(render(['meta-data', 'public-keys', '0', '_name']), undefined);
  assert.equal(render(['meta-data', 'hostname']), 'rhel.novalocal');
  assert.equal(render(['meta-data', 'local-ipv4']), '169.254.0.2');
  assert.equal(render(['meta-data', 'placement', 'availability-zone']), 'nova');
  assert.equal(render(['meta-data', 'block-device-mapping']), 'ami\nroot');
  assert.equal(render(['meta-data', 'block-device-mapping', 'root']), '/dev/vda');
  assert.equal(render(['meta-data', 'block-device-mapping'], seedInstance({ block_device_mapping: { ami: 'vda', root: '/dev/vda', ephemeral0: '/dev/vdb', swap: '/dev/vdc' } })), 'ami\nephemeral0\nroot\nswap');
  assert.equal(render(['meta-data', 'security-groups']), 'default');
  assert.equal(render(['meta-data', 'security-groups', 'default']), undefined);
  assert.equal(render(['meta-data', 'hostname', 'x']), undefined);
  assert.equal(render(['meta-data', 'ami-launch-index']), '0');
});

test('older versions carry fewer keys', () => {
  assert.equal(render(['meta-data'], seedInstance(), '1.0'), [
    'ami-id', 'ami-launch-index', 'ami-manifest-path', 'hostname', 'instance-id', 'local-ipv4', 'public-keys/',
    'reservation-id', 'security-groups',
  ].join('\n'));
});

test('network/interfaces/macs: one directory per MAC, as cloud-init\'s Ec2 datasource reads it', () => {
  const inst = seedInstance({
    addresses: [{ mac: 'fa:16:3e:d8:bb:81', ip: '169.254.0.2' }, { mac: 'fa:16:3e:d8:bb:81', ip: '2001:db8::2' }, { ip: '10.0.0.9' }],
    public_ipv4: '203.0.113.7',
    network: { links: [{ id: 'a', type: 'phy', ethernet_mac_address: 'FA:16:3E:00:00:02' }], networks: [], services: [] },
  });
  assert.equal(render(['meta-data', 'mac'], inst), 'fa:16:3e:d8:bb:81');
  assert.equal(render(['meta-data', 'network', 'interfaces', 'macs'], inst), 'fa:16:3e:00:00:02/\nfa:16:3e:d8:bb:81/');
  const nic = ['meta-data', 'network', 'interfaces', 'macs', 'fa:16:3e:d8:bb:81'];
  assert.equal(render(nic, inst), 'device-number\nipv6s\nlocal-hostname\nlocal-ipv4s\nmac\npublic-hostname\npublic-ipv4s');
  assert.equal(render([...nic, 'local-ipv4s'], inst), '169.254.0.2');
  assert.equal(render([...nic, 'ipv6s'], inst), '2001:db8::2');
  assert.equal(render([...nic, 'public-ipv4s'], inst), '203.0.113.7');
  assert.equal(render(['meta-data', 'network', 'interfaces', 'macs', 'fa:16:3e:00:00:02', 'device-number'], inst), '1');
  assert.equal(render(['meta-data', 'mac'], seedInstance({ addresses: [{ ip: '10.0.0.1' }], network: null })), undefined);
});

test('the instance identity document', () => {
  const doc = JSON.parse(render(['dynamic', 'instance-identity', 'document'])!);
  assert.equal(doc.instanceId, 'i-380cc09f25ce4a4ea');
  assert.equal(doc.accountId, '678e269fc36d498586223d3d72fe694a');
  assert.equal(doc.availabilityZone, 'nova');
  assert.equal(doc.privateIp, '169.254.0.2');
  assert.equal(doc.region, 'RegionOne');
  assert.equal(doc.pendingTime, '2025-01-01T00:00:00Z');
  assert.match(render(['dynamic', 'instance-identity', 'document'])!, /^\{\n  "accountId" : "/);
});
