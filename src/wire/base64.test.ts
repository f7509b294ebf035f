import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { base64Decode } from './base64.js';

const viaAtob = (s: string): Uint8Array | 'error' => {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return 'error';
  }
};
const ours = (s: string): Uint8Array | 'error' => {
  try {
    return base64Decode(s);
  } catch {
    return 'error';
  }
};

test('base64Decode decodes exactly as atob does: every length, padding or not, whitespace, bad input', () => {
  for (let n = 0; n < 200; n++) {
    const b = randomBytes(n);
    const enc = b.toString('base64');
    for (const s of [enc, enc.replace(/=+$/, ''), enc.replace(/(.{7})/g, '$1\n'), ` ${enc}\t`]) {
      assert.deepEqual(ours(s), viaAtob(s), JSON.stringify(s));
      assert.deepEqual(Buffer.from(base64Decode(s)), b);
    }
  }
  for (const s of ['a', 'ab=c', 'abc-', 'abc_', '====', 'ab==c', 'é', 'abcd=', 'ab=', 'a===', '\u0100AAA', 'AAA=', 'AA==', 'A=A=']) {
    assert.deepEqual(ours(s), viaAtob(s), JSON.stringify(s));
  }
});
