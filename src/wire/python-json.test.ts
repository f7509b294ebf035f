import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonJson, pythonJsonPieces, pythonJsonWithHole } from './python-json.js';

test('matches Python json.dumps byte for byte', () => {
  // expected text produced by CPython 3.11: json.dumps(<same value>)
  const v = { a: 'é\u2028x"\\\n\t\u0001\u007f/😀', b: [1, 2.5, 1e-7, true, null, {}], c: {}, d: [] };
  assert.equal(pythonJson(v), '{"a": "\\u00e9\\u2028x\\"\\\\\\n\\t\\u0001\\u007f/\\ud83d\\ude00", "b": [1, 2.5, 1e-07, true, null, {}], "c": {}, "d": []}');
});

test('a hole splices a value without re-serialising', () => {
  const [before, after] = pythonJsonWithHole({ x: 1, seed: '', meta: { seed: 'no' }, z: 'é' }, 'seed');
  assert.equal(`${before}QUJD${after}`, pythonJson({ x: 1, seed: 'QUJD', meta: { seed: 'no' }, z: 'é' }));
  const [b2, a2] = pythonJsonWithHole({ seed: '' }, 'seed');
  assert.equal(`${b2}S${a2}`, '{"seed": "S"}');
});

test('non-finite numbers are refused', () => {
  assert.throws(() => pythonJson({ n: NaN }));
});

test('the pieces of a document with a hole: one per member, joined they are the two texts', () => {
  const obj = { x: 1, keys: ['k'.repeat(100)], seed: '', meta: { seed: 'no' }, z: 'é' };
  const [before, after] = pythonJsonPieces(obj, 'seed');
  assert.deepEqual(before, [{ key: 'x', text: '{"x": 1' }, { key: 'keys', text: `, "keys": ["${'k'.repeat(100)}"]` }, { key: 'seed', text: ', "seed": "' }]);
  assert.deepEqual(after, [{ key: 'meta', text: '", "meta": {"seed": "no"}' }, { key: 'z', text: ', "z": "\\u00e9"' }, { key: '', text: '}' }]);
  const join = (xs: { text: string }[]) => xs.map((x) => x.text).join('');
  assert.deepEqual(pythonJsonWithHole(obj, 'seed'), [join(before), join(after)]);
  assert.deepEqual(pythonJsonPieces({ seed: '' }, 'seed'), [[{ key: 'seed', text: '{"seed": "' }], [{ key: '', text: '"}' }]]);
  assert.throws(() => pythonJsonPieces({ x: 1 }, 'seed'), /no member seed/);
});
