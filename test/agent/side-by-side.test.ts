// Issue 4's and issue 5's acceptance: each scenario runs twice on identical fresh overlays of the
// lab's node image: once with the real cloud-init 22.4.2's four stages, once with kindling-init's.
// What each run changed (the overlay upper dirs) is compared after the lab's normalisation (host key
// bytes, logs, timestamps, seeds, cache formats, MIME boundaries, password hashes verified). Every
// remaining difference must be listed, with its reason, in docs/compatibility.md (the
// agent-differences table), and every row of that table must still match a difference: the list is
// exactly what differs. A row matches a difference by scenario and path (globs), change, and, when it
// gives any, globs that every detail line of the difference (mode, size, a line only one side has)
// must match. And `cloud-init analyze show` over both logs must find the same events in the same order.
//
// A scenario is test/agent/scenarios/NAME.json (read by scenario-file.ts, which rejects unknown fields):
//   description  what it shows (the test's name)
//   boots        boots per run (default 1; later boots are reboots: same disk, fresh /run and /tmp)
//   agents       ["cloud-init", "kindling"] (default): side by side; one agent: that agent alone (for
//                what the real cloud-init cannot be run against, e.g. IMDSv2 with http_tokens=required);
//                then "expect" is required and nothing is diffed
//   passwords    user → plaintext, to verify the hashes in /etc/shadow
//   instance     optional: registered in a `kindling serve` in the lab (169.254.169.254:80) with
//                `kindling instance create` (the control API's body). "user_data_file": NAME (a file
//                under test/agent/scenarios/files/) becomes user_data_base64, for binary (gzip) or
//                long user-data; "user_data_base64" works too. Absent: no service at all.
//   service      {"args": [...]}: replaces `kindling serve`'s default arguments
//   metadata     "unreachable": 169.254.169.254 taken off the lab's network before the first boot
//                (requests time out, as for a dead metadata service); default "reachable"
//   lab          {"metadataAddress": false (the address never exists), "extraAddresses": [...]}
//   guest        {"datasources": [...] (the lab's 90-lab.cfg datasource_list, None appended; null: no
//                90-lab.cfg; default ["OpenStack"]), "files": {"/guest/path": CONTENT | {"content":
//                CONTENT, "mode": "0600", "uid", "gid"} | {"symlink": target}} (planted in the image,
//                e.g. /var/lib/cloud/seed/nocloud/meta-data; not part of the diff), "dmi": {field:
//                value|null} (over Nova's), "cmdline": "...", "mac", "ip" (null: no fixed lease),
//                "staticAddresses": [...]}
//                CONTENT: "text" | {"text": "..."} | {"base64": "..."} | {"file": NAME under files/}
//   images       [{"name": "cd.iso", "nocloud": bool, "format": "iso"|"vfat", "alias": "sr0"|"vdb",
//                "instance": uuid (default the scenario's), "readWrite": bool}]: built by `kindling
//                config-drive build` from the registered instance, attached to the guest as block
//                devices (a loop device, plus the alias, in the guest's /dev)
//   serve        {"host": (default 169.254.0.1), "port": (default 8000), "files": {"/url/path":
//                CONTENT}} or a list of them: static files served in the lab's hypervisor namespace
//                (e.g. for #include http://169.254.0.1:8000/part), one line per request in its log
//   beforeBoot   {"N": [ACTION, ...]} before boot N (1 = the first): {"patch": {...}} (merge-patch of
//                the instance, `kindling instance update`), {"replace": {...}} (delete the instance
//                and create this one: give it another uuid for a new instance-id), {"metadata":
//                "unreachable"|"reachable"}, {"dmi": {...}}, {"cmdline": "..."}
//   exit_codes   {"N": {"local"|"network"|"config"|"final": code}}: the expected exit codes of boot N's
//                stages, for every agent that runs (stages not named: 0)
//   agent_exit_codes  {"cloud-init": {"N": {...}}}: the same for one agent (over exit_codes)
//   analyze_differs  "reason": the agents deliberately run different events (listed in
//                docs/compatibility.md), so `cloud-init analyze show` is not compared
//   expect       [{"path": "/guest/path", "exists": bool, "contains": s|[s], "not_contains": s|[s],
//                "matches": regex, "equals": s, "mode": "0644", "json": {"dotted.key": value},
//                "boot": N, "agents": [...]} | {"stage": "network", "boot": N, "max_wall_seconds": S}]:
//                checked on each run's end state (/run/... is the /run
//                of boot N, default the last; the rest is the disk, as the last boot left it, also
//                through symlinks from /run such as /run/cloud-init/status.json)
// KINDLING_SCENARIOS=name,name runs only those scenarios.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compareAgents, runScenario, type RunOutcome } from '../lab/compare.js';
import { command } from '../lab/command.js';
import { repoRoot } from '../lab/paths.js';
import type { Difference } from '../lab/upper-diff.js';
import { checkExpectations, exitCodes, expectedExitCode, loadScenarioFile, scenarioOf, SCENARIO_DIR, type AgentName, type ScenarioFile } from './scenario-file.js';

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

