import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { createStageTestHost, type StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, w } from '../testing/guest-fixture.js';
import { moduleContext, testDatasource } from '../testing/module-context.js';
import { mounts } from './mounts.js';
import { human2bytes, suggestedSwapsize } from './swap-file.js';

const OPTS = 'defaults,nobootwait,comment=cloudconfig';

async function withHost(fn: (h: StageTestHost) => Promise<void>): Promise<void> {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    w(h.rootDir, 'etc/fstab', '# UNCONFIGURED FSTAB\n/dev/vda1\t/\text4\tdefaults\t0\t1\n');
    w(h.rootDir, 'proc/mounts', '/dev/vda1 / ext4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n');
    await fn(h);
    h.runner.verify();
  } finally {
    h.cleanup();
  }
}
const read = (h: StageTestHost, p: string) => fs.readFileSync(join(h.rootDir, p), 'utf8');
/** A block device as mounts sees one: the /dev node and its /sys/block entry (with partitions). */
function plantDisk(h: StageTestHost, name: string, parts: number[] = []): void {
  w(h.rootDir, `dev/${name}`, '');
  fs.mkdirSync(join(h.rootDir, `sys/block/${name}`), { recursive: true });
  for (const p of parts) {
    w(h.rootDir, `dev/${name}${p}`, '');
    fs.mkdirSync(join(h.rootDir, `sys/block/${name}/${name}${p}`), { recursive: true });
  }
}

test('mounts: the ephemeral0 label found by blkid mounts on /mnt; swap by type; activation commands', async () => {
  await withHost(async (h) => {
    plantDisk(h, 'vdb');
    plantDisk(h, 'vdc');
    h.runner.expect(['blkid', '-tLABEL=ephemeral0', '-odevice'], { stdout: '/dev/vdb\n' });
    h.runner.expect(['blkid', '-tTYPE=swap', '-odevice'], { stdout: '/dev/vdc\n' });
    h.runner.expect(['swapon', '-a']);
    h.runner.expect(['mount', '-a']);
    await mounts.run(moduleContext(h, 'mounts', {}, { ds: testDatasource('OpenStack', {}, { ec2_metadata: { 'block-device-mapping': { ami: 'vda', root: '/dev/vda' } } }) }));
    assert.equal(read(h, 'etc/fstab'), `# UNCONFIGURED FSTAB\n/dev/vda1\t/\text4\tdefaults\t0\t1\n/dev/vdb\t/mnt\tauto\t${OPTS}\t0\t2\n/dev/vdc\tnone\tswap\tsw,comment=cloudconfig\t0\t0\n`);
    assert.ok(fs.statSync(join(h.rootDir, 'mnt')).isDirectory());
    assert.match(h.logText(), /Changes to fstab: \['\+ \/dev\/vdb \/mnt auto defaults,nobootwait,comment=cloudconfig 0 2', '\+ \/dev\/vdc none swap sw,comment=cloudconfig 0 0'\]/);
  });
});

test('mounts: configured entries (names, partitions, aliases, network), defaults filled, old cloudconfig lines replaced; systemd options', async () => {
  await withHost(async (h) => {
    fs.mkdirSync(join(h.rootDir, 'run/systemd/system'), { recursive: true });
    plantDisk(h, 'xvdb', [1, 2]);
    plantDisk(h, 'sdc');
    fs.appendFileSync(join(h.rootDir, 'etc/fstab'), '/dev/old\t/old\tauto\tdefaults,comment=cloudconfig\t0\t2\n');
    h.runner.expect(['mount', '-a']);
    h.runner.expect(['systemctl', 'daemon-reload']);
    const cfg = {
      mounts: [['xvdb', '/data', 'ext4', null, 0], ['fast', '/fast'], ['nfs.example:/export', '/nfs', 'nfs', 'ro'], ['sdz', '/nowhere'], 'not-a-list'],
      device_aliases: { fast: '/dev/sdc' },
      mount_default_fields: [null, null, 'auto', 'defaults,nofail', '0', '2'],
    };
    await mounts.run(moduleContext(h, 'mounts', cfg));
    assert.equal(
      read(h, 'etc/fstab'),
      '# UNCONFIGURED FSTAB\n/dev/vda1\t/\text4\tdefaults\t0\t1\n' +
        '/dev/xvdb1\t/data\text4\tdefaults,nofail,comment=cloudconfig\t0\t2\n' +
        '/dev/sdc\t/fast\tauto\tdefaults,nofail,comment=cloudconfig\t0\t2\n' +
        'nfs.example:/export\t/nfs\tnfs\tro,comment=cloudconfig\t0\t2\n' +
        // cloud-init 22.4 keeps an entry whose device it cannot find, under its name as written
        'sdz\t/nowhere\tauto\tdefaults,nofail,comment=cloudconfig\t0\t2\n',
    );
    assert.match(h.logText(), /Mount option 5 not a list, got a str instead/);
    assert.match(h.logText(), /Mapped device alias fast to \/dev\/sdc/);
    assert.match(h.logText(), /'- \/dev\/old \/old auto defaults,comment=cloudconfig 0 2'/);
  });
});

