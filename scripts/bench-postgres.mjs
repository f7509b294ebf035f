// Benchmark (not a test): kindling replicas on the PostgreSQL store at fleet size (issue 8).
// 100,000 instances in PostgreSQL; meta_data.json requests spread at random over all of them,
// identified by Neutron's signed proxy headers; nginx serves the same documents from one file per
// instance, chosen by the same X-Instance-ID header, in the same run. Reports:
//   - peak req/s, one process each (kindling on CPU 1, nginx on CPU 1, wrk -t1 on CPU 0), with the ratio;
//   - p50/p99 latency at half of kindling's peak (wrk with a per-connection delay paces the load);
//   - the multi-core mode: kindling --workers 2 against nginx with 2 workers, wrk -t2, all three
//     sharing the machine's 2 cores (round-robin and kernel scheduling of connections, both measured);
//   - RSS of the replica (and of each worker), start-up time to the first answer.
//
//   node scripts/bench-postgres.mjs [--instances N] [--rounds N] [--duration S] [--connections C] [--skip-workers]
//
// PostgreSQL: KINDLING_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test); the benchmark
// creates its own database there and drops it at the end.
import { spawnSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { benchResources, childPids } from './bench/resources.mjs';

const repo = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const INSTANCES = Number(opt('instances', 100_000));
const ROUNDS = Number(opt('rounds', 3));
const DURATION = Number(opt('duration', 10));
const CONNECTIONS = Number(opt('connections', 50));
const WORKERS = !args.includes('--skip-workers');
const WARMUP = 2;
const PATH = '/openstack/latest/meta_data.json';
const BASE = process.env.KINDLING_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

for (const tool of ['wrk', 'nginx', 'taskset', 'pgrep']) {
  if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) {
    console.error(`bench-postgres: ${tool} is missing (scripts/ensure-system-deps.sh installs it)`);
    process.exit(2);
  }
}
const twoCores = cpus().length >= 2;
const pinned = (cpu, argv) => (twoCores ? ['taskset', '-c', String(cpu), ...argv] : argv);
const log = (line) => console.error(`bench-postgres: ${line}`);

// ---- clean-up of everything started here ---------------------------------------------------
let dbName;
const { tempDir, cleanup, spawn: spawnTracked } = benchResources('SIGKILL');
// The server is shared, and other people's test runs restart it now and then: retry briefly.
async function retrying(what, fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= 20 || !/ECONN|terminat|shut|starting up|unavailable/i.test(String(e?.message))) throw e;
      log(`${what}: ${e.message.split('\n')[0]}; retrying`);
      await sleep(1000);
    }
  }
}
function admin(sql) {
  return retrying('PostgreSQL', async () => {
    const c = new pg.Client({ connectionString: BASE });
    c.on('error', () => undefined);
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end().catch(() => undefined);
    }
  });
}

async function stop(p) {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise((r) => {
    p.once('exit', r);
    p.kill('SIGTERM');
  });
}
function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- /proc -----------------------------------------------------------------------------------
function cpuTicks(pids) {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      t += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return t;
}
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// ---- wrk -------------------------------------------------------------------------------------
function wrk({ url, seconds, threads = 1, connections = CONNECTIONS, cpu, script, scriptArgs }) {
  const base = ['wrk', `-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url, '--', ...scriptArgs];
  const argv = cpu === undefined ? base : pinned(cpu, base);
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  const num = (re) => re.exec(out)?.[1];
  const toMs = (v) => (v === undefined ? NaN : v.endsWith('us') ? parseFloat(v) / 1000 : v.endsWith('ms') ? parseFloat(v) : parseFloat(v) * 1000);
  return {
    rps: parseFloat(num(/Requests\/sec:\s+([\d.]+)/)),
    requests: Number(num(/(\d+) requests in/)),
    p50: toMs(num(/\s50%\s+(\S+)/)),
    p99: toMs(num(/\s99%\s+(\S+)/)),
    errors: Number(num(/Non-2xx or 3xx responses: (\d+)/) ?? 0) + Number(num(/Socket errors:.*?timeout (\d+)/) ?? 0),
  };
}

const median = (xs, key = 'rps') => [...xs].sort((a, b) => a[key] - b[key])[Math.floor(xs.length / 2)];
const f0 = (x) => x.toFixed(0);
const f2 = (x) => x.toFixed(2);

// ---- the fleet -------------------------------------------------------------------------------
const seed = JSON.parse(readFileSync(join(repo, 'examples/seed-instance.json'), 'utf8'));
const hex = (n) => n.toString(16).padStart(2, '0');
function body(j) {
  const mac = `fa:16:3e:${hex((j >> 16) & 255)}:${hex((j >> 8) & 255)}:${hex(j & 255)}`;
  const network = structuredClone(seed.network);
  network.links[0].ethernet_mac_address = mac;
  return {
    ...seed, uuid: randomUUID(), name: `vm-${j}`, hostname: `vm-${j}`, project_id: `project-${j % 997}`, network,
    addresses: [{ mac, ip: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}` }],
  };
}

