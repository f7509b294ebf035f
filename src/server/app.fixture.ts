// A socketless app for unit tests: an in-memory SQLite store, the registry, the index and
// createApp(), with a settable clock. Requests are hand-built; the peer is passed in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { NO_ACCESS_LOG } from './access-log.js';
import { createApp, type AppDeps } from './app.js';
import { InstanceIndex } from './guest/instance-index.js';
import type { Reply } from './guest/reply.js';
import type { GuestRequest } from './guest/request.js';
import type { IdentifyMode } from './identify/identify.js';
import { Registry } from './registry/registry.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';

export const SEED = JSON.parse(readFileSync('examples/seed-instance.json', 'utf8')) as Record<string, any>;
export const GUEST = '169.254.0.2';

export interface AskOptions {
  peer?: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

export type Answer = Reply & { text: string; type: string; header(name: string): string | undefined };

export async function testApp(opts: { now?: number; mode?: IdentifyMode; viewCache?: number } & Partial<Pick<AppDeps, 'rateLimit' | 'trustedProxies' | 'proxySecret'>> = {}) {
  const clock = { now: opts.now ?? Date.parse('2026-01-01T00:00:00Z') };
  const store = new SqliteStore(':memory:');
  await store.migrate();
  const ctx = { dhcpDomain: 'novalocal', vendorData: {}, region: 'RegionOne', now: () => clock.now };
  const index = new InstanceIndex(ctx, opts.viewCache);
  const registry = new Registry(store);
  // every app test serves packed records (record-codec.ts), as a replica does once loaded
  registry.onChange((c) => {
    index.apply(c);
    index.packAll();
  });
  const app = createApp({
    registry, index, ctx, log: NO_ACCESS_LOG,
    control: { token: 't'.repeat(32), version: 'test', notReady: () => undefined, health: () => ({}), logError: () => {} },
    drives: { publisher: 'Kindling test', nocloudNetworkConfig: () => 'version: 1\nconfig: []\n' },
    ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
    ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
    ...(opts.proxySecret ? { proxySecret: opts.proxySecret } : {}),
  });
  const guest = app.guest(opts.mode ?? 'source-ip', 'test');
  const ask = async (target: string, o: AskOptions = {}): Promise<Answer> => {
    const headers = Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const req: GuestRequest = {
      method: o.method ?? 'GET',
      target,
      peer: o.peer ?? GUEST,
      header: (n) => headers[n],
      ...(o.body !== undefined ? { body: Buffer.from(o.body), bodyTooLarge: o.body.length > 4096 } : {}),
    };
    const r = await guest(req);
    const header = (n: string) => {
      const i = r.head.findIndex((h, k) => k % 2 === 0 && h.toLowerCase() === n.toLowerCase());
      return i < 0 ? undefined : r.head[i + 1];
    };
    assert.equal(header('content-length'), String(r.body.length));
    return { ...r, text: r.body.toString('utf8'), type: header('content-type') ?? '', header };
  };
  return { clock, store, registry, index, ask };
}
