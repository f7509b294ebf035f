// Issue 2's acceptance in the lab: the real cloud-init 22.4.2 with the OpenStack datasource boots
// against `kindling serve --listen 169.254.169.254:80` holding examples/seed-instance.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLab } from './lab.js';
import { startKindling } from './kindling-service.js';
import { formatTimes } from './guest-boot.js';
import { repoRoot } from './paths.js';
import { ensureRootfs } from './rootfs.js';
import type { Guest } from './guest.js';

const seed = JSON.parse(readFileSync(join(repoRoot, 'examples/seed-instance.json'), 'utf8'));
const KEY: string = seed.keys[0].data;

/** cloud-init.log lines that show a retry or a 404 for a path the service should serve. */
function retriesAnd404s(log: string): string[] {
  return log.split('\n').filter((l) =>
    /url_helper\.py\[DEBUG\]: \[[1-9]\d*\/\d+\] open/.test(l) || // attempt index > 0: a retry
    /Please wait \d+ seconds while we wait to try again/.test(l) ||
    /\(404\b|404 Client Error|HTTP Error 404|code 404/.test(l),
  );
}

/** Verifies a crypt(3) hash against a plaintext with the guest's own Python (no bytes compared). */
async function verifyHash(g: Guest, hash: string, plaintext: string): Promise<boolean> {
  const py = 'import crypt,json,sys,warnings\nwarnings.simplefilter("ignore")\nd=json.load(sys.stdin)\nprint(crypt.crypt(d["p"], d["h"]) == d["h"])';
  const r = await g.exec(['python3', '-c', py], { input: JSON.stringify({ h: hash, p: plaintext }) });
  return r.stdout.trim() === 'True';
}

/** A GET from inside the guest, with the guest's own Python. */
async function guestGet(g: Guest, url: string): Promise<{ status: number; body: string }> {
  const py = 'import sys,urllib.request,urllib.error\ntry:\n r=urllib.request.urlopen(sys.argv[1],timeout=5); print(r.status); sys.stdout.write(r.read().decode())\nexcept urllib.error.HTTPError as e:\n print(e.code)';
  const out = (await g.exec(['python3', '-c', py, url])).stdout;
  const nl = out.indexOf('\n');
  return { status: Number(out.slice(0, nl)), body: out.slice(nl + 1) };
}

test('real cloud-init + OpenStack datasource against kindling serve, seed instance, two boots', { timeout: 300_000 }, async () => {
  await withLab({ name: 'os-ci' }, async (lab) => {
    const svc = await startKindling(lab.hv);
    await svc.cli(['instance', 'create', '--file', join(repoRoot, 'examples/seed-instance.json')]);
    // like a cloud image, the image refuses passwords until cloud-init's ssh_pwauth turns them on
    const rootfs = await ensureRootfs('cloud-init');
    const sshdConfig = readFileSync(join(rootfs.path, 'etc/ssh/sshd_config'), 'utf8').replace(/^#?PasswordAuthentication .*$/m, 'PasswordAuthentication no');
    assert.match(sshdConfig, /^PasswordAuthentication no$/m);
    const g = await lab.addGuest({ mac: 'fa:16:3e:d8:bb:81', ip: '169.254.0.2', files: { '/etc/ssh/sshd_config': sshdConfig } });

    const first = await g.boot();
    process.stderr.write(`${formatTimes(first)}\n`);
    assert.ok(first.ok, readFileSync(first.log, 'utf8').slice(-4000));

    const result = JSON.parse(g.readFile('/var/lib/cloud/data/result.json'));
    assert.match(result.v1.datasource, /^DataSourceOpenStack(Local)? /);
    assert.deepEqual(result.v1.errors, []);
    const status = JSON.parse(g.readFile('/var/lib/cloud/data/status.json'));
    for (const stage of ['init-local', 'init', 'modules-config', 'modules-final']) {
      assert.deepEqual(status.v1[stage].errors, [], `${stage} errors`);
    }
    assert.equal(g.readFile('/var/lib/cloud/data/instance-id').trim(), seed.uuid);
    assert.equal(readFileSync(join(g.upperDir, 'etc/hostname'), 'utf8'), 'rhel\n');

    // cloud-user: account, key, sudoers entry, a password hash that verifies against the plaintext
    const passwd = g.readFile('/etc/passwd');
    assert.match(passwd, /^cloud-user:x:\d+:\d+:[^:]*:\/home\/cloud-user:\/bin\/bash$/m);
    assert.ok(g.readFile('/home/cloud-user/.ssh/authorized_keys').split('\n').includes(KEY));
    assert.match(g.readFile('/etc/sudoers.d/90-cloud-init-users'), /^cloud-user ALL=\(ALL\) NOPASSWD:ALL$/m);
    const shadow = g.readFile('/etc/shadow').split('\n').find((l) => l.startsWith('cloud-user:'))!;
    const hash = shadow.split(':')[1]!;
    assert.match(hash, /^\$[0-9a-z]+\$/);
    assert.ok(await verifyHash(g, hash, 'cloud-password'), 'the shadow hash verifies against cloud-password');
    assert.ok(!(await verifyHash(g, hash, 'wrong-password')), 'and not against another password');
    // root: the key (disable_root: 0 means no "please login as" prefix); sshd allows passwords
    assert.ok(g.readFile('/root/.ssh/authorized_keys').split('\n').includes(KEY));
    const sshdT = await g.exec(['sh', '-c', 'mkdir -p /run/sshd && /usr/sbin/sshd -T']);
    assert.match(sshdT.stdout, /^passwordauthentication yes$/m);

    // the guest's requests were all answered at the first try, with no 404 for what Nova serves
    const log = g.readFile('/var/log/cloud-init.log');
    assert.match(log, /Read from http:\/\/169\.254\.169\.254\/openstack\/[\d-]+\/meta_data\.json \(200/);
    assert.deepEqual(retriesAnd404s(log), []);
    const access = readFileSync(svc.log, 'utf8');
    assert.match(access, /169\.254\.0\.2/);

    // second boot of the same guest (no DMI uuid match: cloud-init fetches again) → the same instance
    const second = await g.boot();
    process.stderr.write(`${formatTimes(second)}\n`);
    assert.ok(second.ok, readFileSync(second.log, 'utf8').slice(-4000));
    const log2 = g.readFile('/var/log/cloud-init.log').slice(log.length);
    assert.match(log2, /Read from http:\/\/169\.254\.169\.254\/openstack\/[\d-]+\/meta_data\.json \(200/, 'the second boot crawled again');
    assert.deepEqual(retriesAnd404s(log2), []);
    assert.equal(g.readFile('/var/lib/cloud/data/instance-id').trim(), seed.uuid);
    assert.equal(g.readFile('/var/lib/cloud/data/previous-instance-id').trim(), seed.uuid);
    assert.deepEqual(JSON.parse(g.readFile('/var/lib/cloud/data/result.json')).v1.errors, []);
    assert.equal(g.readFile('/etc/passwd').match(/^cloud-user:/gm)?.length, 1);

    // user_data changed through the CLI is what the next request gets
    const before = await guestGet(g, 'http://169.254.169.254/openstack/latest/user_data');
    assert.equal(before.status, 200);
    assert.equal(before.body, seed.user_data);
    const changed = '#cloud-config\nruncmd: [ [ touch, /root/changed ] ]\n';
    await svc.cli(['instance', 'user-data', 'set', seed.uuid, '--file', '-'], { input: changed });
    assert.deepEqual(await guestGet(g, 'http://169.254.169.254/openstack/latest/user_data'), { status: 200, body: changed });
    assert.deepEqual(await guestGet(g, 'http://169.254.169.254/latest/user-data'), { status: 200, body: changed });
  });
});
