// The scenario files of test/agent/scenarios/*.json, turned into lab Scenarios (test/lab/compare.ts).
// The format is documented at the top of side-by-side.test.ts; this module is its only reader (the
// side-by-side acceptance and `npm run bench:agent` both use it).
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Lab } from '../lab/lab.js';
import type { Scenario, RunOutcome } from '../lab/compare.js';
import type { DmiField, GuestOptions } from '../lab/guest.js';
import type { PlantedFile } from '../lab/guest-layer.js';
import { GATEWAY_IP } from '../lab/hypervisor.js';
import { startKindling } from '../lab/kindling-service.js';
import { repoRoot } from '../lab/paths.js';

export const SCENARIO_DIR = join(repoRoot, 'test/agent/scenarios');
export const SCENARIO_FILES_DIR = join(SCENARIO_DIR, 'files');

export type AgentName = 'cloud-init' | 'kindling';

/** Bytes given inline (text), as base64, or as a file under test/agent/scenarios/files/. */
export type Content = string | { text: string } | { base64: string } | { file: string };

export type GuestFile = Content | { content: Content; mode?: string | number; uid?: number; gid?: number } | { symlink: string };

export type Action =
  | { patch: Record<string, unknown> }
  | { replace: Record<string, unknown> }
  | { metadata: 'reachable' | 'unreachable' }
  | { dmi: Partial<Record<DmiField, string | null>> }
  | { cmdline: string };

export interface Expectation {
  /** Which agents it applies to (default: every agent that ran). */
  agents?: AgentName[];
  /** A guest path: /run/... is read from the boot's /run (`boot`, default the last), the rest from the disk. */
  path?: string;
  /** Or a stage of boot `boot` (local, network, config, final) and the most wall time it may take. */
  stage?: string;
  max_wall_seconds?: number;
  boot?: number;
  exists?: boolean;
  contains?: string | string[];
  not_contains?: string | string[];
  matches?: string;
  equals?: string;
  /** Octal, e.g. "0600". */
  mode?: string;
  /** Dotted paths into the file's JSON and the values expected there (deep equality). */
  json?: Record<string, unknown>;
}

export interface ScenarioFile {
  description: string;
  boots?: number;
  agents?: AgentName[];
  passwords?: Record<string, string>;
  instance?: Record<string, unknown>;
  service?: { args?: string[] };
  metadata?: 'reachable' | 'unreachable';
  lab?: { metadataAddress?: boolean; extraAddresses?: string[] };
  guest?: {
    datasources?: string[] | null;
    files?: Record<string, GuestFile>;
    dmi?: Partial<Record<DmiField, string | null>>;
    cmdline?: string;
    mac?: string;
    ip?: string | null;
    staticAddresses?: string[];
  };
  images?: { name: string; instance?: string; nocloud?: boolean; format?: 'iso' | 'vfat'; alias?: string; readWrite?: boolean }[];
  serve?: { host?: string; port?: number; files: Record<string, Content> } | { host?: string; port?: number; files: Record<string, Content> }[];
  beforeBoot?: Record<string, Action[]>;
  exit_codes?: Record<string, Record<string, number>>;
  /** Per agent, over exit_codes: {"cloud-init": {"1": {"network": 1}}}. */
  agent_exit_codes?: Partial<Record<AgentName, Record<string, Record<string, number>>>>;
  expect?: Expectation[];
  /**
   * Why `cloud-init analyze show` over the two logs is expected to differ (the agents deliberately
   * behave differently, listed in docs/compatibility.md); both must still show a boot record.
   */
  analyze_differs?: string;
}

const KNOWN = new Set(['description', 'boots', 'agents', 'passwords', 'instance', 'service', 'metadata', 'lab', 'guest', 'images', 'serve', 'beforeBoot', 'exit_codes', 'agent_exit_codes', 'expect', 'analyze_differs']);

