// kindling-init's NoCloud and ConfigDrive datasources on a scratch root: seed directories, the
// kernel command line and DMI serial, seedfrom (file and HTTP), and block devices holding real
// images — made by the project's own builder (src/server/config-drive) and by genisoimage,
// xorriso and mkfs.fat + mcopy — found by label through /proc/partitions and read in user space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestHost, type TestHost } from '../../src/agent/host/test-host.js';
import { Dmi } from '../../src/agent/datasources/dmi.js';
import type { BootStage, Datasource, DatasourceContext, DatasourceData } from '../../src/agent/datasources/types.js';
import { noCloud, loadCmdlineData } from '../../src/agent/datasources/nocloud.js';
import { configDrive } from '../../src/agent/datasources/config-drive.js';
import { forgetScans } from '../../src/agent/datasources/block-devices.js';
import { driveImage, type DriveFormat } from '../../src/server/config-drive/build.js';
import { seedInstance } from '../../src/wire/instance.fixture.js';
import { run, scratch } from '../support/image-tools.js';

function ctx(h: TestHost, o: { stage?: BootStage; cmdline?: string; dsCfg?: Record<string, unknown> } = {}): DatasourceContext {
  return {
    host: h,
    cfg: {},
    dsCfg: o.dsCfg ?? {},
    distro: {} as never,
    paths: {} as never,
    dmi: new Dmi(h),
    cmdline: o.cmdline ?? 'root=/dev/vda1 ro',
    stage: o.stage ?? 'local',
    withEphemeralNetwork: (fn) => fn(),
  };
}

async function plant(h: TestHost, path: string, data: string | Uint8Array): Promise<void> {
  await h.fs.writeFile(path, data);
}

/** A block device in the scratch root: the image as /dev/<name>, listed in /proc/partitions. */
async function plantDevice(h: TestHost, name: string, image: Uint8Array, partition = false): Promise<void> {
  await plant(h, `/dev/${name}`, image);
  const cur = (await h.fs.readTextIfExists('/proc/partitions')) ?? 'major minor  #blocks  name\n\n';
  await plant(h, '/proc/partitions', `${cur}   7        ${cur.split('\n').length}     ${Math.ceil(image.byteLength / 1024)} ${name}\n`);
  if (partition) await plant(h, `/sys/class/block/${name}/partition`, '1\n');
  forgetScans(h);
}

async function found(ds: Datasource, c: DatasourceContext): Promise<DatasourceData> {
  assert.ok(await ds.detect(c), 'detected');
  const d = await ds.fetch(c);
  assert.ok(d, `found; log:\n${(c.host as TestHost).logger.text()}`);
  return d;
}

const ud = (d: DatasourceData) => Buffer.from(d.userdataRaw ?? '', 'base64').toString('utf8');

async function withHost(fn: (h: TestHost) => Promise<void>): Promise<void> {
  const h = createTestHost();
  try {
    await fn(h);
  } finally {
    h.cleanup();
  }
}

const instance = seedInstance({
  files: [{ path: '/etc/motd', content: new TextEncoder().encode('welcome\n') }],
  vendor_data: { 'cloud-init': '#cloud-config\nbootcmd: [true]\n' },
});

async function builderImage(format: DriveFormat): Promise<Uint8Array> {
  const img = driveImage(instance, format, {
    dhcpDomain: 'example.org',
    clock: new Date('2025-02-03T04:05:06Z'),
    publisher: 'Kindling test',
    nocloudNetworkConfig: () => 'version: 1\nconfig:\n- type: physical\n  name: eth0\n  mac_address: fa:16:3e:d8:bb:81\n  subnets:\n  - type: dhcp\n',
  });
  const parts: Uint8Array[] = [];
  for await (const c of img.chunks()) parts.push(Uint8Array.from(c));
  return Buffer.concat(parts);
}

