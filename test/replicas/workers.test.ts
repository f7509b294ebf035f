// `kindling serve --workers 2`: several processes share the listeners on one host. A write through
// the control listener lands on one worker; every worker serves it within a second (SQLite: the
// revision poll; PostgreSQL: NOTIFY). A worker that dies is replaced; SIGTERM stops them all.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { acquirePgLock } from '../pg/lock.js';
import { createTestDatabase } from '../pg/database.js';
import { cleanup, startService, type Service } from '../serve/harness.js';
import { api, health, loopbackInstance, servedTo, within } from './helpers.js';

let release: () => Promise<void>;
before(async () => {
  release = await acquirePgLock('shared');
});
after(() => release());

/** The worker pids seen through the control listener (new connections are spread over workers). */
async function workerPids(s: Service, n: number): Promise<Set<number>> {
  const pids = new Set<number>();
  await within(5000, `${n} workers answering`, async () => {
    pids.add((await health(s)).pid);
    return pids.size >= n;
  });
  return pids;
}

/** Every one of `tries` fresh guest connections sees `ok`. */
async function allWorkers(s: Service, tries: number, ok: (r: Awaited<ReturnType<typeof servedTo>>) => boolean): Promise<boolean> {
  for (let i = 0; i < tries; i++) if (!ok(await servedTo(s))) return false;
  return true;
}

async function exercise(s: Service, t: { diagnostic(m: string): void }): Promise<void> {
  const pids = await workerPids(s, 2);
  assert.ok(!pids.has(s.proc.pid!), 'the primary answers nothing itself');
  const one = loopbackInstance();
  assert.equal((await api(s, 'POST', '/v1/instances', one)).status, 201);
  const created = await within(1000, 'every worker serves it', () => allWorkers(s, 6, (r) => r.uuid === one.uuid));
  assert.equal((await api(s, 'DELETE', `/v1/instances/${one.uuid}`)).status, 204);
  const deleted = await within(1000, 'no worker serves it', () => allWorkers(s, 6, (r) => r.status === 404));
  t.diagnostic(`workers ${[...pids].join(', ')}: created served by all in ${created} ms, deletion in ${deleted} ms`);

  // a worker killed is replaced, and the service keeps answering meanwhile
  const victim = [...pids][0]!;
  process.kill(victim, 'SIGKILL');
  // Until the primary has seen the exit, round-robin may still hand it a connection, which is
  // then lost (a guest's request times out and is retried): wait for that, as a guest would.
  const exited = new RegExp(`worker \\d+ \\(pid ${victim}\\) exited \\(SIGKILL\\); starting another`);
  await within(5000, 'the primary notices', async () => exited.test(s.stderr()));
  const two = loopbackInstance();
  assert.equal((await api(s, 'POST', '/v1/instances', two)).status, 201);
  await within(5000, 'a replacement worker', async () => {
    const seen = await workerPids(s, 2);
    return !seen.has(victim) || seen.size > 2;
  });
  await within(1000, 'every worker, the new one too, serves the instance', () => allWorkers(s, 6, (r) => r.uuid === two.uuid));
}

test('--workers 2 on SQLite: all workers follow one file', async (t) => {
  const s = await startService(['--workers', '2', '--access-log', 'off']);
  try {
    await exercise(s, t);
  } finally {
    assert.equal(await s.stop(), 0);
    await cleanup(s);
  }
  assert.match(s.stderr(), /2 workers ready in \d+ ms/);
});

test('--workers 2 on PostgreSQL', async (t) => {
  const db = await createTestDatabase();
  const s = await startService(['--workers', '2', '--access-log', 'off', '--db', db.url]);
  try {
    await exercise(s, t);
  } finally {
    assert.equal(await s.stop(), 0);
    await cleanup(s);
    await db.drop();
  }
});

test('--workers: bad values are refused', async () => {
  const { serveFails } = await import('../serve/harness.js');
  for (const v of ['0', 'x', '1.5']) {
    const r = serveFails(['--workers', v, '--listen', '127.0.0.1:0']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--workers: .* is not a number from 1 to 256 or auto/);
  }
});
