import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, w, withDebianGuest } from '../testing/guest-fixture.js';
import { moduleContext } from '../testing/module-context.js';
import { ntp, validateClientConfig } from './ntp.js';
import { generateServerNames } from './ntp-clients.js';

// A template of our own in the image's template dir (the format cloud-init's use: a jinja header,
// servers and pools lists).
const TPL = '## template:jinja\n# test template\n{% for pool in pools -%}\npool {{pool}} iburst\n{% endfor %}\n{% for server in servers -%}\nserver {{server}} iburst\n{% endfor %}\n';

const read = (h: StageTestHost, p: string) => fs.readFileSync(join(h.rootDir, p), 'utf8');

test('ntp: the installed client is chosen, its config rendered from the image template, the old one kept as .dist, the service reloaded', async () => {
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'usr/sbin/chronyd', '', 0o755);
    w(h.rootDir, 'etc/cloud/templates/chrony.conf.debian.tmpl', TPL);
    w(h.rootDir, 'etc/chrony/chrony.conf', 'original\n');
    h.runner.expect(['service', 'chrony', 'restart']);
    await ntp.run(moduleContext(h, 'ntp', { ntp: { servers: ['ntp1.example', '192.0.2.5'], pools: ['pool.example'] } }));
    // the same bytes python3-jinja2 renders for this template (trim_blocks, trailing newline kept)
    assert.equal(read(h, 'etc/chrony/chrony.conf'), '# test template\npool pool.example iburst\nserver ntp1.example iburst\nserver 192.0.2.5 iburst\n\n');
    assert.equal(read(h, 'etc/chrony/chrony.conf.dist'), 'original\n');
    assert.match(h.logText(), /Selected NTP client "chrony", already installed/);
  });
});

test('ntp: with no client installed, the preferred one is installed through apt after the update, default pools', async () => {
  await withDebianGuest(async (h) => {
    h.runner.expect((a) => a[0] === 'apt-get' && a.includes('update'));
    h.runner.expect(['apt-get', '--option=Dpkg::Options::=--force-confold', '--option=Dpkg::options::=--force-unsafe-io', '--assume-yes', '--quiet', 'install', 'chrony'], {}, {
      effect: (_a, o) => assert.deepEqual(o.env, { DEBIAN_FRONTEND: 'noninteractive' }),
    });
    h.runner.expect(['service', 'chrony', 'restart']);
    await ntp.run(moduleContext(h, 'ntp', { ntp: null }));
    assert.match(read(h, 'etc/chrony/chrony.conf'), /pool 0\.debian\.pool\.ntp\.org iburst\npool 1\.debian\.pool\.ntp\.org iburst/);
    assert.ok(fs.existsSync(join(h.rootDir, 'var/lib/cloud/instances/iid-test-1/sem/update_sources')));
  });
});

test('ntp: systemd-timesyncd through system_info, a user template, disabled and a bad service', async () => {
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'lib/systemd/systemd-timesyncd', '', 0o755);
    h.runner.expect(['service', 'systemd-timesyncd', 'restart'], { code: 1, stderr: 'no such service\n' });
    const cfg = { system_info: { ntp_client: 'systemd-timesyncd' }, ntp: { servers: ['a.example'], config: { template: '## template:jinja\nNTP={{ servers|join(",") }}\n' } } };
    await assert.rejects(ntp.run(moduleContext(h, 'ntp', cfg)), /Command: \['service', 'systemd-timesyncd', 'restart'\]\nExit code: 1/);
    assert.equal(read(h, 'etc/systemd/timesyncd.conf.d/cloud-init.conf'), 'NTP=a.example\n');
    await ntp.run(moduleContext(h, 'ntp', { ntp: { enabled: false } }));
    assert.match(h.logText(), /Skipping module named ntp, disabled by cfg/);
  });
});

test('ntp: built-in timesyncd template when the image has none; a described client must be complete', async () => {
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'lib/systemd/systemd-timesyncd', '', 0o755);
    h.runner.expect(['service', 'systemd-timesyncd', 'restart']);
    await ntp.run(moduleContext(h, 'ntp', { ntp: { ntp_client: 'systemd-timesyncd', pools: ['p.example'], servers: ['s.example'] } }));
    assert.match(read(h, 'etc/systemd/timesyncd.conf.d/cloud-init.conf'), /\[Time\]\nNTP=s\.example p\.example\n/);
  });
  assert.throws(() => validateClientConfig({ confpath: '/x', packages: 'x' }), /Missing required ntp:config keys: check_exe, service_name/);
  assert.throws(() => validateClientConfig({ confpath: '/x', packages: [], check_exe: 'x', service_name: 'y' }), /Either ntp:config:template or ntp:config:template_name values are required/);
  assert.deepEqual(generateServerNames('sles'), ['0.opensuse.pool.ntp.org', '1.opensuse.pool.ntp.org', '2.opensuse.pool.ntp.org', '3.opensuse.pool.ntp.org']);
  assert.equal(generateServerNames('alpine')[0], '0.pool.ntp.org');
});

test('ntp on RHEL: dnf installs chrony, chronyd is reloaded with systemctl under systemd', async () => {
  await withDebianGuest(async (h) => {
    fs.mkdirSync(join(h.rootDir, 'run/systemd/system'), { recursive: true });
    w(h.rootDir, 'usr/bin/dnf', '', 0o755);
    h.runner.expect(['dnf', '-y', 'install', 'chrony']);
    h.runner.expect(['systemctl', 'reload-or-restart', 'chronyd']);
    await ntp.run(moduleContext(h, 'ntp', { ntp: { pools: ['p.example'] } }, { distro: 'rhel' }));
    assert.match(read(h, 'etc/chrony.conf'), /pool p\.example iburst/);
  });
});
