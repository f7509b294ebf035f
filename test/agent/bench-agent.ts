// `npm run bench:agent`: the seed scenario booted in the lab by the real cloud-init 22.4.2 and by
// kindling-init, alternately, several times each in the same run (the machine is shared: only
// same-run ratios mean anything). Each run is a fresh lab (its own `kindling serve` holding the
// seed instance) and a fresh overlay of the node image, booted twice: the first boot (a new
// instance: everything runs) and a reboot (per-boot work only). Prints, per boot, the median wall
// and CPU (user+sys of each stage's process tree, from bash `times` in the guest) of each stage,
// then CPU that outlived its stage ("orphans", reaped by the guest's init: kindling-init's background
// host key generation, and its resident agent, which runs the stages and exits as the final stage
// ends), the totals and the ratios kindling-init / cloud-init.
//
// Scenarios (files of test/agent/scenarios, read as the side-by-side acceptance reads them): the
// seed instance, then mime-heavy (a MIME multipart of every part kind: merged cloud-configs, scripts,
// gzip, jinja, a boothook, an #include served in the lab, an archive), each with its own table.
//
// Options: --runs N (per agent, default 5), --scenario NAME[,NAME...] (default seed,mime-heavy),
// --json FILE (write every boot's figures, by scenario), --no-snapshot (kindling-init's image without
// its startup snapshot: the first boot builds it in the background, as on an image whose installer
// could not run the image's Node), --no-resident (every kindling-init stage starts its own Node, as
// before the resident agent: KINDLING_INIT_RESIDENT=0).
import { readFileSync, writeFileSync } from 'node:fs';
import { runScenario, type Scenario } from '../lab/compare.js';
import { summariseTimes, type Agent, type BootResult } from '../lab/guest-boot.js';
import { checkExpectations, loadScenarioFile, scenarioOf } from './scenario-file.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : def;
}

const runs = Number(arg('runs', '5'));
const scenarioNames = arg('scenario', 'seed,mime-heavy').split(',').filter(Boolean);
const jsonOut = arg('json', '');
const snapshot = !process.argv.includes('--no-snapshot');
const resident = !process.argv.includes('--no-resident');
const all: Record<string, Record<string, BootResult[][]>> = {};
const lines: string[] = [];

for (const scenarioName of scenarioNames) {
  const file = loadScenarioFile(scenarioName);
  // always a first boot and a reboot (the scenario's own per-boot actions still apply)
  const base = scenarioOf(scenarioName, file, 'bench');
  const env = { ...base.bootOptions?.env, ...(resident ? {} : { KINDLING_INIT_RESIDENT: '0' }) };
  const scenario: Scenario = { ...base, boots: 2, bootOptions: { ...base.bootOptions, env, kindlingSnapshot: snapshot } };

  const results: Record<string, BootResult[][]> = { 'cloud-init': [], kindling: [] };
  all[scenarioName] = results;
  const order: Agent[] = ['cloud-init', 'kindling'];
  const t0 = Date.now();
  for (let i = 0; i < runs; i++) {
    // alternate which agent goes first, so drift in the machine's load falls on both
    for (const agent of i % 2 ? [...order].reverse() : order) {
      const r = await runScenario(scenario, agent);
      // a run that did not do the scenario's work is no figure: its expectations hold, every stage passed
      const failures = checkExpectations(file, agent as 'cloud-init' | 'kindling', r);
      r.dispose();
      if (!r.boots.every((b) => b.ok)) throw new Error(`${String(agent)} run ${i + 1}: a stage failed (${r.boots.map((b) => b.stages.map((s) => `${s.name}=${s.exitCode}`).join(' ')).join(' | ')})`);
      if (failures.length) throw new Error(`${String(agent)} run ${i + 1}: ${failures.join('; ')}`);
      results[agent as string]!.push(r.boots);
      const b = r.boots.map((x) => `boot ${x.boot}: wall ${x.agentWallSeconds.toFixed(2)} s cpu ${(x.agentCpuSeconds + (x.orphanCpuSeconds ?? 0)).toFixed(2)} s`).join(', ');
      process.stderr.write(`${scenarioName} run ${i + 1}/${runs} ${String(agent)}: ${b}\n`);
    }
  }

  const fmt = (x: number) => x.toFixed(3).padStart(7);
  if (lines.length) lines.push('');
  lines.push(`kindling-init vs cloud-init 22.4.2, scenario ${scenarioName} (${file.description}), ${runs} runs each, medians (min-max)${snapshot ? '' : ', kindling-init image without its startup snapshot'}${resident ? '' : ', no resident agent'}`);
  lines.push(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; ${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
  for (const boot of [1, 2]) {
    const ci = summariseTimes(results['cloud-init']!.map((r) => r[boot - 1]!)).filter((s) => s.name !== 'networking');
    const ki = summariseTimes(results.kindling!.map((r) => r[boot - 1]!)).filter((s) => s.name !== 'networking');
    lines.push('', `boot ${boot} (${boot === 1 ? 'first boot of the instance' : 'reboot'})`);
    lines.push(`${'stage'.padEnd(8)} ${'ci wall'.padStart(7)} ${'ci cpu'.padStart(7)} ${'ki wall'.padStart(7)} ${'ki cpu'.padStart(7)}  wall ratio  cpu ratio`);
    const names = [...new Set([...ci, ...ki].map((s) => s.name))];
    for (const n of names) {
      const c = ci.find((s) => s.name === n);
      const k = ki.find((s) => s.name === n);
      const ratio = (a?: number, b?: number) => (a && b !== undefined ? `${(b / a).toFixed(2)}×` : '-').padStart(10);
      lines.push(`${n.padEnd(8)} ${c ? fmt(c.wall.median) : '      -'} ${c ? fmt(c.cpu.median) : '      -'} ${k ? fmt(k.wall.median) : '      -'} ${k ? fmt(k.cpu.median) : '      -'}  ${ratio(c?.wall.median, k?.wall.median)} ${ratio(c?.cpu.median, k?.cpu.median)}`);
    }
    const c = ci.find((s) => s.name === 'total')!;
    const k = ki.find((s) => s.name === 'total')!;
    lines.push(`range: cloud-init wall ${c.wall.min}-${c.wall.max} s cpu ${c.cpu.min}-${c.cpu.max} s; kindling-init wall ${k.wall.min}-${k.wall.max} s cpu ${k.cpu.min}-${k.cpu.max} s`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(all, null, 1));
