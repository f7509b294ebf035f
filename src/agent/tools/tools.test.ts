import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, w, withDebianGuest } from '../testing/guest-fixture.js';
import { clean } from './clean.js';
import { collectLogs } from './collect-logs.js';
import { tarArchive } from './tar.js';

const has = (h: StageTestHost, p: string) => fs.existsSync(join(h.rootDir, p)) || !!fs.lstatSync(join(h.rootDir, p), { throwIfNoEntry: false });

function plantState(h: StageTestHost): void {
  const r = h.rootDir;
  w(r, 'var/lib/cloud/instances/i-1/sem/config_ssh', 'x');
  fs.symlinkSync('/var/lib/cloud/instances/i-1', join(r, 'var/lib/cloud/instance'));
  w(r, 'var/lib/cloud/data/instance-id', 'i-1\n');
  w(r, 'var/lib/cloud/seed/nocloud/meta-data', 'instance-id: i-1\n');
  w(r, 'var/log/cloud-init.log', 'log\n', 0o640);
  w(r, 'var/log/cloud-init-output.log', 'out\n', 0o640);
  w(r, 'etc/netplan/50-cloud-init.yaml', 'network: {}\n');
  w(r, 'etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection', '[connection]\n');
  w(r, 'etc/NetworkManager/system-connections/mine.nmconnection', '[connection]\n');
  w(r, 'etc/ssh/sshd_config.d/50-cloud-init.conf', 'PasswordAuthentication yes\n');
  w(r, 'etc/machine-id', 'abc\n', 0o444);
}

test('clean: state gone but the seed, logs and configs only when asked, clean.d scripts run', async () => {
  await withDebianGuest(async (h) => {
    plantState(h);
    w(h.rootDir, 'etc/cloud/clean.d/10-mine', '#!/bin/sh\n', 0o755);
    w(h.rootDir, 'etc/cloud/clean.d/README', 'not executable');
    h.runner.expect(['/etc/cloud/clean.d/10-mine']);
    const errs: string[] = [];
    assert.equal(await clean(h, { logs: false, seed: false, machineId: false, reboot: false, configs: [] }, (m) => errs.push(m)), 0);
    assert.deepEqual(fs.readdirSync(join(h.rootDir, 'var/lib/cloud')), ['seed']);
    assert.ok(has(h, 'var/log/cloud-init.log') && has(h, 'etc/netplan/50-cloud-init.yaml') && has(h, 'etc/machine-id'));
    h.runner.expect(['/etc/cloud/clean.d/10-mine'], { code: 1 });
    assert.equal(await clean(h, { logs: true, seed: true, machineId: true, reboot: false, configs: ['network', 'ssh_config'] }, (m) => errs.push(m)), 1);
    assert.deepEqual(fs.readdirSync(join(h.rootDir, 'var/lib/cloud')), []);
    assert.ok(!has(h, 'var/log/cloud-init.log') && !has(h, 'var/log/cloud-init-output.log'), 'the output: log from cloud.cfg too');
    assert.ok(!has(h, 'etc/netplan/50-cloud-init.yaml') && !has(h, 'etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection'));
    assert.ok(has(h, 'etc/NetworkManager/system-connections/mine.nmconnection'));
    assert.ok(!has(h, 'etc/ssh/sshd_config.d/50-cloud-init.conf') && !has(h, 'etc/machine-id'));
    assert.deepEqual(errs, ['Failure during run-parts of /etc/cloud/clean.d: Runparts: 1 failures (10-mine) in 1 attempted commands']);
  });
});

test('clean --reboot runs shutdown -r now after a clean reset', async () => {
  await withDebianGuest(async (h) => {
    h.runner.expect(['shutdown', '-r', 'now']);
    assert.equal(await clean(h, { logs: false, seed: false, machineId: false, reboot: true, configs: ['all'] }, () => undefined), 0);
  });
});

test('the tar writer: readable by tar, long names through pax headers, modes and contents kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-tar-'));
  try {
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    const t = tarArchive([
      { name: 'top', kind: 'dir', mode: 0o755, mtime: 1700000000 },
      { name: 'top/a.txt', kind: 'file', mode: 0o600, mtime: 1700000000, data: Buffer.from('hello\n') },
      { name: `top/${long}`, kind: 'file', mode: 0o644, mtime: 1700000000, data: Buffer.alloc(1000, 7) },
      { name: 'top/l', kind: 'symlink', mode: 0o777, mtime: 1700000000, linkname: 'a.txt' },
    ]);
    fs.writeFileSync(join(dir, 't.tar'), t);
    const list = execFileSync('tar', ['-tvf', join(dir, 't.tar')], { encoding: 'utf8' });
    assert.match(list, /-rw------- .* top\/a.txt/);
    assert.match(list, /top\/l -> a.txt/);
    execFileSync('tar', ['-xf', join(dir, 't.tar'), '-C', dir]);
    assert.equal(fs.readFileSync(join(dir, 'top/a.txt'), 'utf8'), 'hello\n');
    assert.equal(fs.readFileSync(join(dir, 'top', long)).length, 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('collect-logs: logs, /run/cloud-init without the sensitive file for non-root, user-data only with -u as root', async () => {
  await withDebianGuest(async (h) => {
    plantState(h);
    w(h.rootDir, 'var/lib/cloud/instances/i-1/user-data.txt', '#cloud-config\npassword: x\n', 0o600);
    w(h.rootDir, 'run/cloud-init/instance-data.json', '{}');
    w(h.rootDir, 'run/cloud-init/instance-data-sensitive.json', '{"secret": 1}', 0o600);
    w(h.rootDir, 'var/lib/cloud/data/status.json', '{"v1": {}}');
    fs.symlinkSync('../../var/lib/cloud/data/status.json', join(h.rootDir, 'run/cloud-init/status.json'));
    h.runner.allow(['dpkg-query', '--show', '-f=${Version}\n', 'cloud-init'], { code: 1, stderr: 'no packages found matching cloud-init\n' });
    h.runner.allow(['dmesg'], { stdout: '[0.0] kernel\n' });
    h.runner.allow(['journalctl', '--boot=0', '-o', 'short-precise'], { code: 1, error: 'ENOENT spawn journalctl' });
    const now = new Date(Date.UTC(2024, 2, 5));
    const list = async (uid: number, includeUserdata: boolean) => {
      const err: string[] = [];
      const r = await collectLogs(h, { tarfile: 'x', includeUserdata, verbosity: 0, uid, now }, (m) => err.push(m));
      if (!r.tar) return { code: r.code, names: [] as string[], err };
      const f = join(h.rootDir, 'tmp/out.tgz');
      fs.writeFileSync(f, r.tar);
      return { code: r.code, names: execFileSync('tar', ['-tzf', f], { encoding: 'utf8' }).trim().split('\n'), err };
    };
    const user = await list(1000, false);
    const top = 'cloud-init-logs-2024-03-05';
    for (const n of ['version', 'dpkg-version', 'dmesg.txt', 'journal.txt', 'cloud-init.log', 'cloud-init-output.log', 'run/cloud-init/instance-data.json', 'run/cloud-init/status.json']) assert.ok(user.names.includes(`${top}/${n}`), n);
    assert.ok(!user.names.some((n) => n.includes('instance-data-sensitive') || n.includes('user-data')));
    assert.equal((await list(1000, true)).code, 1);
    const root = await list(0, true);
    assert.ok(root.names.includes(`${top}/run/cloud-init/instance-data-sensitive.json`) && root.names.includes(`${top}/user-data.txt`));
  });
});