export function loadScenarioFile(name: string): ScenarioFile {
  const s = JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8')) as ScenarioFile;
  const unknown = Object.keys(s).filter((k) => !KNOWN.has(k));
  assert.deepEqual(unknown, [], `${name}.json: unknown fields`);
  assert.equal(typeof s.description, 'string', `${name}.json: description`);
  const agents = s.agents ?? ['cloud-init', 'kindling'];
  assert.ok(agents.length >= 1 && agents.every((a) => a === 'cloud-init' || a === 'kindling'), `${name}.json: agents`);
  // a scenario run by one agent has nothing to be compared with: it must say what it expects
  if (agents.length === 1) assert.ok(s.expect?.length, `${name}.json: a scenario for ${agents[0]} alone needs "expect"`);
  if (s.images?.length || s.beforeBoot) {
    const needsInstance = (s.images ?? []).some((i) => !i.instance) || Object.values(s.beforeBoot ?? {}).flat().some((a) => 'patch' in a || 'replace' in a);
    assert.ok(!needsInstance || s.instance, `${name}.json: images/patch/replace need "instance"`);
  }
  return s;
}

export function contentBytes(c: Content): Buffer {
  if (typeof c === 'string') return Buffer.from(c);
  if ('text' in c) return Buffer.from(c.text);
  if ('base64' in c) return Buffer.from(c.base64, 'base64');
  const path = join(SCENARIO_FILES_DIR, c.file);
  assert.ok(!c.file.split('/').includes('..'), `scenario file outside files/: ${c.file}`);
  return readFileSync(path);
}

/** An instance body for `kindling instance create/update`: user_data_file → user_data_base64. */
export function instanceBody(inst: Record<string, unknown>): Record<string, unknown> {
  const { user_data_file, ...rest } = inst;
  if (typeof user_data_file === 'string') return { ...rest, user_data_base64: contentBytes({ file: user_data_file }).toString('base64') };
  return rest;
}

function plantedFile(f: GuestFile): PlantedFile {
  if (typeof f === 'object' && 'symlink' in f) return { symlink: f.symlink };
  if (typeof f === 'object' && 'content' in f) {
    const mode = typeof f.mode === 'string' ? parseInt(f.mode, 8) : f.mode;
    return { content: contentBytes(f.content), ...(mode !== undefined ? { mode } : {}), ...(f.uid !== undefined ? { uid: f.uid } : {}), ...(f.gid !== undefined ? { gid: f.gid } : {}) };
  }
  return contentBytes(f);
}

/** The lab state one run of a scenario keeps between setup and its boots. */
interface RunState {
  cli?: (args: string[], opts?: { input?: string }) => Promise<{ stdout: string }>;
  uuid?: string;
  images: { image: string; alias?: string; readWrite?: boolean }[];
}

async function createInstance(st: RunState, lab: Lab, body: Record<string, unknown>, label: string): Promise<void> {
  const file = join(lab.dir, `${label}-instance.json`);
  writeFileSync(file, JSON.stringify(instanceBody(body)));
  const out = await st.cli!(['instance', 'create', '--file', file]);
  const uuid = (JSON.parse(out.stdout) as { uuid?: string }).uuid;
  assert.ok(uuid, `no uuid for the created instance: ${out.stdout}`);
  st.uuid = uuid;
}

