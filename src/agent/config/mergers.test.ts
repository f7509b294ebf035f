import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constructMerger, mergeManyDicts, parseMergeString, USERDATA_MERGE } from './mergers.js';

test('system config: earlier sources win, dicts merge recursively, lists are not concatenated', () => {
  const r = mergeManyDicts([{ a: 1, d: { x: 1 }, l: [1] }, { a: 2, b: 2, d: { x: 2, y: 2 }, l: [2, 3] }]);
  assert.deepEqual(r, { a: 1, b: 2, d: { x: 1, y: 2 }, l: [1] });
});

test('user-data parts: a later part replaces keys (dict(replace)+list()+str())', () => {
  const m = constructMerger(parseMergeString(USERDATA_MERGE));
  assert.deepEqual(m.merge({ runcmd: ['a'], x: { y: 1 } }, { runcmd: ['b'], x: { z: 2 } }), { runcmd: ['b'], x: { z: 2 } });
});

test('list(append)+dict(recurse_array) concatenates nested lists', () => {
  const m = constructMerger(parseMergeString('list(append)+dict(recurse_array)+str()'));
  assert.deepEqual(m.merge({ runcmd: ['a'], w: { l: [1] } }, { runcmd: ['b'], w: { l: [2] } }), { runcmd: ['a', 'b'], w: { l: [1, 2] } });
});

test('a config\'s own merge_how applies to it and is removed', () => {
  const r = mergeManyDicts([{ l: [1] }, { l: [2], merge_how: 'list(append)+dict()+str()' }]);
  assert.deepEqual(r, { l: [1] }); // earlier source's list is kept; merge_how applies when *it* is merged in
  const r2 = mergeManyDicts([{ l: [1], merge_how: [{ name: 'list', settings: ['append'] }, { name: 'dict', settings: ['no_replace', 'recurse_list'] }] }, { l: [2] }]);
  assert.deepEqual(r2, { l: [1] });
});

test('malformed merge specs are an error', () => {
  assert.throws(() => parseMergeString('list(append'), /not in the right format/);
});
