// PostgreSQL stops and starts again under two replicas: guests keep being answered from memory,
// /healthz says degraded and why, control-API writes get 503 with a clear message, and the
// replicas recover on their own (reconnect, resync) with no operator action.
//
// The server is shared by every test on this machine: this test holds the exclusive side of the
// PostgreSQL test lock (other PostgreSQL tests hold the shared side) and keeps the outage short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { withPgLock } from '../pg/lock.js';
import { api, health, loopbackInstance, servedTo, startReplicas, within } from './helpers.js';

function pgCtl(action: 'stop' | 'start'): void {
  const version = readdirSync('/etc/postgresql')[0]!;
  const args = ['--skip-systemctl-redirect', version, 'main', action, ...(action === 'stop' ? ['--', '-m', 'fast'] : [])];
  const r = spawnSync('pg_ctlcluster', args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `pg_ctlcluster ${args.join(' ')}: ${r.stderr}`);
}

test('PostgreSQL restart: replicas serve throughout, report degraded, refuse writes with 503, recover alone', async (t) => {
  await withPgLock('exclusive', async () => {
    const r = await startReplicas(2);
    const [a, b] = r.services as [typeof r.services[0], typeof r.services[0]];
    let stopped = false;
    try {
      const one = loopbackInstance({ hostname: 'before' });
      assert.equal((await api(a, 'POST', '/v1/instances', one)).status, 201);
      await within(1000, 'B serves it', async () => (await servedTo(b)).uuid === one.uuid);

      pgCtl('stop');
      stopped = true;
      const t0 = performance.now();
      // guests: still answered, from memory, by both
      for (const s of [a, b]) assert.deepEqual(await servedTo(s), { status: 200, uuid: one.uuid, hostname: 'before.novalocal' });
      // health: degraded (still 200: the replica serves), with the reason
      await within(3000, 'A reports degraded', async () => (await health(a)).status === 'degraded');
      const h = await health(a);
      assert.match(h.reason, /change feed is down|cannot read the store/);
      assert.ok(h.degraded_since);
      // writes: 503, code store_unavailable, a clear message, Retry-After
      const w = await api(b, 'PATCH', `/v1/instances/${one.uuid}`, { hostname: 'during' });
      assert.equal(w.status, 503);
      assert.equal(w.json.error.code, 'store_unavailable');
      assert.match(w.json.error.message, /the store postgres:\/\/.* is unavailable \(.+\); retry when it is back/);
      assert.equal(w.headers['retry-after'], '5');
      assert.equal((await api(a, 'POST', '/v1/instances', loopbackInstance())).status, 503);
      // the guest's password POST is a write too: 503 (retryable), not a 500
      const pw = await fetch(`${a.guest}/openstack/latest/password`, { method: 'POST', body: 'secret', signal: AbortSignal.timeout(15_000) });
      assert.equal(pw.status, 503);
      assert.match(await pw.text(), /unavailable/i);
      const down = Math.round(performance.now() - t0);

      pgCtl('start');
      stopped = false;
      const t1 = performance.now();
      // no operator action: both replicas find the store again and resynchronise
      for (const s of [a, b]) await within(15_000, 'recovered', async () => (await health(s)).status === 'ok');
      const recovered = Math.round(performance.now() - t1);
      assert.equal((await api(b, 'PATCH', `/v1/instances/${one.uuid}`, { hostname: 'after' })).status, 200);
      const propagated = await within(1000, 'A serves the change made after the restart', async () => (await servedTo(a)).hostname === 'after.novalocal');
      t.diagnostic(`degraded reason: ${h.reason}`);
      t.diagnostic(`outage checks took ${down} ms; recovered ${recovered} ms after the start; then a change propagated in ${propagated} ms`);
      assert.match(a.stderr(), /degraded: .*guests are answered from the last known state/);
      assert.match(a.stderr(), /recovered: resync/);
    } finally {
      if (stopped) pgCtl('start');
      await r.close();
    }
  });
});