/** The lab Scenario a scenario file describes. Each run (one per agent) gets a fresh state. */
export function scenarioOf(name: string, s: ScenarioFile, prefix = 'sbs'): Scenario {
  let st: RunState = { images: [] };
  return {
    name: `${prefix}-${name}`,
    boots: s.boots ?? 1,
    passwords: s.passwords ?? {},
    ...(s.lab ? { lab: s.lab } : {}),
    setup: async (lab) => {
      st = { images: [] };
      if (s.instance) {
        const svc = await startKindling(lab.hv, s.service?.args ? { args: s.service.args } : {});
        st.cli = (args, opts) => svc.cli(args, opts);
        await createInstance(st, lab, s.instance, name);
      }
      for (const img of s.images ?? []) {
        const out = join(lab.dir, 'images', img.name);
        mkdirSync(dirname(out), { recursive: true });
        assert.ok(st.cli, 'images need an instance');
        await st.cli(['config-drive', 'build', img.instance ?? st.uuid!, '-o', out, ...(img.nocloud ? ['--nocloud'] : []), ...(img.format ? ['--format', img.format] : [])]);
        st.images.push({ image: out, ...(img.alias ? { alias: img.alias } : {}), ...(img.readWrite ? { readWrite: true } : {}) });
      }
      const serves = s.serve === undefined ? [] : Array.isArray(s.serve) ? s.serve : [s.serve];
      for (const [i, sv] of serves.entries()) {
        const dir = join(lab.dir, `serve-${i}`);
        for (const [path, c] of Object.entries(sv.files)) {
          assert.ok(path.startsWith('/') && !path.split('/').includes('..'), `served path: ${path}`);
          mkdirSync(dirname(join(dir, path)), { recursive: true });
          writeFileSync(join(dir, path), contentBytes(c));
        }
        mkdirSync(dir, { recursive: true });
        const host = sv.host ?? GATEWAY_IP;
        const port = sv.port ?? 8000;
        const p = lab.hv.spawn(`serve-${i}`, [process.execPath, join(repoRoot, 'build/test/lab/static-metadata-server.js'), dir, host, String(port)]);
        await lab.hv.waitForPort(host, port, { process: p });
      }
      if (s.metadata === 'unreachable') await lab.hv.setMetadataReachable(false);
    },
    guest: (): GuestOptions => {
      const g = s.guest ?? {};
      const o: GuestOptions = { rootfs: 'node' };
      if (g.datasources !== undefined) o.datasources = g.datasources;
      if (g.files) o.files = Object.fromEntries(Object.entries(g.files).map(([p, f]) => [p, plantedFile(f)]));
      if (g.dmi) o.dmi = g.dmi;
      if (g.cmdline !== undefined) o.cmdline = g.cmdline;
      if (g.mac !== undefined) o.mac = g.mac;
      if (g.ip !== undefined) o.ip = g.ip;
      if (g.staticAddresses) o.staticAddresses = g.staticAddresses;
      if (st.images.length) o.blockDevices = st.images;
      return o;
    },
    beforeBoot: async (lab, guest, n) => {
      for (const [i, a] of (s.beforeBoot?.[String(n)] ?? []).entries()) {
        if ('patch' in a) {
          const file = join(lab.dir, `boot${n}-patch${i}.json`);
          writeFileSync(file, JSON.stringify(instanceBody(a.patch)));
          await st.cli!(['instance', 'update', st.uuid!, '--file', file]);
        } else if ('replace' in a) {
          await st.cli!(['instance', 'delete', st.uuid!]);
          await createInstance(st, lab, a.replace, `boot${n}-replace${i}`);
        } else if ('metadata' in a) {
          await lab.hv.setMetadataReachable(a.metadata === 'reachable');
        } else if ('dmi' in a) {
          guest.setDmi(a.dmi);
        } else if ('cmdline' in a) {
          guest.setCmdline(a.cmdline);
        } else {
          assert.fail(`unknown beforeBoot action ${JSON.stringify(a)}`);
        }
      }
    },
  };
}

const OCTAL = (m: number) => `0${(m & 0o7777).toString(8)}`;

/** Where a guest path (no symlink resolution) is on the host: /run from boot N's saved /run, else upper then lowers. */
function layerPath(run: RunOutcome, path: string, boot: number): string | null {
  if (path === '/run' || path.startsWith('/run/')) {
    const b = run.boots[boot - 1];
    assert.ok(b, `no boot ${boot}`);
    const p = join(b.dir, 'run', path.slice('/run'.length));
    try {
      lstatSync(p);
      return p;
    } catch {
      return null;
    }
  }
  for (const layer of [run.side.upper, ...run.side.lowers]) {
    const p = join(layer, path);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    // an overlay whiteout: deleted
    if (st.isCharacterDevice() && st.rdev === 0) return null;
    return p;
  }
  return null;
}

/**
 * A guest path of a finished run on the host, symlinks resolved as the guest would (e.g.
 * /run/cloud-init/result.json → /var/lib/cloud/data/result.json); null when it does not exist.
 */
