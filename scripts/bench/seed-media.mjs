#!/usr/bin/env node
// Benchmark (not a test): finding and reading a NoCloud seed and a config drive on a block device,
// kindling-init's way against cloud-init 22.4's, in the same run on the same images (built by
// kindling config-drive build's code, attached as read-only loop devices).
//
//   kindling-init: open the device read-only, probe the label (a few sectors), parse the ISO 9660 or
//     FAT filesystem in user space and read the seed's files (NoCloud: meta-data, user-data,
//     vendor-data, network-config; config drive: the v2 tree as read_v2 reads it) — in process.
//   cloud-init 22.4: the blkid calls its datasource makes (NoCloud: TYPE=vfat, TYPE=iso9660,
//     LABEL=CIDATA, LABEL=cidata, LABEL_FATBOOT=cidata; ConfigDrive: the optical probe is skipped,
//     TYPE=vfat, TYPE=iso9660, LABEL=config-2, LABEL=CONFIG-2), then a mount, reading the same files,
//     and the unmount. This kernel has no iso9660/vfat driver, so the mount is FUSE (fuseiso -n,
//     fusefat -o ro), as in the lab where the real cloud-init boots from these images.
//
// Usage: node scripts/bench/seed-media.mjs [--runs N] [--markdown docs/benchmarks.md]
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const REPO = resolve(dirname(new URL(import.meta.url).pathname), '../..');
const B = (p) => join(REPO, 'build', p);
const { driveImage } = await import(B('src/server/config-drive/build.js'));
const { writeImageFile } = await import(B('src/server/config-drive/write-image.js'));
const { seedInstance } = await import(B('src/wire/instance.fixture.js'));
const { nocloudNetworkConfig } = await import(B('src/cli/nocloud-network.js'));
const { cachedReader } = await import(B('src/wire/disk-image/read-at.js'));
const { openImageFs, probeDevice } = await import(B('src/wire/disk-image/probe.js'));
const { chooseVersion, readOpenStackTree } = await import(B('src/wire/openstack/read-tree.js'));

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 0) || 30;
const mdFile = args.includes('--markdown') ? args[args.indexOf('--markdown') + 1] : undefined;

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
function cpuMs() {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000 + (Number(f[14]) + Number(f[15])) * TICK_MS;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  for (let i = 0; i < 2; i++) await fn();
  const wall = [], cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const c0 = cpuMs(), t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return { wall: median(wall), cpu: median(cpu) };
}
const sh = (cmd, a, okCodes = [0]) => {
  const r = spawnSync(cmd, a, { encoding: 'utf8' });
  if (!okCodes.includes(r.status)) throw new Error(`${cmd} ${a.join(' ')}: ${r.stderr || r.status}`);
  return r.stdout;
};

const work = mkdtempSync(join(tmpdir(), 'kindling-bench-seed-'));
const loops = [];
const instance = seedInstance({ files: [{ path: '/etc/motd', content: new TextEncoder().encode('hello\n') }] });
const opts = { dhcpDomain: 'novalocal', vendorData: {}, clock: new Date('2025-01-01T00:00:00Z'), publisher: 'Kindling bench', nocloudNetworkConfig };

async function attach(format) {
  const f = join(work, `${format}.img`);
  await writeImageFile(driveImage(instance, format, opts), f);
  const dev = sh('losetup', ['--find', '--show', '--read-only', f]).trim();
  loops.push(dev);
  return dev;
}

function deviceReader(dev) {
  const fd = openSync(dev, 'r');
  const read = async (o, l) => {
    const b = Buffer.allocUnsafe(l);
    const n = readSync(fd, b, 0, l, o);
    return b.subarray(0, n);
  };
  return { read: cachedReader(read, 64 * 1024, 256), close: () => closeSync(fd) };
}

const NOCLOUD_FILES = ['user-data', 'meta-data', 'vendor-data', 'network-config'];

/** What kindling-init does with a seed device: probe its label, then read `files` from its filesystem. */
async function kindlingRead(dev, label, files) {
  const r = deviceReader(dev);
  try {
    const p = await probeDevice(r.read);
    if (p?.label !== label) throw new Error(`label ${p?.label}`);
    await files(await openImageFs(r.read));
  } finally {
    r.close();
  }
}

