import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { seedInstance } from '../../wire/instance.fixture.js';
import { InstanceIndex } from './instance-index.js';
import { share, sharedCount } from './shared-text.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ctx = { dhcpDomain: 'novalocal', vendorData: {}, now: () => Date.parse('2026-01-01T00:00:00Z') };
const SEED = /"random_seed": "[A-Za-z0-9+/=]{684}"/;

test('one piece per text', () => {
  const a = share('a'.repeat(80));
  assert.equal(share(`${'a'.repeat(40)}${'a'.repeat(40)}`), a);
  assert.notEqual(share('b'.repeat(80)), a);
  assert.equal(a.text, 'a'.repeat(80));
});

test("views of a fleet keep its shared members once, and serve each instance's own bytes", () => {
  const index = new InstanceIndex(ctx, 1000);
  const before = sharedCount();
  const fleet = Array.from({ length: 300 }, (_, j) =>
    seedInstance({ uuid: `00000000-0000-4000-8000-${String(j).padStart(12, '0')}`, name: `vm-${j}`, hostname: `vm-${j}`, meta: j === 7 ? { n: '7', é: 'ü' } : { role: 'web', é: 'ü' }, addresses: [{ ip: `10.0.1.${j & 255}`, mac: `fa:16:3e:00:01:${(j & 255).toString(16).padStart(2, '0')}` }] }),
  );
  for (const i of fleet) index.upsert(i);
  for (const i of fleet) {
    const r = index.byUuid(i.uuid)!.view().metaData('2025-04-04');
    const text = r.body.toString('utf8');
    assert.match(text, SEED);
    const doc = JSON.parse(text);
    assert.equal(doc.uuid, i.uuid);
    assert.equal(doc.hostname, `${i.hostname}.novalocal`);
    assert.deepEqual(doc.meta, i.name === 'vm-7' ? { n: '7', é: 'ü' } : { role: 'web', é: 'ü' });
    assert.equal(r.head[3], String(r.body.length));
    assert.equal(r.raw!.subarray(0, r.raw!.length - r.body.length).toString('latin1'), `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${r.body.length}\r\n\r\n`);
  }
  // the runs of members that are not the instance's name or uuid, and a head per body length, not
  // one copy per view (vm-7's metadata is its own)
  assert.ok(sharedCount() - before < 12, `${sharedCount() - before} pieces`);
});

test('a piece no view holds any more leaves the table', async () => {
  let held: unknown = share(`gone ${'x'.repeat(100)}`);
  const n = sharedCount();
  held = undefined;
  for (let i = 0; i < 50 && sharedCount() >= n; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(held, undefined);
  assert.ok(sharedCount() < n);
});
