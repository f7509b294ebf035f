// Benchmark (not a test): meta_data.json requests per second from `kindling serve`, side by side in
// the same run with nginx serving the same documents from files. wrk with one thread on one core,
// each server single-process on the other core (this machine has two), alternating rounds so that
// background load hits both alike; the median round of each is reported with the ratio.
//
//   node scripts/bench-metadata.mjs [--scenario one|fleet|all] [--instances N] [--rounds N] [--duration S] [--connections C]
//
// Scenario "one": the seed instance, identified by its source IP (127.0.0.1) (issue 2).
// Scenario "fleet": 100,000 instances, requests spread over them at random, identified by
// Neutron-style signed proxy headers (issue 3); nginx serves each instance's document from its own
// file, chosen by the same X-Instance-ID header.
import { spawnSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { benchResources, childPids } from './bench/resources.mjs';

const repo = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ROUNDS = Number(opt('rounds', 3));
const DURATION = Number(opt('duration', 10));
const CONNECTIONS = Number(opt('connections', 50));
const INSTANCES = Number(opt('instances', 100_000));
const SCENARIO = opt('scenario', 'all');
const WARMUP = 2;
const PATH = '/openstack/latest/meta_data.json';

for (const tool of ['wrk', 'nginx', 'taskset']) {
  if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) {
    console.error(`bench: ${tool} is missing (scripts/ensure-system-deps.sh installs it)`);
    process.exit(2);
  }
}
const twoCores = cpus().length >= 2;
const onServerCpu = (argv) => (twoCores ? ['taskset', '-c', '1', ...argv] : argv);
const onClientCpu = (argv) => (twoCores ? ['taskset', '-c', '0', ...argv] : argv);

const { tempDir, cleanup, spawn: spawnTracked } = benchResources('SIGTERM');

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function spawnOnServerCpu(argv, opts) {
  const full = onServerCpu(argv);
  return spawnTracked(full, opts);
}

async function stop(proc) {
  if (proc.exitCode !== null) return;
  await new Promise((r) => {
    proc.once('exit', r);
    proc.kill('SIGTERM');
  });
}

