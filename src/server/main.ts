// The composition root of `kindling serve`: configuration, store, registry, the in-memory index
// kept in step with the store, and the listeners. The store adapter is chosen in open-store.ts.
import cluster from 'node:cluster';
import { createHmac } from 'node:crypto';
import { createWriteStream, unlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { NO_ACCESS_LOG, StreamAccessLog, type AccessLog } from './access-log.js';
import { createApp } from './app.js';
import { ConfigError, loadServeConfig, serveHelp, type ListenSpec, type ServeConfig } from './config.js';
import { ensureControlToken } from './control-token.js';
import { InstanceIndex } from './guest/instance-index.js';
import type { RenderContext } from './guest/render-context.js';
import { createControlServer } from './http/control-server.js';
import { createGuestServer } from './http/guest-http1.js';
import { Registry } from './registry/registry.js';
import { runPrimary, workerTag } from './replica/cluster.js';
import { IndexSync } from './replica/index-sync.js';
import { whenStoreAnswers } from './replica/store-wait.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

export const VERSION = '0.1.0';

export interface ServeIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use',
  EADDRNOTAVAIL: 'no interface has this address',
  EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  EINVAL: 'invalid address (an IPv6 link-local address needs its %interface)',
};

function listenOn(server: Server | NetServer, spec: ListenSpec): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => reject(new ConfigError(`cannot listen on ${spec.text}: ${LISTEN_ERRORS[e.code ?? ''] ?? e.message}${e.code ? ` (${e.code})` : ''}`));
    server.once('error', onError);
    server.listen({ host: spec.host, port: spec.port, backlog: 4096 }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function shown(a: AddressInfo, zoneFrom: ListenSpec): string {
  const host = a.family === 'IPv6' ? `[${zoneFrom.host.includes('%') ? zoneFrom.host : a.address}]` : a.address;
  return `${host}:${a.port}`;
}

function openAccessLog(cfg: ServeConfig, io: ServeIo): AccessLog {
  if (cfg.accessLog === 'off') return NO_ACCESS_LOG;
  if (cfg.accessLog === '-') return new StreamAccessLog(io.stdout as unknown as import('node:stream').Writable);
  const stream = createWriteStream(cfg.accessLog, { flags: 'a', mode: 0o640 });
  return new StreamAccessLog(stream);
}

/** What the composition root above the service plugs in (code the service must not import itself). */
export interface ServeDeps {
  /** network_data.json → NoCloud network-config, for NoCloud seed images. */
  nocloudNetworkConfig(networkDataJson: string): string;
}

/** Runs the service until SIGTERM/SIGINT; resolves to the exit status. */
/**
 * A replica's heap is mostly its index: long-lived, and only slowly changing once loaded. V8 lets
 * the heap grow to about twice what was live after the last full collection before it collects
 * again, so a replica of 100,000 instances with 150 MB live sat at 330-360 MiB of RSS. Once the
 * start-up load is in, the heap grows by at most 15% between full collections, which kept it at
 * 280-300 MiB in the same runs (docs/benchmarks.md); V8's incremental marking spreads the extra
 * full collections out. Not while loading: the heap grows fast then, and collecting more often
 * cost start-up time (1.5 -> 1.75 s at 50%, pinned to one CPU). An operator's own
 * --heap-growing-percent (NODE_OPTIONS or the node command line) wins.
 */
const HEAP_GROWTH_SERVING = 15;

function tuneHeap(env: NodeJS.ProcessEnv, percent: number): void {
  const given = [...process.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--heap-growing-percent'));
  if (!given) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

export async function serve(argv: string[], deps: ServeDeps, io: ServeIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const say = (line: string) => io.stderr.write(`kindling${workerTag()}: ${line}\n`);
  if (argv.includes('-h') || argv.includes('--help')) {
    io.stdout.write(serveHelp());
    return 0;
  }
  let store: Store | undefined;
  let sync: IndexSync | undefined;
  const servers: (Server | NetServer)[] = [];
  const guestSockets = new Set<Socket>();
  try {
    const cfg = loadServeConfig(argv, io.env);
    if (cfg.workers > 1 && cluster.isPrimary) return await runPrimary(cfg, argv, say);
    const { token, generated } = ensureControlToken(cfg.controlTokenFile);

    try {
      store = openStore(cfg.db);
      const opened = store;
      await whenStoreAnswers('migrating', () => opened.migrate(), say);
    } catch (e) {
      throw new ConfigError(`cannot open the database ${store?.description ?? cfg.db}: ${(e as Error).message}`);
    }
    const ctx: RenderContext = { dhcpDomain: cfg.dhcpDomain, vendorData: cfg.vendorData, region: cfg.region, now: Date.now };
    const index = new InstanceIndex(ctx, cfg.viewCache);
    const registry = new Registry(store);
    registry.onChange((c) => index.apply(c));
    let ready = false;
    // Loads every instance and follows every later change, whichever process or replica makes it.
    const liveStore0 = store;
    sync = await whenStoreAnswers('loading the instances', async () => {
      const s = new IndexSync(liveStore0, index, say);
      await s.start();
      return s;
    }, say);
    const liveSync = sync;
    tuneHeap(io.env, HEAP_GROWTH_SERVING);

    const log = openAccessLog(cfg, io);
    const liveStore = store;
    const app = createApp({
      registry,
      index,
      ctx,
      log,
      ...(cfg.rateLimit ? { rateLimit: cfg.rateLimit } : {}),
      trustedProxies: cfg.trustedProxies,
      ...(cfg.proxySecret ? { proxySecret: cfg.proxySecret } : {}),
      // Workers and replicas sharing the control token agree on the IMDSv2 token key without
      // further set-up; --imds-token-key-file overrides it (replicas on several hosts).
      tokenKey: cfg.tokenKey ?? createHmac('sha256', token).update('kindling IMDSv2 token key').digest(),
      control: {
        token,
        version: VERSION,
        notReady: () => (ready ? undefined : 'starting'),
        degraded: () => liveSync.degradedReason(),
        health: () => ({ instances: index.size, store: liveStore.description, version: VERSION, pid: process.pid, ...liveSync.health() }),
        logError: (m) => say(m),
      },
      drives: { publisher: `Kindling ${VERSION}`, nocloudNetworkConfig: deps.nocloudNetworkConfig },
    });
    const onGuestError = (e: unknown) => say(`guest request failed: ${(e as Error)?.message ?? e}`);
    // A worker reports its listeners to the primary, which says them once for all (cluster.ts).
    const listening: { line: string; port: number }[] = [];
    const sayListening = (line: string, port: number) => (cluster.isWorker ? listening.push({ line, port }) : say(line));
    for (const spec of cfg.listen) {
      const server = createGuestServer(app.guest(spec.identify, spec.text), onGuestError);
      // keep-alive guests must not hold a stopping service open
      server.on('connection', (c) => {
        guestSockets.add(c);
        c.once('close', () => guestSockets.delete(c));
      });
      servers.push(server);
      const a = await listenOn(server, spec);
      sayListening(`guest listener on ${shown(a, spec)} (identify=${spec.identify})`, a.port);
    }
    const control = createControlServer(app.control, log);
    servers.push(control);
    const ca = await listenOn(control, cfg.controlListen);
    sayListening(`control listener on ${shown(ca, cfg.controlListen)} (store ${store.description}, ${index.size} instances)`, ca.port);
    // said last, so that a start that fails still prints exactly one line
    if (generated) say(`generated the control token in ${cfg.controlTokenFile} (mode 0600)`);
    if (cfg.pidFile && !cluster.isWorker) writeFileSync(cfg.pidFile, `${process.pid}\n`);
    ready = true;
    if (cluster.isWorker) process.send?.({ kindling: 'ready', listening });

    const code = await new Promise<number>((resolve) => {
      const stop = (sig: string) => {
        say(`${sig}: stopping`);
        resolve(0);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      // a worker whose primary is gone (even killed) stops too
      if (cluster.isWorker) process.once('disconnect', () => stop('primary gone'));
    });
    for (const c of guestSockets) c.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => {
      s.close(r);
      if ('closeAllConnections' in s) s.closeAllConnections();
    })));

    log.flush();
    await sync.close();
    await store.close();
    if (cfg.pidFile && !cluster.isWorker) {
      try {
        unlinkSync(cfg.pidFile);
      } catch {
        /* already gone */
      }
    }
    // a worker's IPC channel would keep it alive after everything else is closed
    if (cluster.isWorker) process.disconnect?.();
    return code;
  } catch (e) {
    for (const s of servers) s.close();
    await sync?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    if (e instanceof ConfigError) {
      say(e.message);
      return 2;
    }
    say(`failed: ${(e as Error)?.stack ?? e}`);
    return 1;
  }
}
