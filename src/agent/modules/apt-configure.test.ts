import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { createStageTestHost, type StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, w } from '../testing/guest-fixture.js';
import { moduleContext } from '../testing/module-context.js';
import { aptConfigure, disableSuites } from './apt-configure.js';
import { convertToV3 } from './apt-format.js';

const APT = ['apt-get', '--option=Dpkg::Options::=--force-confold', '--option=Dpkg::options::=--force-unsafe-io', '--assume-yes', '--quiet'];
const SOURCES_TPL = '## template:jinja\n# test\ndeb {{mirror}} {{codename}} main\ndeb {{security}} {{codename}}-security main\n';

async function withHost(fn: (h: StageTestHost) => Promise<void>): Promise<void> {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    h.runner.allow(['dpkg', '--print-architecture'], { stdout: 'amd64\n' });
    await fn(h);
    h.runner.verify();
  } finally {
    h.cleanup();
  }
}
const read = (h: StageTestHost, p: string) => fs.readFileSync(join(h.rootDir, p), 'utf8');
const exists = (h: StageTestHost, p: string) => fs.existsSync(join(h.rootDir, p));

test('apt: proxies and apt.conf written, sources added with $MIRROR/$RELEASE, the index refreshed once', async () => {
  await withHost(async (h) => {
    h.runner.expect([...APT, 'update']);
    const apt = {
      preserve_sources_list: true,
      proxy: 'http://proxy.example:3128',
      https_proxy: 'http://sproxy.example:3129',
      conf: 'APT::Get::Assume-Yes "true";\n',
      primary: [{ arches: ['default'], uri: 'http://mirror.example/debian' }],
      sources: {
        'local.list': { source: 'deb [trusted=yes] file:/opt/repo ./' },
        extra: { source: 'deb $MIRROR $RELEASE-extra main' },
      },
    };
    await aptConfigure.run(moduleContext(h, 'apt-configure', { apt }));
    assert.equal(read(h, 'etc/apt/apt.conf.d/90cloud-init-aptproxy'), 'Acquire::http::Proxy "http://proxy.example:3128";\nAcquire::https::Proxy "http://sproxy.example:3129";\n');
    assert.equal(read(h, 'etc/apt/apt.conf.d/94cloud-init-config'), 'APT::Get::Assume-Yes "true";\n');
    assert.equal(read(h, 'etc/apt/sources.list.d/local.list'), 'deb [trusted=yes] file:/opt/repo ./\n');
    assert.equal(read(h, 'etc/apt/sources.list.d/extra.list'), 'deb http://mirror.example/debian bookworm-extra main\n');
    assert.ok(!exists(h, 'etc/apt/sources.list'), 'preserve_sources_list keeps sources.list as it is');
    // a later instance config without proxies removes the drop-ins
    await aptConfigure.run(moduleContext(h, 'apt-configure', { apt: { preserve_sources_list: true } }));
    assert.ok(!exists(h, 'etc/apt/apt.conf.d/90cloud-init-aptproxy'));
    assert.ok(!exists(h, 'etc/apt/apt.conf.d/94cloud-init-config'));
  });
});

test('apt: sources.list from the image template with the distro mirrors, suites disabled', async () => {
  await withHost(async (h) => {
    w(h.rootDir, 'etc/cloud/templates/sources.list.debian.tmpl', SOURCES_TPL);
    const cfg = {
      system_info: { package_mirrors: [{ arches: ['default'], failsafe: { primary: 'http://deb.example/debian', security: 'http://sec.example/debian-security' } }] },
      apt: { preserve_sources_list: false, disable_suites: ['security'] },
    };
    await aptConfigure.run(moduleContext(h, 'apt-configure', cfg));
    assert.equal(read(h, 'etc/apt/sources.list'), '# test\ndeb http://deb.example/debian bookworm main\n# suite disabled by cloud-init: deb http://sec.example/debian-security bookworm-security main\n');
  });
});