async function startKindling(stateDir, serveArgs) {
  const started = performance.now();
  const proc = spawnOnServerCpu([process.execPath, join(repo, 'bin/kindling.js'), 'serve', '--control-listen', '127.0.0.1:0', '--access-log', 'off', ...serveArgs],
    { env: { ...process.env, KINDLING_STATE_DIR: stateDir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const ports = await new Promise((res, rej) => {
    proc.stderr.on('data', (d) => {
      err += d;
      const g = /guest listener on (\S+)/.exec(err);
      const c = /control listener on (\S+)/.exec(err);
      if (g && c) res({ guest: g[1], control: c[1] });
    });
    proc.on('exit', (code) => rej(new Error(`kindling serve exited ${code}: ${err}`)));
  });
  const token = readFileSync(join(stateDir, 'control-token'), 'utf8').trim();
  return { proc, ...ports, token, startedMs: performance.now() - started };
}

async function startNginx(locationBody) {
  const port = await freePort();
  const d = tempDir('kindling-bench-nginx-');
  const conf = join(d, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location / { ${locationBody} }
  }
}
`);
  const proc = spawnOnServerCpu(['nginx', '-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try {
      await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { proc, address: `127.0.0.1:${port}` };
}

/** The process that does the serving: nginx's worker, not its master. */
function servingPid(proc, isNginx) {
  if (!isNginx) return proc.pid;
  return childPids(proc.pid)[0] || proc.pid;
}

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function wrk(url, seconds, script) {
  const argv = onClientCpu(['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...(script ? ['-s', script.file] : []), url, ...(script ? ['--', ...script.args] : [])]);
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

function measure(t, script) {
  wrk(t.url, WARMUP, script);
  const t0 = cpuTicks(t.pid);
  const r = wrk(t.url, DURATION, script);
  return { ...r, cpuUsPerReq: ((cpuTicks(t.pid) - t0) * 10_000) / r.requests };
}

const median = (xs) => [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)];

/** Alternating rounds over both targets; prints each run; returns the median run of each. */
function rounds(targets, script) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
      const r = measure(t, script);
      t.runs.push(r);
      console.error(`  round ${round + 1} ${t.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.cpuUsPerReq.toFixed(1)} µs CPU/request${r.errors ? `, ${r.errors} ERRORS` : ''}`);
      if (r.errors) throw new Error(`${t.name} answered ${r.errors} requests with an error`);
    }
  }
  return targets.map((t) => median(t.runs));
}

function table(title, ng, kd, extra = []) {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const rows = [
    `| server | req/s (median of ${ROUNDS}) | p50 ms | p99 ms | server CPU µs/request |`,
    '|---|---:|---:|---:|---:|',
    `| nginx 1 worker, static files | ${ng.rps.toFixed(0)} | ${ng.p50.toFixed(2)} | ${ng.p99.toFixed(2)} | ${ng.cpuUsPerReq.toFixed(1)} |`,
    `| kindling serve, 1 process | ${kd.rps.toFixed(0)} | ${kd.p50.toFixed(2)} | ${kd.p99.toFixed(2)} | ${kd.cpuUsPerReq.toFixed(1)} |`,
    '',
    `kindling / nginx: ${(kd.rps / ng.rps).toFixed(2)}× by req/s, ${(ng.cpuUsPerReq / kd.cpuUsPerReq).toFixed(2)}× by CPU per request (load average ${load})`,
    ...extra,
  ];
  console.log(`\n## ${title}\n\n${rows.join('\n')}\n`);
}

const seed = JSON.parse(readFileSync(join(repo, 'examples/seed-instance.json'), 'utf8'));

async function scenarioOne() {
  const state = tempDir('kindling-bench-');
  const kindling = await startKindling(state, ['--listen', '127.0.0.1:0', '--rate-limit', '0']);
  const created = await fetch(`http://${kindling.control}/v1/instances`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${kindling.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...seed, addresses: [...seed.addresses, { ip: '127.0.0.1' }] }),
  });
  if (created.status !== 201) throw new Error(`registering the instance failed: ${created.status} ${await created.text()}`);
  const doc = Buffer.from(await (await fetch(`http://${kindling.guest}${PATH}`)).arrayBuffer());
  // nginx's workers drop root: the document tree must be world-readable
  const www = tempDir('kindling-bench-www-', 0o755);
  mkdirSync(join(www, 'openstack/latest'), { recursive: true, mode: 0o755 });
  writeFileSync(join(www, PATH), doc, { mode: 0o644 });
  const nginx = await startNginx(`root ${www}; default_type application/json;`);
  const check = await fetch(`http://${nginx.address}${PATH}`);
  if (check.status !== 200 || (await check.arrayBuffer()).byteLength !== doc.length) throw new Error('nginx does not serve the document');
  console.error(`bench one: ${ROUNDS} rounds × ${DURATION} s, wrk -t1 -c${CONNECTIONS}, document ${doc.length} bytes${twoCores ? ', servers on CPU 1, wrk on CPU 0' : ''}`);
  const [ng, kd] = rounds([
    { name: 'nginx', url: `http://${nginx.address}${PATH}`, pid: servingPid(nginx.proc, true), runs: [] },
    { name: 'kindling', url: `http://${kindling.guest}${PATH}`, pid: kindling.proc.pid, runs: [] },
  ]);
  table('meta_data.json, one instance identified by source IP', ng, kd);
  await Promise.all([stop(kindling.proc), stop(nginx.proc)]);
}

