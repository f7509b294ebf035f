import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { plantDebianGuest, w, withDebianGuest } from '../testing/guest-fixture.js';
import { moduleContext } from '../testing/module-context.js';
import { packageUpdateUpgradeInstall } from './package-update-upgrade-install.js';
import { expandPackageList } from '../distros/packages.js';

const APT = ['apt-get', '--option=Dpkg::Options::=--force-confold', '--option=Dpkg::options::=--force-unsafe-io', '--assume-yes', '--quiet'];

test('packages on Debian: update once, dist-upgrade, install with versions, eatmydata when present', async () => {
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'usr/bin/eatmydata', '', 0o755);
    h.runner.expect(['eatmydata', ...APT, 'update']);
    h.runner.expect(['eatmydata', ...APT, 'dist-upgrade']);
    h.runner.expect(['eatmydata', ...APT, 'install', 'htop', 'nginx=1.22*', 'tree']);
    await packageUpdateUpgradeInstall.run(moduleContext(h, 'package-update-upgrade-install', { package_update: true, package_upgrade: 'yes', packages: ['htop', ['nginx', '1.22*'], ['tree']] }));
    const calls = h.runner.calls.map((c) => c.opts);
    assert.ok(calls.every((o) => o.env?.DEBIAN_FRONTEND === 'noninteractive' && o.capture === false));
  });
});

test('packages: a failed step is logged, the rest still run, the module fails with the last error; apt_* spellings', async () => {
  await withDebianGuest(async (h) => {
    h.runner.expect([...APT, 'update'], { code: 100 });
    h.runner.expect([...APT, 'install', 'missing-pkg'], { code: 100 });
    await assert.rejects(packageUpdateUpgradeInstall.run(moduleContext(h, 'p', { apt_update: true, packages: 'missing-pkg' })), /Command: \['apt-get'.*'install', 'missing-pkg'\]\nExit code: 100/s);
    assert.match(h.logText(), /Package update failed/);
    assert.match(h.logText(), /Failed to install packages: \['missing-pkg'\]/);
    assert.match(h.logText(), /2 failed with exceptions, re-raising the last one/);
  });
});

test('packages: system_info overrides of the apt command and upgrade subcommand; reboot when required', async () => {
  await withDebianGuest(async (h) => {
    const si = { system_info: { apt_get_command: ['apt-get', '-q'], apt_get_upgrade_subcommand: 'upgrade', apt_get_wrapper: { enabled: false } } };
    h.runner.expect(['apt-get', '-q', 'update']);
    h.runner.expect(['apt-get', '-q', 'upgrade'], {}, { effect: () => w(h.rootDir, 'var/run/reboot-required', '') });
    h.runner.expect(['/sbin/reboot'], { code: 1 });
    await assert.rejects(packageUpdateUpgradeInstall.run(moduleContext(h, 'p', { ...si, package_upgrade: true, package_reboot_if_required: true })), /\['\/sbin\/reboot'\]/);
    assert.match(h.logText(), /Rebooting after upgrade or install per \/var\/run\/reboot-required/);
  });
});

test('packages on RHEL: dnf makecache once per instance, then install with name-version; yum -t without dnf', async () => {
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'usr/bin/dnf', '', 0o755);
    h.runner.expect(['dnf', '-y', 'makecache']);
    h.runner.expect(['dnf', '-y', 'install', 'vim', 'git-2.39']);
    await packageUpdateUpgradeInstall.run(moduleContext(h, 'p', { packages: ['vim', ['git', '2.39']] }, { distro: 'rhel' }));
    fs.rmSync(join(h.rootDir, 'usr/bin/dnf'));
    h.runner.expect(['yum', '-t', '-y', 'install', 'tmux']);
    // a second install in the same instance does not refresh the index again
    await packageUpdateUpgradeInstall.run(moduleContext(h, 'p', { packages: ['tmux'] }, { distro: 'rhel' }));
  });
  assert.throws(() => expandPackageList([['a', 'b', 'c']], '='), /Invalid package & version tuple/);
});
