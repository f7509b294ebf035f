import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createStageTestHost, type StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, w, withDebianGuest } from '../testing/guest-fixture.js';
import { moduleContext, testDatasource } from '../testing/module-context.js';
import { phoneHome, formEncode } from './phone-home.js';
import { powerStateChange, loadPowerState } from './power-state-change.js';

test('phone_home posts the form cloud-init posts, with N/A for missing keys and $INSTANCE_ID in the URL', async () => {
  await withDebianGuest(async (h) => {
    w(h.rootDir, 'etc/ssh/ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAA root@vm\n');
    w(h.rootDir, 'etc/ssh/ssh_host_rsa_key.pub', 'ssh-rsa BBBB+/= root@vm\n');
    const ds = testDatasource('OpenStack', { 'local-hostname': 'vm1.example.org' });
    h.fakeHttp.route('http://phone.example/iid-test-1/', { status: 200, body: 'ok' });
    await phoneHome.run(moduleContext(h, 'phone-home', { phone_home: { url: 'http://phone.example/$INSTANCE_ID/', post: 'all', tries: 2 } }, { ds }));
    const req = h.fakeHttp.requests[0];
    assert.equal(req?.method, 'POST');
    assert.equal(req?.headers?.['Content-Type'], 'application/x-www-form-urlencoded');
    assert.equal(
      String(req?.body),
      'pub_key_dsa=N%2FA&pub_key_rsa=ssh-rsa+BBBB%2B%2F%3D+root%40vm%0A&pub_key_ecdsa=N%2FA&pub_key_ed25519=ssh-ed25519+AAAA+root%40vm%0A&instance_id=iid-test-1&hostname=vm1&fqdn=vm1.example.org',
    );
    assert.match(h.logText(), /\/etc\/ssh\/ssh_host_dsa_key\.pub: failed to open, can not phone home that data!/);
  });
});

test('phone_home retries `tries` times on any failure, then logs and carries on', async () => {
  await withDebianGuest(async (h) => {
    h.fakeHttp.route('http://phone.example/x', { status: 404 });
    await phoneHome.run(moduleContext(h, 'phone-home', { phone_home: { url: 'http://phone.example/x', post: ['instance_id', 'nope'], tries: 3 } }));
    assert.equal(h.fakeHttp.requests.length, 3);
    assert.equal(String(h.fakeHttp.requests[0]?.body), 'instance_id=iid-test-1&nope=N%2FA');
    assert.match(h.logText(), /Requested key nope from 'post' configuration list not available/);
    assert.match(h.logText(), /Failed to post phone home data to http:\/\/phone.example\/x in 3 tries/);
    await phoneHome.run(moduleContext(h, 'phone-home', { phone_home: { post: 'all' } }));
    assert.match(h.logText(), /no 'url' found in 'phone_home' configuration/);
  });
  assert.equal(formEncode([['a b', "x!'()*~"]]), 'a+b=x%21%27%28%29%2A~');
});

test('power_state: the shutdown command cloud-init builds, and its refusals', () => {
  assert.deepEqual(loadPowerState({ power_state: { mode: 'reboot' } }), { command: ['shutdown', '-r', 'now'], timeoutSec: 30, condition: true });
  assert.deepEqual(loadPowerState({ power_state: { mode: 'poweroff', delay: '+5', message: 'Bye', timeout: '12.5', condition: 'test -f /x' } })?.command, ['shutdown', '-P', '+5', 'Bye']);
  assert.deepEqual(loadPowerState({ power_state: { mode: 'halt', delay: 2 } })?.command, ['shutdown', '-H', '+2']);
  assert.throws(() => loadPowerState({ power_state: { mode: 'suspend' } }), /must be one of: halt,poweroff,reboot. found: 'suspend'/);
  assert.throws(() => loadPowerState({ power_state: { mode: 'reboot', delay: 'soon' } }), /must be 'now' or '\+m' \(minutes\). found 'soon'/);
  assert.throws(() => loadPowerState({ power_state: { mode: 'reboot', timeout: 'x' } }), /failed to convert timeout 'x' to float/);
  assert.equal(loadPowerState({}), undefined);
});

test('power_state_change starts the waiter in the background; a false condition or bad config does nothing', async () => {
  await withDebianGuest(async (h) => {
    const started: string[][] = [];
    const ctx = moduleContext(h, 'power-state-change', { power_state: { mode: 'reboot', message: 'rebooting now', condition: ['test', '-f', '/x'] } });
    fs.mkdirSync(join(h.rootDir, `proc/${process.pid}`), { recursive: true });
    fs.writeFileSync(join(h.rootDir, `proc/${process.pid}/cmdline`), 'node\0stage\0');
    ctx.host.background = async (argv) => void started.push(argv);
    await powerStateChange.run(ctx);
    assert.equal(started.length, 1);
    assert.deepEqual(started[0]?.slice(3), ['power-state', String(process.pid), '30', '3', 'test', '-f', '/x', 'shutdown', '-r', 'now', 'rebooting now']);
    const off = moduleContext(h, 'power-state-change', { power_state: { mode: 'reboot', condition: false } });
    off.host.background = async (argv) => void started.push(argv);
    await powerStateChange.run(off);
    await powerStateChange.run(moduleContext(h, 'power-state-change', { power_state: 'reboot' }));
    assert.equal(started.length, 1);
    assert.match(h.logText(), /power_state is not a dict. Not performing power state change!/);
  });
});

test('the waiter (real /bin/sh): runs the command after the process exits, only when the condition holds', { timeout: 20_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-psc-'));
  try {
    const captured: string[][] = [];
    const h = createStageTestHost(dir);
    plantDebianGuest(h);
    fs.mkdirSync(join(h.rootDir, `proc/${process.pid}`), { recursive: true });
    fs.writeFileSync(join(h.rootDir, `proc/${process.pid}/cmdline`), 'x');
    const out = join(dir, 'ran');
    for (const [cond, tag] of [[['true'], 'yes'], [['false'], 'no'], ['exit 0', 'shell']] as const) {
      const ctx = moduleContext(h, 'power-state-change', { power_state: { mode: 'reboot', condition: cond } });
      ctx.host.background = async (argv) => void captured.push(argv);
      await powerStateChange.run(ctx);
      const argv = captured.pop() as string[];
      // replace the pid with a short-lived process and the shutdown command with a recorder
      const sleeper = spawn('sleep', ['0.5']);
      const exited = new Promise((r) => sleeper.on('exit', r));
      const args = argv.slice(3);
      args[1] = String(sleeper.pid);
      const cmdAt = args.length - 3;
      args.splice(cmdAt, 3, 'sh', '-c', `echo ${tag} >> ${out}`);
      const t0 = Date.now();
      const r = spawnSync(argv[0] as string, [argv[1] as string, argv[2] as string, ...args], { timeout: 10_000 });
      assert.equal(r.status, 0, String(r.stderr));
      await exited;
      assert.ok(Date.now() - t0 >= 400, 'waited for the process to end');
    }
    assert.equal(fs.readFileSync(out, 'utf8'), 'yes\nshell\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