/** An image made by a real tool from files: genisoimage, xorriso or mkfs.fat + mcopy. */
async function toolImage(tool: 'genisoimage' | 'xorriso' | 'mkfs.fat', label: string, files: Record<string, string>): Promise<Uint8Array> {
  const work = await scratch();
  try {
    const src = join(work, 'src');
    for (const [p, data] of Object.entries(files)) {
      await mkdir(join(src, p, '..'), { recursive: true });
      await writeFile(join(src, p), data);
    }
    const out = join(work, 'image');
    if (tool === 'genisoimage') await run('genisoimage', ['-quiet', '-output', out, '-volid', label, '-joliet', '-rock', src]);
    else if (tool === 'xorriso') await run('xorriso', ['-as', 'mkisofs', '-quiet', '-o', out, '-V', label, '-J', '-R', src]);
    else {
      await run('mkfs.fat', ['-C', '-n', label, out, '2048']);
      for (const top of new Set(Object.keys(files).map((p) => p.split('/')[0] as string))) await run('mcopy', ['-s', '-i', out, join(src, top), '::']);
    }
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---- NoCloud ----

test('NoCloud: the seed directory, with network-config v2 and vendor-data', () =>
  withHost(async (h) => {
    await plant(h, '/var/lib/cloud/seed/nocloud/meta-data', 'instance-id: iid-local01\nlocal-hostname: cloudimg\npublic-keys: [ssh-rsa AAA k1]\n');
    await plant(h, '/var/lib/cloud/seed/nocloud/user-data', '#cloud-config\nruncmd: [true]\n');
    await plant(h, '/var/lib/cloud/seed/nocloud/vendor-data', '#cloud-config\nbootcmd: [true]\n');
    await plant(h, '/var/lib/cloud/seed/nocloud/network-config', 'network:\n  version: 2\n  ethernets:\n    eth0: {dhcp4: true}\n');
    const d = await found(noCloud, ctx(h));
    assert.equal(d.className, 'DataSourceNoCloud');
    assert.equal(d.description, 'DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud][dsmode=net]');
    assert.equal(d.dsmode, 'net');
    assert.equal(d.platform, 'nocloud');
    assert.equal(d.subplatform, 'seed-dir (/var/lib/cloud/seed/nocloud)');
    assert.equal(d.cloudName, 'unknown');
    assert.equal(d.metadata['instance-id'], 'iid-local01');
    assert.equal(d.metadata['local-hostname'], 'cloudimg');
    assert.deepEqual(d.publicKeys, ['ssh-rsa AAA k1']);
    assert.equal(ud(d), '#cloud-config\nruncmd: [true]\n');
    assert.equal(d.vendordataRaw, '#cloud-config\nbootcmd: [true]\n');
    assert.equal(d.networkConfig?.format, 'v2');
    assert.deepEqual(d.crawled, { meta_data: d.metadata });
    // the local check of a cached instance re-reads the seed
    assert.equal(await noCloud.checkInstanceId!(ctx(h), d), true);
    await plant(h, '/var/lib/cloud/seed/nocloud/meta-data', 'instance-id: iid-local02\n');
    assert.equal(await noCloud.checkInstanceId!(ctx(h), d), false);
    // the network stage's class
    assert.equal((await noCloud.fetch(ctx(h, { stage: 'network' })))?.description, 'DataSourceNoCloudNet [seed=/var/lib/cloud/seed/nocloud][dsmode=net]');
  }));

test('NoCloud: nothing there, or a seed directory without user-data, is not detected', () =>
  withHost(async (h) => {
    assert.equal(await noCloud.detect(ctx(h)), false);
    assert.equal(await noCloud.fetch(ctx(h)), undefined);
    await plant(h, '/var/lib/cloud/seed/nocloud-net/meta-data', 'instance-id: x\n');
    assert.equal(await noCloud.detect(ctx(h)), false);
    assert.equal(await noCloud.fetch(ctx(h)), undefined);
    // a cidata label on an ext4 device (not vfat/iso9660) does not count either
    const ext = new Uint8Array(4096);
    ext[1024 + 56] = 0x53;
    ext[1024 + 57] = 0xef;
    ext.set(new TextEncoder().encode('cidata'), 1024 + 120);
    await plantDevice(h, 'vdb', ext);
    assert.equal(await noCloud.detect(ctx(h)), false);
  }));

test('NoCloud: the kernel command line (ds=nocloud;s=file://...;h=;i=) beats the seed it names; dsmode local', () =>
  withHost(async (h) => {
    await plant(h, '/srv/seed/meta-data', 'instance-id: iid-seed\nlocal-hostname: seeded\n');
    await plant(h, '/srv/seed/user-data', '#!/bin/sh\necho hi\n');
    const c = ctx(h, { cmdline: 'root=/dev/vda1 ds=nocloud;s=file:///srv/seed/;h=myhost;i=iid-cmd quiet' });
    const d = await found(noCloud, c);
    assert.equal(d.metadata['instance-id'], 'iid-cmd');
    assert.equal(d.metadata['local-hostname'], 'myhost');
    assert.equal(d.dsmode, 'local');
    assert.equal(d.description, 'DataSourceNoCloud [seed=cmdline,file:///srv/seed/][dsmode=local]');
    assert.equal(ud(d), '#!/bin/sh\necho hi\n');
    assert.equal(await noCloud.checkInstanceId!(c, d), true);
    // parse details: keys without values, empty items, the last matching token wins
    const fill: Record<string, unknown> = {};
    assert.equal(loadCmdlineData(fill, 'ds=nocloud;;x;dsmode=net ds=nocloud;i=two'), true);
    assert.deepEqual(fill, { 'instance-id': 'two', dsmode: 'local' });
    assert.equal(loadCmdlineData({}, 'ds=nocloudx'), false);
    assert.equal(loadCmdlineData({}, 'xds=nocloud'), false);
  }));

test('NoCloud: an http seed is for the network stage; fetched with bounded retries; vendor-data optional', () =>
  withHost(async (h) => {
    const line = 'ds=nocloud-net;s=http://10.0.0.1/seed/';
    // local stage: not supported there
    assert.equal(await noCloud.fetch(ctx(h, { cmdline: line })), undefined);
    assert.match(h.logger.text(), /Seed from http:\/\/10\.0\.0\.1\/seed\/ not supported by DataSourceNoCloud/);
    h.fakeHttp.route('http://10.0.0.1/seed/meta-data', { body: 'instance-id: iid-http\n' });
    h.fakeHttp.route('http://10.0.0.1/seed/user-data', { body: '#cloud-config\n{}\n' });
    const d = await found(noCloud, ctx(h, { cmdline: line, stage: 'network' }));
    assert.equal(d.description, 'DataSourceNoCloudNet [seed=cmdline,http://10.0.0.1/seed/][dsmode=net]');
    assert.equal(d.metadata['instance-id'], 'iid-http');
    assert.equal(d.vendordataRaw, undefined);
    assert.equal(h.fakeHttp.urls().filter((u) => u.endsWith('vendor-data')).length, 1, 'a 404 is final');
    // the service down: a clear failure after the bounded retries
    const h2 = createTestHost();
    try {
      h2.fakeHttp.fallback = new Error('connect ECONNREFUSED');
      await assert.rejects(noCloud.fetch(ctx(h2, { cmdline: line, stage: 'network', dsCfg: { retries: 2 } })), /ECONNREFUSED/);
      assert.equal(h2.fakeHttp.requests.length, 3);
    } finally {
      h2.cleanup();
    }
  }));

test('NoCloud: DMI serial line, datasource config seedfrom and inline data; dsmode disabled refuses', () =>
  withHost(async (h) => {
    await plant(h, '/sys/class/dmi/id/product_serial', 'ds=nocloud;i=iid-dmi;h=dmihost\n');
    await plant(h, '/seed2/meta-data', 'instance-id: iid-file\ndsmode: local\n');
    await plant(h, '/seed2/user-data', 'ud2');
    const d = await found(noCloud, ctx(h, { dsCfg: { seedfrom: '/seed2/' } }));
    assert.equal(d.metadata['instance-id'], 'iid-dmi');
    assert.equal(d.metadata['local-hostname'], 'dmihost');
    assert.equal(d.description, 'DataSourceNoCloud [seed=dmi,ds_config_seedfrom,/seed2/][dsmode=local]');
    assert.equal(ud(d), 'ud2');
    await withHost(async (h2) => {
      const d2 = await found(noCloud, ctx(h2, { dsCfg: { 'meta-data': { 'instance-id': 'inline' }, 'user-data': 'inline-ud' } }));
      assert.equal(d2.description, 'DataSourceNoCloud [seed=ds_config][dsmode=net]');
      assert.equal(ud(d2), 'inline-ud');
      const off = await noCloud.fetch(ctx(h2, { dsCfg: { 'meta-data': { 'instance-id': 'inline', dsmode: 'disabled' }, 'user-data': '' } }));
      assert.equal(off, undefined);
    });
  }));

for (const [what, make] of [
  ['the project builder (ISO 9660)', () => builderImage('nocloud')],
  ['the project builder (vfat)', () => builderImage('nocloud-vfat')],
  ['genisoimage -volid cidata -joliet -rock', () => toolImage('genisoimage', 'cidata', { 'meta-data': 'instance-id: 380cc09f-25ce-4a4e-aa88-bba53234d92e\nlocal-hostname: rhel\n', 'user-data': '#cloud-config\n', 'network-config': 'version: 1\nconfig: []\n' })],
  ['mkfs.fat -n CIDATA + mcopy', () => toolImage('mkfs.fat', 'CIDATA', { 'meta-data': 'instance-id: 380cc09f-25ce-4a4e-aa88-bba53234d92e\nlocal-hostname: rhel\n', 'user-data': '#cloud-config\n', 'network-config': 'version: 1\nconfig: []\n' })],
] as const) {
  test(`NoCloud: a cidata filesystem made by ${what}, found by label and read in user space`, () =>
    withHost(async (h) => {
      const image = await make();
      await plantDevice(h, 'vda', new Uint8Array(8192)); // the root disk: no filesystem we know
      await plantDevice(h, 'sr0', image);
      const d = await found(noCloud, ctx(h));
      assert.equal(d.description, 'DataSourceNoCloud [seed=/dev/sr0][dsmode=net]');
      assert.equal(d.subplatform, 'config-disk (/dev/sr0)');
      assert.equal(d.metadata['instance-id'], '380cc09f-25ce-4a4e-aa88-bba53234d92e');
      assert.equal(d.metadata['local-hostname'], 'rhel' + (what.startsWith('the project') ? '.example.org' : ''));
      assert.equal(d.networkConfig?.format, 'v1');
      if (what.startsWith('the project')) {
        assert.equal(ud(d), Buffer.from(instance.user_data!).toString('utf8'));
        assert.equal(d.vendordataRaw, '#cloud-config\nbootcmd: [true]\n');
      }
      assert.equal(h.runner.calls.length, 0, 'no mount, no blkid');
      // no cached-instance shortcut for a device seed: it is read again at the next boot
      assert.equal(await noCloud.checkInstanceId!(ctx(h), d), false);
    }));
}

test('NoCloud: labels as cloud-init matches them (cidata, CIDATA, fs_label), invalid seeds skipped', () =>
  withHost(async (h) => {
    const files = { 'meta-data': 'instance-id: a\n', 'user-data': '' };
    await plantDevice(h, 'vdb', await toolImage('genisoimage', 'Cidata', files));
    assert.equal(await noCloud.detect(ctx(h)), false, 'mixed case is neither LABEL=CIDATA nor LABEL=cidata');
    await plantDevice(h, 'vdc', await toolImage('genisoimage', 'myseed', files));
    assert.equal((await found(noCloud, ctx(h, { dsCfg: { fs_label: 'MYSEED' } }))).description, 'DataSourceNoCloud [seed=/dev/vdc][dsmode=net]');
    assert.equal(await noCloud.detect(ctx(h, { dsCfg: { fs_label: null } })), false);
    // the newest-named device first; one without user-data is passed over with a warning
    await plantDevice(h, 'vdd', await toolImage('genisoimage', 'cidata', files));
    await plantDevice(h, 'vde', await toolImage('genisoimage', 'cidata', { 'meta-data': 'instance-id: b\n' }));
    const d = await found(noCloud, ctx(h));
    assert.equal(d.description, 'DataSourceNoCloud [seed=/dev/vdd][dsmode=net]');
    assert.match(h.logger.text(), /device \/dev\/vde with label=cidata not a valid seed\./);
  }));

// ---- ConfigDrive ----

for (const format of ['iso', 'vfat'] as const) {
  test(`ConfigDrive: a ${format} drive made by the project builder`, () =>
    withHost(async (h) => {
      await plantDevice(h, 'vda', new Uint8Array(8192));
      await plantDevice(h, 'vdb', await builderImage(format));
      const d = await found(configDrive, ctx(h));
      assert.equal(d.className, 'DataSourceConfigDrive');
      assert.equal(d.description, 'DataSourceConfigDrive [net,ver=2][source=/dev/vdb]');
      assert.equal(d.platform, 'openstack');
      assert.equal(d.subplatform, 'config-disk (/dev/vdb)');
      assert.equal(d.cloudName, 'configdrive');
      assert.equal(d.metadata['instance-id'], instance.uuid);
      assert.equal(d.metadata['local-hostname'], 'rhel.example.org');
      assert.match(String(d.metadata.random_seed), /^ci-b64:/);
      assert.equal(d.publicKeys.length, 1);
      assert.equal(ud(d), Buffer.from(instance.user_data!).toString('utf8'));
      assert.equal(d.vendordataRaw, '#cloud-config\nbootcmd: [true]\n');
      assert.equal(d.networkConfig?.format, 'openstack');
      assert.ok(d.crawled.ec2_metadata && typeof d.crawled.ec2_metadata === 'object');
      // files[] written on a new instance, 0660
      assert.equal(await h.fs.readText('/etc/motd'), 'welcome\n');
      assert.equal((await h.fs.stat('/etc/motd'))?.mode, 0o660);
      // not again for the same instance
      await h.fs.writeFile('/var/lib/cloud/data/instance-id', `${instance.uuid}\n`);
      await h.fs.writeFile('/etc/motd', 'changed\n');
      await configDrive.fetch(ctx(h));
      assert.equal(await h.fs.readText('/etc/motd'), 'changed\n');
      // the local check: DMI system-uuid
      assert.equal(await configDrive.checkInstanceId!(ctx(h), d), false);
      await plant(h, '/sys/class/dmi/id/product_uuid', `${instance.uuid.toUpperCase()}\n`);
      assert.equal(await configDrive.checkInstanceId!(ctx(h), d), true);
      assert.equal(h.runner.calls.length, 0, 'no mount, no blkid');
    }));
}

test('ConfigDrive: only latest (xorriso), CONFIG-2 label, the seed directory, dsmode and broken drives', () =>
  withHost(async (h) => {
    const md = (extra = '') => `{"uuid": "u-1", "hostname": "h1"${extra}}`;
    await plantDevice(h, 'sr0', await toolImage('xorriso', 'CONFIG-2', { 'openstack/latest/meta_data.json': md(), 'openstack/latest/user_data': 'UD' }));
    let d = await found(configDrive, ctx(h));
    assert.equal(d.description, 'DataSourceConfigDrive [net,ver=2][source=/dev/sr0]');
    assert.equal(ud(d), 'UD');
    assert.equal(d.crawled.network_json, null);
    // meta.dsmode
    await plantDevice(h, 'sr1', await toolImage('genisoimage', 'config-2', { 'openstack/2012-08-10/meta_data.json': md(', "meta": {"dsmode": "local"}'), 'openstack/latest/meta_data.json': md(', "meta": {"dsmode": "disabled"}') }));
    d = await found(configDrive, ctx(h));
    assert.equal(d.description, 'DataSourceConfigDrive [local,ver=2][source=/dev/sr1]', 'the newest known version, not latest');
    // the seed directory comes first
    await plant(h, '/var/lib/cloud/seed/config_drive/openstack/2015-10-15/meta_data.json', md());
    d = await found(configDrive, ctx(h));
    assert.equal(d.description, 'DataSourceConfigDrive [net,ver=2][source=/var/lib/cloud/seed/config_drive]');
    assert.equal(d.subplatform, 'seed-dir (/var/lib/cloud/seed/config_drive)');
  }));

test('ConfigDrive: candidates (labelled first, unlabelled unpartitioned vfat/iso9660 after), broken and disabled drives', () =>
  withHost(async (h) => {
    // an unlabelled vfat partition is not a candidate; an unlabelled whole disk is, but holds no drive
    await plantDevice(h, 'vdc1', await toolImage('mkfs.fat', 'DATA', { 'openstack/latest/meta_data.json': '{"uuid": "p"}' }), true);
    await plantDevice(h, 'vdd', await toolImage('mkfs.fat', 'DATA', { 'x.txt': 'x' }));
    assert.equal(await configDrive.detect(ctx(h)), false);
    assert.equal(await configDrive.fetch(ctx(h)), undefined);
    assert.match(h.logger.text(), /devices=\["\/dev\/vdd"\]/);
    // a broken drive is logged and passed over; dsmode disabled is not claimed
    await plantDevice(h, 'vde', await toolImage('genisoimage', 'config-2', { 'openstack/latest/meta_data.json': '{"uuid": ' }));
    assert.equal(await configDrive.fetch(ctx(h)), undefined);
    assert.match(h.logger.text(), /Broken config drive: \/dev\/vde/);
    await plantDevice(h, 'vdf', await toolImage('genisoimage', 'config-2', { 'openstack/latest/meta_data.json': '{"uuid": "u", "meta": {"dsmode": "disabled"}}' }));
    assert.equal(await configDrive.fetch(ctx(h)), undefined);
    // v1: meta.js
    await plantDevice(h, 'vdg', await toolImage('mkfs.fat', 'config-2', { 'meta.js': '{"instance-id": "v1-iid", "user-data": "UD1", "public-keys": "ssh-rsa K\\n# c\\n"}' }));
    const d = await found(configDrive, ctx(h));
    assert.equal(d.description, 'DataSourceConfigDrive [net,ver=1][source=/dev/vdg]');
    assert.equal(d.metadata['instance-id'], 'v1-iid');
    assert.deepEqual(d.publicKeys, ['ssh-rsa K']);
    assert.equal(ud(d), 'UD1');
  }));

test('ConfigDrive: another filesystem labelled config-2 is mounted read-only in a private directory, then unmounted', () =>
  withHost(async (h) => {
    const ext = new Uint8Array(4096);
    ext[1024 + 56] = 0x53;
    ext[1024 + 57] = 0xef;
    ext.set(new TextEncoder().encode('config-2'), 1024 + 120);
    await plantDevice(h, 'vdb', ext);
    let mnt = '';
    h.runner.expect((a) => a[0] === 'mount' && a[1] === '-o' && a[2] === 'ro' && a[3] === '/dev/vdb', { code: 0 }, {
      effect: async (a) => {
        mnt = a[4]!;
        await h.fs.writeFile(`${mnt}/openstack/latest/meta_data.json`, '{"uuid": "ext-iid"}');
      },
    });
    h.runner.expect((a) => a[0] === 'umount' && a[1] === mnt, { code: 0 }, {
      effect: async () => {
        await h.fs.remove(`${mnt}/openstack`, { recursive: true });
      },
    });
    const d = await found(configDrive, ctx(h));
    assert.equal(d.metadata['instance-id'], 'ext-iid');
    assert.match(mnt, /^\/run\/cloud-init\/tmp\/kindling-mnt-[0-9a-f]{12}$/);
    assert.equal((await h.fs.stat('/run/cloud-init/tmp'))?.mode, 0o700);
    assert.equal(await h.fs.exists(mnt), false, 'the mount point is removed after umount');
    h.runner.verify();
  }));

test('NoCloud: bad network-config YAML is logged and dropped; ENI in meta-data; cloud-name; lxd; a bare s key', () =>
  withHost(async (h) => {
    await plant(h, '/var/lib/cloud/seed/nocloud/meta-data', 'instance-id: i1\ncloud-name: MyCloud\nnetwork-interfaces: |\n  auto eth0\n  iface eth0 inet dhcp\n');
    await plant(h, '/var/lib/cloud/seed/nocloud/user-data', '');
    await plant(h, '/var/lib/cloud/seed/nocloud/network-config', 'version: [unclosed\n');
    let d = await found(noCloud, ctx(h));
    assert.match(h.logger.text(), /Failed loading yaml blob/);
    assert.deepEqual(d.networkConfig, { format: 'eni', config: 'auto eth0\niface eth0 inet dhcp\n' });
    assert.equal(d.cloudName, 'mycloud');
    assert.equal(d.platform, 'nocloud');
    await plant(h, '/dev/lxd/sock', '');
    d = await found(noCloud, ctx(h));
    assert.equal(d.platform, 'lxd');
    // `s` without a value: not a seed location cloud-init can use; the datasource is not claimed
    assert.equal(await noCloud.fetch(ctx(h, { cmdline: 'ds=nocloud;s' })), undefined);
    assert.match(h.logger.text(), /Seed from null not supported/);
  }));
