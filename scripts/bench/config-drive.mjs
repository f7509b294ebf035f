#!/usr/bin/env node
// Benchmark (not a test): building one instance's config drive, Kindling against Nova's way, in the
// same run on the same tree. Prints a table and, with --markdown FILE, rewrites the config-drive
// section of docs/benchmarks.md.
//
//   ISO: Kindling builds in the service process (what GET /v1/instances/{id}/config-drive costs),
//        over the control API (curl-like client to a running `kindling serve`), and through the CLI
//        (`kindling config-drive build`, a fresh node process); Nova writes the tree into a temporary
//        directory and runs genisoimage with its flags, then removes the directory.
//   vfat: the TypeScript FAT writer against Nova's recipe done with dosfstools + mtools (truncate
//        64 MiB, mkfs.fat -n config-2, mcopy -s the tree), plus determinism and fsck.fat -n.
//
// Usage: node scripts/bench/config-drive.mjs [--runs N] [--markdown docs/benchmarks.md]
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const REPO = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const B = (p) => join(REPO, 'build', p);
const { driveEntries, driveImage, driveTree } = await import(B('src/server/config-drive/build.js'));
const { writeImageFile } = await import(B('src/server/config-drive/write-image.js'));
const { buildFat } = await import(B('src/server/config-drive/fat.js'));
const { seedInstance } = await import(B('src/wire/instance.fixture.js'));
const { nocloudNetworkConfig } = await import(B('src/cli/nocloud-network.js'));

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 0) || 40;
const mdFile = args.includes('--markdown') ? args[args.indexOf('--markdown') + 1] : undefined;

const work = mkdtempSync(join(tmpdir(), 'kindling-bench-cd-'));
const clock = new Date('2025-01-01T00:00:00Z');
const instance = seedInstance({
  admin_pass: 'bench-pass',
  meta: { role: 'bench' },
  files: [{ path: '/etc/motd', content: new TextEncoder().encode('hello\n') }],
});
const opts = { dhcpDomain: 'novalocal', vendorData: {}, clock, publisher: 'Kindling bench', nocloudNetworkConfig };
const entries = driveEntries(instance, 'iso', opts);
const treeBytes = entries.reduce((n, e) => n + (typeof e.body === 'string' ? Buffer.byteLength(e.body) : e.body.byteLength), 0);

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p90: q(0.9), min: s[0] };
};
const ms = (n) => `${n.toFixed(2)} ms`;
// CPU time of this process plus its waited-for children (genisoimage, mkfs.fat, mcopy), from
// /proc/self/stat: unlike wall time it hardly moves with the load other engineers put on the machine.
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
function cpuMs() {
  const f = readFileSync('/proc/self/stat', 'utf8').slice(readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2).split(' ');
  const children = (Number(f[14]) + Number(f[15])) * TICK_MS; // cutime, cstime
  const self = process.cpuUsage();
  return (self.user + self.system) / 1000 + children;
}
async function time(fn, runs = RUNS, { countCpu = true, warmup = 3 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out = [];
  const c0 = cpuMs();
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { ...stats(out), cpu: countCpu ? (cpuMs() - c0) / runs : undefined };
}
const run = (cmd, argv, env) => new Promise((res, rej) => {
  const p = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`${cmd} exited ${code}: ${err}`))));
});

async function writeTree(dir) {
  await rm(dir, { recursive: true, force: true });
  for (const e of entries) {
    const p = join(dir, e.path);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, e.body);
  }
}
const NOVA_FLAGS = (out, dir) => ['-o', out, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'OpenStack Nova 0.0', '-quiet', '-J', '-r', '-V', 'config-2', dir];

const results = {};
const sha = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');

// ---- ISO, in the service process. The first build after start runs cold (no JIT yet); a service
// builds many, so the table reports the steady state after 20 warm-up builds, and the first apart.
{
  const t = process.hrtime.bigint();
  await writeImageFile(driveImage(instance, 'iso', opts), join(work, 'first.iso'));
  results.isoFirst = Number(process.hrtime.bigint() - t) / 1e6;
}
results.isoInProcess = await time((i) => writeImageFile(driveImage(instance, 'iso', opts), join(work, `k${i % 4}.iso`)), RUNS, { warmup: 20 });
// build without the file write: the cost of the layout and the bytes alone
results.isoBuildOnly = await time(async () => { for await (const _ of driveImage(instance, 'iso', opts).chunks()); }, RUNS, { warmup: 20 });

