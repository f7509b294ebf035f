import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyyamlDump } from './pyyaml-dump.js';

test('block style with 4-space indents, sorted keys, indentless sequences, empty collections in flow style', () => {
  assert.equal(pyyamlDump({ b: [1, 2], a: { y: [], x: {} }, c: [{ to: '0.0.0.0/0', via: '10.0.0.1' }] }),
    'a:\n    x: {}\n    y: []\nb:\n- 1\n- 2\nc:\n-   to: 0.0.0.0/0\n    via: 10.0.0.1\n');
});

test('strings that would read back as something else are quoted, as PyYAML does', () => {
  const out = pyyamlDump({ k: ['on', 'No', '1.5', '0777', '52:54:00:12:34:56', 'fa:16:3e:00:00:01', '', '~', 'null', '2001-12-14', '- x', 'a: b', 'é', "it's", 'tab\there'] });
  assert.equal(out, "k:\n- 'on'\n- 'No'\n- '1.5'\n- '0777'\n- '52:54:00:12:34:56'\n- fa:16:3e:00:00:01\n- ''\n- '~'\n- 'null'\n- '2001-12-14'\n- '- x'\n- 'a: b'\n- \"\\xE9\"\n- it's\n- \"tab\\there\"\n");
});

test('scalars of other types are written plain', () => {
  assert.equal(pyyamlDump({ a: true, b: null, c: 1500, d: 0.5 }), 'a: true\nb: null\nc: 1500\nd: 0.5\n');
});

test('shared objects become &id001 anchors and *id001 aliases, unless noAlias', () => {
  const ns = { addresses: ['10.0.0.2'] };
  assert.equal(pyyamlDump({ a: { nameservers: ns }, b: { nameservers: ns } }),
    'a:\n    nameservers: &id001\n        addresses:\n        - 10.0.0.2\nb:\n    nameservers: *id001\n');
  assert.equal(pyyamlDump({ a: ns, b: ns }, { noAlias: true }), 'a:\n    addresses:\n    - 10.0.0.2\nb:\n    addresses:\n    - 10.0.0.2\n');
});

test('long plain strings fold at spaces past column 80', () => {
  const s = 'word '.repeat(25).trim();
  const out = pyyamlDump({ key: s });
  assert.ok(out.split('\n').every((l) => l.length <= 90), out);
  assert.equal(out.replace(/\n\s+/g, ' ').trim(), `key: ${s}`);
});
