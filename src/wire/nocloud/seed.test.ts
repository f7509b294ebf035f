import { test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { seedInstance } from '../instance.fixture.js';
import { nocloudMetaData, nocloudSeed, nocloudVendorData } from './seed.js';

test('meta-data: instance-id, local-hostname with the DHCP domain, public-keys', () => {
  const md = YAML.parse(nocloudMetaData(seedInstance(), 'novalocal'), { version: '1.1' });
  assert.equal(md['instance-id'], '380cc09f-25ce-4a4e-aa88-bba53234d92e');
  assert.equal(md['local-hostname'], 'rhel.novalocal');
  assert.match(md['public-keys']['lab-keys'], /^ssh-rsa AAAA.* Generated-by-Nova$/);
  assert.equal(YAML.parse(nocloudMetaData(seedInstance({ keys: [] }), ''), { version: '1.1' })['local-hostname'], 'rhel');
});

test('vendor-data follows cloud-init convert_vendordata: the cloud-init member, a string, or nothing', () => {
  assert.equal(nocloudVendorData({ 'cloud-init': '#cloud-config\nfoo: 1\n' }), '#cloud-config\nfoo: 1\n');
  assert.equal(nocloudVendorData({ other: 1 }), '');
  assert.equal(nocloudVendorData('#!/bin/sh\n'), '#!/bin/sh\n');
  const seed = nocloudSeed(seedInstance({ vendor_data: { 'cloud-init': '#cloud-config\n' } }), { dhcpDomain: '', networkConfig: (j) => `from ${j}` });
  assert.deepEqual(seed.map((e) => e.path), ['meta-data', 'user-data', 'vendor-data', 'network-config']);
  assert.equal(seed[2]!.body, '#cloud-config\n');
  assert.match(String(seed[3]!.body), /^from \{"links": \[/);
  assert.equal((nocloudSeed(seedInstance({ user_data: null }), { dhcpDomain: '', networkConfig: () => '' })[1]!.body as Uint8Array).length, 0);
});
