import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildIso } from './iso9660.js';
import { dir, file, ImageError, symlink, treeFromPaths, type StreamedContent } from './image-tree.js';
import type { Image } from './image.js';
import { parseIso } from '../../../test/support/iso-parse.js';
import { randomTree } from '../../../test/support/random-tree.js';
import { flatten } from '../../../test/support/tree-expect.js';

const clock = new Date('2024-05-06T07:08:09Z');

async function bytes(img: Image): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of img.chunks()) parts.push(Buffer.from(c));
  const b = Buffer.concat(parts);
  assert.equal(b.length, img.size, 'announced size equals streamed bytes');
  return b;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('config-drive shaped tree: Rock Ridge names, Joliet names, primary names, data', async () => {
  const long = 'a.very.long.lowercase.name.with.several.dots.that.goes.beyond.sixty.four.characters.json';
  const tree = treeFromPaths([
    ['openstack/latest/meta_data.json', '{"uuid":"u"}'],
    ['openstack/latest/user_data', '#cloud-config\n'],
    ['openstack/2012-08-10/meta_data.json', '{}'],
    ['openstack/content/0000', ''],
    ['ec2/latest/meta-data.json', '{"a":1}'],
    [`deep/${long}`, 'x'],
    ['deep/meta-data.json', '1'],
    ['deep/meta_data.json', '2'],
  ]);
  const img = buildIso(tree, { label: 'config-2', clock, publisher: 'Kindling test' });
  const iso = parseIso(await bytes(img), { withData: true });
  assert.equal(iso.label, 'config-2');
  assert.equal(iso.jolietLabel, 'config-2');
  assert.equal(iso.publisher, 'Kindling test');
  assert.ok(iso.rockRidge);
  assert.deepEqual(iso.extensions, ['RRIP_1991A']);
  assert.equal(iso.volumeSectors * 2048, img.size);
  const expected = await flatten(tree);
  assert.deepEqual([...iso.entries.keys()].sort(), [...expected.keys()].sort());
  for (const [p, e] of expected) {
    const got = iso.entries.get(p)!;
    assert.equal(got.kind, e.kind, p);
    if (e.data) assert.deepEqual(got.data, e.data, p);
    assert.equal(got.mtime?.getTime(), clock.getTime(), p);
  }
  assert.equal(iso.entries.get('openstack/latest/meta_data.json')!.mode, 0o100444);
  assert.equal(iso.entries.get('openstack')!.mode, 0o040555);
  assert.equal(iso.entries.get('openstack')!.links, 5); // ".", "..", and three subdirectories
  // Primary names as Nova's genisoimage flags give them: lowercase, several dots, 31 characters.
  assert.equal(iso.entries.get('openstack/latest/meta_data.json')!.isoId, 'meta_data.json;1');
  assert.equal(iso.entries.get('openstack/latest/user_data')!.isoId, 'user_data.;1');
  assert.equal(iso.entries.get('openstack/2012-08-10')!.isoId, '2012_08_10');
  const primaryIds = ['deep/meta-data.json', 'deep/meta_data.json', `deep/${long}`].map((p) => iso.entries.get(p)!.isoId);
  assert.equal(new Set(primaryIds.map((s) => s.toUpperCase())).size, 3, `unique primary names: ${primaryIds}`);
  for (const id of primaryIds) assert.ok(id.length <= 33, id);
  // Joliet keeps names up to 64 characters.
  assert.ok(iso.joliet!.has('ec2/latest/meta-data.json'));
  assert.ok(iso.joliet!.has('openstack/2012-08-10/meta_data.json'));
  const jLong = [...iso.joliet!.keys()].find((k) => k.startsWith('deep/a.very'))!;
  assert.equal(jLong.length - 'deep/'.length, 64);
  assert.ok(jLong.endsWith('.json'), jLong);
});

test('deterministic: same tree and clock give the same bytes, whatever the insertion order', async () => {
  const a = treeFromPaths([['x/1', 'one'], ['x/2', 'two'], ['y', 'why']]);
  const b = treeFromPaths([['y', 'why'], ['x/2', 'two'], ['x/1', 'one']]);
  const one = await bytes(buildIso(a, { label: 'cidata', clock }));
  const two = await bytes(buildIso(b, { label: 'cidata', clock }));
  const again = await bytes(buildIso(a, { label: 'cidata', clock }));
  assert.equal(sha(one), sha(two));
  assert.equal(sha(one), sha(again));
  const later = await bytes(buildIso(a, { label: 'cidata', clock: new Date(clock.getTime() + 1000) }));
  assert.notEqual(sha(one), sha(later));
});