const kindlingNocloud = (dev) =>
  kindlingRead(dev, 'cidata', async (fs) => {
    for (const f of NOCLOUD_FILES) await fs.readFile(f);
  });

const kindlingDrive = (dev) =>
  kindlingRead(dev, 'config-2', async (fs) => {
    const tree = await readOpenStackTree((path) => fs.readFile(path), chooseVersion((await fs.readdir('openstack')) ?? []));
    if (!tree.metadata.uuid) throw new Error('no uuid');
    await fs.readFile('ec2/latest/meta-data.json');
  });

function cloudInitWay(dev, blkidCriteria, files, fuse) {
  return async () => {
    for (const c of blkidCriteria) sh('blkid', [`-t${c}`, '-odevice'], [0, 2]);
    const mnt = mkdtempSync(join(tmpdir(), 'kindling-bench-mnt-'));
    sh(fuse, fuse === 'fuseiso' ? ['-n', dev, mnt] : ['-o', 'ro', dev, mnt]);
    try {
      for (const f of files(mnt)) {
        try {
          readFileSync(join(mnt, f));
        } catch {
          /* optional files */
        }
      }
    } finally {
      sh('fusermount', ['-u', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  };
}

const rows = [];
try {
  const nocloudIso = await attach('nocloud');
  const driveIso = await attach('iso');
  const driveVfat = await attach('vfat');
  const v2 = (mnt) => {
    const v = chooseVersion(spawnSync('ls', [join(mnt, 'openstack')], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
    return ['meta_data.json', 'user_data', 'vendor_data.json', 'vendor_data2.json', 'network_data.json'].map((f) => `openstack/${v}/${f}`).concat(['ec2/latest/meta-data.json']);
  };
  const nocloudBlkid = ['TYPE=vfat', 'TYPE=iso9660', 'LABEL=CIDATA', 'LABEL=cidata', 'LABEL_FATBOOT=cidata'];
  const driveBlkid = ['TYPE=vfat', 'TYPE=iso9660', 'LABEL=config-2', 'LABEL=CONFIG-2'];
  for (const [what, k, c] of [
    ['NoCloud cidata ISO', () => kindlingNocloud(nocloudIso), cloudInitWay(nocloudIso, nocloudBlkid, () => NOCLOUD_FILES, 'fuseiso')],
    ['config drive ISO', () => kindlingDrive(driveIso), cloudInitWay(driveIso, driveBlkid, v2, 'fuseiso')],
    ['config drive vfat', () => kindlingDrive(driveVfat), cloudInitWay(driveVfat, driveBlkid, v2, 'fusefat')],
  ]) {
    const a = await time(k);
    const b = await time(c);
    rows.push({ what, k: a, c: b });
  }
} finally {
  for (const l of loops) spawnSync('losetup', ['-d', l]);
  rmSync(work, { recursive: true, force: true });
}

const f = (n) => `${n.toFixed(2)} ms`;
const table = [
  '| Medium | kindling-init wall | cloud-init way wall | wall ratio | kindling-init CPU | cloud-init way CPU | CPU ratio |',
  '|--------|-------------------:|--------------------:|-----------:|------------------:|-------------------:|----------:|',
  ...rows.map((r) => `| ${r.what} | ${f(r.k.wall)} | ${f(r.c.wall)} | ${(r.k.wall / r.c.wall).toFixed(3)} | ${f(r.k.cpu)} | ${f(r.c.cpu)} | ${(r.k.cpu / r.c.cpu).toFixed(3)} |`),
].join('\n');
console.log(`seed media (medians of ${RUNS} runs each, same run):\n${table}`);

if (mdFile) {
  const doc = readFileSync(mdFile, 'utf8');
  const section = `<!-- seed-media:begin -->\n${table}\n\nMedians of ${RUNS} runs each, measured on ${new Date().toISOString().slice(0, 10)} by \`node scripts/bench/seed-media.mjs\` (run by \`npm run bench\`).\n<!-- seed-media:end -->`;
  const re = /<!-- seed-media:begin -->[\s\S]*?<!-- seed-media:end -->/;
  writeFileSync(mdFile, re.test(doc) ? doc.replace(re, section) : `${doc.trimEnd()}\n\n${section}\n`);
}