async function fill(url, state, www) {
  const { PostgresStore } = await import(join(repo, 'build/src/server/store/postgres/postgres-store.js'));
  const { validateInstance } = await import(join(repo, 'build/src/server/registry/validate.js'));
  const { openstackFile } = await import(join(repo, 'build/src/wire/openstack/tree.js'));
  const store = new PostgresStore(url);
  await retrying('migrate', () => store.migrate());
  const secret = randomUUID();
  writeFileSync(join(state, 'proxy-secret'), secret, { mode: 0o600 });
  const rows = [];
  for (let i = 0; i < INSTANCES; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(INSTANCES, i + 1000); j++) batch.push(validateInstance(body(j)).data);
    for (const inst of await retrying('createMany', () => store.createMany(batch))) {
      const doc = openstackFile(inst, '2025-04-04', 'meta_data.json', { dhcpDomain: 'novalocal', target: 'service' });
      writeFileSync(join(www, `${inst.uuid}.json`), doc.body, { mode: 0o644 });
      rows.push(`${inst.uuid} ${inst.project_id} ${createHmac('sha256', secret).update(inst.uuid).digest('hex')}`);
    }
  }
  await store.close();
  const rowsFile = join(state, 'instances.txt');
  writeFileSync(rowsFile, `${rows.join('\n')}\n`);
  return { rowsFile, first: rows[0].split(' ') };
}

function writeScripts(state) {
  // random instance per request, Neutron's headers; optional pacing: a per-connection delay whose
  // mean is args[2] ms (integer parts drawn at random), which wrk leaves out of the latency
  const lua = join(state, 'signed.lua');
  writeFileSync(lua, `local rows = {}
local mean = 0
local n = 0
function init(args)
  for line in io.lines(args[1]) do
    local id, tenant, sig = line:match("(%S+) (%S+) (%S+)")
    rows[#rows + 1] = { id, tenant, sig }
  end
  mean = tonumber(args[2] or "0")
  n = tonumber(args[3] or "0")
  math.randomseed(os.time() + (wrk.thread and 0 or 0))
end
function delay()
  if mean <= 0 then return 0 end -- -1: in turn, no pacing
  local whole = math.floor(mean)
  if math.random() < mean - whole then return whole + 1 end
  return whole
end
function request()
  local r
  if mean < 0 then
    -- "each in turn": every instance once, for the warm-up
    n = n % #rows + 1
    r = rows[n]
  else
    r = rows[math.random(#rows)]
  end
  wrk.headers["X-Instance-ID"] = r[1]
  wrk.headers["X-Tenant-ID"] = r[2]
  wrk.headers["X-Instance-ID-Signature"] = r[3]
  return wrk.format("GET", "${PATH}")
end
`);
  return lua;
}