test('apt: a custom sources_list with the basic renderer; an unknown variable fails the module', async () => {
  await withHost(async (h) => {
    const cfg = { apt: { preserve_sources_list: false, primary: [{ arches: ['amd64'], uri: 'http://m.example/d' }], sources_list: 'deb $PRIMARY $RELEASE main\ndeb ${SECURITY} ${RELEASE}-updates main\n' } };
    await aptConfigure.run(moduleContext(h, 'apt-configure', cfg));
    assert.equal(read(h, 'etc/apt/sources.list'), 'deb http://m.example/d bookworm main\ndeb http://m.example/d bookworm-updates main\n');
    await assert.rejects(aptConfigure.run(moduleContext(h, 'apt-configure', { apt: { preserve_sources_list: false, sources_list: 'deb $NOPE x' } })), /'NOPE'/);
  });
});

test('apt: keys dearmoured into trusted.gpg.d or cloud-init.gpg.d for signed-by=$KEY_FILE; ppa names go to add-apt-repository', async () => {
  await withHost(async (h) => {
    const dearmored = Buffer.from([0x99, 0x01, 0x0d, 0xff, 0x00]);
    h.runner.expect(['gpg', '--dearmor'], { stdoutBytes: dearmored }, { effect: (_a, o) => assert.equal(o.input, 'ARMOURED KEY 1') });
    h.runner.expect(['gpg', '--dearmor'], { stdoutBytes: dearmored });
    h.runner.expect(['add-apt-repository', '--no-update', 'ppa:team/stuff']);
    h.runner.expect([...APT, 'update']);
    const sources = {
      signed: { source: 'deb [signed-by=$KEY_FILE] http://r.example/ stable main', key: 'ARMOURED KEY 1' },
      'plain.list': { source: 'deb http://p.example/ stable main', key: 'ARMOURED KEY 2' },
      ppa: { source: 'ppa:team/stuff' },
    };
    await aptConfigure.run(moduleContext(h, 'apt-configure', { apt: { preserve_sources_list: true, sources } }));
    assert.deepEqual(fs.readFileSync(join(h.rootDir, 'etc/apt/cloud-init.gpg.d/signed.gpg')), dearmored);
    assert.deepEqual(fs.readFileSync(join(h.rootDir, 'etc/apt/trusted.gpg.d/plain.gpg')), dearmored);
    assert.equal(read(h, 'etc/apt/sources.list.d/signed.list'), 'deb [signed-by=/etc/apt/cloud-init.gpg.d/signed.gpg] http://r.example/ stable main\n');
    assert.ok(!exists(h, 'etc/apt/sources.list.d/ppa.list'));
  });
});

test('apt: debconf selections are preseeded; installed packages other than cloud-init are reported', async () => {
  await withHost(async (h) => {
    h.runner.expect(['debconf-set-selections'], {}, { effect: (_a, o) => assert.equal(o.input, 'pkg-a pkg-a/q string x\nopenssh-server openssh-server/permit-root-login boolean false\n') });
    h.runner.expect(['dpkg-query', '--list'], { stdout: 'ii  openssh-server:amd64  1:9.2  amd64  ssh server\nrc  gone  1  all  x\n' });
    await aptConfigure.run(moduleContext(h, 'apt-configure', { apt: { preserve_sources_list: true, debconf_selections: { b: 'openssh-server openssh-server/permit-root-login boolean false', a: 'pkg-a pkg-a/q string x' } } }));
    assert.match(h.logText(), /cannot be unconfigured: \['openssh-server'\]/);
  });
});

test('apt: old top-level keys are converted, conflicting old and new values refused', () => {
  const warn: string[] = [];
  const cfg = convertToV3({ apt_proxy: 'http://p.example', apt_mirror: 'http://m.example', apt_preserve_sources_list: true }, (m) => warn.push(m), () => undefined);
  assert.deepEqual(cfg.apt, { proxy: 'http://p.example', preserve_sources_list: true, primary: [{ arches: ['default'], uri: 'http://m.example' }] });
  assert.match(warn[0] as string, /converted deprecated config V2 to V3 format for keys 'apt_mirror, apt_proxy, apt_preserve_sources_list'/);
  assert.throws(() => convertToV3({ apt_proxy: 'a', apt: { proxy: 'b' } }, () => undefined, () => undefined), /Old and New apt format defined with unequal values/);
  assert.equal(disableSuites(['$RELEASE-backports'], 'deb [ arch=amd64 k=v ] http://x bookworm-backports main\n#deb x bookworm-backports\n', 'bookworm'), '# suite disabled by cloud-init: deb [ arch=amd64 k=v ] http://x bookworm-backports main\n#deb x bookworm-backports\n');
});
