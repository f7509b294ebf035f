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
  assert.equal(render([]), 'meta-data/\nuser-data');
  assert.equal(render([], seedInstance({ user_data: null })), 'meta-data/');
  assert.equal(render(['user-data'], seedInstance({ user_data: null })), undefined);
});

test('meta-data listing: sorted keys, dir/ suffixes, the 0=name quirk', () => {
  assert.equal(render(['meta-data']), [
    'ami-id', 'ami-launch-index', 'ami-manifest-path', 'block-device-mapping/', 'hostname', 'instance-action',
    'instance-id', 'instance-type', 'local-hostname', 'local-ipv4', 'placement/', 'public-hostname', 'public-ipv4',
    'public-keys/', 'reservation-id', 'security-groups',
  ].join('\n'));
  assert.equal(render(['meta-data', 'public-keys']), '0=lab-keys');
  assert.equal(render(['meta-data', 'public-keys', '0']), 'openssh-key');
  assert.equal(render(['meta-data', 'public-keys', '0', 'openssh-key']), SEED_KEY);
  assert.equal(render(['meta-data', 'public-keys', '0', '_name']), undefined);
  assert.equal(render(['meta-data', 'hostname']), 'rhel.novalocal');
  assert.equal(render(['meta-data', 'local-ipv4']), '169.254.0.2');
  assert.equal(render(['meta-data', 'placement', 'availability-zone']), 'nova');
  assert.equal(render(['meta-data', 'block-device-mapping']), 'ami\nephemeral0\nroot\nswap');
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
