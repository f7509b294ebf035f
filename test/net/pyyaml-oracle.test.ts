// The netplan renderer's YAML writer against PyYAML itself (the lab rootfs's python3-yaml, which
// cloud-init 22.4 uses): random documents full of strings that need quoting, folding and escaping,
// plus documents with anchors, each dumped by both with cloud-init's settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pyyamlDump } from '../../src/agent/network/pyyaml-dump.js';
import { loadPyYaml } from '../../src/agent/network/pyyaml-load.js';
import { oracleRootfs } from './rootfs.js';

const ATOMS = ['', ' ', 'a', 'yes', 'No', 'on', 'OFF', 'y', 'null', 'Null', '~', '1', '01', '0o17', '0x1f', '0b101', '1_000', '+1', '-1', '1.5', '1e3', '.inf', '-.Inf', '.NaN',
  '2001-12-14', '2001-12-14 21:59:43.10 -5', '12:30:45', '1:2', '52:54:00:12:34:56', 'fa:16:3e:00:00:01', '10.0.0.1/24', '2001:db8::1/64', '::', 'fe80::1%eth0',
  '- a', '-a', ':a', 'a:', 'a: b', 'a #b', 'a#b', '#x', '[x]', 'x,y', '{', '}', "it's", 'say "hi"', 'back\\slash', 'tab\there', 'line\nbreak', 'x\n', '\nx',
  'a \nb', 'a\n b', 'trail ', ' lead', 'é', 'ünïcode', '\u2028', '---', '...x', '<<', '=', '?', '? x', '@x', '%x', '`x', '!x', '&x', '*x', '|x', '>x', 'a  b',
  'eth0', 'bond0.100', 'en*', 'very long string with many spaces that goes on and on past the eighty column limit for sure yes indeed it does go on',
  'averylongstringwithoutanyspacesatallthatgoesonandonpasttheeightycolumnlimitforsureyesindeeditdoesgo',
  "long string with 'quotes' and spaces that goes on and on past the eighty column limit for sure yes indeed",
  'long string with a tab\tand spaces that goes on and on past the eighty column limit for sure yes indeed it does'];

function docs(seed: number, n: number): unknown[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)]!;
  const gen = (d: number): unknown => {
    const r = rnd();
    if (d > 3 || r < 0.45) {
      const r2 = rnd();
      if (r2 < 0.65) return pick(ATOMS);
      if (r2 < 0.8) return Math.floor(rnd() * 100000) - 100;
      if (r2 < 0.9) return rnd() < 0.5;
      if (r2 < 0.95) return null;
      return pick([0.5, 1.25, 1500.5, -3.75]);
    }
    const len = Math.floor(rnd() * 4);
    if (r < 0.72) return Object.fromEntries(Array.from({ length: len }, () => [pick(ATOMS), gen(d + 1)]));
    return Array.from({ length: len }, () => gen(d + 1));
  };
  return Array.from({ length: n }, () => ({ network: { version: 2, ethernets: gen(0) }, more: [gen(1), { k: gen(2) }] }));
}

// anchors, and plain scalars whose type PyYAML and the yaml package's 1.1 schema resolve differently.
// (Not here: a float with an integral value, 1.5e+3, is 1500.0 to Python and 1500 to JavaScript.)
const RAW = [
  'y: n\nY: N\nexp: 1e3\nnine: 09\nsexa: 1:30\nzsexa: 01:30\ndot: .5\npdot: +.5\nfl: 1.25e+1\nfl2: 1.5e3\nu: 1_000\n',
  'a: &x {b: 1}\nc: *x\n',
  'l: &l [1, 2]\nm: {n: *l, o: *l}\np: &q {r: &s [x]}\nt: *s\nu: *q\n',
];

const PY = `
import json, sys, yaml
for line in sys.stdin:
    doc = yaml.safe_load(json.loads(line))
    out = yaml.dump(doc, line_break="\\n", indent=4, explicit_start=False, explicit_end=False, default_flow_style=False, Dumper=yaml.dumper.SafeDumper)
    sys.stdout.write(json.dumps(out) + "\\n")
`;

test('YAML read and written as PyYAML reads and writes it (live, 600 random documents and the 1.1 corner cases)', async () => {
  // JSON is YAML, once non-ASCII (U+2028 would be a line break to YAML) is escaped
  const asciiJson = (d: unknown) => JSON.stringify(d).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const texts = [...docs(7, 600).map(asciiJson), ...RAW];
  const rootfs = await oracleRootfs();
  const r = spawnSync('chroot', [rootfs, 'python3', '-c', PY], { input: texts.map((t) => JSON.stringify(t)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const theirs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as string);
  assert.equal(theirs.length, texts.length);
  const bad: string[] = [];
  texts.forEach((text, i) => {
    const ours = pyyamlDump(loadPyYaml(text));
    if (ours !== theirs[i]) bad.push(`document ${i}: ${JSON.stringify(text).slice(0, 200)}\n  PyYAML: ${JSON.stringify(theirs[i])}\n  ours:   ${JSON.stringify(ours)}`);
  });
  assert.deepEqual(bad.slice(0, 5), []);
});
