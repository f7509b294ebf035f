// Issue 7's acceptance in the lab: the real cloud-init 22.4.2 boots from images that `kindling
// config-drive build` made from the registry, attached as block devices (a loop device in the guest's
// /dev, mounted through the lab's FUSE helpers), with the metadata address off the network. It must
// find DataSourceConfigDrive on the config-2 image (ISO and vfat) and DataSourceNoCloud on the cidata
// seed (ISO and vfat), and leave the guest exactly as the HTTP path (DataSourceOpenStack against the same service and
// instance) does: same files changed under /etc, /home and /root, same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { withLab } from '../lab/lab.js';
import { startKindling } from '../lab/kindling-service.js';
import { formatTimes } from '../lab/guest-boot.js';
import { repoRoot } from '../lab/paths.js';
import type { Guest } from '../lab/guest.js';

const seed = JSON.parse(readFileSync(join(repoRoot, 'examples/seed-instance.json'), 'utf8'));
const KEY: string = seed.keys[0].data;

/** Every file a boot changed under the given top directories: path → content (or link target). */
function changed(g: Guest, tops: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const p = join(g.upperDir, rel);
    let st;
    try { st = lstatSync(p); } catch { return; }
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(rel, n));
    else if (st.isSymbolicLink()) out.set(rel, `-> ${readlinkSync(p)}`);
    else if (st.isFile()) out.set(rel, readFileSync(p, 'latin1'));
    else out.set(rel, `(${st.mode.toString(8)})`); // whiteouts
  };
  for (const t of tops) walk(t);
  return out;
}

// Files that differ between any two boots whatever the datasource: fresh SSH host keys, a salted
// password hash (verified separately), backups and the random seed.
const VOLATILE = /^etc\/ssh\/ssh_host_|^etc\/shadow-?$|^etc\/gshadow-$|^etc\/passwd-$|^etc\/group-$|^etc\/subuid-$|^etc\/subgid-$|random-seed/;

/** cloud-init stamps some files with the time it wrote them. */
const undated = (s: string | undefined) => s?.replace(/ on \w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}/g, ' on <date>');

function compareWithHttp(http: Map<string, string>, other: Map<string, string>, what: string): void {
  const keys = (m: Map<string, string>) => [...m.keys()].sort();
  assert.deepEqual(keys(other), keys(http), `${what}: the same files changed as over HTTP`);
  for (const [p, v] of http) {
    if (VOLATILE.test(p)) continue;
    assert.equal(undated(other.get(p)), undated(v), `${what}: ${p} equals the HTTP path's`);
  }
}

function checkCommon(g: Guest, datasource: RegExp, what: string): void {
  const result = JSON.parse(g.readFile('/var/lib/cloud/data/result.json'));
  assert.match(result.v1.datasource, datasource, what);
  assert.deepEqual(result.v1.errors, [], `${what}: result.json errors`);
  const status = JSON.parse(g.readFile('/var/lib/cloud/data/status.json'));
  for (const stage of ['init-local', 'init', 'modules-config', 'modules-final']) assert.deepEqual(status.v1[stage].errors, [], `${what}: ${stage}`);
  assert.equal(g.readFile('/var/lib/cloud/data/instance-id').trim(), seed.uuid, what);
  assert.equal(g.readFile('/etc/hostname'), 'rhel\n', what);
  assert.ok(g.readFile('/home/cloud-user/.ssh/authorized_keys').split('\n').includes(KEY), what);
  assert.match(g.readFile('/etc/shadow'), /^cloud-user:\$[0-9a-z]+\$/m, `${what}: cloud-user has a password`);
}

test('real cloud-init finds ConfigDrive and NoCloud (ISO and vfat each) on our images, offline, and ends like the HTTP path', { timeout: 600_000 }, async () => {
  await withLab({ name: 'config-drive' }, async (lab) => {
    const svc = await startKindling(lab.hv);
    await svc.cli(['instance', 'create', '--file', join(repoRoot, 'examples/seed-instance.json')]);
    const images = join(lab.hv.dir, 'images');
    await lab.hv.exec(['mkdir', '-p', images]);
    const build = async (file: string, extra: string[]) => {
      await svc.cli(['config-drive', 'build', 'RHEL', '-o', join(images, file), ...extra]);
      return join(images, file);
    };
    const iso = await build('config-drive.iso', []);
    const vfat = await build('config-drive.vfat', ['--format', 'vfat']);
    const nocloud = await build('nocloud.iso', ['--nocloud']);
    const nocloudVfat = await build('nocloud.vfat', ['--nocloud', '--format', 'vfat']);

    // The datasource list of a generic image (Debian's, cut to the candidates here): cloud-init
    // must discover which one applies by itself.
    const datasources = ['NoCloud', 'ConfigDrive', 'OpenStack'];
    const boot = async (g: Guest, what: string) => {
      const b = await g.boot();
      process.stderr.write(`${what}: ${formatTimes(b)}\n`);
      assert.ok(b.ok, `${what}:\n${readFileSync(b.log, 'utf8').slice(-4000)}`);
      return b;
    };

    // The HTTP path first, as the reference.
    const web = await lab.addGuest({ name: 'http', mac: 'fa:16:3e:d8:bb:81', ip: '169.254.0.2', datasources });
    await boot(web, 'http');
    checkCommon(web, /^DataSourceOpenStack(Local)? /, 'http');
    const reference = changed(web, ['etc', 'home', 'root']);
    assert.ok(reference.has('etc/network/interfaces.d/50-cloud-init'), 'the HTTP path rendered the network');

    // Then the images, with the metadata address gone from the network.
    await lab.hv.setMetadataReachable(false);
    const cases = [
      { name: 'cd-iso', image: iso, alias: 'sr0', ds: /^DataSourceConfigDrive \[net,ver=2\]\[source=\/dev\/(sr0|loop\d+)\]$/ },
      { name: 'cd-vfat', image: vfat, alias: 'vdb', ds: /^DataSourceConfigDrive \[net,ver=2\]\[source=\/dev\/(vdb|loop\d+)\]$/ },
      { name: 'nocloud', image: nocloud, alias: 'sr0', ds: /^DataSourceNoCloud \[seed=\/dev\/(sr0|loop\d+)\]\[dsmode=net\]$/ },
      { name: 'nocloud-vfat', image: nocloudVfat, alias: 'vdc', ds: /^DataSourceNoCloud \[seed=\/dev\/(vdc|loop\d+)\]\[dsmode=net\]$/ },
    ];
    for (const c of cases) {
      const g = await lab.addGuest({ name: c.name, mac: 'fa:16:3e:d8:bb:81', ip: '169.254.0.2', datasources, blockDevices: [{ image: c.image, alias: c.alias }] });
      await boot(g, c.name);
      checkCommon(g, c.ds, c.name);
      const log = g.readFile('/var/log/cloud-init.log');
      assert.doesNotMatch(log, /169\.254\.169\.254/, `${c.name}: cloud-init never asked the metadata address`);
      compareWithHttp(reference, changed(g, ['etc', 'home', 'root']), c.name);
      // user-data as cloud-init stored it, byte for byte
      assert.equal(g.readFile('/var/lib/cloud/instance/user-data.txt'), seed.user_data, c.name);
    }
  });
});
