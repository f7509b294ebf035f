import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seedInstance } from '../../wire/instance.fixture.js';
import { KindlingError } from '../errors.js';
import { configDriveReply, type DriveDeps } from './config-drive.js';

const deps: DriveDeps = {
  ctx: { dhcpDomain: 'novalocal', vendorData: {}, now: Date.now },
  publisher: 'Kindling test',
  nocloudNetworkConfig: () => 'version: 1\nconfig: []\n',
  clock: () => new Date('2024-01-01T00:00:00Z'),
};

test('a tree over 64 MiB is refused for vfat with 422 and says so, and still builds as ISO', () => {
  const big = seedInstance({ files: [{ path: '/big', content: new Uint8Array(65 << 20) }] });
  assert.throws(() => configDriveReply(big, new URLSearchParams('format=vfat'), deps), (e: unknown) =>
    e instanceof KindlingError && e.status === 422 && e.code === 'unprocessable' &&
    /instance 380cc09f-.*: the tree needs \d+ bytes of 2048-byte clusters; a 64 MiB FAT image holds 66959360/.test(e.message));
  const iso = configDriveReply(big, new URLSearchParams('format=iso'), deps);
  assert.ok(Number(iso.head[iso.head.indexOf('Content-Length') + 1]) > 65 << 20);
});

test('the image clock comes from the deps, so two builds differ only by random_seed', () => {
  const r = configDriveReply(seedInstance(), new URLSearchParams(), deps);
  assert.equal(r.head[r.head.indexOf('Content-Type') + 1], 'application/x-iso9660-image');
  assert.ok(r.stream);
});
