import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('kindling --version runs from the repo root', () => {
  const out = execFileSync('node', ['bin/kindling.js', '--version'], { encoding: 'utf8' });
  assert.match(out, /^kindling \d+\.\d+\.\d+/);
});

test('kindling without its bundle says to build it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-nobundle-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync('bin/kindling.js', join(dir, 'bin/kindling.js'));
    const r = spawnSync('node', [join(dir, 'bin/kindling.js'), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'kindling: dist/kindling.mjs is missing; build it with `npm run build`\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
