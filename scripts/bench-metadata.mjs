// Benchmark (not a test): meta_data.json requests per second from `kindling serve`, side by side in
// the same run with nginx serving the same document from a file. wrk with one thread on one core,
// each server single-process on the other core (this machine has two), alternating rounds so that
// background load hits both alike; the median round of each is reported with the ratio.
//
//   node scripts/bench-metadata.mjs [--rounds N] [--duration S] [--connections C]
//
// Scenario "one instance": the seed instance, identified by its source IP (127.0.0.1).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = opt('rounds', 3);
const DURATION = opt('duration', 10);
const CONNECTIONS = opt('connections', 50);
const WARMUP = 2;

for (const tool of ['wrk', 'nginx', 'taskset']) {
  if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) {
    console.error(`bench: ${tool} is missing (scripts/ensure-system-deps.sh installs it)`);
    process.exit(2);
  }
}
const twoCores = cpus().length >= 2;
const serverCpu = twoCores ? ['taskset', '-c', '1'] : [];
const clientCpu = twoCores ? ['taskset', '-c', '0'] : [];

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'kindling-bench-'));
const children = [];
const extraDirs = [];
function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  for (const d of [dir, ...extraDirs]) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function startKindling() {
  const env = { ...process.env, KINDLING_STATE_DIR: dir };
  const proc = spawn(serverCpu[0] ?? process.execPath, [...serverCpu.slice(1), ...(serverCpu.length ? [process.execPath] : []),
    join(repo, 'bin/kindling.js'), 'serve', '--listen', '127.0.0.1:0', '--control-listen', '127.0.0.1:0', '--access-log', 'off'],
  { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(proc);
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
  const token = readFileSync(join(dir, 'control-token'), 'utf8').trim();
  return { proc, ...ports, token };
}

async function startNginx(root) {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port};
    location / { root ${root}; default_type application/json; }
  }
}
`);
  const proc = spawn(serverCpu[0] ?? 'nginx', [...serverCpu.slice(1), ...(serverCpu.length ? ['nginx'] : []), '-c', conf], { stdio: 'ignore' });
  children.push(proc);
  for (let i = 0; i < 50; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      await r.arrayBuffer();
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
  const r = spawnSync('pgrep', ['-P', String(proc.pid)], { encoding: 'utf8' });
  return Number(r.stdout.trim().split('\n')[0]) || proc.pid;
}

function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

function wrk(url, seconds) {
  const r = spawnSync(clientCpu[0] ?? 'wrk', [...clientCpu.slice(1), ...(clientCpu.length ? ['wrk'] : []), '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const out = r.stdout;
  const num = (re) => {
    const m = re.exec(out);
    return m ? m[1] : undefined;
  };
  const toMs = (v) => (v === undefined ? NaN : v.endsWith('us') ? parseFloat(v) / 1000 : v.endsWith('ms') ? parseFloat(v) : parseFloat(v) * 1000);
  const non2xx = Number(num(/Non-2xx or 3xx responses: (\d+)/) ?? 0);
  return {
    rps: parseFloat(num(/Requests\/sec:\s+([\d.]+)/)),
    requests: Number(num(/(\d+) requests in/)),
    p50: toMs(num(/\s50%\s+(\S+)/)),
    p99: toMs(num(/\s99%\s+(\S+)/)),
    errors: non2xx + Number(num(/Socket errors:.*?timeout (\d+)/) ?? 0),
  };
}

function measure(url, pid) {
  wrk(url, WARMUP);
  const t0 = cpuTicks(pid);
  const r = wrk(url, DURATION);
  const ticks = cpuTicks(pid) - t0;
  return { ...r, cpuUsPerReq: (ticks * 10_000) / r.requests };
}

const median = (xs) => [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)];

const kindling = await startKindling();
const seed = JSON.parse(readFileSync(join(repo, 'examples/seed-instance.json'), 'utf8'));
seed.addresses.push({ ip: '127.0.0.1' });
const created = await fetch(`http://${kindling.control}/v1/instances`, {
  method: 'POST', headers: { Authorization: `Bearer ${kindling.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(seed),
});
if (created.status !== 201) throw new Error(`registering the instance failed: ${created.status} ${await created.text()}`);
const path = '/openstack/latest/meta_data.json';
const doc = Buffer.from(await (await fetch(`http://${kindling.guest}${path}`)).arrayBuffer());
// nginx's workers drop root: the document tree must be world-readable (the state dir is not)
const root = mkdtempSync(join(tmpdir(), 'kindling-bench-www-'));
extraDirs.push(root);
chmodSync(root, 0o755);
mkdirSync(join(root, 'openstack/latest'), { recursive: true, mode: 0o755 });
writeFileSync(join(root, path), doc, { mode: 0o644 });
const nginx = await startNginx(root);
const check = await fetch(`http://${nginx.address}${path}`);
const same = Buffer.from(await check.arrayBuffer());
if (check.status !== 200 || same.length !== doc.length) throw new Error(`nginx does not serve the document (${check.status})`);

const targets = [
  { name: 'nginx (static file)', url: `http://${nginx.address}${path}`, pid: servingPid(nginx.proc, true), runs: [] },
  { name: 'kindling serve', url: `http://${kindling.guest}${path}`, pid: servingPid(kindling.proc, false), runs: [] },
];
console.error(`bench: ${ROUNDS} rounds × ${DURATION} s, wrk -t1 -c${CONNECTIONS}, document ${doc.length} bytes${twoCores ? ', servers on CPU 1, wrk on CPU 0' : ''}`);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const t of order) {
    const r = measure(t.url, t.pid);
    t.runs.push(r);
    console.error(`  round ${round + 1} ${t.name}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, ${r.cpuUsPerReq.toFixed(1)} µs CPU/request${r.errors ? `, ${r.errors} errors` : ''}`);
  }
}
const [ng, kd] = targets.map((t) => median(t.runs));
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const lines = [
  `| server | req/s (median of ${ROUNDS}) | p50 ms | p99 ms | server CPU µs/request |`,
  '|---|---:|---:|---:|---:|',
  `| nginx 1 worker, static file | ${ng.rps.toFixed(0)} | ${ng.p50.toFixed(2)} | ${ng.p99.toFixed(2)} | ${ng.cpuUsPerReq.toFixed(1)} |`,
  `| kindling serve, 1 process | ${kd.rps.toFixed(0)} | ${kd.p50.toFixed(2)} | ${kd.p99.toFixed(2)} | ${kd.cpuUsPerReq.toFixed(1)} |`,
  '',
  `kindling / nginx: ${(kd.rps / ng.rps).toFixed(2)}× by req/s, ${(ng.cpuUsPerReq / kd.cpuUsPerReq).toFixed(2)}× by CPU per request (load average during the run: ${load})`,
];
console.log(`\n## meta_data.json, one instance identified by source IP\n\n${lines.join('\n')}\n`);
cleanup();
process.exit(0);
