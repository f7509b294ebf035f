// The real cloud-init 22.4.2 boots in the lab against a replica on the PostgreSQL store. Two
// replicas share one database: A runs on the host and is where the operator registers the
// instance; B runs in the lab's hypervisor namespace on 169.254.169.254:80 (reaching PostgreSQL
// through its Unix socket, which needs no route out of the namespace) and answers the guest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLab } from '../lab/lab.js';
import { startKindling } from '../lab/kindling-service.js';
import { formatTimes } from '../lab/guest-boot.js';
import { METADATA_IP } from '../lab/hypervisor.js';
import type { Guest } from '../lab/guest.js';
import { acquirePgLock } from '../pg/lock.js';
import { api, seedJson } from '../serve/harness.js';
import { startReplicas } from './helpers.js';

let release: () => Promise<void>;
before(async () => {
  release = await acquirePgLock('shared');
});
after(() => release());

/** A GET from inside the guest, with the guest's own Python. */
async function guestGet(g: Guest, url: string): Promise<{ status: number; body: string }> {
  const py = 'import sys,urllib.request,urllib.error\ntry:\n r=urllib.request.urlopen(sys.argv[1],timeout=5); print(r.status); sys.stdout.write(r.read().decode())\nexcept urllib.error.HTTPError as e:\n print(e.code)';
  const out = (await g.exec(['python3', '-c', py, url])).stdout;
  const nl = out.indexOf('\n');
  return { status: Number(out.slice(0, nl)), body: out.slice(nl + 1) };
}

test('real cloud-init boots from a replica on PostgreSQL; a change made through another replica reaches the guest', { timeout: 300_000 }, async (t) => {
  const replicas = await startReplicas(1);
  const [a] = replicas.services;
  try {
    const seed = seedJson();
    assert.equal((await api(a!, 'POST', '/v1/instances', seed)).status, 201);
    const socketUrl = new URL(replicas.db.url);
    socketUrl.hostname = 'localhost';
    socketUrl.port = '';
    socketUrl.searchParams.set('host', '/var/run/postgresql');

    await withLab({ name: 'pg-replica' }, async (lab) => {
      const b = await startKindling(lab.hv, { args: ['--listen', `${METADATA_IP}:80`, '--db', socketUrl.toString()] });
      const health = JSON.parse((await lab.hv.exec(['curl', '-sS', `${b.controlUrl}/healthz`])).stdout);
      assert.equal(health.instances, 1, 'B loaded the instance A registered');
      assert.match(health.store, /^postgres:\/\//);

      const g = await lab.addGuest({ mac: 'fa:16:3e:d8:bb:81', ip: '169.254.0.2' });
      const boot = await g.boot();
      t.diagnostic(formatTimes(boot));
      assert.ok(boot.ok, readFileSync(boot.log, 'utf8').slice(-4000));
      const result = JSON.parse(g.readFile('/var/lib/cloud/data/result.json'));
      assert.match(result.v1.datasource, /^DataSourceOpenStack(Local)? /);
      assert.deepEqual(result.v1.errors, []);
      assert.equal(g.readFile('/var/lib/cloud/data/instance-id').trim(), seed.uuid);
      assert.equal(readFileSync(join(g.upperDir, 'etc/hostname'), 'utf8'), 'rhel\n');
      assert.match(g.readFile('/etc/passwd'), /^cloud-user:x:/m);
      assert.ok(g.readFile('/home/cloud-user/.ssh/authorized_keys').split('\n').includes(seed.keys[0].data));
      const log = g.readFile('/var/log/cloud-init.log');
      assert.match(log, /Read from http:\/\/169\.254\.169\.254\/openstack\/[\d-]+\/meta_data\.json \(200/);
      assert.match(readFileSync(b.log, 'utf8'), /169\.254\.0\.2/, 'B answered the guest');

      // user data changed through A: the guest reads the new bytes from B within a second
      const changed = '#cloud-config\nruncmd: [ [ touch, /root/changed ] ]\n';
      const put = await api(a!, 'PUT', `/v1/instances/${seed.uuid}/user-data`, changed, { 'Content-Type': 'application/octet-stream' });
      assert.equal(put.status, 200, put.text);
      const t0 = performance.now();
      for (;;) {
        const r = await guestGet(g, 'http://169.254.169.254/openstack/latest/user_data');
        if (r.body === changed) break;
        assert.ok(performance.now() - t0 < 1000, `the guest still reads the old user data after ${Math.round(performance.now() - t0)} ms`);
      }
      t.diagnostic(`user data changed through A reached the guest through B in ${Math.round(performance.now() - t0)} ms`);
    });
  } finally {
    await replicas.close();
  }
});