// ---- ISO, Nova's way: tree to a temporary directory, genisoimage, clean up
const novaDir = join(work, 'nova-tree');
results.genisoimageNova = await time(async (i) => {
  await writeTree(novaDir);
  await run('genisoimage', NOVA_FLAGS(join(work, `g${i % 4}.iso`), novaDir));
  await rm(novaDir, { recursive: true, force: true });
});
await writeTree(novaDir);
results.genisoimageOnly = await time((i) => run('genisoimage', NOVA_FLAGS(join(work, `g${i % 4}.iso`), novaDir)));

// ---- ISO through a running service: the control API and the CLI
const state = join(work, 'state');
mkdirSync(state);
const env = { ...process.env, KINDLING_STATE_DIR: state };
const svc = spawn(process.execPath, [join(REPO, 'bin/kindling.js'), 'serve', '--listen', '127.0.0.1:0', '--control-listen', '127.0.0.1:0', '--access-log', 'off'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
const control = await new Promise((res, rej) => {
  let err = '';
  const t = setTimeout(() => rej(new Error(`kindling serve did not start: ${err}`)), 20000);
  svc.stderr.on('data', (d) => {
    err += d;
    const m = /control listener on (\S+)/.exec(err);
    if (m) { clearTimeout(t); res(`http://${m[1]}`); }
  });
});
try {
  const token = readFileSync(join(state, 'control-token'), 'utf8').trim();
  env.KINDLING_URL = control;
  const seed = JSON.parse(readFileSync(join(REPO, 'examples/seed-instance.json'), 'utf8'));
  const created = spawnSync(process.execPath, [join(REPO, 'bin/kindling.js'), 'instance', 'create', '--file', '-'], { env, input: JSON.stringify({ ...seed, admin_pass: 'bench-pass', meta: { role: 'bench' }, files: [{ path: '/etc/motd', content: 'hello\n' }] }) });
  if (created.status !== 0) throw new Error(`instance create failed: ${created.stderr}`);
  const get = (out, path = `/v1/instances/${seed.uuid}/config-drive?format=iso`) => new Promise((res, rej) => {
    const req = request(`${control}${path}`, { headers: { Authorization: `Bearer ${token}` }, agent: false }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => { writeFileSync(out, Buffer.concat(chunks)); res(); });
    });
    req.on('error', rej);
    req.end();
  });
  // a running service is warm: 50 requests first, as for the in-process builds
  results.isoApi = await time((i) => get(join(work, `a${i % 4}.iso`)), RUNS, { countCpu: false, warmup: 50 });
  results.apiPlain = await time((i) => get(join(work, `p${i % 4}.json`), `/v1/instances/${seed.uuid}`), RUNS, { countCpu: false, warmup: 50 });
  results.isoCli = await time((i) => run(process.execPath, [join(REPO, 'bin/kindling.js'), 'config-drive', 'build', 'RHEL', '-o', join(work, `c${i % 4}.iso`)], env), Math.min(RUNS, 15), { countCpu: false });
  results.nodeStart = await time(() => run(process.execPath, ['-e', '0']), Math.min(RUNS, 15));
} finally {
  svc.kill('SIGTERM');
}

// ---- vfat: TypeScript writer against dosfstools + mtools
const vfatTs = (out) => writeImageFile(buildFat(driveTree(entries), { label: 'config-2', clock }), out);
const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1', LC_ALL: 'C.UTF-8', SOURCE_DATE_EPOCH: String(clock.getTime() / 1000) };
const vfatTools = async (out, dir) => {
  await rm(out, { force: true });
  await run('truncate', ['-s', '64M', out]);
  await run('mkfs.fat', ['-n', 'config-2', '--invariant', '-i', '12345678', out], mtoolsEnv);
  await run('mcopy', ['-s', '-m', '-i', out, join(dir, 'ec2'), join(dir, 'openstack'), '::/'], mtoolsEnv);
};
results.vfatTs = await time((i) => vfatTs(join(work, `v${i % 4}.vfat`)), RUNS, { warmup: 20 });
results.vfatToolsNova = await time(async (i) => {
  await writeTree(novaDir);
  await vfatTools(join(work, `m${i % 4}.vfat`), novaDir);
  await rm(novaDir, { recursive: true, force: true });
});
await writeTree(novaDir);
await vfatTs(join(work, 'det1.vfat'));
await vfatTs(join(work, 'det2.vfat'));
await vfatTools(join(work, 'mt1.vfat'), novaDir);
await new Promise((r) => setTimeout(r, 1100)); // a second later, as a rebuild would be
await writeTree(novaDir);
await vfatTools(join(work, 'mt2.vfat'), novaDir);
const fsckClean = (f) => spawnSync('fsck.fat', ['-n', f]).status === 0;
const du = (f) => Number(execFileSync('du', ['-k', f]).toString().split('\t')[0]);
results.vfatDeterministicTs = sha(join(work, 'det1.vfat')) === sha(join(work, 'det2.vfat'));
results.vfatDeterministicTools = sha(join(work, 'mt1.vfat')) === sha(join(work, 'mt2.vfat'));
results.vfatFsckTs = fsckClean(join(work, 'det1.vfat'));
results.vfatFsckTools = fsckClean(join(work, 'mt1.vfat'));
results.vfatDiskKiB = { ts: du(join(work, 'det1.vfat')), tools: du(join(work, 'mt1.vfat')) };

