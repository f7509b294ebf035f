import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeMetadataPath, pathTokens } from './metadata-path.js';

test('posixpath.normpath semantics, no redirects', () => {
  const cases: [string, string | undefined][] = [
    ['/', '/'],
    ['', undefined],
    ['/openstack', '/openstack'],
    ['/openstack/', '/openstack'],
    ['//openstack//latest///', '/openstack/latest'],
    ['/openstack/./latest/../latest/meta_data.json', '/openstack/latest/meta_data.json'],
    ['/foo/../', '/'],
    ['/..', '/'],
    ['/latest/meta-data/?x=1', '/latest/meta-data'],
    ['/openstack/latest/meta%5Fdata.json', '/openstack/latest/meta_data.json'],
    ['/bad%zz', undefined],
    ['http://169.254.169.254/openstack/', '/openstack'],
    ['http://169.254.169.254', '/'],
    ['/.hidden', '/.hidden'],
  ];
  for (const [input, want] of cases) assert.equal(normalizeMetadataPath(input), want, input);
});

test('tokens', () => {
  assert.deepEqual(pathTokens('/'), []);
  assert.deepEqual(pathTokens('/openstack/latest'), ['openstack', 'latest']);
});