// ---- servers -----------------------------------------------------------------------------------
async function startKindling(state, dbUrl, { workers = 1, cpu, env = {}, first, port }) {
  const argv = [process.execPath, join(repo, 'bin/kindling.js'), 'serve', '--db', dbUrl, '--control-listen', '127.0.0.1:0', '--access-log', 'off',
    '--listen', `127.0.0.1:${port ?? 0},identify=neutron-proxy`, '--trusted-proxy', '127.0.0.1', '--proxy-secret-file', join(state, 'proxy-secret'), '--rate-limit', '0',
    ...(workers > 1 ? ['--workers', String(workers)] : [])];
  const t0 = performance.now();
  const proc = spawnTracked(cpu === undefined ? argv : pinned(cpu, argv), { env: { ...process.env, KINDLING_STATE_DIR: state, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  // start-up to the first answer: poll the guest listener as soon as it is announced
  let guest;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`kindling serve exited: ${err}`);
    guest ??= /guest listener on (\S+)/.exec(err)?.[1];
    if (guest) {
      try {
        const r = await fetch(`http://${guest}${PATH}`, { headers: { 'X-Instance-ID': first[0], 'X-Tenant-ID': first[1], 'X-Instance-ID-Signature': first[2] } });
        await r.arrayBuffer();
        if (r.status === 200) break;
        throw new Error(`kindling answered ${r.status}`);
      } catch (e) {
        if (!/fetch failed/.test(e.message)) throw e;
      }
    }
    await sleep(5);
  }
  const startupMs = performance.now() - t0;
  return { proc, guest, startupMs, pids: () => (workers > 1 ? [proc.pid, ...childPids(proc.pid)] : [proc.pid]), log: () => err };
}

async function startNginx(www, workers, cpu) {
  const port = await freePort();
  const d = tempDir('kindling-bench-pg-nginx-');
  const conf = join(d, 'nginx.conf');
  writeFileSync(conf, `worker_processes ${workers};
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location / { root ${www}; default_type application/json; try_files /$http_x_instance_id.json =404; }
  }
}
`);
  const proc = spawnTracked(cpu === undefined ? ['nginx', '-c', conf] : pinned(cpu, ['nginx', '-c', conf]), { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
      break;
    } catch {
      await sleep(50);
    }
  }
  await sleep(100);
  return { proc, address: `127.0.0.1:${port}`, pids: () => childPids(proc.pid) };
}

// ---- measurements ------------------------------------------------------------------------------
function measure(t, run) {
  wrk({ ...run, url: t.url, seconds: WARMUP });
  const pids = t.pids();
  const c0 = cpuTicks(pids);
  const r = wrk({ ...run, url: t.url, seconds: DURATION });
  return { ...r, cpuUsPerReq: ((cpuTicks(pids) - c0) * 10_000) / r.requests };
}

function rounds(targets, run) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      const r = measure(t, run);
      t.runs.push(r);
      log(`  round ${round + 1} ${t.name}: ${f0(r.rps)} req/s, p50 ${f2(r.p50)} ms, p99 ${f2(r.p99)} ms, ${r.cpuUsPerReq.toFixed(1)} µs CPU/request${r.errors ? `, ${r.errors} ERRORS` : ''}`);
      if (r.errors) throw new Error(`${t.name} answered ${r.errors} requests with an error`);
    }
  }
  return targets.map((t) => median(t.runs));
}

/** Latency at a fixed request rate: a per-connection delay, calibrated twice, then measured. */
function paced(t, rate, run) {
  let mean = (run.connections * 1000) / rate;
  for (let i = 0; i < 3; i++) {
    const r = wrk({ ...run, url: t.url, seconds: 3, scriptArgs: [run.scriptArgs[0], String(mean)] });
    mean = Math.max(0, mean * (r.rps / rate));
  }
  const r = wrk({ ...run, url: t.url, seconds: DURATION, scriptArgs: [run.scriptArgs[0], String(mean)] });
  log(`  paced ${t.name} at ${f0(rate)} req/s target: ${f0(r.rps)} req/s, p50 ${f2(r.p50)} ms, p99 ${f2(r.p99)} ms`);
  if (r.errors) throw new Error(`${t.name} answered ${r.errors} requests with an error`);
  return r;
}

