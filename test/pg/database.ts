// Throwaway PostgreSQL databases for tests, on the server this machine kind runs on 127.0.0.1:5432
// (trust auth). Each test gets its own database, named after the creating process, and drops it
// afterwards, so that parallel test files and other engineers never share state. Databases left
// by a crashed run (their process is gone) are dropped by the next run.
//
// The server is shared and one test restarts it: connecting retries through a short outage, and
// tests that must not see a restart hold the shared side of a machine-wide lock (pgLock) while the
// restart test takes the exclusive side.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { processAlive } from '../support/process.js';

export const PG_BASE_URL = process.env.KINDLING_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const PREFIX = 'kindling_t_';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const u = new URL(PG_BASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A connected admin client, retrying for up to `ms` while the server is (re)starting. */
export async function adminClient(ms = 60_000): Promise<pg.Client> {
  const deadline = Date.now() + ms;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const c = new pg.Client({ connectionString: PG_BASE_URL, connectionTimeoutMillis: 5000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      return c;
    } catch (e) {
      await c.end().catch(() => undefined);
      if (Date.now() + delay > deadline) throw new Error(`PostgreSQL at ${PG_BASE_URL} is not reachable: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}


let swept = false;

async function sweep(c: pg.Client): Promise<void> {
  if (swept) return;
  swept = true;
  const rows = (await c.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${PREFIX}%`])).rows;
  for (const { datname } of rows) {
    const pid = Number(/^kindling_t_(\d+)_/.exec(datname)?.[1]);
    if (pid && !processAlive(pid)) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  }
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  // A restart between connecting and the statement: one more try on a fresh connection.
  for (let attempt = 0; ; attempt++) {
    const c = await adminClient();
    try {
      return await fn(c);
    } catch (e) {
      if (attempt >= 3 || !/terminat|shut|connection|ECONN/i.test(String((e as Error).message))) throw e;
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(async (c) => {
    await sweep(c);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  return {
    name,
    url: urlFor(name),
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
