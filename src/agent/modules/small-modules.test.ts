// disable_ec2_metadata, rsyslog and ca_certs on a scratch root with a recording runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, w, withDebianGuest } from '../testing/guest-fixture.js';
import { moduleContext } from '../testing/module-context.js';
import { disableEc2Metadata } from './disable-ec2-metadata.js';
import { rsyslog, remoteLine, loadRsyslogConfig } from './rsyslog.js';
import { caCerts } from './ca-certs.js';

const read = (h: StageTestHost, p: string) => fs.readFileSync(join(h.rootDir, p), 'utf8');
const exe = (h: StageTestHost, p: string) => w(h.rootDir, p, '#!/bin/sh\n', 0o755);

test('disable_ec2_metadata: a prohibit route with ip, the route command without it, nothing when off', async () => {
  await withDebianGuest(async (h) => {
    exe(h, 'usr/sbin/ip');
    h.runner.expect(['ip', 'route', 'add', 'prohibit', '169.254.169.254']);
    await disableEc2Metadata.run(moduleContext(h, 'disable_ec2_metadata', { disable_ec2_metadata: true }));
    await disableEc2Metadata.run(moduleContext(h, 'disable_ec2_metadata', { disable_ec2_metadata: 'no' }));
    assert.match(h.logText(), /disabling the ec2 route not enabled/);
  });
  await withDebianGuest(async (h) => {
    exe(h, 'sbin/ifconfig');
    h.runner.expect(['route', 'add', '-host', '169.254.169.254', 'reject']);
    await disableEc2Metadata.run(moduleContext(h, 'disable_ec2_metadata', { disable_ec2_metadata: 'yes' }));
  });
  await withDebianGuest(async (h) => {
    await disableEc2Metadata.run(moduleContext(h, 'disable_ec2_metadata', { disable_ec2_metadata: true }));
    assert.match(h.logText(), /ERROR\]: Neither "route" nor "ip" command found/);
  });
  await withDebianGuest(async (h) => {
    exe(h, 'usr/sbin/ip');
    h.runner.expect(['ip', 'route', 'add', 'prohibit', '169.254.169.254'], { code: 2, stderr: 'RTNETLINK answers: File exists\n' });
    await assert.rejects(disableEc2Metadata.run(moduleContext(h, 'disable_ec2_metadata', { disable_ec2_metadata: true })), /Command: \['ip', 'route', 'add', 'prohibit', '169.254.169.254'\]\nExit code: 2/);
  });
});

test('rsyslog remotes: cloud-init forwarding lines', () => {
  assert.equal(remoteLine('10.0.0.1', 'r1'), '*.* @10.0.0.1 # r1');
  assert.equal(remoteLine('@@10.0.0.1:514'), '*.* @@10.0.0.1:514');
  assert.equal(remoteLine('*.err @[fd00::1]:10514 # site b'), '*.err @[fd00::1]:10514 # site b');
  assert.equal(remoteLine('kern.* @logs.example # named', 'n'), 'kern.* @logs.example # n');
  assert.throws(() => remoteLine('fd00::2'), /Invalid host specification/, 'an IPv6 address needs its brackets');
  assert.throws(() => remoteLine('a b c'), /line had multiple spaces/);
  assert.throws(() => remoteLine('@host:port'), /Invalid host specification/);
});

test('rsyslog: configs and remotes written to the drop-in dir, first write truncates, then reload', async () => {
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'etc/rsyslog.d/20-cloud-config.conf', 'stale\n', 0o600);
    h.runner.expect(['service', 'rsyslog', 'restart']);
    const cfg = {
      rsyslog: {
        configs: ['*.* @@192.0.2.1', { content: '*.* /var/log/all', filename: '99-all.conf' }, 'local0.* /var/log/local0', { filename: 'x.conf' }],
        remotes: { site: '@@198.51.100.2:514', bad: 'a b c' },
      },
    };
    await rsyslog.run(moduleContext(h, 'rsyslog', cfg));
    assert.equal(read(h, 'etc/rsyslog.d/20-cloud-config.conf'), '*.* @@192.0.2.1\nlocal0.* /var/log/local0\n# begin remotes\n*.* @@198.51.100.2:514 # site\n# end remotes\n');
    assert.equal(fs.statSync(join(h.rootDir, 'etc/rsyslog.d/20-cloud-config.conf')).mode & 0o777, 0o644);
    assert.equal(read(h, 'etc/rsyslog.d/99-all.conf'), '*.* /var/log/all\n');
    assert.match(h.logText(), /No 'content' entry in config entry 4/);
    assert.match(h.logText(), /failed loading remote bad: a b c \[line had multiple spaces: a b c\]/);
  });
});

