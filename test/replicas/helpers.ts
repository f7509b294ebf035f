// Shared steps of the replica tests: services on a throwaway PostgreSQL database, what a guest on
// loopback is served, and waiting for a condition with a deadline.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { api, cleanup, loopbackSeed, startService, type Service } from '../serve/harness.js';
import { createTestDatabase, type TestDatabase } from '../pg/database.js';

export interface Replicas {
  db: TestDatabase;
  services: Service[];
  close(): Promise<void>;
}

export async function startReplicas(n: number, extra: string[] = []): Promise<Replicas> {
  const db = await createTestDatabase();
  const services: Service[] = [];
  try {
    // one at a time: the first migrates, the others find the schema in place
    for (let i = 0; i < n; i++) services.push(await startService(['--db', db.url, '--access-log', 'off', ...extra]));
  } catch (e) {
    await Promise.all(services.map(cleanup));
    await db.drop();
    throw e;
  }
  return {
    db,
    services,
    async close() {
      await Promise.all(services.map((s) => cleanup(s)));
      await db.drop();
    },
  };
}

/** A GET on a fresh connection that gives up after `ms` (a test must fail, not hang). */
export function get(url: string, ms = 3000): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: ms }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${ms} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** What the guest listener serves to 127.0.0.1: the instance's uuid and hostname, or the status. */
export async function servedTo(s: Service): Promise<{ status: number; uuid?: string; hostname?: string }> {
  const r = await get(`${s.guest}/openstack/latest/meta_data.json`);
  if (r.status !== 200) return { status: r.status };
  return { status: 200, uuid: r.json.uuid, hostname: r.json.hostname };
}

/** Polls `cond` until true; resolves to the milliseconds it took, rejects after `ms`. */
export async function within(ms: number, what: string, cond: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await cond()) return Math.round(performance.now() - t0);
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The seed's instance with a fresh uuid, identified by 127.0.0.1 (the test's own address). */
export function loopbackInstance(over: Record<string, unknown> = {}): Record<string, any> {
  return { ...loopbackSeed(), uuid: randomUUID(), ...over };
}

export async function health(s: Service): Promise<Record<string, any>> {
  return (await get(`${s.control}/healthz`)).json;
}

export { api };