const allNames = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
// KINDLING_SCENARIOS=a,b runs only those (local work); the exactness check below then does not apply
const only = process.env.KINDLING_SCENARIOS?.split(',').filter(Boolean);
const names = only ? allNames.filter((n) => only.includes(n)) : allNames;
const rows = readDifferenceTable();
// (loadScenarioFile checks every file's fields before anything boots)
const unlisted: string[] = [];
let completed = 0;

/**
 * `cloud-init analyze show` of the real cloud-init (the image's own, chrooted read-only) over a
 * run's /var/log/cloud-init.log, with times masked: the events it finds, in order. Loop device
 * numbers are masked too: the lab attaches images through the host's loop devices, whose numbers
 * depend on what else runs on the machine (a VM would name the same device every time).
 */
async function analyze(run: RunOutcome): Promise<string> {
  const rootfs = run.side.lowers[run.side.lowers.length - 1] as string;
  const log = readFileSync(join(run.side.upper, 'var/log/cloud-init.log'));
  const r = await command(['chroot', rootfs, '/usr/bin/python3', '-B', '-m', 'cloudinit.cmd.main', 'analyze', 'show', '-i', '-'], {
    input: log,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
  });
  return r.stdout.replace(/\d+\.\d+/g, 'N').replace(/\/dev\/loop\d+/g, '/dev/loopN');
}

function describeDiff(d: Difference): string {
  return `${d.path} (${d.change}${d.rule ? `, ${d.rule}` : ''}):\n    ${d.details.join('\n    ')}`;
}

/** What a run must show whatever the other agent did: its stages' exit codes and the scenario's expectations. */
function checkRun(name: string, s: ScenarioFile, agent: AgentName, run: RunOutcome): void {
  const want = Object.fromEntries(run.boots.map((b) => [String(b.boot), Object.fromEntries(b.stages.filter((x) => x.name !== 'networking').map((x) => [x.name, expectedExitCode(s, agent, b.boot, x.name)]))]));
  const got = exitCodes(run);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    const b = run.boots[run.boots.length - 1]!;
    const log = existsSync(b.log) ? readFileSync(b.log, 'utf8').slice(-3000) : '(set KINDLING_LAB_KEEP=1 to keep the log)';
    assert.deepEqual(got, want, `${agent} stage exit codes in ${name} (last boot's log:\n${log})`);
  }
  const failures = checkExpectations(s, agent, run);
  assert.deepEqual(failures, [], `${name}: expectations not met`);
}

for (const name of names) {
  const s = loadScenarioFile(name);
  const agents = s.agents ?? ['cloud-init', 'kindling'];
  test(`${agents.length === 1 ? `${agents[0]} alone` : 'side by side with cloud-init 22.4.2'}: ${name} (${s.description})`, { timeout: 600_000 }, async () => {
    if (agents.length === 1) {
      const r = await runScenario(scenarioOf(name, s), agents[0]!);
      try {
        checkRun(name, s, agents[0]!, r);
        assert.ok(/boot record/.test(await analyze(r)), 'analyze found no boot record in the log');
      } finally {
        r.dispose();
      }
      completed++;
      return;
    }
    const analyses: string[] = [];
    const c = await compareAgents(scenarioOf(name, s), { a: 'cloud-init', b: 'kindling' }, {
      inspect: async (a, b) => {
        checkRun(name, s, 'cloud-init', a);
        checkRun(name, s, 'kindling', b);
        analyses.push(await analyze(a), await analyze(b));
      },
    });
    // cloud-init's own analyze tool finds the same stages and events, in the same order, in our log
    assert.ok(/boot record/.test(analyses[1] as string), `analyze found no boot record in kindling-init's log:\n${analyses[1]}`);
    assert.ok(/boot record/.test(analyses[0] as string), `analyze found no boot record in cloud-init's log:\n${analyses[0]}`);
    if (!s.analyze_differs) assert.equal(analyses[1], analyses[0], 'cloud-init analyze show: kindling-init (actual) vs cloud-init (expected)');
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
  if (completed !== allNames.length) return;
  const stale = rows.filter((r) => !r.used).map((r) => r.raw);
  assert.deepEqual(stale, [], 'rows of the agent-differences table that no scenario produces');
});
