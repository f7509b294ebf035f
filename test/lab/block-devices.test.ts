// Images attached as block devices: the real cloud-init finds a config drive (ISO 9660, label
// config-2) and a NoCloud seed (vfat, label cidata) on its own, with no metadata service reachable.
// This kernel has no iso9660/vfat driver: blkid sees the loop device, and mount(8) reaches the
// filesystem through the FUSE helpers (fuseiso, fusefat) that the lab plants with the device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { command } from './command.js';
import { withLab } from './lab.js';
import { writeStaticTree } from './static-metadata.js';
import { formatTimes } from './guest-boot.js';

const UUID = 'd7f7b1c4-3e0f-4a55-9a3f-2c1e8f1b6a10';

test('config drive (genisoimage, Nova flags) attached as a CD: DataSourceConfigDrive with no metadata service', { timeout: 180_000 }, async () => {
  await withLab({ name: 'cd', metadataAddress: false }, async (lab) => {
    const tree = join(lab.dir, 'cd-tree');
    writeStaticTree(tree, {
      uuid: UUID,
      hostname: 'from-config-drive',
      userData: '#cloud-config\nruncmd: [ [ sh, -c, "echo config-drive > /root/source" ] ]\n',
      networkData: { links: [], networks: [], services: [] },
    });
    const iso = join(lab.dir, 'config-drive.iso');
    await command(['genisoimage', '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'kindling lab', '-quiet', '-J', '-r', '-V', 'config-2', '-o', iso, tree]);
    const g = await lab.addGuest({ datasources: ['ConfigDrive'], blockDevices: [{ image: iso, alias: 'sr0' }], dmi: { product_uuid: UUID } });
    const dev = g.devices[0]!;
    // the lab's DHCP still answers: only the metadata service is out of reach
    // what the guest's own tools see
    const blkid = await g.exec(['blkid', '-c', '/dev/null', '-t', 'LABEL=config-2', '-o', 'device']);
    assert.equal(blkid.stdout.trim(), `/dev/${dev.guestNames[0]}`);
    assert.match((await g.exec(['blkid', '-c', '/dev/null', '/dev/sr0'])).stdout, /LABEL="config-2" TYPE="iso9660"/);

    const b = await g.boot();
    process.stderr.write(`${formatTimes(b)}\n`);
    assert.ok(b.ok, readFileSync(b.log, 'utf8').slice(-3000));
    const result = JSON.parse(g.readFile('/var/lib/cloud/data/result.json'));
    // cloud-init probes the optical drives (/dev/sr0) first
    assert.match(result.v1.datasource, /^DataSourceConfigDrive \[net,ver=2\]\[source=\/dev\/sr0\]/);
    assert.deepEqual(result.v1.errors, []);
    assert.equal(readFileSync(join(g.upperDir, 'etc/hostname'), 'utf8'), 'from-config-drive\n');
    assert.equal(readFileSync(join(g.upperDir, 'root/source'), 'utf8'), 'config-drive\n');
    const log = g.readFile('/var/log/cloud-init.log');
    assert.match(log, /Running command \['mount', '-o', 'ro', '-t', 'auto', '\/dev\/sr0', '\/run\/cloud-init\/tmp\/tmp\w+'\]/);
    // mounted through FUSE and unmounted again by cloud-init
    assert.doesNotMatch((await g.exec(['cat', '/proc/mounts'])).stdout, /fuse/);
  });
});

test('NoCloud seed (vfat, label cidata) attached as a disk: DataSourceNoCloud with no metadata service', { timeout: 180_000 }, async () => {
  await withLab({ name: 'nocloud', metadataAddress: false }, async (lab) => {
    const img = join(lab.dir, 'seed.img');
    const files = join(lab.dir, 'seed');
    mkdirSync(files);
    writeFileSync(join(files, 'meta-data'), `instance-id: ${UUID}\nlocal-hostname: from-nocloud\n`);
    writeFileSync(join(files, 'user-data'), '#cloud-config\nruncmd: [ [ sh, -c, "echo nocloud > /root/source" ] ]\n');
    await command(['truncate', '-s', '4M', img]);
    await command(['mkfs.vfat', '-n', 'cidata', img]);
    await command(['mcopy', '-i', img, join(files, 'meta-data'), join(files, 'user-data'), '::/']);
    const g = await lab.addGuest({ datasources: ['NoCloud'], blockDevices: [{ image: img, alias: 'vdb' }] });
    const b = await g.boot();
    process.stderr.write(`${formatTimes(b)}\n`);
    assert.ok(b.ok, readFileSync(b.log, 'utf8').slice(-3000));
    const result = JSON.parse(g.readFile('/var/lib/cloud/data/result.json'));
    assert.match(result.v1.datasource, new RegExp(`^DataSourceNoCloud \\[seed=/dev/${g.devices[0]!.guestNames[0]}\\]`));
    assert.deepEqual(result.v1.errors, []);
    assert.equal(readFileSync(join(g.upperDir, 'etc/hostname'), 'utf8'), 'from-nocloud\n');
    assert.equal(readFileSync(join(g.upperDir, 'root/source'), 'utf8'), 'nocloud\n');
  });
});