test('long names and symlinks spill into continuation areas and read back whole', async () => {
  const n255 = 'é'.repeat(127) + 'x'; // 255 UTF-8 bytes
  const longTarget = Array.from({ length: 40 }, (_, i) => `component-${i}-${'z'.repeat(60)}`).join('/');
  const tree = dir({
    [n255]: file('long name'),
    ['b'.repeat(200)]: dir({ ['c'.repeat(250)]: file('') }),
    abs: symlink('/etc/cloud/cloud.cfg'),
    rel: symlink('../up/./here'),
    huge: symlink(longTarget),
    ['x'.repeat(255)]: symlink('y'.repeat(255)),
  });
  const iso = parseIso(await bytes(buildIso(tree, { label: 'L', clock })), { withData: true });
  assert.equal(iso.entries.get(n255)!.data!.toString(), 'long name');
  assert.equal(iso.entries.get(`${'b'.repeat(200)}/${'c'.repeat(250)}`)!.size, 0);
  assert.equal(iso.entries.get('abs')!.target, '/etc/cloud/cloud.cfg');
  assert.equal(iso.entries.get('rel')!.target, '../up/./here');
  assert.equal(iso.entries.get('huge')!.target, longTarget);
  assert.equal(iso.entries.get('x'.repeat(255))!.target, 'y'.repeat(255));
  assert.equal(iso.entries.get('abs')!.mode, 0o120777);
  assert.equal(iso.joliet!.has('abs'), false, 'Joliet cannot carry symlinks');
});

test('a directory of 400 entries spans several sectors and keeps every entry', async () => {
  const entries: Array<[string, string]> = [];
  for (let i = 0; i < 400; i++) entries.push([`many/entry-number-${i}.with.dots.txt`, String(i)]);
  const tree = treeFromPaths(entries);
  const iso = parseIso(await bytes(buildIso(tree, { label: 'many', clock })), { withData: true });
  for (let i = 0; i < 400; i++) assert.equal(iso.entries.get(`many/entry-number-${i}.with.dots.txt`)!.data!.toString(), String(i));
  assert.equal([...iso.joliet!.keys()].length, 401);
});

test('fuzz: random trees read back equal through the independent parser', async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const tree = randomTree(seed, { symlinks: true });
    const iso = parseIso(await bytes(buildIso(tree, { label: `seed-${seed}`, clock })), { withData: true });
    const expected = await flatten(tree);
    assert.deepEqual([...iso.entries.keys()].sort(), [...expected.keys()].sort(), `seed ${seed}`);
    for (const [p, e] of expected) {
      const got = iso.entries.get(p)!;
      assert.equal(got.kind, e.kind, `seed ${seed}: ${p}`);
      if (e.data) assert.ok(got.data!.equals(e.data), `seed ${seed}: ${p} data`);
      if (e.target) assert.equal(got.target, e.target, `seed ${seed}: ${p} target`);
    }
  }
});

test('streamed content is opened only while streaming, and a short source fails the stream', async () => {
  let opened = 0;
  const source = (size: number, give: number): StreamedContent => ({
    size,
    async *open() {
      opened++;
      for (let left = give; left > 0; left -= 1000) yield Buffer.alloc(Math.min(1000, left), 7);
    },
  });
  const img = buildIso(dir({ big: file(source(100_000, 100_000)) }), { label: 'S', clock });
  assert.equal(opened, 0);
  const iso = parseIso(await bytes(img), { withData: true });
  assert.equal(opened, 1);
  assert.ok(iso.entries.get('big')!.data!.equals(Buffer.alloc(100_000, 7)));

  const short = buildIso(dir({ big: file(source(5000, 4000)) }), { label: 'S', clock });
  await assert.rejects(bytes(short), (e: unknown) => e instanceof ImageError && /\/big: its source gave 4000 bytes, 5000 were announced/.test(e.message));
  const long = buildIso(dir({ big: file(source(5000, 6000)) }), { label: 'S', clock });
  await assert.rejects(bytes(long), /gave more bytes/);
});

test('bad input is refused with a clear message', () => {
  const build = (t: ReturnType<typeof dir>, label = 'ok') => () => buildIso(t, { label, clock });
  assert.throws(build(dir({ 'a/b': file('') })), /\/a\/b: a "\/" in a name/);
  assert.throws(build(dir({ '': file('') })), /an empty name/);
  assert.throws(build(dir({ '..': file('') })), /the name "\.\."/);
  assert.throws(build(dir({ x: dir({ ['y'.repeat(256)]: file('') }) })), /\/x\/y+: a name longer than 255 bytes/);
  assert.throws(build(dir({ 'bad\ud800': file('') })), /not valid Unicode/);
  assert.throws(build(dir({ l: symlink('') })), /symlink target/);
  assert.throws(build(dir(), 'x'.repeat(33)), (e: unknown) => e instanceof ImageError && e.code === 'bad-label');
  assert.throws(build(dir(), 'étiquette'), /printable ASCII/);
  assert.throws(() => treeFromPaths([['a', 'x'], ['a/b', 'y']]), /a is both a file and a directory/);
  assert.throws(() => buildIso(dir({ f: file({ size: 2 ** 32, open: async function* () {} }) }), { label: 'x', clock }), /4 GiB/);
});

test('labels: any printable ASCII up to 32 characters, Joliet keeps the first 16', async () => {
  const iso = parseIso(await bytes(buildIso(dir({}), { label: 'Mixed Case-Label_0123456789abcde', clock })));
  assert.equal(iso.label, 'Mixed Case-Label_0123456789abcde');
  assert.equal(iso.jolietLabel, 'Mixed Case-Label');
  const empty = await bytes(buildIso(dir({}), { label: '', clock, padSectors: 0 }));
  assert.equal(parseIso(empty).entries.size, 0);
  assert.equal(empty.length, (16 + 3 + 4 + 2 + 1) * 2048, 'system area, 3 descriptors, 4 path tables, 2 root directories, the ER continuation');
});