const isoSize = driveImage(instance, 'iso', opts).size;
const gSize = Number(execFileSync('stat', ['-c', '%s', join(work, 'g0.iso')]).toString());
rmSync(work, { recursive: true, force: true });

const r = results;
const ratio = (a, b) => (a.median / b.median).toFixed(1);
const cpuRatio = (a, b) => (a.cpu !== undefined && b.cpu !== undefined ? (a.cpu / b.cpu).toFixed(1) : '');
const G = r.genisoimageNova, V = r.vfatToolsNova;
const rows = [
  ['ISO, in the service (GET handler: build + write file)', r.isoInProcess, G],
  ['ISO, layout + bytes only (no file)', r.isoBuildOnly, G],
  ['ISO, control API over loopback (client writes the file)', r.isoApi, G],
  ['  for scale: GET /v1/instances/{id} (the record, no drive) on the same API', r.apiPlain, undefined],
  ['ISO, `kindling config-drive build` (new node process + API)', r.isoCli, G],
  ['  of which: starting node (`node -e 0`)', r.nodeStart, undefined],
  ['genisoimage, Nova\'s way (write tree + run + clean up)', G, G],
  ['genisoimage alone on a ready tree', r.genisoimageOnly, undefined],
  ['vfat 64 MiB, TypeScript writer (sparse file)', r.vfatTs, V],
  ['vfat 64 MiB, Nova\'s recipe with mkfs.fat + mcopy', V, V],
];
const table = [
  '| what | wall median | wall p90 | × faster (wall) | CPU ms/build | × less CPU |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows.map(([w, s, ref]) => `| ${w} | ${ms(s.median)} | ${ms(s.p90)} | ${ref ? ratio(ref, s) : ''} | ${s.cpu !== undefined ? s.cpu.toFixed(2) : ''} | ${ref ? cpuRatio(ref, s) : ''} |`),
].join('\n');
const facts = [
  `The very first ISO build in this process (cold, before any warm-up): ${ms(r.isoFirst)}.`,
  `Tree: the seed instance with admin_pass, one injected file, every OpenStack version and latest, ec2 2009-04-04 and latest: ${entries.length} files, ${treeBytes} bytes. ISO ${isoSize} bytes (genisoimage's: ${gSize}). ${RUNS} runs after 3 warm-ups; CLI and node start ${Math.min(RUNS, 15)} runs. ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), Node ${process.version}.`,
  `vfat determinism (same tree and clock, built twice): TypeScript ${r.vfatDeterministicTs ? 'identical' : 'DIFFERENT'}; mkfs.fat --invariant -i + mcopy -m with SOURCE_DATE_EPOCH, a second apart: ${r.vfatDeterministicTools ? 'identical' : 'different'}. fsck.fat -n: TypeScript ${r.vfatFsckTs ? 'clean' : 'NOT CLEAN'}, tools ${r.vfatFsckTools ? 'clean' : 'NOT CLEAN'}. Disk used: TypeScript ${r.vfatDiskKiB.ts} KiB, tools ${r.vfatDiskKiB.tools} KiB.`,
];
console.log(table);
console.log();
for (const f of facts) console.log(f);

if (mdFile) {
  const begin = '<!-- config-drive:begin -->', end = '<!-- config-drive:end -->';
  const section = `${begin}\n## Config drive build\n\n\`node scripts/bench/config-drive.mjs --runs ${RUNS}\` (part of \`npm run bench\`), ${new Date().toISOString().slice(0, 10)}.\n\n${table}\n\n${facts.join('\n\n')}\n${end}`;
  const old = existsSync(mdFile) ? readFileSync(mdFile, 'utf8') : '# Benchmarks\n';
  const next = old.includes(begin) ? old.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), section) : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(mdFile, next);
  console.log(`\nwrote the config-drive section of ${mdFile}`);
}