function runPath(run: RunOutcome, path: string, boot: number): string | null {
  const parts = path.split('/').filter(Boolean);
  const done: string[] = [];
  for (let hops = 0; parts.length; ) {
    const part = parts.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = layerPath(run, `/${[...done, part].join('/')}`, boot);
    if (!host) return null;
    if (!lstatSync(host).isSymbolicLink()) {
      done.push(part);
      continue;
    }
    assert.ok(++hops <= 40, `too many symlinks resolving ${path}`);
    const target = readlinkSync(host);
    if (target.startsWith('/')) done.length = 0;
    parts.unshift(...target.split('/').filter(Boolean));
  }
  return layerPath(run, `/${done.join('/')}`, boot);
}

function dig(v: unknown, dotted: string): unknown {
  let cur = v;
  for (const k of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** The scenario's expectations that fail for this run (empty: all hold). */
export function checkExpectations(s: ScenarioFile, agent: AgentName, run: RunOutcome): string[] {
  const failures: string[] = [];
  const last = run.boots.length;
  for (const e of s.expect ?? []) {
    if (e.agents && !e.agents.includes(agent)) continue;
    const boot = e.boot ?? last;
    if (e.stage !== undefined) {
      const st = run.boots[boot - 1]?.stages.find((x) => x.name === e.stage);
      if (!st) failures.push(`${agent}: no stage ${e.stage} in boot ${boot}`);
      else if (e.max_wall_seconds !== undefined && st.wallSeconds > e.max_wall_seconds) failures.push(`${agent}: stage ${e.stage} of boot ${boot} took ${st.wallSeconds} s, more than ${e.max_wall_seconds} s`);
      continue;
    }
    assert.ok(e.path, 'an expectation needs a path or a stage');
    const where = `${agent}: ${e.path}${e.path.startsWith('/run') ? ` (boot ${boot})` : ''}`;
    const p = runPath(run, e.path, boot);
    if (e.exists === false) {
      if (p) failures.push(`${where} exists`);
      continue;
    }
    if (!p) {
      failures.push(`${where} does not exist`);
      continue;
    }
    const st = lstatSync(p);
    if (e.mode && OCTAL(st.mode) !== OCTAL(parseInt(e.mode, 8))) failures.push(`${where}: mode ${OCTAL(st.mode)}, expected ${e.mode}`);
    const needsText = e.contains !== undefined || e.not_contains !== undefined || e.matches !== undefined || e.equals !== undefined || e.json !== undefined;
    if (!needsText) continue;
    const text = st.isFile() ? readFileSync(p, 'utf8') : '';
    for (const c of [e.contains ?? []].flat()) if (!text.includes(c)) failures.push(`${where} does not contain ${JSON.stringify(c)}`);
    for (const c of [e.not_contains ?? []].flat()) if (text.includes(c)) failures.push(`${where} contains ${JSON.stringify(c)}`);
    if (e.matches !== undefined && !new RegExp(e.matches, 'm').test(text)) failures.push(`${where} does not match /${e.matches}/`);
    if (e.equals !== undefined && text !== e.equals) failures.push(`${where} is ${JSON.stringify(text.slice(0, 200))}, expected ${JSON.stringify(e.equals)}`);
    if (e.json) {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (err) {
        failures.push(`${where} is not JSON: ${(err as Error).message}`);
        continue;
      }
      for (const [k, want] of Object.entries(e.json)) {
        const got = dig(doc, k);
        try {
          assert.deepStrictEqual(got, want);
        } catch {
          failures.push(`${where}: ${k} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
        }
      }
    }
  }
  return failures;
}

/** The exit code the scenario expects of a stage for an agent (default 0). */
export function expectedExitCode(s: ScenarioFile, agent: AgentName, boot: number, stage: string): number {
  return s.agent_exit_codes?.[agent]?.[String(boot)]?.[stage] ?? s.exit_codes?.[String(boot)]?.[stage] ?? 0;
}

/** Exit codes of the agent stages, by boot: {"1": {"local": 0, ...}}. */
export function exitCodes(run: RunOutcome): Record<string, Record<string, number>> {
  return Object.fromEntries(run.boots.map((b) => [String(b.boot), Object.fromEntries(b.stages.filter((x) => x.name !== 'networking').map((x) => [x.name, x.exitCode]))]));
}
