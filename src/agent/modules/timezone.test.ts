import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { createStageTestHost, type StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, w } from '../testing/guest-fixture.js';
import { moduleContext } from '../testing/module-context.js';
import { timezone } from './timezone.js';

async function withHost(fn: (h: StageTestHost) => Promise<void>): Promise<void> {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    w(h.rootDir, 'usr/share/zoneinfo/Europe/Paris', 'TZif2 paris', 0o644);
    w(h.rootDir, 'usr/share/zoneinfo/Etc/UTC', 'TZif2 utc', 0o644);
    await fn(h);
    h.runner.verify();
  } finally {
    h.cleanup();
  }
}

test('timezone on Debian: /etc/timezone and /etc/localtime linked to the zone, no command', async () => {
  await withHost(async (h) => {
    fs.symlinkSync('/usr/share/zoneinfo/Etc/UTC', join(h.rootDir, 'etc/localtime'));
    await timezone.run(moduleContext(h, 'timezone', { timezone: 'Europe/Paris' }));
    assert.equal(fs.readFileSync(join(h.rootDir, 'etc/timezone'), 'utf8'), 'Europe/Paris\n');
    assert.equal(fs.statSync(join(h.rootDir, 'etc/timezone')).mode & 0o777, 0o644);
    assert.equal(fs.readlinkSync(join(h.rootDir, 'etc/localtime')), '/usr/share/zoneinfo/Europe/Paris');
  });
});

test('timezone: a regular /etc/localtime gets a copy of the zone file; a missing zone fails the module', async () => {
  await withHost(async (h) => {
    w(h.rootDir, 'etc/localtime', 'old');
    await timezone.run(moduleContext(h, 'timezone', { timezone: 'Europe/Paris' }));
    assert.ok(!fs.lstatSync(join(h.rootDir, 'etc/localtime')).isSymbolicLink());
    assert.equal(fs.readFileSync(join(h.rootDir, 'etc/localtime'), 'utf8'), 'TZif2 paris');
    await assert.rejects(timezone.run(moduleContext(h, 'timezone', { timezone: 'Mars/Olympus' })), /Invalid timezone Mars\/Olympus, no file found at \/usr\/share\/zoneinfo\/Mars\/Olympus/);
  });
});

test('timezone: no value is a logged skip; an argument overrides the config', async () => {
  await withHost(async (h) => {
    await timezone.run(moduleContext(h, 'timezone', {}));
    assert.match(h.logText(), /Skipping module named timezone, no 'timezone' specified/);
    assert.ok(!fs.existsSync(join(h.rootDir, 'etc/timezone')));
    await timezone.run(moduleContext(h, 'timezone', { timezone: 'Mars/Olympus' }, { args: ['Etc/UTC'] }));
    assert.equal(fs.readFileSync(join(h.rootDir, 'etc/timezone'), 'utf8'), 'Etc/UTC\n');
  });
});

test('timezone on RHEL without systemd: ZONE in /etc/sysconfig/clock and a copy in /etc/localtime', async () => {
  await withHost(async (h) => {
    w(h.rootDir, 'etc/sysconfig/clock', 'UTC=true\nZONE="Etc/UTC"\n');
    await timezone.run(moduleContext(h, 'timezone', { timezone: 'Europe/Paris' }, { distro: 'rhel' }));
    assert.equal(fs.readFileSync(join(h.rootDir, 'etc/sysconfig/clock'), 'utf8'), 'UTC=true\nZONE=Europe/Paris\n');
    assert.equal(fs.readFileSync(join(h.rootDir, 'etc/localtime'), 'utf8'), 'TZif2 paris');
    assert.ok(!fs.existsSync(join(h.rootDir, 'etc/timezone')));
  });
});

test('timezone on RHEL with systemd: /etc/localtime relinked only', async () => {
  await withHost(async (h) => {
    fs.mkdirSync(join(h.rootDir, 'run/systemd/system'), { recursive: true });
    w(h.rootDir, 'etc/localtime', 'old');
    await timezone.run(moduleContext(h, 'timezone', { timezone: 'Europe/Paris' }, { distro: 'rhel' }));
    assert.equal(fs.readlinkSync(join(h.rootDir, 'etc/localtime')), '/usr/share/zoneinfo/Europe/Paris');
    assert.ok(!fs.existsSync(join(h.rootDir, 'etc/sysconfig/clock')));
  });
});
