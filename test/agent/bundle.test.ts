// The agent bundle runs standalone (no node_modules) and answers its cheap verbs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

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

test('the V8 code cache: written 0600 for root, grows by command, rewritten when unusable, never read when unsafe', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'ki-codecache-')), 'cache');
  const env = { ...process.env, KINDLING_INIT_CODE_CACHE: dir };
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', env, cwd: tmpdir() });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  try {
    if (process.getuid?.() !== 0) {
      run('--version');
      assert.equal(existsSync(dir), false, 'only root keeps a code cache');
      return;
    }
    const out = run('--version');
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    const file = join(dir, files[0]!);
    assert.match(files[0]!, /^code-[0-9a-f]{20}\.bin$/);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const head = () => readFileSync(file).subarray(0, readFileSync(file).indexOf(10)).toString('latin1').split(' ');
    const h = head();
    assert.equal(h[0], 'KINDLING-CC1');
    assert.equal(h[2], process.version);
    assert.equal(Number(h[4]), statSync(file).size - h.join(' ').length - 1);
    assert.equal(h[5], '--version');
    // the same command again: the cache is used as it is (not rewritten), and the output is the same
    const ino = statSync(file).ino;
    assert.equal(run('--version'), out);
    assert.equal(statSync(file).ino, ino);
    // another command adds its functions and its name
    run('status', '--format', 'json');
    assert.deepEqual(head()[5]!.split(','), ['--version', 'status_--format_json']);
    // a payload V8 rejects (same header, same length, other bytes): still runs, rewritten
    const buf = readFileSync(file);
    const nl = buf.indexOf(10);
    buf.fill(0x55, nl + 1);
    writeFileSync(file, buf, { mode: 0o600 });
    const ino2 = statSync(file).ino;
    assert.equal(run('--version'), out);
    assert.notEqual(statSync(file).ino, ino2);
    assert.deepEqual(head()[5], '--version');
    // truncated: not read, rewritten whole
    writeFileSync(file, readFileSync(file).subarray(0, 100), { mode: 0o600 });
    assert.equal(run('--version'), out);
    assert.equal(Number(head()[4]), statSync(file).size - head().join(' ').length - 1);
    // writable by others: never read (rewritten with 0600)
    chmodSync(file, 0o666);
    const ino3 = statSync(file).ino;
    assert.equal(run('--version'), out);
    assert.notEqual(statSync(file).ino, ino3);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // another build's file is removed when this one is written
    writeFileSync(join(dir, 'code-00000000000000000000.bin'), 'old', { mode: 0o600 });
    rmSync(file);
    run('--version');
    assert.deepEqual(readdirSync(dir), [files[0]]);
    // KINDLING_INIT_CODE_CACHE=0: none
    rmSync(dir, { recursive: true });
    const r = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8', env: { ...env, KINDLING_INIT_CODE_CACHE: '0' } });
    assert.equal(r.status, 0);
    assert.equal(existsSync(dir), false);
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});