async function scenarioFleet() {
  const state = tempDir('kindling-bench-fleet-');
  const secret = randomUUID();
  writeFileSync(join(state, 'proxy-secret'), secret, { mode: 0o600 });
  // the registry, filled offline through the store (an import), as a fleet's would be
  const t0 = performance.now();
  const { SqliteStore } = await import(join(repo, 'build/src/server/store/sqlite/sqlite-store.js'));
  const { Registry } = await import(join(repo, 'build/src/server/registry/registry.js'));
  const { openstackFile } = await import(join(repo, 'build/src/wire/openstack/tree.js'));
  const store = new SqliteStore(join(state, 'kindling.db'));
  await store.migrate();
  const registry = new Registry(store);
  const www = tempDir('kindling-bench-fleet-www-', 0o755);
  const rows = [];
  const hex = (n) => n.toString(16).padStart(2, '0');
  for (let i = 0; i < INSTANCES; i += 1000) {
    const bodies = [];
    for (let j = i; j < Math.min(INSTANCES, i + 1000); j++) {
      const mac = `fa:16:3e:${hex((j >> 16) & 255)}:${hex((j >> 8) & 255)}:${hex(j & 255)}`;
      const network = structuredClone(seed.network);
      network.links[0].ethernet_mac_address = mac;
      bodies.push({ ...seed, uuid: randomUUID(), name: `vm-${j}`, hostname: `vm-${j}`, project_id: `project-${j % 997}`, network,
        addresses: [{ mac, ip: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}` }] });
    }
    for (const inst of await registry.createMany(bodies)) {
      const doc = openstackFile(inst, '2025-04-04', 'meta_data.json', { dhcpDomain: 'novalocal', target: 'service' });
      writeFileSync(join(www, `${inst.uuid}.json`), doc.body, { mode: 0o644 });
      rows.push(`${inst.uuid} ${inst.project_id} ${createHmac('sha256', secret).update(inst.uuid).digest('hex')}`);
    }
  }
  await store.close();
  const rowsFile = join(state, 'instances.txt');
  writeFileSync(rowsFile, `${rows.join('\n')}\n`);
  const script = join(state, 'signed.lua');
  writeFileSync(script, `-- an instance per request with Neutron's signed headers: at random, or each in turn ("sequential")
local rows = {}
local sequential = false
local n = 0
function init(args)
  for line in io.lines(args[1]) do
    local id, tenant, sig = line:match("(%S+) (%S+) (%S+)")
    rows[#rows + 1] = { id, tenant, sig }
  end
  sequential = args[2] == "sequential"
  math.randomseed(os.time())
end
function request()
  local r
  if sequential then
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
  console.error(`bench fleet: ${INSTANCES} instances registered and their nginx files written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const kindling = await startKindling(state, ['--listen', '127.0.0.1:0,identify=neutron-proxy', '--trusted-proxy', '127.0.0.1',
    '--proxy-secret-file', join(state, 'proxy-secret'), '--rate-limit', '0']);
  const [id, tenant, sig] = rows[0].split(' ');
  const first = await fetch(`http://${kindling.guest}${PATH}`, { headers: { 'X-Instance-ID': id, 'X-Tenant-ID': tenant, 'X-Instance-ID-Signature': sig } });
  if (first.status !== 200) throw new Error(`kindling did not answer the first instance: ${first.status}`);
  const startup = kindling.startedMs;
  const nginx = await startNginx(`root ${www}; default_type application/json; try_files /$http_x_instance_id.json =404;`);
  const check = await fetch(`http://${nginx.address}${PATH}`, { headers: { 'X-Instance-ID': id } });
  if (check.status !== 200) throw new Error(`nginx does not serve the documents: ${check.status}`);
  console.error(`bench fleet: kindling served its first answer ${(startup / 1000).toFixed(1)} s after start; ${ROUNDS} rounds × ${DURATION} s, wrk -t1 -c${CONNECTIONS} with a Lua script choosing a random instance per request`);
  // First pass: every instance once, in turn: kindling renders each instance's documents on first
  // use (nginx's page cache is warm: it just wrote the files), so this is the cold figure.
  const firstPass = {};
  for (const [name, url, pid] of [['nginx', `http://${nginx.address}${PATH}`, servingPid(nginx.proc, true)], ['kindling', `http://${kindling.guest}${PATH}`, kindling.proc.pid]]) {
    const t0 = cpuTicks(pid);
    const started = performance.now();
    let served = 0;
    while (served < INSTANCES) {
      const r = wrk(url, 2, { file: script, args: [rowsFile, 'sequential'] });
      if (r.errors) throw new Error(`${name} answered ${r.errors} requests with an error`);
      served += r.requests;
    }
    firstPass[name] = { rps: served / ((performance.now() - started) / 1000), cpu: ((cpuTicks(pid) - t0) * 10_000) / served };
    console.error(`  first pass over all instances, ${name}: ${firstPass[name].rps.toFixed(0)} req/s, ${firstPass[name].cpu.toFixed(1)} µs CPU/request`);
  }
  const wrkScript = { file: script, args: [rowsFile, 'random'] };
  const [ng, kd] = rounds([
    { name: 'nginx', url: `http://${nginx.address}${PATH}`, pid: servingPid(nginx.proc, true), runs: [] },
    { name: 'kindling', url: `http://${kindling.guest}${PATH}`, pid: kindling.proc.pid, runs: [] },
  ], wrkScript);
  table(`meta_data.json across ${INSTANCES} instances, signed proxy headers`, ng, kd, [
    `first pass over every instance in turn (kindling renders each on first use): nginx ${firstPass.nginx.rps.toFixed(0)} req/s, ` +
      `kindling ${firstPass.kindling.rps.toFixed(0)} req/s (${(firstPass.kindling.rps / firstPass.nginx.rps).toFixed(2)}×), ` +
      `CPU ${firstPass.nginx.cpu.toFixed(1)} and ${firstPass.kindling.cpu.toFixed(1)} µs/request`,
    `kindling: start-up to first answer ${(startup / 1000).toFixed(1)} s, RSS after the runs ${rssMiB(kindling.proc.pid).toFixed(0)} MiB`,
  ]);
  await Promise.all([stop(kindling.proc), stop(nginx.proc)]);
}

try {
  if (SCENARIO === 'one' || SCENARIO === 'all') await scenarioOne();
  if (SCENARIO === 'fleet' || SCENARIO === 'all') await scenarioFleet();
} finally {
  cleanup();
}
process.exit(0);
