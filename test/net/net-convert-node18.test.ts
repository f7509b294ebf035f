// The agent bundle's `devel net-convert` on Debian bookworm's own Node 18 (the lab's node image):
// the files it writes equal the in-process conversion, renderer by renderer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ensureRootfs } from '../lab/rootfs.js';
import { netConvert } from '../../src/agent/network/net-convert.js';
import type { RendererName } from '../../src/agent/network/renderer.js';
import { loadCorpus } from './corpus.js';
import { repoRoot } from './paths.js';

const CASES = ['os-vlan-on-bond', 'v2-static', 'v1-bridge-portcost', 'eni-static'];
const TARGETS = ['debian:eni', 'ubuntu:netplan', 'rhel:sysconfig', 'debian:networkd', 'rhel:network-manager'];
const noSys = { fs: { readdir: async () => [], readTextIfExists: async () => undefined, exists: async () => false, readlink: async () => undefined } };

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

test('devel net-convert from the bundle on Node 18 writes what the in-process conversion gives', async () => {
  const rootfs = (await ensureRootfs('node')).path;
  const work = mkdtempSync(join(tmpdir(), 'kindling-node18-'));
  try {
    copyFileSync(join(repoRoot, 'dist/kindling-init.cjs'), join(work, 'kindling-init.cjs'));
    const corpus = loadCorpus().filter((c) => CASES.includes(c.name));
    const lines: string[] = [];
    for (const c of corpus) {
      writeFileSync(join(work, c.name), c.input);
      for (const t of TARGETS) {
        const [distro, output] = t.split(':');
        const macs = c.macs.flatMap((m) => ['-m', m]).join(' ');
        lines.push(`node /tmp/kindling-init.cjs devel net-convert -p /tmp/${c.name} -k ${c.kind} -D ${distro} -O ${output} -d /tmp/out/${c.name}@${t} ${macs} 2>/dev/null || echo "FAILED ${c.name}@${t}"`);
      }
    }
    mkdirSync(join(work, 'out'));
    writeFileSync(join(work, 'run.sh'), `node --version\n${lines.join('\n')}\n`);
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$1" "$0/tmp" && exec chroot "$0" sh /tmp/run.sh', rootfs, work],
      // no code cache or startup snapshot in the shared image (this chroot is not an overlay)
      { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', KINDLING_INIT_CODE_CACHE: '0' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^v18\./);
    assert.doesNotMatch(r.stdout, /FAILED/);
    for (const c of corpus) {
      for (const t of TARGETS) {
        const [distro, output] = t.split(':') as [string, string];
        const mine = await netConvert({
          kind: c.kind, text: c.input, distro, output: output as RendererName,
          macs: c.macs.map((m) => [m.slice(0, m.indexOf(',')), m.slice(m.indexOf(',') + 1)] as [string, string]),
          sys: noSys, existing: () => undefined, warn: () => {},
        });
        assert.deepEqual(tree(join(work, 'out', `${c.name}@${t}`)), Object.fromEntries(mine.files.map((f) => [f.path, f.content])), `${c.name}@${t}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
