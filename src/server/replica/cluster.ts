// `kindling serve --workers N`: one process per core on one host. The primary prepares what must
// happen once (the control token, the migrations), then forks N workers that each run the whole
// service (their own index, their own store connection and change feed) on listeners they share
// through node:cluster. The primary answers nothing itself; it says the listeners once all workers
// are ready, restarts a worker that dies, and stops them all on SIGTERM/SIGINT.
//
// Why processes and not threads: the guest path is CPU-bound JavaScript, and a worker_thread would
// need the index copied or serialised across isolates anyway. Scheduling (the primary hands
// connections out round-robin, or workers accept themselves): measured in docs/benchmarks.md.
import cluster, { type Worker } from 'node:cluster';
import { unlinkSync, writeFileSync } from 'node:fs';
import { ConfigError, type ServeConfig } from '../config.js';
import { ensureControlToken } from '../control-token.js';
import { openStore } from '../store/open-store.js';
import { whenStoreAnswers } from './store-wait.js';

/** "[2]" inside a worker (for log lines), "" elsewhere. */
export function workerTag(): string {
  return cluster.isWorker ? `[${cluster.worker?.id ?? '?'}]` : '';
}

const RESTART_DELAY_MS = 1000;
const STOP_GRACE_MS = 10_000;

interface Ready {
  kindling: 'ready';
  /** The listener lines, guest listeners first in configuration order, then the control listener. */
  listening: { line: string; port: number }[];
}

function isReady(m: unknown): m is Ready {
  return (m as { kindling?: unknown })?.kindling === 'ready' && Array.isArray((m as Ready).listening);
}

export async function runPrimary(cfg: ServeConfig, argv: string[], say: (line: string) => void): Promise<number> {
  const { generated } = ensureControlToken(cfg.controlTokenFile);
  const store = openStore(cfg.db);
  try {
    const applied = await whenStoreAnswers('migrating', () => store.migrate(), say);
    if (applied.length) say(`migrated ${store.description}: ${applied.join(', ')}`);
  } catch (e) {
    throw new ConfigError(`cannot open the database ${store.description}: ${(e as Error).message}`);
  } finally {
    await store.close().catch(() => undefined);
  }

  // NODE_CLUSTER_SCHED_POLICY (rr | none) overrides the measured default.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_RR;
  const started = Date.now();
  let stopping = false;
  let readyCount = 0;
  let anyReady = false;
  let announced = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((r) => (finish = r));

  const fork = (): Promise<Ready> => {
    const w = cluster.fork();
    let ready = false;
    return new Promise<Ready>((resolve) => {
      w.on('message', (m: unknown) => {
        if (!isReady(m) || ready) return;
        ready = true;
        anyReady = true;
        readyCount++;
        resolve(m);
        if (!announced && readyCount === cfg.workers) {
          announced = true;
          for (const l of m.listening) say(l.line);
          say(`${cfg.workers} workers ready in ${Date.now() - started} ms (primary pid ${process.pid})`);
          if (generated) say(`generated the control token in ${cfg.controlTokenFile} (mode 0600)`);
          if (cfg.pidFile) writeFileSync(cfg.pidFile, `${process.pid}\n`);
        }
      });
      w.on('exit', (code, signal) => {
        if (ready) readyCount--;
        if (stopping) return;
        // Before any worker got ready, a failing one means the service cannot start (a listener,
        // the store): stop with its status (it said why) rather than fork it forever. Once the
        // service runs, a worker that fails (to start) is replaced, and the others keep serving.
        if (!ready && !anyReady) {
          finish(code === 2 ? 2 : 1);
          return;
        }
        say(`worker ${w.id} (pid ${w.process.pid}) exited (${signal ?? `status ${code}`}); starting another in ${RESTART_DELAY_MS} ms`);
        setTimeout(() => {
          if (!stopping) void fork();
        }, RESTART_DELAY_MS);
      });
    });
  };

  process.once('SIGTERM', () => finish(0));
  process.once('SIGINT', () => finish(0));
  cluster.setupPrimary({ exec: process.argv[1]!, args: ['serve', ...argv], silent: false });
  // Port 0 asks the kernel for a port, and node:cluster shares that port with every worker that
  // listens while another still holds it: so the first worker must be listening before the others
  // (and a restarted worker joins the survivors).
  const anyPortZero = [...cfg.listen, cfg.controlListen].some((l) => l.port === 0);
  const starting = (async () => {
    if (anyPortZero && !(await Promise.race([fork(), finished.then(() => undefined)]))) return;
    for (let i = anyPortZero ? 1 : 0; i < cfg.workers; i++) void fork();
  })();

  const code = await finished;
  await starting;
  stopping = true;
  say(code === 0 ? 'stopping the workers' : 'a worker failed to start; stopping');
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS);
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
