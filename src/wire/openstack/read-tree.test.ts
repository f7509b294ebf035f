import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokenMetadata, chooseVersion, convertVendorData, NonReadable, readOpenStackTree } from './read-tree.js';
import { bundleVersions, decodeBundle, encodeBundle } from './bundle.js';

const enc = (s: string) => new TextEncoder().encode(s);

test('version choice: newest known, else latest', () => {
  assert.equal(chooseVersion(['2012-08-10', '2018-08-27', '2020-10-14', 'latest']), '2018-08-27');
  assert.equal(chooseVersion(['2020-10-14', 'latest']), 'latest');
});

test('meta_data.json needs a uuid; instance-id and local-hostname are copied; random_seed decoded', async () => {
  const files = new Map([['openstack/latest/meta_data.json', enc(JSON.stringify({ uuid: 'u1', hostname: 'h', random_seed: 'AAEC', meta: { dsmode: 'local' } }))]]);
  const t = await readOpenStackTree(async (p) => files.get(p), 'latest');
  assert.equal(t.metadata['instance-id'], 'u1');
  assert.equal(t.metadata['local-hostname'], 'h');
  assert.deepEqual([...(t.metadata.random_seed as Uint8Array)], [0, 1, 2]);
  assert.equal(t.dsmode, 'local');
  await assert.rejects(readOpenStackTree(async () => undefined, 'latest'), NonReadable);
  await assert.rejects(readOpenStackTree(async (p) => (p.endsWith('meta_data.json') ? enc('{}') : undefined), 'latest'), BrokenMetadata);
  await assert.rejects(readOpenStackTree(async (p) => (p.endsWith('meta_data.json') ? enc('{not json') : undefined), 'latest'), BrokenMetadata);
});

test('files[] content paths cannot climb out of the tree', async () => {
  const md = { uuid: 'u', files: [{ path: '/etc/x', content_path: '/content/../../../etc/shadow' }] };
  await assert.rejects(readOpenStackTree(async (p) => (p.endsWith('meta_data.json') ? enc(JSON.stringify(md)) : p.includes('content') ? enc('x') : undefined), 'latest'), /unsafe content path/);
});

test('vendor data: the cloud-init key of an object; a nested object is refused', () => {
  assert.equal(convertVendorData({ 'cloud-init': '#cloud-config\na: 1\n' }), '#cloud-config\na: 1\n');
  assert.equal(convertVendorData({}), undefined);
  assert.throws(() => convertVendorData({ 'cloud-init': { a: 1 } }), /cannot be dict/);
});

test('bundle round trip and its version listing', () => {
  const b = encodeBundle({ 'openstack/2018-08-27/meta_data.json': enc('{"uuid":"x"}'), 'openstack/content/0000': enc('c'), 'ec2/latest/meta-data.json': enc('{}') });
  const files = decodeBundle(enc(JSON.stringify(b)));
  assert.equal(new TextDecoder().decode(files.get('openstack/2018-08-27/meta_data.json')), '{"uuid":"x"}');
  assert.deepEqual(bundleVersions(files), ['2018-08-27']);
  assert.throws(() => decodeBundle(enc(JSON.stringify({ kindling_bundle: 1, files: { '../x': 'AA==' } }))), /not relative/);
  assert.throws(() => decodeBundle(enc('[]')), /not an object/);
});