// ---- the run -------------------------------------------------------------------------------------
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
try {
  // databases of earlier runs that died before dropping theirs (their process is gone)
  await retrying('PostgreSQL', async () => {
    const c = new pg.Client({ connectionString: BASE });
    c.on('error', () => undefined);
    await c.connect();
    try {
      for (const { datname } of (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE 'kindling_bench_%'`)).rows) {
        const pid = Number(datname.slice('kindling_bench_'.length));
        let alive = true;
        try {
          process.kill(pid, 0);
        } catch {
          alive = false;
        }
        if (!alive) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    } finally {
      await c.end().catch(() => undefined);
    }
  });
  dbName = `kindling_bench_${process.pid}`;
  await admin(`CREATE DATABASE "${dbName}"`);
  const dbUrl = (() => {
    const u = new URL(BASE);
    u.pathname = `/${dbName}`;
    return u.toString();
  })();
  const state = tempDir('kindling-bench-pg-');
  const www = tempDir('kindling-bench-pg-www-', 0o755);
  let t0 = performance.now();
  const { rowsFile, first } = await fill(dbUrl, state, www);
  const lua = writeScripts(state);
  log(`${INSTANCES} instances written to PostgreSQL (and nginx's files) in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${load()}`);

  // --- one process each: kindling on CPU 1, nginx on CPU 1, wrk on CPU 0 ---
  const kd = await startKindling(state, dbUrl, { cpu: 1, first });
  log(`kindling (1 process) answered its first request ${f0(kd.startupMs)} ms after start`);
  const ng = await startNginx(www, 1, 1);
  const one = { threads: 1, connections: CONNECTIONS, cpu: 0, script: lua, scriptArgs: [rowsFile, '0'] };
  // every instance rendered once before the rounds (a long-running replica has rendered its fleet)
  const warm = [
    { name: 'nginx', url: `http://${ng.address}${PATH}`, pids: ng.pids, runs: [] },
    { name: 'kindling', url: `http://${kd.guest}${PATH}`, pids: kd.pids, runs: [] },
  ];
  // each wrk call goes on where the last one stopped; `passes` > 1 for workers that each render
  const renderAll = (url, run, passes = 1) => {
    const t = performance.now();
    let served = 0;
    while (served < INSTANCES * passes) served += wrk({ ...run, url, seconds: 3, scriptArgs: [rowsFile, '-1', String(served % INSTANCES)] }).requests;
    return (performance.now() - t) / 1000;
  };
  log(`first pass over every instance in turn (each rendered on first use): ${renderAll(warm[1].url, one).toFixed(1)} s`);
  log(`peak, one process each: ${ROUNDS} rounds × ${DURATION} s, wrk -t1 -c${CONNECTIONS} on CPU 0, servers on CPU 1`);
  const [ngPeak, kdPeak] = rounds(warm, one);
  const half = kdPeak.rps / 2;
  log(`half of kindling's peak: ${f0(half)} req/s`);
  const kdHalf = paced(warm[1], half, one);
  const ngHalf = paced(warm[0], half, one);
  const kdRss = rssMiB(kd.proc.pid);
  await Promise.all([stop(kd.proc), stop(ng.proc)]);

  // --- the multi-core mode: everything shares both cores ---
  const multi = [];
  if (WORKERS) {
    const two = { threads: 2, connections: CONNECTIONS * 2, script: lua, scriptArgs: [rowsFile, '0'] };
    // a fixed port: with port 0 the workers would start one after the other (see cluster.ts)
    const rr = await startKindling(state, dbUrl, { workers: 2, first, port: await freePort() });
    log(`kindling --workers 2 answered its first request ${f0(rr.startupMs)} ms after start`);
    const none = { startupMs: NaN };
    const ng2 = await startNginx(www, 2);
    const targets = [
      { name: 'nginx 2 workers', url: `http://${ng2.address}${PATH}`, pids: ng2.pids, runs: [] },
      { name: 'kindling --workers 2 (round-robin)', url: `http://${rr.guest}${PATH}`, pids: rr.pids, runs: [] },
    ];
    renderAll(targets[1].url, { ...two, threads: 1 }, 3);
    log(`multi-core: ${ROUNDS} rounds × ${DURATION} s, wrk -t2 -c${CONNECTIONS * 2}, nothing pinned`);
    const [ng2Peak, rrPeak] = rounds(targets, two);
    const rrRss = rr.pids().map((p) => rssMiB(p));
    await stop(rr.proc);
    const sn = await startKindling(tempDirWithSecret(state), dbUrl, { workers: 2, first, port: await freePort(), env: { NODE_CLUSTER_SCHED_POLICY: 'none' } });
    none.startupMs = sn.startupMs;
    const snT = { name: 'kindling --workers 2 (kernel accepts)', url: `http://${sn.guest}${PATH}`, pids: sn.pids, runs: [] };
    try {
      renderAll(snT.url, { ...two, threads: 1 }, 3);
    } catch (e) {
      throw new Error(`${e.message}\nkindling's log:\n${sn.log()}`);
    }
    const [snPeak] = rounds([snT], two);
    await Promise.all([stop(sn.proc), stop(ng2.proc)]);
    multi.push({ ng2Peak, rrPeak, snPeak, rrRss, rrStart: rr.startupMs, snStart: none.startupMs });
  }

  const lines = [
    `## PostgreSQL store: meta_data.json across ${INSTANCES} instances, signed proxy headers (issue 8)`,
    '',
    `| server | req/s (median of ${ROUNDS}) | p50 ms | p99 ms | server CPU µs/request |`,
    '|---|---:|---:|---:|---:|',
    `| nginx, 1 worker, one file per instance | ${f0(ngPeak.rps)} | ${f2(ngPeak.p50)} | ${f2(ngPeak.p99)} | ${ngPeak.cpuUsPerReq.toFixed(1)} |`,
    `| kindling serve --db postgres://…, 1 process | ${f0(kdPeak.rps)} | ${f2(kdPeak.p50)} | ${f2(kdPeak.p99)} | ${kdPeak.cpuUsPerReq.toFixed(1)} |`,
    '',
    `kindling / nginx: **${f2(kdPeak.rps / ngPeak.rps)}× by req/s**, ${f2(ngPeak.cpuUsPerReq / kdPeak.cpuUsPerReq)}× by CPU per request.`,
    '',
    `At half of kindling's peak (${f0(half)} req/s offered): kindling ${f0(kdHalf.rps)} req/s, p50 ${f2(kdHalf.p50)} ms, **p99 ${f2(kdHalf.p99)} ms**; ` +
      `nginx at the same rate ${f0(ngHalf.rps)} req/s, p50 ${f2(ngHalf.p50)} ms, p99 ${f2(ngHalf.p99)} ms.`,
    `Replica RSS after the runs (every instance rendered): **${f0(kdRss)} MiB**. Start-up to the first answer (load ${INSTANCES} instances from PostgreSQL, listen, answer): **${(kd.startupMs / 1000).toFixed(2)} s**.`,
  ];
  for (const m of multi) {
    lines.push('', `Multi-core mode (wrk -t2 -c${CONNECTIONS * 2}; wrk, nginx and kindling share the 2 cores, nothing pinned):`, '',
      `| server | req/s (median of ${ROUNDS}) | p50 ms | p99 ms | CPU µs/request (all processes) |`, '|---|---:|---:|---:|---:|',
      `| nginx, 2 workers | ${f0(m.ng2Peak.rps)} | ${f2(m.ng2Peak.p50)} | ${f2(m.ng2Peak.p99)} | ${m.ng2Peak.cpuUsPerReq.toFixed(1)} |`,
      `| kindling --workers 2, round-robin (default) | ${f0(m.rrPeak.rps)} | ${f2(m.rrPeak.p50)} | ${f2(m.rrPeak.p99)} | ${m.rrPeak.cpuUsPerReq.toFixed(1)} |`,
      `| kindling --workers 2, NODE_CLUSTER_SCHED_POLICY=none | ${f0(m.snPeak.rps)} | ${f2(m.snPeak.p50)} | ${f2(m.snPeak.p99)} | ${m.snPeak.cpuUsPerReq.toFixed(1)} |`,
      '',
      `kindling --workers 2 / nginx 2 workers: ${f2(m.rrPeak.rps / m.ng2Peak.rps)}× (round-robin), ${f2(m.snPeak.rps / m.ng2Peak.rps)}× (kernel). ` +
        `RSS: primary ${f0(m.rrRss[0])} MiB, workers ${m.rrRss.slice(1).map(f0).join(' and ')} MiB. Start-up to the first answer: ${(m.rrStart / 1000).toFixed(2)} s.`);
  }
  lines.push('', `Load average at the end: ${load()}.`);
  console.log(`\n${lines.join('\n')}\n`);
} finally {
  cleanup();
  if (dbName) await admin(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch((e) => log(`could not drop ${dbName}: ${e.message}`));
}
process.exit(0);

/** A second state directory with the same proxy secret (each service writes its own token). */
function tempDirWithSecret(from) {
  const d = tempDir('kindling-bench-pg-');
  writeFileSync(join(d, 'proxy-secret'), readFileSync(join(from, 'proxy-secret')), { mode: 0o600 });
  return d;
}
