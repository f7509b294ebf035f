import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('kindling --version runs from the repo root', () => {
  const out = execFileSync('node', ['bin/kindling.js', '--version'], { encoding: 'utf8' });
  assert.match(out, /^kindling \d+\.\d+\.\d+/);
});
