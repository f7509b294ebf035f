// `kindling db migrate|status|copy`: the operator moves a fleet from an SQLite file into
// PostgreSQL, verifies it, runs the copy again (nothing to write), repairs a target that drifted,
// and a replica on the target serves what the SQLite service served, the guest's password included.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { acquirePgLock } from '../pg/lock.js';
import { createTestDatabase } from '../pg/database.js';
import { api, BIN, cleanup, http, startService } from '../serve/harness.js';
import { loopbackInstance, servedTo } from './helpers.js';

let release: () => Promise<void>;
before(async () => {
  release = await acquirePgLock('shared');
});
after(() => release());

function kindling(args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('db migrate and status', async () => {
  const db = await createTestDatabase();
  try {
    const m1 = kindling(['db', 'migrate', '--db', db.url]);
    assert.equal(m1.status, 0, m1.err);
    assert.match(m1.out, /applied 0001-instances/);
    assert.match(kindling(['db', 'migrate', '--db', db.url]).out, /up to date/);
    const st = kindling(['db', 'status', '--db', db.url, '--json']);
    assert.equal(st.status, 0, st.err);
    const j = JSON.parse(st.out);
    assert.deepEqual([j.pending, j.revision, j.instances], [[], 0, 0]);
    assert.ok(j.applied.includes('0001-instances'));
    // the description never carries a password
    const withPw = new URL(db.url);
    withPw.password = 'sekrit';
    const st2 = kindling(['db', 'status', '--db', withPw.toString()]);
    assert.doesNotMatch(st2.out + st2.err, /sekrit/);
    // errors: no such file, an unreachable server, a bad command
    assert.match(kindling(['db', 'status', '--db', '/nonexistent/kindling.db']).err, /no database at \/nonexistent\/kindling.db/);
    const down = kindling(['db', 'status', '--db', 'postgres://postgres@127.0.0.1:1/x']);
    assert.equal(down.status, 1);
    assert.match(down.err, /is unavailable \(connect ECONNREFUSED/);
    assert.equal(kindling(['db', 'frobnicate']).status, 2);
  } finally {
    await db.drop();
  }
});

test('db copy: SQLite → PostgreSQL, verified, idempotent, repairs drift; a replica serves the copy', async () => {
  const db = await createTestDatabase();
  const src = await startService(['--access-log', 'off']);
  const file = join(src.dir, 'kindling.db');
  let dst: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const guest = loopbackInstance({ user_data: '#!/bin/sh\necho \u00e9t\u00e9\n' });
    assert.equal((await api(src, 'POST', '/v1/instances', guest)).status, 201);
    for (let i = 0; i < 25; i++) {
      const r = await api(src, 'POST', '/v1/instances', { name: `vm-${i}`, hostname: `vm-${i}`, addresses: [{ ip: `10.9.0.${i + 1}`, mac: `fa:16:3e:09:00:${(i + 1).toString(16).padStart(2, '0')}` }], meta: { i: String(i) } });
      assert.equal(r.status, 201, r.text);
    }
    const gone = (await api(src, 'POST', '/v1/instances', { name: 'gone' })).json.uuid;
    assert.equal((await api(src, 'DELETE', `/v1/instances/${gone}`)).status, 204);
    // the guest sets its password (only the guest can)
    assert.equal((await http(`${src.guest}/openstack/latest/password`, { method: 'POST', body: 'guest-set-pw' })).status, 200);
    await src.stop();

    const first = kindling(['db', 'copy', '--from', `sqlite:${file}`, '--to', db.url]);
    assert.equal(first.status, 0, first.out + first.err);
    assert.match(first.out, /applied 0001-instances/);
    assert.match(first.out, /wrote 26 instances/);
    assert.match(first.out, /verified: 26 identical, 0 differing, 0 missing, 0 only in the target/);
    const again = kindling(['db', 'copy', '--from', file, '--to', db.url]);
    assert.equal(again.status, 0, again.err);
    assert.match(again.out, /wrote 0 instances/);
    assert.equal(kindling(['db', 'copy', '--check', '--from', file, '--to', db.url]).status, 0);

    // a replica on the target serves what the SQLite service served
    dst = await startService(['--access-log', 'off', '--db', db.url]);
    assert.equal((await servedTo(dst)).uuid, guest.uuid);
    const pw = await http(`${dst.guest}/openstack/latest/password`);
    assert.equal(pw.text, 'guest-set-pw');
    assert.equal((await http(`${dst.guest}/openstack/latest/user_data`)).text, guest.user_data);
    // any instance but the guest's (the list is in uuid order, and the guest's uuid is random)
    const a = (await api(dst, 'GET', '/v1/instances?limit=2')).json.instances.find((i: { uuid: string }) => i.uuid !== guest.uuid);

    // drift: one deleted, one changed, one added on the target
    assert.equal((await api(dst, 'DELETE', `/v1/instances/${a.uuid}`)).status, 204);
    assert.equal((await api(dst, 'PATCH', `/v1/instances/${guest.uuid}`, { hostname: 'drifted' })).status, 200);
    const extra = (await api(dst, 'POST', '/v1/instances', { name: 'extra' })).json.uuid;
    const check = kindling(['db', 'copy', '--check', '--from', file, '--to', db.url]);
    assert.equal(check.status, 1);
    assert.match(check.out, /24 identical, 1 differing, 1 missing, 1 only in the target/);
    assert.ok(check.out.includes(extra) && check.out.includes(a.uuid) && check.out.includes(guest.uuid));
    const repair = kindling(['db', 'copy', '--from', file, '--to', db.url, '--prune']);
    assert.equal(repair.status, 0, repair.out + repair.err);
    assert.match(repair.out, /wrote 2 instances, deleted 1 only in the target/);
    assert.match(repair.out, /verified: 26 identical, 0 differing, 0 missing, 0 only in the target/);
    // the running replica followed the repair (NOTIFY)
    const t0 = Date.now();
    while ((await servedTo(dst)).hostname !== 'rhel.novalocal') assert.ok(Date.now() - t0 < 1000, 'the replica did not follow the copy');

    // and back: PostgreSQL → a new SQLite file
    const back = join(src.dir, 'back.db');
    const r = kindling(['db', 'copy', '--from', db.url, '--to', back]);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /verified: 26 identical/);
    assert.equal(kindling(['db', 'copy', '--check', '--from', file, '--to', back]).status, 0);
  } finally {
    if (dst) await cleanup(dst);
    await cleanup(src);
    await db.drop();
  }
});
