// `kindling config-drive build` and GET /v1/instances/{id}/config-drive against the real service:
// the drive holds exactly what the guest API serves for the same instance (plus admin_pass, which
// only a drive carries), images stream with their exact Content-Length, bad input is refused with a
// clear message and no file left behind.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, cleanup, http, loopbackSeed, startService, type Service } from '../serve/harness.js';
import { parseIso } from '../support/iso-parse.js';
import { run, scratch, walkDir, withFuse } from '../support/image-tools.js';

let s: Service;
let work: string;
const seed = loopbackSeed();
const uuid: string = seed.uuid;

before(async () => {
  s = await startService();
  work = mkdtempSync(join(tmpdir(), 'kindling-cd-'));
  const created = await api(s, 'POST', '/v1/instances', {
    ...seed,
    admin_pass: 'Adm1n-pass',
    meta: { role: 'web' },
    files: [{ path: '/etc/motd', content: 'hello from the drive\n' }, { path: '/etc/bin.dat', content_base64: Buffer.from([0, 1, 2, 255]).toString('base64') }],
  });
  assert.equal(created.status, 201, created.text);
});

after(async () => {
  await cleanup(s);
  rmSync(work, { recursive: true, force: true });
});

const withoutSeed = (text: string) => {
  const j = JSON.parse(text);
  delete j.random_seed;
  return j;
};

test('config drive by name: every openstack file equals the guest API, admin_pass only on the drive', async () => {
  const out = join(work, 'by-name.iso');
  const r = s.cli(['config-drive', 'build', 'RHEL', '-o', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`wrote ${out} \\(\\d+ bytes, config drive, iso\\) for instance ${uuid}`));
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const iso = parseIso(readFileSync(out), { withData: true });
  assert.equal(iso.label, 'config-2');
  const files = [...iso.entries.values()].filter((e) => e.kind === 'file');
  const versions = new Set<string>();
  for (const f of files) {
    const m = /^openstack\/([^/]+)\/(.+)$/.exec(f.path);
    if (!m || m[1] === 'content') continue;
    versions.add(m[1]!);
    const served = await http(`${s.guest}/openstack/${m[1]}/${m[2]}`);
    assert.equal(served.status, 200, f.path);
    if (m[2] === 'meta_data.json') {
      const drive = withoutSeed(f.data!.toString());
      assert.equal(drive.admin_pass, 'Adm1n-pass', `${f.path} carries admin_pass`);
      delete drive.admin_pass;
      assert.deepEqual(drive, withoutSeed(served.text), f.path);
    } else {
      assert.ok(f.data!.equals(served.body), `${f.path} equals the guest API's bytes`);
    }
  }
  const listing = await http(`${s.guest}/openstack`);
  assert.deepEqual([...versions].sort(), listing.text.split('\n').sort(), 'every version the service lists, and latest');
  assert.ok(![...iso.entries.keys()].some((p) => p.endsWith('/password')), 'no password file on a drive');
  assert.equal(iso.entries.get('openstack/content/0000')!.data!.toString(), 'hello from the drive\n');
  assert.deepEqual([...iso.entries.get('openstack/content/0001')!.data!], [0, 1, 2, 255]);
  const md = JSON.parse(iso.entries.get('openstack/latest/meta_data.json')!.data!.toString());
  assert.deepEqual(md.files, [{ path: '/etc/motd', content_path: '/content/0000' }, { path: '/etc/bin.dat', content_path: '/content/0001' }]);
  assert.match(md.random_seed, /^[A-Za-z0-9+/]{683}=$/);
  for (const v of ['2009-04-04', 'latest']) {
    const ec2 = JSON.parse(iso.entries.get(`ec2/${v}/meta-data.json`)!.data!.toString());
    assert.equal(ec2.hostname, 'rhel.novalocal');
    assert.equal(iso.entries.get(`ec2/${v}/user-data`)!.data!.toString(), seed.user_data);
  }
});

test('by uuid, vfat: fsck.fat is clean and fusefat reads the same tree as the ISO', async () => {
  const iso = join(work, 'u.iso'), vfat = join(work, 'u.vfat');
  assert.equal(s.cli(['config-drive', 'build', uuid, '-o', iso]).status, 0);
  const r = s.cli(['config-drive', 'build', uuid.toUpperCase(), '-o', vfat, '--format', 'vfat']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(vfat).size, 64 * 1024 * 1024);
  await run('fsck.fat', ['-n', vfat]);
  const fromIso = parseIso(readFileSync(iso), { withData: true });
  await withFuse('fusefat', vfat, async (mnt) => {
    const got = await walkDir(mnt);
    got.delete('config-2'); // fusefat shows the volume label as an empty file
    const isoFiles = [...fromIso.entries.values()].filter((e) => e.kind === 'file');
    assert.deepEqual([...got.keys()].filter((k) => got.get(k)!.kind === 'file').sort(), isoFiles.map((e) => e.path).sort());
    for (const f of isoFiles) {
      if (f.path.endsWith('meta_data.json')) assert.deepEqual(withoutSeed(got.get(f.path)!.data!.toString()), withoutSeed(f.data!.toString()), f.path);
      else assert.ok(got.get(f.path)!.data!.equals(f.data!), f.path);
    }
  });
});

