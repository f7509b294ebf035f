// Our ISO images, read by the real readers: xorriso, isoinfo (Rock Ridge and Joliet), bsdtar
// (libarchive), blkid on a loop device, and fuseiso mounted through FUSE. Every file must come back
// byte-identical under its Rock Ridge name, for a config-drive shaped tree and for random trees.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildIso } from '../../src/server/config-drive/iso9660.js';
import { dir, file, symlink, treeFromPaths, type DirNode } from '../../src/server/config-drive/image-tree.js';
import { writeImageFile } from '../../src/server/config-drive/write-image.js';
import { run, scratch, walkDir, withFuse, withLoop } from '../support/image-tools.js';
import { randomTree } from '../support/random-tree.js';
import { flatten, type Expected } from '../support/tree-expect.js';

const clock = new Date('2024-05-06T07:08:09Z');

function sameTree(got: Map<string, { kind: string; data?: Buffer; target?: string }>, want: Map<string, Expected>, what: string): void {
  assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `${what}: the same paths`);
  for (const [p, e] of want) {
    const g = got.get(p)!;
    assert.equal(g.kind, e.kind, `${what}: ${p} kind`);
    if (e.data) assert.ok(g.data?.equals(e.data), `${what}: ${p} bytes`);
    if (e.target) assert.equal(g.target, e.target, `${what}: ${p} target`);
  }
}

async function checkWithReaders(tree: DirNode, label: string, what: string, opts: { fuse?: boolean; loop?: boolean } = {}): Promise<void> {
  const work = await scratch();
  try {
    const iso = join(work, 'image.iso');
    await writeImageFile(buildIso(tree, { label, clock, publisher: 'Kindling test' }), iso);
    const want = await flatten(tree);

    // isoinfo: Rock Ridge paths.
    const rrList = (await run('isoinfo', ['-R', '-f', '-i', iso])).stdout.split('\n').filter(Boolean).map((l) => l.slice(1));
    assert.deepEqual(rrList.sort(), [...want.keys()].sort(), `${what}: isoinfo -R -f`);
    const vol = (await run('isoinfo', ['-d', '-i', iso])).stdout;
    assert.match(vol, new RegExp(`^Volume id: ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.match(vol, /Joliet with UCS level 3 found/);
    assert.match(vol, /Rock Ridge signatures version 1 found/);
    // isoinfo: Joliet names, for every entry Joliet can carry (no symlinks; names cut at 64).
    // (isoinfo has no UTF-8 output, so only plain-ASCII short names are compared by name.)
    const jList = (await run('isoinfo', ['-J', '-f', '-i', iso])).stdout.split('\n').filter(Boolean);
    assert.equal(jList.length, [...want.values()].filter((e) => e.kind !== 'symlink').length, `${what}: isoinfo -J entry count`);
    const jSet = new Set(jList.map((l) => l.slice(1).replace(/;1$/, '')));
    // Siblings that differ only in case get distinct Joliet names (Windows folds case).
    const folded = new Map<string, number>();
    for (const p of want.keys()) folded.set(p.toUpperCase(), (folded.get(p.toUpperCase()) ?? 0) + 1);
    const caseClash = (p: string) => p.split('/').some((_, i, parts) => folded.get(parts.slice(0, i + 1).join('/').toUpperCase())! > 1);
    for (const [p, e] of want) {
      if (e.kind !== 'symlink' && !caseClash(p) && /^[\x20-\x7e]+$/.test(p) && !/[*:;?\\]/.test(p) && p.split('/').every((c) => c.length <= 64)) {
        assert.ok(jSet.has(p), `${what}: isoinfo -J lists ${p}`);
      }
    }

    // bsdtar (libarchive): list and extract.
    const out = join(work, 'bsdtar');
    await mkdir(out);
    await run('bsdtar', ['-xf', iso, '-C', out]);
    sameTree(await walkDir(out), want, `${what}: bsdtar -x`);

    // xorriso: extract with Rock Ridge.
    const xo = join(work, 'xorriso');
    await run('xorriso', ['-abort_on', 'FAILURE', '-indev', iso, '-osirrox', 'on', '-extract', '/', xo]);
    sameTree(await walkDir(xo), want, `${what}: xorriso -extract`);
    await run('chmod', ['-R', 'u+w', xo]);

    if (opts.loop) {
      await withLoop(iso, async (dev) => {
        const { stdout } = await run('blkid', ['-c', '/dev/null', '-o', 'export', dev]);
        assert.match(stdout, new RegExp(`^LABEL=${label}$`, 'm'), `${what}: blkid label`);
        assert.match(stdout, /^TYPE=iso9660$/m, `${what}: blkid type`);
      });
    }
    if (opts.fuse) {
      await withFuse('fuseiso', iso, async (mnt) => sameTree(await walkDir(mnt), want, `${what}: fuseiso`));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const configDriveLike = () => treeFromPaths([
  ['openstack/latest/meta_data.json', JSON.stringify({ uuid: 'd8e02d56-2648-49a3-bf97-6be8f1204f38', hostname: 'test.novalocal', admin_pass: 's3cr3t' })],
  ['openstack/latest/user_data', '#cloud-config\nruncmd: [echo hi]\n'],
  ['openstack/latest/network_data.json', '{"links":[],"networks":[],"services":[]}'],
  ['openstack/latest/vendor_data.json', '{}'],
  ['openstack/latest/vendor_data2.json', '{}'],
  ['openstack/2012-08-10/meta_data.json', '{"uuid":"d8e02d56-2648-49a3-bf97-6be8f1204f38"}'],
  ['openstack/content/0000', 'auto eth0\niface eth0 inet dhcp\n'],
  ['openstack/content/0001', ''],
  ['ec2/2009-04-04/meta-data.json', '{"instance-id":"i-00000001"}'],
  ['ec2/2009-04-04/user-data', '#cloud-config\n'],
  ['ec2/latest/meta-data.json', '{"instance-id":"i-00000001"}'],
  ['a.very.long.lowercase.name.with.several.dots.that.goes.well.beyond.sixty-four.characters.json', 'x'],
  ['two-sectors.bin', Buffer.alloc(4097, 0xab)],
  ['links/abs', symlink('/etc/hostname')],
  ['links/rel', symlink('../openstack/latest/meta_data.json')],
]);

test('config-drive shaped tree: isoinfo, bsdtar, xorriso, blkid on a loop device, fuseiso', async () => {
  await checkWithReaders(configDriveLike(), 'config-2', 'config-2', { fuse: true, loop: true });
});

test('NoCloud label and an empty tree', async () => {
  await checkWithReaders(dir({ 'meta-data': file('instance-id: i-1\n'), 'user-data': file('') }), 'cidata', 'cidata', { loop: true });
  await checkWithReaders(dir({}), 'EMPTY', 'empty');
});

test('fuzz: random trees through every reader', async () => {
  const seeds = (process.env.KINDLING_FUZZ_SEEDS ?? '101,102,103,104,105,106').split(',').map(Number);
  for (const seed of seeds) {
    // fuseiso shows a 255-byte Rock Ridge name by its primary name, and reads a symlink target
    // that spans several SL entries with extra "/"s, whichever way the entries are cut (also with
    // xorriso's images); the kernel and libarchive read both right. The trees fuseiso checks keep
    // names to 200 bytes, so every target fits one SL entry; the other readers get the full 255.
    const fuse = seed % 3 === 0;
    await checkWithReaders(randomTree(seed, { symlinks: true, maxNameBytes: fuse ? 200 : 255 }), `FUZZ_${seed}`, `seed ${seed}`, { fuse });
  }
});
