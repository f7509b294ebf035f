// The agent bundle runs standalone (no node_modules) and answers its cheap verbs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const bundle = resolve('dist/kindling-init.cjs');

test('the bundle exists and has no require of an npm package', () => {
  assert.ok(existsSync(bundle), 'run npm run build:agent');
});

test('--version names the compatible cloud-init release', () => {
  const r = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8', cwd: tmpdir() });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^kindling-init 22\.4\.2 \(kindling-init \d+\.\d+\.\d+\)$/m);
});

test('status on a root where nothing ran: "not run", exit 0; bad verbs exit 2', () => {
  const root = mkdtempSync(join(tmpdir(), 'ki-status-'));
  try {
    mkdirSync(join(root, 'proc'), { recursive: true });
    writeFileSync(join(root, 'proc/cmdline'), 'quiet\n');
    const r = spawnSync(process.execPath, [bundle, 'status', '--long'], { encoding: 'utf8', env: { ...process.env, KINDLING_INIT_ROOT: root } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^status: not run$/m);
    const bad = spawnSync(process.execPath, [bundle, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /invalid choice: 'frobnicate'/);
    const badMode = spawnSync(process.execPath, [bundle, 'modules', '--mode', 'nope'], { encoding: 'utf8' });
    assert.equal(badMode.status, 2);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
