// The agent's user-space filesystem readers (src/wire/disk-image) against images made by our own
// writers and by the real tools (genisoimage, xorriso, mkfs.fat + mcopy): every file comes back
// byte-identical under the name Linux would show, and the labels are what blkid reports.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIso } from '../../src/server/config-drive/iso9660.js';
import { buildFat } from '../../src/server/config-drive/fat.js';
import { symlink, treeFromPaths, type DirNode } from '../../src/server/config-drive/image-tree.js';
import { writeImageFile } from '../../src/server/config-drive/write-image.js';
import { bytesReader, cachedReader, ImageFormatError } from '../../src/wire/disk-image/read-at.js';
import { openImageFs, probeDevice } from '../../src/wire/disk-image/probe.js';
import type { ImageFs } from '../../src/wire/disk-image/image-fs.js';
import { run, scratch } from '../support/image-tools.js';
import { prng, randomTree } from '../support/random-tree.js';
import { flatten } from '../support/tree-expect.js';

const clock = new Date('2024-05-06T07:08:09Z');

async function imageBytes(img: { chunks(): AsyncIterable<Uint8Array> }): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of img.chunks()) parts.push(Uint8Array.from(c));
  return Buffer.concat(parts);
}

async function open(bytes: Uint8Array): Promise<ImageFs> {
  const fs = await openImageFs(cachedReader(bytesReader(bytes), 4096, 64));
  assert.ok(fs, 'a filesystem is found');
  return fs;
}