test('rsyslog: legacy list form, custom dir and reload command; a failed reload is only a warning', async () => {
  await withDebianGuest(async (h) => {
    h.runner.expect(['service', 'rsyslog', 'restart']);
    h.runner.expect(['/usr/local/bin/reload-syslog'], { code: 1 });
    await rsyslog.run(moduleContext(h, 'rsyslog', { rsyslog: ['a.* b'], rsyslog_dir: '/etc/syslog.d' }));
    assert.equal(read(h, 'etc/syslog.d/20-cloud-config.conf'), 'a.* b\n');
    await rsyslog.run(moduleContext(h, 'rsyslog', { rsyslog: { configs: ['x'], config_dir: '/etc/r', service_reload_command: '/usr/local/bin/reload-syslog' } }));
    assert.match(h.logText(), /WARNING\]: Failed to reload syslog/);
    assert.match(h.logText(), /DEPRECATION: This rsyslog list format is deprecated/);
  });
  assert.throws(() => loadRsyslogConfig({ rsyslog: { configs: 'x' } }, () => undefined), /Invalid type for key `configs`. Expected type\(s\): <class 'list'>. Current type: <class 'str'>/);
});

test('ca_certs: certificates added to the Debian bundle list, defaults removed on request', async () => {
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'etc/ca-certificates.conf', '# comment\nmozilla/A.crt\n\ncloud-init-ca-certs.crt\nmozilla/B.crt\n');
    w(h.rootDir, 'usr/share/ca-certificates/mozilla/A.crt', 'A');
    h.runner.expect(['update-ca-certificates']);
    await caCerts.run(moduleContext(h, 'ca_certs', { ca_certs: { trusted: ['-----BEGIN CERTIFICATE-----\nONE\n-----END CERTIFICATE-----\n', 'TWO'] } }));
    assert.equal(read(h, 'usr/share/ca-certificates/cloud-init-ca-certs.crt'), '-----BEGIN CERTIFICATE-----\nONE\n-----END CERTIFICATE-----\n\nTWO');
    assert.equal(read(h, 'etc/ca-certificates.conf'), '# comment\nmozilla/A.crt\n\nmozilla/B.crt\ncloud-init-ca-certs.crt\n');
  });
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'etc/ca-certificates.conf', 'mozilla/A.crt\n');
    w(h.rootDir, 'usr/share/ca-certificates/mozilla/A.crt', 'A');
    w(h.rootDir, 'etc/ssl/certs/A.pem', 'A');
    h.runner.expect(['debconf-set-selections', '-'], {}, { effect: (_a, o) => assert.equal(o.input, 'ca-certificates ca-certificates/trust_new_crts select no') });
    h.runner.expect(['update-ca-certificates']);
    await caCerts.run(moduleContext(h, 'ca_certs', { ca_certs: { remove_defaults: true, trusted: ['X'] } }));
    assert.deepEqual(fs.readdirSync(join(h.rootDir, 'usr/share/ca-certificates')), ['cloud-init-ca-certs.crt']);
    assert.deepEqual(fs.readdirSync(join(h.rootDir, 'etc/ssl/certs')), []);
    assert.equal(read(h, 'etc/ca-certificates.conf'), 'cloud-init-ca-certs.crt\n');
  });
});

test('ca_certs on RHEL: an anchor and update-ca-trust; the deprecated key still works', async () => {
  await withDebianGuest(async (h) => {
    h.runner.expect(['update-ca-trust']);
    await caCerts.run(moduleContext(h, 'ca-certs', { 'ca-certs': { trusted: 'ONE' } }, { distro: 'rhel' }));
    assert.equal(read(h, 'usr/share/pki/ca-trust-source/anchors/cloud-init-ca-certs.crt'), 'ONE');
    assert.match(h.logText(), /DEPRECATION: key 'ca-certs' is now deprecated/);
  });
});
