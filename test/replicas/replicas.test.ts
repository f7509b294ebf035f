// Two `kindling serve` processes on one PostgreSQL database: what one is told, the other serves
// within a second (LISTEN/NOTIFY), in both directions, for creation, change and deletion.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquirePgLock } from '../pg/lock.js';
import { api, health, loopbackInstance, servedTo, startReplicas, within } from './helpers.js';

let release: () => Promise<void>;
before(async () => {
  release = await acquirePgLock('shared');
});
after(() => release());

test('two replicas: a change made through either is served by the other within 1 s', async (t) => {
  const r = await startReplicas(2);
  const [a, b] = r.services as [typeof r.services[0], typeof r.services[0]];
  try {
    assert.equal((await servedTo(b)).status, 404);

    const one = loopbackInstance({ hostname: 'one' });
    assert.equal((await api(a, 'POST', '/v1/instances', one)).status, 201);
    const created = await within(1000, 'B serves what A created', async () => (await servedTo(b)).uuid === one.uuid);

    assert.equal((await api(b, 'PATCH', `/v1/instances/${one.uuid}`, { hostname: 'renamed' })).status, 200);
    const changed = await within(1000, 'A serves what B changed', async () => (await servedTo(a)).hostname === 'renamed.novalocal');

    assert.equal((await api(a, 'DELETE', `/v1/instances/${one.uuid}`)).status, 204);
    const deleted = await within(1000, 'B stops serving what A deleted', async () => (await servedTo(b)).status === 404);

    // the other direction, and the same address taken by a new instance
    const two = loopbackInstance({ hostname: 'two' });
    assert.equal((await api(b, 'POST', '/v1/instances', two)).status, 201);
    const created2 = await within(1000, 'A serves what B created', async () => (await servedTo(a)).uuid === two.uuid);
    assert.equal((await api(b, 'DELETE', `/v1/instances/${two.uuid}`)).status, 204);
    const deleted2 = await within(1000, 'A stops serving what B deleted', async () => (await servedTo(a)).status === 404);

    t.diagnostic(`propagation ms: create A→B ${created}, change B→A ${changed}, delete A→B ${deleted}, create B→A ${created2}, delete B→A ${deleted2}`);
    const [ha, hb] = [await health(a), await health(b)];
    assert.equal(ha.status, 'ok');
    assert.equal(ha.revision, hb.revision);
    assert.equal(ha.instances, 0);
  } finally {
    await r.close();
  }
});

test('a replica started later loads what the others wrote', async () => {
  const r = await startReplicas(1);
  try {
    const [a] = r.services;
    const one = loopbackInstance();
    assert.equal((await api(a!, 'POST', '/v1/instances', one)).status, 201);
    const { startService, cleanup } = await import('../serve/harness.js');
    const c = await startService(['--db', r.db.url, '--access-log', 'off']);
    try {
      assert.equal((await servedTo(c)).uuid, one.uuid);
      assert.equal((await health(c)).instances, 1);
    } finally {
      await cleanup(c);
    }
  } finally {
    await r.close();
  }
});