test('mounts: a null mount point removes a default; already in fstab is left alone; nothing to do is said', async () => {
  await withHost(async (h) => {
    plantDisk(h, 'vdb');
    h.runner.expect(['blkid', '-tLABEL=ephemeral0', '-odevice'], { stdout: '/dev/vdb\n' }, { times: 2 });
    h.runner.expect(['blkid', '-tTYPE=swap', '-odevice'], { code: 2 });
    await mounts.run(moduleContext(h, 'mounts', { mounts: [['ephemeral0', null]] }, { ds: testDatasource('OpenStack') }));
    assert.match(h.logText(), /Skipping nonexistent device named \/dev\/vdb/);
    assert.match(h.logText(), /No modifications to fstab needed/);
    assert.equal(read(h, 'etc/fstab'), '# UNCONFIGURED FSTAB\n/dev/vda1\t/\text4\tdefaults\t0\t1\n');
  });
  await withHost(async (h) => {
    plantDisk(h, 'vdb');
    fs.appendFileSync(join(h.rootDir, 'etc/fstab'), '/dev/vdb /srv xfs defaults 0 0\n');
    await mounts.run(moduleContext(h, 'mounts', {}, { ds: testDatasource('Ec2', { 'block-device-mapping': { ephemeral0: 'sdb' } }) }));
    assert.match(h.logText(), /Device \/dev\/vdb already defined in fstab/);
    assert.match(h.logText(), /Unable to convert swap to a device/);
    assert.match(h.logText(), /No modifications to fstab needed/);
  });
});

test('mounts: a swap file is created (fallocate, 0600, mkswap) and listed; in use it is kept', async () => {
  await withHost(async (h) => {
    w(h.rootDir, 'proc/swaps', 'Filename\tType\tSize\tUsed\tPriority\n');
    h.runner.expect(['fallocate', '-l', '16M', '/swapfile'], {}, { effect: () => w(h.rootDir, 'swapfile', 'x', 0o644) });
    h.runner.expect(['mkswap', '/swapfile']);
    h.runner.expect(['swapon', '-a']);
    h.runner.expect(['mount', '-a']);
    await mounts.run(moduleContext(h, 'mounts', { swap: { filename: '/swapfile', size: '16M' } }));
    assert.equal(fs.statSync(join(h.rootDir, 'swapfile')).mode & 0o777, 0o600);
    assert.match(read(h, 'etc/fstab'), /\n\/swapfile\tnone\tswap\tsw,comment=cloudconfig\t0\t0\n$/);
  });
  await withHost(async (h) => {
    w(h.rootDir, 'swapfile', 'x', 0o600);
    w(h.rootDir, 'proc/swaps', 'Filename\tType\n/swapfile file 16380 0 -2\n');
    h.runner.expect(['swapon', '-a']);
    h.runner.expect(['mount', '-a']);
    await mounts.run(moduleContext(h, 'mounts', { swap: { filename: '/swapfile', size: 'auto' } }));
    assert.match(h.logText(), /swap file \/swapfile already in use/);
  });
  await withHost(async (h) => {
    h.runner.expect(['fallocate', '-l', '1M', '/s'], { code: 1 });
    h.runner.expect(['dd', 'if=/dev/zero', 'of=/s', 'bs=1M', 'count=1'], { code: 1, stderr: 'dd: no space\n' });
    await mounts.run(moduleContext(h, 'mounts', { swap: { filename: '/s', size: 1048576 } }));
    assert.match(h.logText(), /failed to setup swap: Unexpected error while running command/);
    assert.match(h.logText(), /No modifications to fstab needed/);
  });
});

test('swap sizes: human2bytes and the auto suggestion', () => {
  assert.equal(human2bytes('10M'), 10485760);
  assert.equal(human2bytes('.5G'), 536870912);
  assert.equal(human2bytes('2GB'), 2 * 2 ** 30);
  assert.throws(() => human2bytes('lots'), /'lots' is not valid input/);
  assert.throws(() => human2bytes('-1M'), /cannot be negative/);
  const GB = 2 ** 30;
  assert.equal(suggestedSwapsize(2 * GB, undefined, 100 * GB), 2 * GB);
  assert.equal(suggestedSwapsize(8 * GB, undefined, 100 * GB), 4 * GB);
  assert.equal(suggestedSwapsize(64 * GB, undefined, 1000 * GB), 8 * GB);
  assert.equal(suggestedSwapsize(8 * GB, undefined, 4 * GB), 1 * GB);
  assert.equal(suggestedSwapsize(8 * GB, 16 * GB, 4 * GB), Math.trunc(4 * GB * 0.9));
});
