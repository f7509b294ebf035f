import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildFat, NOVA_VFAT_SIZE } from './fat.js';
import { FatNames, shortChecksum } from './fat-names.js';
import { dir, file, ImageError, symlink, treeFromPaths } from './image-tree.js';
import type { Image } from './image.js';

const clock = new Date('2024-05-06T07:08:09Z');

async function digest(img: Image): Promise<string> {
  const h = createHash('sha256');
  let n = 0;
  for await (const c of img.chunks()) { h.update(c); n += c.byteLength; }
  assert.equal(n, img.size);
  return h.digest('hex');
}

test('Nova geometry: 64 MiB, FAT16, 2 KiB clusters, label in the boot sector', async () => {
  const img = buildFat(treeFromPaths([['openstack/latest/meta_data.json', '{}']]), { label: 'config-2', clock });
  assert.equal(img.size, NOVA_VFAT_SIZE);
  const first = (await img.chunks()[Symbol.asyncIterator]().next()).value as Uint8Array;
  const b = Buffer.from(first);
  assert.equal(b.readUInt16LE(11), 512);
  assert.equal(b[13], 4);
  assert.equal(b.toString('latin1', 43, 54), 'config-2   ');
  assert.equal(b.toString('latin1', 54, 62), 'FAT16   ');
  assert.equal(b.readUInt16LE(510), 0xaa55);
});

test('deterministic: same tree and clock, same bytes; another clock changes them', async () => {
  const t = () => treeFromPaths([['b', 'two'], ['a/x', 'one']]);
  const one = await digest(buildFat(t(), { label: 'cidata', clock, size: 2 << 20 }));
  assert.equal(await digest(buildFat(t(), { label: 'cidata', clock, size: 2 << 20 })), one);
  assert.notEqual(await digest(buildFat(t(), { label: 'cidata', clock: new Date(clock.getTime() + 2000), size: 2 << 20 })), one);
});

test('short names: exact upper-case 8.3 names need no long name, others get unique ~N tails', () => {
  const n = new FatNames();
  assert.deepEqual(n.name('README.TXT').long, []);
  assert.equal(Buffer.from(n.name('meta_data.json').short).toString('latin1'), 'META_D~1JSO');
  assert.equal(Buffer.from(n.name('meta-data.json').short).toString('latin1'), 'META-D~1JSO');
  assert.equal(Buffer.from(n.name('meta_data.jsonx').short).toString('latin1'), 'META_D~2JSO');
  const lfn = n.name('user_data');
  assert.equal(Buffer.from(lfn.short).toString('latin1'), 'USER_D~1   ');
  assert.equal(lfn.long.length, 1);
  assert.equal(lfn.long[0]![0], 0x41); // last (and only) piece, sequence 1
  assert.equal(lfn.long[0]![13], shortChecksum(lfn.short));
});

test('refused: a tree over the image size, symlinks, names FAT cannot hold, case clashes, bad labels', () => {
  const big = dir({ f: file({ size: 70 << 20, open: async function* () {} }) });
  assert.throws(() => buildFat(big, { label: 'config-2', clock }), (e: unknown) =>
    e instanceof ImageError && e.code === 'too-large' && /needs 73400320 bytes of 2048-byte clusters; a 64 MiB FAT image holds 66959360/.test(e.message));
  assert.throws(() => buildFat(dir({ l: symlink('x') }), { label: 'x', clock }), /\/l: FAT cannot hold symbolic links/);
  assert.throws(() => buildFat(dir({ 'a:b': file('') }), { label: 'x', clock }), /\/a:b: a character FAT cannot store/);
  assert.throws(() => buildFat(dir({ 'a.': file('') }), { label: 'x', clock }), /trailing dot/);
  assert.throws(() => buildFat(dir({ Readme: file(''), README: file('') }), { label: 'x', clock }), /\/Readme: FAT names ignore case, and \/README is already there/);
  assert.throws(() => buildFat(dir({}), { label: 'twelve chars', clock }), (e: unknown) => e instanceof ImageError && e.code === 'bad-label');
  assert.throws(() => buildFat(dir({}), { label: 'x', clock, size: 1000 }), /multiple of 512 bytes from 1 MiB to 2 GiB/);
});

test('small images are FAT12, and a tree that just fits is accepted', async () => {
  const img = buildFat(dir({ f: file(Buffer.alloc(900_000, 1)) }), { label: 'cidata', clock, size: 1 << 20 });
  const first = Buffer.from((await img.chunks()[Symbol.asyncIterator]().next()).value as Uint8Array);
  assert.equal(first.toString('latin1', 54, 62), 'FAT12   ');
  await digest(img);
});