async function sameAsTree(fs: ImageFs, tree: DirNode, what: string): Promise<void> {
  const want = await flatten(tree);
  const got = await fs.walk();
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same paths`);
  for (const [p, e] of want) {
    const g = got.get(p)!;
    assert.equal(g.kind, e.kind, `${what}: ${p} kind`);
    if (e.kind === 'file') assert.ok(Buffer.from((await fs.readFile(p))!).equals(e.data!), `${what}: ${p} bytes`);
    if (e.kind === 'symlink') assert.equal(g.target, e.target, `${what}: ${p} target`);
  }
}

async function blkid(image: string): Promise<Record<string, string>> {
  const out = (await run('blkid', ['-p', '-o', 'export', image])).stdout;
  return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const DRIVE = treeFromPaths([
  ['openstack/latest/meta_data.json', '{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "demo"}'],
  ['openstack/2018-08-27/meta_data.json', '{"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "hostname": "demo"}'],
  ['openstack/2018-08-27/user_data', '#cloud-config\nruncmd: [true]\n'],
  ['openstack/content/0000', Buffer.alloc(5000, 7)],
  ['ec2/latest/meta-data.json', '{}'],
  ['MixedCase.TXT', 'x'],
  ['a-long-name-beyond-eight-dot-three.data', Buffer.alloc(70000, 1)],
]);

test('our ISO 9660 writer: random trees (Rock Ridge names, symlinks, deep and wide directories)', async () => {
  for (const seed of [1, 2, 3, 4]) {
    const tree = randomTree(seed, { symlinks: true });
    const fs = await open(await imageBytes(buildIso(tree, { label: 'config-2', clock, publisher: 'test' })));
    assert.equal(fs.type, 'iso9660');
    assert.equal(fs.label, 'config-2');
    await sameAsTree(fs, tree, `iso seed ${seed}`);
  }
});

test('our FAT writer: random trees (long names, Unicode, many entries)', async () => {
  for (const seed of [5, 6, 7]) {
    const tree = randomTree(seed, { fat: true });
    const fs = await open(await imageBytes(buildFat(tree, { label: 'cidata', clock })));
    assert.equal(fs.type, 'vfat');
    await sameAsTree(fs, tree, `fat seed ${seed}`);
  }
});

test('symlinks resolve inside the image only', async () => {
  // a relative link, an absolute one and one climbing out (which a kernel mount would follow out of the image)
  const tree = treeFromPaths([
    ['real/file', 'data'],
    ['rel', symlink('real/file')],
    ['abs', symlink('/etc/passwd')],
    ['climb', symlink('../../etc/passwd')],
    ['loop', symlink('loop')],
  ]);
  const fs = await open(await imageBytes(buildIso(tree, { label: 'x', clock, publisher: 'test' })));
  assert.equal(Buffer.from((await fs.readFile('rel'))!).toString(), 'data');
  assert.equal(await fs.readFile('abs'), undefined);
  assert.equal(await fs.readFile('climb'), undefined);
  assert.equal(await fs.readFile('loop'), undefined);
  assert.equal(Buffer.from((await fs.readFile('real/../real/file'))!).toString(), 'data');
  assert.equal(await fs.readFile('../real/file'), undefined);
});

test('genisoimage and xorriso images: Rock Ridge, Joliet only, plain ISO 9660; labels as blkid', async () => {
  const work = await scratch();
  try {
    const src = join(work, 'src');
    for (const [p, e] of await flatten(DRIVE)) {
      if (e.kind === 'dir') await mkdir(join(src, p), { recursive: true });
      else {
        await mkdir(join(src, p, '..'), { recursive: true });
        await writeFile(join(src, p), e.data!);
      }
    }
    const want = await flatten(DRIVE);
    const cases: [string, string, string[], (p: string) => string][] = [
      ['genisoimage -R -J', 'genisoimage', ['-quiet', '-V', 'config-2', '-R', '-J'], (p) => p],
      ['genisoimage -J', 'genisoimage', ['-quiet', '-V', 'cidata', '-J'], (p) => p],
      // plain ISO 9660 (names made d-characters by the tool): Linux shows them lowercased, without ";1"
      ['genisoimage plain', 'genisoimage', ['-quiet', '-V', 'CIDATA', '-l'], (p) => p.toLowerCase().replace(/-/g, '_')],
      ['xorriso -R -J', 'xorriso', ['-as', 'mkisofs', '-quiet', '-V', 'config-2', '-R', '-J'], (p) => p],
    ];
    for (const [what, cmd, args, nameOf] of cases) {
      const iso = join(work, 'x.iso');
      await rm(iso, { force: true });
      await run(cmd, [...args, '-o', iso, src]);
      const bytes = await readFile(iso);
      const fs = await open(bytes);
      const b = await blkid(iso);
      const probe = await probeDevice(bytesReader(bytes));
      assert.equal(probe?.type, b.TYPE, `${what}: TYPE`);
      assert.equal(probe?.label, b.LABEL, `${what}: LABEL`);
      assert.equal(fs.label, b.LABEL, `${what}: the label`);
      if (what === 'genisoimage plain') {
        const listed = (await run('isoinfo', ['-f', '-i', iso])).stdout.split('\n').filter(Boolean).map((l) => l.slice(1).replace(/;\d+$/, '').replace(/\.$/, '').toLowerCase());
        assert.deepEqual([...(await fs.walk()).keys()].sort(), listed.sort(), `${what}: the names isoinfo lists, as Linux shows them`);
      }
      for (const [p, e] of want) {
        if (e.kind !== 'file') continue;
        if (what === 'genisoimage plain' && p.split('/').some((c) => c.length > 31)) continue; // cut to 31 characters
        const got = await fs.readFile(nameOf(p));
        assert.ok(got && Buffer.from(got).equals(e.data!), `${what}: ${p}`);
      }
      if (what !== 'genisoimage plain') assert.deepEqual((await fs.readdir('openstack'))!, ['2018-08-27', 'content', 'latest'], `${what}: readdir`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('mkfs.fat images (FAT12, FAT16, FAT32) filled by mcopy: long names, short names, labels as blkid', async () => {
  const work = await scratch();
  try {
    for (const [bits, sizeKiB] of [
      [12, 1440],
      [16, 16384],
      [32, 65536],
    ] as const) {
      const img = join(work, `f${bits}.img`);
      await rm(img, { force: true });
      await run('mkfs.fat', ['-C', '-F', String(bits), '-n', 'CIDATA', img, String(sizeKiB)]);
      const want = new Map<string, Buffer>([
        ['meta-data', Buffer.from('instance-id: iid-local01\nlocal-hostname: cloudimg\n')],
        ['user-data', Buffer.from('#cloud-config\n')],
        ['UPPER.TXT', Buffer.from('upper')],
        ['lower.txt', Buffer.from('lower')],
        ['dir/sub/big.bin', Buffer.alloc(300000, 3)],
        ['dir/Ünïcödé name with spaces.txt', Buffer.from('u')],
      ]);
      const src = join(work, `src${bits}`);
      for (const [p, data] of want) {
        await mkdir(join(src, p, '..'), { recursive: true });
        await writeFile(join(src, p), data);
      }
      for (const top of ['meta-data', 'user-data', 'UPPER.TXT', 'lower.txt', 'dir']) await run('mcopy', ['-s', '-i', img, join(src, top), '::']);
      const bytes = await readFile(img);
      const b = await blkid(img);
      const probe = await probeDevice(bytesReader(bytes));
      assert.equal(probe?.type, 'vfat');
      assert.equal(b.TYPE, 'vfat');
      assert.equal(probe?.label, b.LABEL, `FAT${bits}: LABEL`);
      assert.equal(probe?.labelFatboot, b.LABEL_FATBOOT, `FAT${bits}: LABEL_FATBOOT`);
      const fs = await open(bytes);
      for (const [p, data] of want) assert.ok(Buffer.from((await fs.readFile(p))!).equals(data), `FAT${bits}: ${p}`);
      // vfat looks names up without case, as Linux does
      assert.ok(await fs.readFile('META-DATA'));
      assert.deepEqual(await fs.readdir('/'), ['UPPER.TXT', 'dir', 'lower.txt', 'meta-data', 'user-data']);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('garbage, truncated and non-filesystem devices: nothing found, or a clear error, never a hang', async () => {
  const rnd = prng(42);
  const noise = Buffer.alloc(1 << 20);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rnd() * 256);
  assert.equal(await probeDevice(bytesReader(noise)), undefined);
  assert.equal(await openImageFs(bytesReader(new Uint8Array(0))), undefined);
  const iso = await imageBytes(buildIso(DRIVE, { label: 'config-2', clock, publisher: 'test' }));
  // cut the image after its descriptors: the labels are there, the files are not
  const cut = iso.subarray(0, 18 * 2048);
  assert.equal((await probeDevice(bytesReader(cut)))?.label, 'config-2');
  await assert.rejects(async () => (await openImageFs(bytesReader(cut)))!.readFile('openstack/latest/meta_data.json'), ImageFormatError);
  // random corruption of directory sectors: an error or a result, always settled
  for (let k = 0; k < 50; k++) {
    const bad = Buffer.from(iso);
    for (let i = 0; i < 40; i++) bad[18 * 2048 + Math.floor(rnd() * (bad.length - 18 * 2048))] = Math.floor(rnd() * 256);
    try {
      const fs = await openImageFs(bytesReader(bad));
      await fs?.walk(10000);
    } catch (e) {
      assert.ok(e instanceof ImageFormatError || e instanceof RangeError, `k=${k}: ${(e as Error).message}`);
    }
  }
  const fat = await imageBytes(buildFat(DRIVE, { label: 'config-2', clock }));
  for (let k = 0; k < 20; k++) {
    const bad = Buffer.from(fat);
    for (let i = 0; i < 40; i++) bad[512 + Math.floor(rnd() * 200000)] = Math.floor(rnd() * 256);
    try {
      const fs = await openImageFs(bytesReader(bad));
      await fs?.walk(10000);
    } catch (e) {
      assert.ok(e instanceof ImageFormatError, `fat k=${k}: ${(e as Error).message}`);
    }
  }
});
