// Crash safety, on both stores: kill -9 a service in the middle of a burst of control-API writes.
// Every write it acknowledged must be in the store afterwards, whole (an acknowledgement is sent
// only after the commit). Writes cut off in flight may or may not be there, but never half.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { acquirePgLock } from '../pg/lock.js';
import { api, cleanup, startService, type Service } from '../serve/harness.js';
import { health, startReplicas, within } from './helpers.js';

let release: () => Promise<void>;
before(async () => {
  release = await acquirePgLock('shared');
});
after(() => release());

interface Burst {
  acked: Map<string, string>; // uuid → name
  attempted: number;
}

/** Creates instances with `parallel` requests in flight; kills the service after `killAfter` acks. */
async function burstThenKill(s: Service, killAfter: number, parallel = 8): Promise<Burst> {
  const acked = new Map<string, string>();
  let attempted = 0;
  let killed = false;
  const worker = async (w: number) => {
    for (let i = 0; !killed; i++) {
      const uuid = randomUUID();
      const name = `burst-${w}-${i}`;
      attempted++;
      try {
        const r = await api(s, 'POST', '/v1/instances', {
          uuid, name, hostname: name,
          addresses: [{ ip: `10.${70 + w}.${i >> 8}.${i & 255}`, mac: `fa:16:3e:${(70 + w).toString(16)}:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}` }],
          user_data: `#cloud-config\nhostname: ${name}\n`,
        });
        if (r.status !== 201) throw new Error(`create answered ${r.status}: ${r.text}`);
        acked.set(uuid, name);
        if (acked.size >= killAfter && !killed) {
          killed = true;
          s.proc.kill('SIGKILL');
        }
      } catch (e) {
        if (killed) return; // the connection died with the process
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, (_, w) => worker(w)));
  await new Promise((r) => (s.proc.exitCode !== null || s.proc.signalCode !== null ? r(null) : s.proc.once('exit', r)));
  return { acked, attempted };
}

async function assertAllPresent(s: Service, burst: Burst): Promise<void> {
  for (const [uuid, name] of burst.acked) {
    const r = await api(s, 'GET', `/v1/instances/${uuid}`);
    assert.equal(r.status, 200, `acknowledged ${uuid} is missing`);
    assert.equal(r.json.name, name);
    assert.equal(r.json.hostname, name);
  }
}

test('SQLite: kill -9 mid-burst loses no acknowledged write, and the file stays sound', async (t) => {
  const s = await startService(['--access-log', 'off']);
  const burst = await burstThenKill(s, 150);
  assert.equal(s.proc.signalCode, 'SIGKILL');
  const again = await startService(['--access-log', 'off'], { dir: s.dir });
  try {
    await assertAllPresent(again, burst);
    const total = (await health(again)).instances as number;
    assert.ok(total >= burst.acked.size && total <= burst.attempted);
    t.diagnostic(`${burst.acked.size} acknowledged, ${burst.attempted} attempted, ${total} present after the restart`);
    const db = new Database(join(s.dir, 'kindling.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  } finally {
    await cleanup(again);
  }
});

test('PostgreSQL: kill -9 of one replica mid-burst loses no acknowledged write; the other replica has them all', async (t) => {
  const r = await startReplicas(2);
  const [a, b] = r.services as [Service, Service];
  try {
    const burst = await burstThenKill(a, 150);
    assert.equal(a.proc.signalCode, 'SIGKILL');
    await assertAllPresent(b, burst);
    // B's index followed every committed write, including any that A could not acknowledge
    const stored = (await api(b, 'GET', '/v1/instances?limit=1000')).json.instances.length as number;
    await within(1000, "B's index holds every stored instance", async () => (await health(b)).instances === stored);
    t.diagnostic(`${burst.acked.size} acknowledged, ${burst.attempted} attempted, ${stored} stored`);
    // and A, started again on the same database, serves them too
    const again = await startService(['--db', r.db.url, '--access-log', 'off'], { dir: a.dir });
    r.services[0] = again;
    assert.equal((await health(again)).instances, stored);
  } finally {
    await r.close();
  }
});
