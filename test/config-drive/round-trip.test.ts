// Round trip: registry record → the wire tree → ISO / vfat image → mounted through FUSE → read by the
// shared OpenStack tree reader (src/wire/openstack/read-tree.ts, the one the agent uses for the HTTP
// service and for a mounted drive) → the same facts as the record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { driveImage, type DriveFormat } from '../../src/server/config-drive/build.js';
import { writeImageFile } from '../../src/server/config-drive/write-image.js';
import { seedInstance } from '../../src/wire/instance.fixture.js';
import { chooseVersion, readOpenStackTree } from '../../src/wire/openstack/read-tree.js';
import { scratch, withFuse } from '../support/image-tools.js';

const instance = seedInstance({
  admin_pass: 'S3cret!',
  meta: { role: 'db', 'long.key.with.dots': 'v' },
  files: [{ path: '/etc/motd', content: new TextEncoder().encode('welcome\n') }, { path: '/opt/blob', content: Uint8Array.from([0, 255, 10, 13]) }],
  vendor_data: { 'cloud-init': '#cloud-config\nbootcmd: [true]\n' },
  user_data: Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), // binary (a gzip header): bytes, not text
});

for (const [format, driver] of [['iso', 'fuseiso'], ['vfat', 'fusefat']] as const) {
  test(`record → ${format} → ${driver} → the shared tree reader gives the record back`, async () => {
    const work = await scratch();
    try {
      const file = join(work, `drive.${format}`);
      await writeImageFile(driveImage(instance, format as DriveFormat, {
        dhcpDomain: 'example.org', vendorData: {}, clock: new Date('2025-02-03T04:05:06Z'), publisher: 'Kindling test',
        nocloudNetworkConfig: () => { throw new Error('not a NoCloud seed'); },
      }), file);
      await withFuse(driver, file, async (mnt) => {
        const read = async (p: string) => {
          try {
            return new Uint8Array(await readFile(join(mnt, p)));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
            throw e;
          }
        };
        const versions = await readdir(join(mnt, 'openstack'));
        const version = chooseVersion(versions);
        assert.equal(version, '2018-08-27', 'the newest version cloud-init 22.4 knows');
        const tree = await readOpenStackTree(read, version);
        const md = tree.metadata;
        assert.equal(md.uuid, instance.uuid);
        assert.equal(md.hostname, 'rhel.example.org');
        assert.equal(md.admin_pass, 'S3cret!');
        assert.deepEqual(md.meta, instance.meta);
        assert.deepEqual(md.public_keys, { 'lab-keys': instance.keys[0]!.data });
        assert.equal((md.random_seed as Uint8Array).length, 512);
        assert.deepEqual(tree.userdata, instance.user_data);
        assert.deepEqual(tree.files, { '/etc/motd': instance.files[0]!.content, '/opt/blob': instance.files[1]!.content });
        assert.deepEqual(tree.vendordata, instance.vendor_data);
        assert.deepEqual(tree.networkdata, instance.network);
        // latest reads the same way, and the EC2 side carries the same identity
        assert.equal((await readOpenStackTree(read, 'latest')).metadata.uuid, instance.uuid);
        const ec2 = JSON.parse(new TextDecoder().decode((await read('ec2/latest/meta-data.json'))!));
        assert.equal(ec2.hostname, 'rhel.example.org');
        assert.deepEqual(await read('ec2/latest/user-data'), instance.user_data);
        assert.equal(await read('openstack/latest/password'), undefined, 'no password file on a drive');
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}
