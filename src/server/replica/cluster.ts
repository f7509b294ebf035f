// `kindling serve --workers N`: one process per core on one host. The primary prepares what must
// happen once (the control token, the migrations), then forks N workers that each run the whole
// service (their own index, their own store connection and change feed) on listeners they share
// through node:cluster. The primary answers nothing itself; it restarts a worker that dies and
// stops them all on SIGTERM/SIGINT.
//
// Why processes and not threads: the guest path is CPU-bound JavaScript, and a worker_thread would
// need the index copied or serialised across isolates anyway. Why round-robin (the primary accepts
// and hands connections over) rather than letting workers accept: measured in docs/benchmarks.md.
import cluster, { type Worker } from 'node:cluster';
import { writeFileSync, unlinkSync } from 'node:fs';
import { ConfigError, type ServeConfig } from '../config.js';
import { ensureControlToken } from '../control-token.js';
import { openStore } from '../store/open-store.js';

/** "[2]" inside a worker (for log lines), "" elsewhere. */
export function workerTag(): string {
  return cluster.isWorker ? `[${cluster.worker?.id ?? '?'}]` : '';
}

const RESTART_DELAY_MS = 1000;

export async function runPrimary(cfg: ServeConfig, argv: string[], say: (line: string) => void): Promise<number> {
  const { generated } = ensureControlToken(cfg.controlTokenFile);
  const store = openStore(cfg.db);
  try {
    const applied = await store.migrate();
    if (applied.length) say(`migrated ${store.description}: ${applied.join(', ')}`);
  } catch (e) {
    throw new ConfigError(`cannot open the database ${store.description}: ${(e as Error).message}`);
  } finally {
    await store.close().catch(() => undefined);
  }

  // The policy must be set before the first fork; NODE_CLUSTER_SCHED_POLICY=none overrides it.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_RR;
  cluster.setupPrimary({ exec: process.argv[1]!, args: ['serve', ...argv], silent: false });

  let stopping = false;
  let readyCount = 0;
  let announced = false;
  const started = Date.now();
  let resolveFirstFailure: (code: number) => void = () => undefined;
  const firstFailure = new Promise<number>((r) => (resolveFirstFailure = r));

  const fork = (): Worker => {
    const w = cluster.fork();
    let ready = false;
    w.on('message', (m: unknown) => {
      if ((m as { kindling?: string })?.kindling !== 'ready' || ready) return;
      ready = true;
      readyCount++;
      if (!announced && readyCount === cfg.workers) {
        announced = true;
        say(`${cfg.workers} workers ready in ${Date.now() - started} ms (pid ${process.pid})`);
        if (generated) say(`generated the control token in ${cfg.controlTokenFile} (mode 0600)`);
        if (cfg.pidFile) writeFileSync(cfg.pidFile, `${process.pid}\n`);
      }
    });
    w.on('exit', (code, signal) => {
      if (ready) readyCount--;
      if (stopping) return;
      // A worker that never got ready failed to start (bad listener, unreachable store): give up
      // with its status rather than fork it forever.
      if (!ready) {
        resolveFirstFailure(code === 2 ? 2 : 1);
        return;
      }
      say(`worker ${w.id} (pid ${w.process.pid}) exited (${signal ?? `status ${code}`}); starting another in ${RESTART_DELAY_MS} ms`);
      setTimeout(() => {
        if (!stopping) fork();
      }, RESTART_DELAY_MS);
    });
    return w;
  };
  for (let i = 0; i < cfg.workers; i++) fork();

  const code = await Promise.race([
    firstFailure,
    new Promise<number>((resolve) => {
      process.once('SIGTERM', () => resolve(0));
      process.once('SIGINT', () => resolve(0));
    }),
  ]);
  stopping = true;
  say(code === 0 ? 'stopping the workers' : 'a worker failed to start; stopping');
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const kill = setTimeout(() => w.process.kill('SIGKILL'), 10_000);
          w.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          w.process.kill('SIGTERM');
        }),
    ),
  );
  if (cfg.pidFile && announced) {
    try {
      unlinkSync(cfg.pidFile);
    } catch {
      /* already gone */
    }
  }
  return code;
}
