// Issue 4's acceptance: each scenario runs twice on identical fresh overlays of the lab's node
// image, against `kindling serve` holding the scenario's instance: once with the real cloud-init
// 22.4.2's four stages, once with kindling-init's. What each run changed (the overlay upper dirs)
// is compared after the lab's normalisation (host key bytes, logs, timestamps, seeds, cache
// formats, MIME boundaries, password hashes verified). Every remaining difference must be listed,
// with its reason, in docs/compatibility.md (the agent-differences table), and every row of that
// table must still match a difference: the list is exactly what differs. A row matches a difference
// by scenario and path (globs), change, and, when it gives any, globs that every detail line of the
// difference (mode, size, a line only one side has) must match. And `cloud-init analyze show` over
// both logs must find the same events in the same order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareAgents, type RunOutcome, type Scenario } from '../lab/compare.js';
import { command } from '../lab/command.js';
import { startKindling } from '../lab/kindling-service.js';
import { repoRoot } from '../lab/paths.js';
import type { Difference } from '../lab/upper-diff.js';

interface ScenarioFile {
  description: string;
  boots: number;
  passwords: Record<string, string>;
  instance: Record<string, unknown>;
}

interface Row {
  scenario: RegExp;
  path: RegExp;
  change: string;
  /** Globs over the difference's detail lines (mode, size, the lines only one side has); none = any. */
  details: RegExp[];
  reason: string;
  raw: string;
  used: boolean;
}

const glob = (g: string) => new RegExp(`^${g.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);

/** The agent-differences table of docs/compatibility.md. */
export function readDifferenceTable(): Row[] {
  const doc = readFileSync(join(repoRoot, 'docs/compatibility.md'), 'utf8');
  const m = /<!-- agent-differences:begin -->([\s\S]*?)<!-- agent-differences:end -->/.exec(doc);
  assert.ok(m, 'docs/compatibility.md has no agent-differences table');
  return (m[1] as string).split('\n').filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l) && !/^\|\s*Scenario\s*\|/.test(l)).map((l) => {
    const cells = l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim().replace(/\\\|/g, '|'));
    assert.equal(cells.length, 5, `malformed row: ${l}`);
    const code = (c: string) => c.replace(/^`|`$/g, '');
    const details = [...(cells[3] as string).matchAll(/`([^`]*)`/g)].map((m) => glob(m[1] as string));
    return { scenario: glob(code(cells[0] as string)), path: glob(code(cells[1] as string)), change: code(cells[2] as string), details, reason: cells[4] as string, raw: l, used: false };
  });
}

const SCENARIO_DIR = join(repoRoot, 'test/agent/scenarios');
const names = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
const rows = readDifferenceTable();
const unlisted: string[] = [];
let completed = 0;

function scenarioOf(name: string, s: ScenarioFile): Scenario {
  return {
    name: `sbs-${name}`,
    boots: s.boots,
    guest: { rootfs: 'node' },
    passwords: s.passwords,
    setup: async (lab) => {
      const svc = await startKindling(lab.hv);
      const file = join(lab.dir, `${name}-instance.json`);
      writeFileSync(file, JSON.stringify(s.instance));
      await svc.cli(['instance', 'create', '--file', file]);
    },
  };
}

/**
 * `cloud-init analyze show` of the real cloud-init (the image's own, chrooted read-only) over a
 * run's /var/log/cloud-init.log, with times masked: the events it finds, in order.
 */
async function analyze(run: RunOutcome): Promise<string> {
  const rootfs = run.side.lowers[run.side.lowers.length - 1] as string;
  const log = readFileSync(join(run.side.upper, 'var/log/cloud-init.log'));
  const r = await command(['chroot', rootfs, '/usr/bin/python3', '-B', '-m', 'cloudinit.cmd.main', 'analyze', 'show', '-i', '-'], {
    input: log,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
  });
  return r.stdout.replace(/\d+\.\d+/g, 'N');
}

function describeDiff(d: Difference): string {
  return `${d.path} (${d.change}${d.rule ? `, ${d.rule}` : ''}):\n    ${d.details.join('\n    ')}`;
}

for (const name of names) {
  const s = JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8')) as ScenarioFile;
  test(`side by side with cloud-init 22.4.2: ${name} (${s.description})`, { timeout: 600_000 }, async () => {
    const analyses: string[] = [];
    const c = await compareAgents(scenarioOf(name, s), { a: 'cloud-init', b: 'kindling' }, {
      inspect: async (a, b) => {
        analyses.push(await analyze(a), await analyze(b));
      },
    });
    for (const b of c.b.boots) {
      const log = existsSync(b.log) ? readFileSync(b.log, 'utf8').slice(-3000) : '(set KINDLING_LAB_KEEP=1 to keep the log)';
      assert.ok(b.ok, `kindling-init stage failed in ${name}, boot ${b.boot}: ${b.stages.map((x) => `${x.name}=${x.exitCode}`).join(' ')}\n${log}`);
    }
    // cloud-init's own analyze tool finds the same stages and events, in the same order, in our log
    assert.ok(/boot record/.test(analyses[1] as string), `analyze found no boot record in kindling-init's log:\n${analyses[1]}`);
    assert.equal(analyses[1], analyses[0], 'cloud-init analyze show: kindling-init (actual) vs cloud-init (expected)');
    const mine: string[] = [];
    for (const d of c.diff.differences) {
      const lines = d.details.filter((x) => !/^content differs \(|^\s*\((same lines|binary)/.test(x)).map((x) => x.trim().replace(/^([+-])\s+/, '$1 '));
      const row = rows.find((r) => r.scenario.test(name) && r.path.test(d.path) && r.change === d.change && (!r.details.length || lines.every((x) => r.details.some((g) => g.test(x)))));
      if (row) row.used = true;
      else mine.push(describeDiff(d));
    }
    unlisted.push(...mine.map((m) => `${name}: ${m}`));
    assert.ok(mine.length === 0, `differences not listed in docs/compatibility.md:\n${mine.join('\n')}\n\n${c.report}`);
    completed++;
  });
}

test('every listed difference still happens (the list is exact)', () => {
  // only meaningful when every scenario ran (not under a filter that skipped some)
  if (completed !== names.length) return;
  const stale = rows.filter((r) => !r.used).map((r) => r.raw);
  assert.deepEqual(stale, [], 'rows of the agent-differences table that no scenario produces');
});
