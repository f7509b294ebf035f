import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, w, withDebianGuest } from '../testing/guest-fixture.js';
import { moduleContext } from '../testing/module-context.js';
import { growpart } from './growpart.js';
import { resizefs } from './resizefs.js';

/** /dev/vda1 on a planted sysfs: a partition (number 1) of vda (252:0), and the root mount. */
function plantRootPartition(h: StageTestHost, fstype = 'ext4'): void {
  const r = h.rootDir;
  w(r, 'proc/self/mountinfo', `22 1 252:1 / / rw,relatime shared:1 - ${fstype} /dev/vda1 rw\n30 22 0:5 / /dev rw - devtmpfs udev rw\n`);
  w(r, 'sys/devices/virtual/block/vda/dev', '252:0\n');
  w(r, 'sys/devices/virtual/block/vda/vda1/partition', '1\n');
  w(r, 'sys/devices/virtual/block/vda/vda1/size', '2048\n');
  fs.mkdirSync(join(r, 'sys/class/block'), { recursive: true });
  fs.symlinkSync('../../devices/virtual/block/vda/vda1', join(r, 'sys/class/block/vda1'));
  fs.mkdirSync(join(r, 'dev/block'), { recursive: true });
  fs.symlinkSync('../vda', join(r, 'dev/block/252:0'));
}

/** Device nodes: a FIFO stands in for a block device (both are "other" to the host fs, as cloud-init's S_ISBLK/S_ISCHR test reads them). */
function node(h: StageTestHost, p: string): void {
  fs.mkdirSync(join(h.rootDir, p, '..'), { recursive: true });
  execFileSync('mkfifo', [join(h.rootDir, p)]);
}

test('growpart: dry run then growpart on the root partition, change reported from sysfs sizes', async () => {
  await withDebianGuest(async (h) => {
    plantRootPartition(h);
    node(h, 'dev/vda');
    node(h, 'dev/vda1');
    w(h.rootDir, 'usr/bin/growpart', '#!/bin/sh\n', 0o755);
    h.runner.expect(['growpart', '--help'], { stdout: 'usage: growpart disk partition\n   --update  R|U|auto\n' });
    h.runner.expect(['growpart', '--dry-run', '/dev/vda', '1'], { stdout: 'CHANGE: partition=1 start=2048 old: size=2048 new: size=8192\n' });
    h.runner.expect(['growpart', '/dev/vda', '1'], {}, { effect: (_a, o) => {
      assert.match(o.env?.TMPDIR ?? '', /^\/var\/tmp\/cloud-init\/.*\/growpart$/);
      w(h.rootDir, 'sys/devices/virtual/block/vda/vda1/size', '8192\n');
    } });
    await growpart.run(moduleContext(h, 'growpart', {}));
    assert.match(h.logText(), /'\/' resized: changed \(\/dev\/vda, 1\) from 1048576 to 4194304/);
    assert.equal(fs.statSync(join(h.rootDir, 'var/tmp/cloud-init')).mode & 0o7777, 0o1777);
    assert.deepEqual(fs.readdirSync(join(h.rootDir, 'var/tmp/cloud-init')), []);
  });
});

test('growpart: nothing to grow (dry run exit 1), not a partition, disabled, no resizer', async () => {
  await withDebianGuest(async (h) => {
    plantRootPartition(h);
    node(h, 'dev/vda');
    node(h, 'dev/vda1');
    w(h.rootDir, 'usr/bin/growpart', '#!/bin/sh\n', 0o755);
    h.runner.allow(['growpart', '--help'], { stdout: ' --update  R\n' });
    h.runner.expect(['growpart', '--dry-run', '/dev/vda', '1'], { code: 1, stdout: 'NOCHANGE: partition 1 is size 2048. it cannot be grown\n' });
    await growpart.run(moduleContext(h, 'growpart', { growpart: { mode: 'auto', devices: ['/', '/dev/vda', '/dev/missing'] } }));
    assert.match(h.logText(), /'\/' NOCHANGE: no change necessary \(\/dev\/vda, 1\)/);
    assert.match(h.logText(), /'\/dev\/vda' SKIPPED: device_part_info\(\/dev\/vda\) failed: \/dev\/vda had no syspath/);
    assert.match(h.logText(), /'\/dev\/missing' SKIPPED: stat of '\/dev\/missing' failed/);
    w(h.rootDir, 'etc/growroot-disabled', '');
    await growpart.run(moduleContext(h, 'growpart', {}));
    assert.match(h.logText(), /growpart disabled: \/etc\/growroot-disabled exists/);
    await growpart.run(moduleContext(h, 'growpart', { growpart: { mode: false } }));
    assert.match(h.logText(), /DEPRECATED: growpart mode 'False' is deprecated/);
  });
  await withDebianGuest(async (h) => {
    await growpart.run(moduleContext(h, 'growpart', {}));
    assert.match(h.logText(), /growpart unable to find resizer for 'auto': No resizers available/);
    await assert.rejects(growpart.run(moduleContext(h, 'growpart', { growpart: { mode: 'growpart' } })), /mode growpart not available/);
  });
});

test('resizefs: resize2fs on the root device; xfs_growfs on the mount point; noblock in the background', async () => {
  await withDebianGuest(async (h) => {
    plantRootPartition(h);
    node(h, 'dev/vda1');
    h.runner.expect(['resize2fs', '/dev/vda1']);
    await resizefs.run(moduleContext(h, 'resizefs', {}));
    assert.match(h.logText(), /Resized root filesystem \(type=ext4, val=True\)/);
  });
  await withDebianGuest(async (h) => {
    plantRootPartition(h, 'xfs');
    node(h, 'dev/vda1');
    h.runner.expect(['xfs_growfs', '/']);
    await resizefs.run(moduleContext(h, 'resizefs', { resize_rootfs: true }));
    const bg: string[][] = [];
    const ctx = moduleContext(h, 'resizefs', { resize_rootfs: 'noblock' });
    ctx.host.background = async (argv) => void bg.push(argv);
    await resizefs.run(ctx);
    assert.deepEqual(bg, [['xfs_growfs', '/']]);
    await resizefs.run(moduleContext(h, 'resizefs', { resize_rootfs: false }));
    assert.match(h.logText(), /Skipping module named resizefs, resizing disabled/);
  });
});

test('resizefs: an overlay root or a missing device is left alone with cloud-init\'s messages', async () => {
  await withDebianGuest(async (h) => {
    await resizefs.run(moduleContext(h, 'resizefs', {}));
    assert.match(h.logText(), /'overlay' doesn't appear to be a valid device path. Trying '\/dev\/overlay'/);
    assert.match(h.logText(), /WARNING\]: Device '\/dev\/overlay' did not exist. cannot resize: dev=overlay mnt_point=\/ path=\//);
  });
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'proc/1/environ', 'container=lxc\0PATH=/bin\0');
    await resizefs.run(moduleContext(h, 'resizefs', {}));
    assert.match(h.logText(), /DEBUG\]: Device '\/dev\/overlay' did not exist in container/);
  });
});
