// Every network config of the corpus, through every target (distro + renderer), by the real
// cloud-init 22.4.2 (live, in the lab rootfs) and by kindling-init: the files must be equal byte for
// byte (and mode for mode), unless docs/compatibility.md lists the difference with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { netConvert } from '../../src/agent/network/net-convert.js';
import type { RendererName } from '../../src/agent/network/renderer.js';
import type { SysHost } from '../../src/agent/network/names.js';
import { loadCorpus, type CorpusCase } from './corpus.js';
import { runOracle, type OracleFile } from './oracle.js';
import { loadDifferenceRows, rowMatches } from './differences.js';
import { oracleRootfs } from './rootfs.js';

/** distro:renderer pairs every case goes through: each renderer once. */
export const TARGETS = ['debian:eni', 'ubuntu:netplan', 'rhel:sysconfig', 'opensuse:sysconfig', 'debian:networkd', 'rhel:network-manager'];
/** Distros whose paths and headers differ (the renderer's output does not): a few cases each. */
const PATH_VARIANTS = ['ubuntu:eni', 'alpine:eni', 'arch:netplan'];
const PATH_VARIANT_CASES = ['os-static-ipv4', 'os-vlan-on-bond', 'v1-static-routes-dns', 'v2-static', 'eni-static'];

const targetsFor = (caseName: string) => [...TARGETS, ...(PATH_VARIANT_CASES.includes(caseName) ? PATH_VARIANTS : [])];

// The chroot that runs cloud-init has no /sys: our side reads an empty one too.
const emptySys: SysHost = { fs: { readdir: async () => [], readTextIfExists: async () => undefined, exists: async () => false, readlink: async () => undefined } };

interface Difference { caseName: string; target: string; file: string; detail: string }

function firstDiff(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: 22.4 ${JSON.stringify(al[i])} / ours ${JSON.stringify(bl[i])}`;
  }
  return 'same lines, different bytes';
}

async function ours(c: CorpusCase, distro: string, output: string): Promise<{ ok: true; files: Map<string, OracleFile> } | { ok: false; error: string }> {
  try {
    const r = await netConvert({
      kind: c.kind, text: c.input, distro, output: output as RendererName,
      macs: c.macs.map((m) => [m.slice(0, m.indexOf(',')), m.slice(m.indexOf(',') + 1)] as [string, string]),
      sys: emptySys, existing: (p) => c.existing[p], warn: () => {},
    });
    // the output directory as it ends up: what was there, then our writes and removals
    const files = new Map<string, OracleFile>(Object.entries(c.existing).map(([p, content]) => [p, { content, mode: 0o644 }]));
    for (const f of r.files) files.set(f.path, { content: f.content, mode: f.mode });
    for (const p of r.remove) files.delete(p);
    return { ok: true, files };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

test('the network corpus has at least 40 cases', () => {
  const n = loadCorpus().length;
  assert.ok(n >= 40, `the corpus has ${n} cases; it needs at least 40`);
});

test('net-convert: the corpus through every renderer equals cloud-init 22.4.2, or the difference is listed', async (t) => {
  const corpus = loadCorpus();
  const rows = loadDifferenceRows();
  const rootfs = await oracleRootfs();
  const jobs = corpus.flatMap((c) => targetsFor(c.name).map((target) => {
    const [distro, output] = target.split(':') as [string, string];
    return { id: `${c.name}@${target}`, input: c.input, kind: c.kind, distro, output, macs: c.macs, existing: c.existing };
  }));
  const t0 = performance.now();
  const oracle = await runOracle(rootfs, jobs);
  const oracleMs = performance.now() - t0;
  const t1 = performance.now();
  const differences: Difference[] = [];
  let equal = 0;
  let bothRefuse = 0;
  // per target: files both sides wrote, and how many of those are identical
  const perTarget = new Map<string, { pairs: number; equalPairs: number; common: number; identical: number }>([...TARGETS, ...PATH_VARIANTS].map((t) => [t, { pairs: 0, equalPairs: 0, common: 0, identical: 0 }]));
  for (const c of corpus) {
    for (const target of targetsFor(c.name)) {
      const [distro, output] = target.split(':') as [string, string];
      const ref = oracle.get(`${c.name}@${target}`)!;
      const mine = await ours(c, distro, output);
      const diff = (file: string, detail: string) => differences.push({ caseName: c.name, target, file, detail });
      if (!ref.ok && !mine.ok) {
        bothRefuse++;
        continue;
      }
      if (!ref.ok) {
        diff('(22.4 fails)', `22.4: ${ref.error}`);
        continue;
      }
      if (!mine.ok) {
        diff('(we fail)', `ours: ${mine.error}`);
        continue;
      }
      let same = true;
      const stat = perTarget.get(target)!;
      stat.pairs++;
      for (const path of new Set([...ref.files.keys(), ...mine.files.keys()])) {
        const a = ref.files.get(path);
        const b = mine.files.get(path);
        if (a && b) {
          stat.common++;
          if (a.content === b.content && a.mode === b.mode) stat.identical++;
        }
        if (!a) diff(path, 'only we write it');
        else if (!b) diff(path, 'only 22.4 writes it');
        else if (a.content !== b.content) diff(path, firstDiff(a.content, b.content));
        else if (a.mode !== b.mode) diff(path, `mode 22.4 ${a.mode.toString(8)} / ours ${b.mode.toString(8)}`);
        else continue;
        same = false;
      }
      if (same) {
        equal++;
        stat.equalPairs++;
      }
    }
  }
  const oursMs = performance.now() - t1;
  for (const [target, st] of perTarget) {
    t.diagnostic(`${target}: ${st.equalPairs}/${st.pairs} cases identical in every file; ${st.identical}/${st.common} files written by both are identical`);
  }
  t.diagnostic(`${corpus.length} cases through ${TARGETS.length} renderer targets (+${PATH_VARIANTS.length} path variants on ${PATH_VARIANT_CASES.length}): ${equal} equal byte for byte, ${bothRefuse} refused by both, ` +
    `${differences.length} file differences; cloud-init 22.4.2 took ${(oracleMs / 1000).toFixed(2)} s for ${jobs.length} conversions, kindling ${(oursMs / 1000).toFixed(2)} s`);
  const unlisted = differences.filter((d) => !rows.some((r) => rowMatches(r, d.caseName, d.target, d.file)));
  const stale = rows.filter((r) => !differences.some((d) => rowMatches(r, d.caseName, d.target, d.file)));
  const report = [
    ...unlisted.map((d) => `unlisted difference: ${d.caseName} ${d.target} ${d.file}: ${d.detail}`),
    ...stale.map((r) => `docs/compatibility.md:${r.line} lists ${r.caseGlob} ${r.targetGlob} ${r.fileGlob}, which no longer differs`),
  ];
  assert.deepEqual(report, []);
});
