// Our vfat images, read by the real tools: fsck.fat -n must find nothing to fix, mtools (mdir,
// mcopy) and fusefat must give back every file byte for byte under its long name, and blkid on a
// loop device must see the label and TYPE="vfat".

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildFat } from '../../src/server/config-drive/fat.js';
import { dir, file, treeFromPaths, type DirNode } from '../../src/server/config-drive/image-tree.js';
import { writeImageFile } from '../../src/server/config-drive/write-image.js';
import { run, scratch, walkDir, withFuse, withLoop } from '../support/image-tools.js';
import { randomTree } from '../support/random-tree.js';
import { flatten, type Expected } from '../support/tree-expect.js';

const clock = new Date('2024-05-06T07:08:09Z');
// mtools converts long names to the locale's charset.
const utf8 = { ...process.env, LC_ALL: 'C.UTF-8', MTOOLS_SKIP_CHECK: '1' };

function sameTree(got: Map<string, { kind: string; data?: Buffer }>, want: Map<string, Expected>, what: string): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same paths`);
  for (const [p, e] of want) {
    assert.equal(got.get(p)!.kind, e.kind, `${what}: ${p} kind`);
    if (e.data) assert.ok(got.get(p)!.data?.equals(e.data), `${what}: ${p} bytes`);
  }
}

async function checkFat(tree: DirNode, label: string, what: string, opts: { size?: number; fuse?: boolean; loop?: boolean } = {}): Promise<void> {
  const work = await scratch();
  try {
    const img = join(work, 'image.vfat');
    await writeImageFile(buildFat(tree, { label, clock, ...(opts.size ? { size: opts.size } : {}) }), img);
    const want = await flatten(tree);

    const fsck = await run('fsck.fat', ['-n', '-v', img]);
    assert.doesNotMatch(fsck.stdout + fsck.stderr, /dirty|differ|bad|invalid|free cluster|lost|Perform changes|Reclaim|Fix/i, `${what}: fsck.fat -n`);

    const mdir = (await run('mdir', ['-/', '-a', '-i', img, '::'], { env: utf8 })).stdout;
    assert.match(mdir, new RegExp(`Volume in drive : is ${label}`), `${what}: mdir label`);

    const out = join(work, 'mcopy');
    await mkdir(out);
    if (want.size) await run('mcopy', ['-s', '-n', '-i', img, '::/*', `${out}/`], { env: utf8 });
    // mtools turns each half of a UTF-16 surrogate pair (characters beyond U+FFFF) into "_";
    // fusefat below reads those names right.
    const mtoolsView = new Map([...want].map(([p, e]) => [p.replace(/[\u{10000}-\u{10FFFF}]/gu, '__'), e]));
    sameTree(await walkDir(out), mtoolsView, `${what}: mcopy`);

    if (opts.fuse) {
      await withFuse('fusefat', img, async (mnt) => {
        const got = await walkDir(mnt);
        // fusefat lists the volume label entry as an empty file (mkfs.fat's images too).
        if (got.get(label)?.data?.length === 0 && !want.has(label)) got.delete(label);
        sameTree(got, want, `${what}: fusefat`);
      });
    }
    if (opts.loop) {
      await withLoop(img, async (dev) => {
        const { stdout } = await run('blkid', ['-c', '/dev/null', '-o', 'export', dev]);
        assert.match(stdout, new RegExp(`^LABEL=${label}$`, 'm'), `${what}: blkid label`);
        assert.match(stdout, /^TYPE=vfat$/m, `${what}: blkid type`);
      });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

test('a config-drive shaped tree: fsck.fat, mtools, fusefat, blkid', async () => {
  const tree = treeFromPaths([
    ['openstack/latest/meta_data.json', '{"uuid":"d8e02d56-2648-49a3-bf97-6be8f1204f38","admin_pass":"x"}'],
    ['openstack/latest/user_data', '#cloud-config\n'],
    ['openstack/2012-08-10/meta_data.json', '{}'],
    ['openstack/content/0000', 'auto eth0\n'],
    ['openstack/content/0001', ''],
    ['ec2/2009-04-04/meta-data.json', '{}'],
    ['ec2/latest/meta-data.json', '{}'],
    ['README.TXT', 'an exact 8.3 name'],
    ['a.very.long.lowercase.name.with.several.dots.that.goes.beyond.sixty.four.characters.json', 'x'],
    ['three-clusters.bin', Buffer.alloc(4097, 0xab)],
  ]);
  await checkFat(tree, 'config-2', 'config-2', { fuse: true, loop: true });
});

test('a small FAT12 NoCloud seed', async () => {
  const tree = dir({ 'meta-data': file('instance-id: i-1\nlocal-hostname: h\n'), 'user-data': file('#cloud-config\n'), 'network-config': file('version: 2\n'), 'vendor-data': file('') });
  await checkFat(tree, 'cidata', 'cidata 1 MiB', { size: 1 << 20, loop: true, fuse: true });
});

test('fuzz: random trees through fsck.fat, mtools and fusefat', async () => {
  const seeds = (process.env.KINDLING_FUZZ_SEEDS ?? '301,302,303,304').split(',').map(Number);
  for (const seed of seeds) await checkFat(randomTree(seed, { fat: true }), `FUZZ${seed}`, `seed ${seed}`, { fuse: seed % 2 === 0 });
});