test('NoCloud seed: cidata label, meta-data, user-data, vendor-data, network-config', async () => {
  const out = join(work, 'seed.iso');
  const r = s.cli(['config-drive', 'build', 'RHEL', '-o', out, '--nocloud']);
  assert.equal(r.status, 0, r.stderr);
  const iso = parseIso(readFileSync(out), { withData: true });
  assert.equal(iso.label, 'cidata');
  assert.deepEqual([...iso.entries.keys()].sort(), ['meta-data', 'network-config', 'user-data', 'vendor-data']);
  const text = (p: string) => iso.entries.get(p)!.data!.toString();
  assert.match(text('meta-data'), new RegExp(`^instance-id: ${uuid}\nlocal-hostname: rhel.novalocal\npublic-keys:\n  lab-keys: ssh-rsa AAAA`));
  assert.equal(text('user-data'), seed.user_data);
  assert.equal(text('vendor-data'), '');
  assert.match(text('network-config'), /mac_address: fa:16:3e:d8:bb:81\n {4}mtu: 8950\n {4}name: eth0\n {4}subnets:\n {4}- {3}type: dhcp4\n {4}type: physical\nversion: 1\n/);
  const vfat = join(work, 'seed.vfat');
  assert.equal(s.cli(['config-drive', 'build', 'RHEL', '-o', vfat, '--nocloud', '--format=vfat']).status, 0);
  const { stdout } = await run('mdir', ['-b', '-i', vfat, '::'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  assert.deepEqual(stdout.trim().split('\n').map((l) => l.replace(/^::\//, '')).sort(), ['meta-data', 'network-config', 'user-data', 'vendor-data']);
});

test('the control API streams images with their exact Content-Length and type', async () => {
  for (const [format, type, size] of [['iso', 'application/x-iso9660-image', undefined], ['vfat', 'application/octet-stream', 64 << 20], ['nocloud', 'application/x-iso9660-image', undefined]] as const) {
    const res = await api(s, 'GET', `/v1/instances/${uuid}/config-drive?format=${format}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['content-type'], type);
    assert.equal(Number(res.headers['content-length']), res.body.length, format);
    if (size) assert.equal(res.body.length, size);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(String(res.headers['content-disposition']), /^attachment; filename="(config-drive|nocloud)-.*\.(iso|vfat)"$/);
  }
  const head = await api(s, 'HEAD', `/v1/instances/${uuid}/config-drive`);
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.ok(Number(head.headers['content-length']) > 0);
  const bad = await api(s, 'GET', `/v1/instances/${uuid}/config-drive?format=udf`);
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /format must be one of iso, vfat, nocloud, nocloud-vfat, not "udf"/);
  const missing = await api(s, 'GET', '/v1/instances/00000000-0000-4000-8000-000000000000/config-drive');
  assert.equal(missing.status, 404);
  const anon = await http(`${s.control}/v1/instances/${uuid}/config-drive`);
  assert.equal(anon.status, 401, 'the control token is required');
});

test('refused: unknown instance, unwritable output, bad options; nothing left behind', async () => {
  const dir = await scratch('kindling-out-');
  try {
    const unknown = s.cli(['config-drive', 'build', 'no-such-vm', '-o', join(dir, 'x.iso')]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /unknown instance "no-such-vm": no instance has this uuid or name/);
    const unknownUuid = s.cli(['config-drive', 'build', '00000000-0000-4000-8000-000000000000', '-o', join(dir, 'x.iso')]);
    assert.equal(unknownUuid.status, 1);
    assert.match(unknownUuid.stderr, /unknown instance/);

    const noDir = s.cli(['config-drive', 'build', 'RHEL', '-o', join(dir, 'missing', 'x.iso')]);
    assert.equal(noDir.status, 1);
    assert.match(noDir.stderr, /cannot write .*missing\/x\.iso: its directory does not exist/);
    mkdirSync(join(dir, 'a-directory'));
    const isDir = s.cli(['config-drive', 'build', 'RHEL', '-o', join(dir, 'a-directory')]);
    assert.equal(isDir.status, 1);
    assert.match(isDir.stderr, /cannot write .*a-directory: it is a directory/);
    const devFull = s.cli(['config-drive', 'build', 'RHEL', '-o', '/proc/kindling.iso']);
    assert.equal(devFull.status, 1);
    assert.match(devFull.stderr, /cannot write \/proc\/kindling\.iso/);

    assert.equal(s.cli(['config-drive', 'build', 'RHEL']).status, 2);
    assert.equal(s.cli(['config-drive', 'build', 'RHEL', '-o', join(dir, 'y'), '--format', 'udf']).status, 2);
    assert.equal(s.cli(['config-drive', 'burn']).status, 2);
    assert.deepEqual(readdirSync(dir), ['a-directory'], 'no partial or temporary file left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
