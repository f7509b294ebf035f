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
  const env = { ...process.env, KINDLING_INIT_CODE_CACHE: dir, KINDLING_INIT_SNAPSHOT: '0' };
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

test('the startup snapshot: built 0600 with the Node binary\'s mtime, same answers as a plain start, dropped when the bundle is another build', () => {
  if (process.getuid?.() !== 0) return; // root only, like the code cache
  const tmp = mkdtempSync(join(tmpdir(), 'ki-snapshot-'));
  const dir = join(tmp, 'cache');
  const copy = join(tmp, 'kindling-init.cjs');
  writeFileSync(copy, readFileSync(bundle));
  const env = { ...process.env, KINDLING_INIT_CODE_CACHE: dir, KINDLING_INIT_SNAPSHOT: '1' };
  const blob = join(dir, 'snapshot.blob');
  const plain = (...args: string[]) => spawnSync(process.execPath, [copy, ...args], { encoding: 'utf8', env: { ...env, KINDLING_INIT_SNAPSHOT: '0' }, cwd: tmpdir() });
  const fromSnapshot = (...args: string[]) => spawnSync(process.execPath, ['--snapshot-blob', blob, '--', ...args], { encoding: 'utf8', env, cwd: tmpdir() });
  try {
    // the builder wants root's own 0700 directory
    let r = spawnSync(process.execPath, [copy], { encoding: 'utf8', env: { ...env, KINDLING_INIT_SNAPSHOT_BUILDING: '1' } });
    assert.equal(r.status, 1);
    assert.equal(existsSync(blob), false);
    mkdirSync(dir, { mode: 0o700 });
    r = spawnSync(process.execPath, [copy], { encoding: 'utf8', env: { ...env, KINDLING_INIT_SNAPSHOT_BUILDING: '1' } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    const st = statSync(blob);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(Math.trunc(st.mtimeMs / 1000), Math.trunc(statSync(process.execPath).mtimeMs / 1000));
    assert.deepEqual(readdirSync(dir), ['snapshot.blob']);

    // the same answers, exit codes and streams as the plain start
    const root = join(tmp, 'root');
    mkdirSync(join(root, 'proc'), { recursive: true });
    writeFileSync(join(root, 'proc/cmdline'), 'quiet\n');
    for (const args of [['--version'], ['status', '--long'], ['frobnicate'], ['modules', '--mode', 'nope']]) {
      const a = plain(...args);
      const b = spawnSync(process.execPath, ['--snapshot-blob', blob, '--', ...args], { encoding: 'utf8', env: { ...env, KINDLING_INIT_ROOT: root }, cwd: tmpdir() });
      const a2 = spawnSync(process.execPath, [copy, ...args], { encoding: 'utf8', env: { ...env, KINDLING_INIT_SNAPSHOT: '0', KINDLING_INIT_ROOT: root }, cwd: tmpdir() });
      assert.equal(b.status, a2.status, `${args.join(' ')}: ${b.stderr}`);
      assert.equal(b.stdout, a2.stdout, args.join(' '));
      assert.equal(b.stderr, a2.stderr, args.join(' '));
      assert.equal(a.status, a2.status);
    }
    // cloud-init's name through the environment, as the wrappers set it
    const named = spawnSync(process.execPath, ['--snapshot-blob', blob, '--', 'frobnicate'], { encoding: 'utf8', env: { ...env, KINDLING_INIT_PROG: 'cloud-init' } });
    assert.match(named.stderr, /^cloud-init: error: argument subcommand: invalid choice/m);

    // the wrapper: the snapshot when it is valid, the plain start otherwise (same answer either way)
    const wrapper = (extra: Record<string, string>) =>
      spawnSync('sh', ['packaging/bin/kindling-init', '--version'], { encoding: 'utf8', env: { ...env, KINDLING_INIT_BUNDLE: copy, ...extra } });
    if (process.execPath === '/usr/bin/node') {
      const w = wrapper({});
      assert.equal(w.status, 0, w.stderr);
      assert.equal(w.stdout, plain('--version').stdout);
      assert.equal(wrapper({ KINDLING_INIT_SNAPSHOT: '0' }).stdout, w.stdout);
      // V8 flags in NODE_OPTIONS would make Node refuse the snapshot: the plain start
      const flagged = wrapper({ NODE_OPTIONS: '--max-semi-space-size=16' });
      assert.equal(flagged.status, 0, flagged.stderr);
      assert.equal(flagged.stdout, w.stdout);
    }

    // the file on disk is another build now: the snapshot is dropped and the file runs, same output
    const other = readFileSync(copy, 'utf8').replace(/const BUILD = "([0-9a-f]{20})";/, (_m, b: string) => `const BUILD = "${b.replace(/^./, (c) => (c === '0' ? '1' : '0'))}";`);
    assert.notEqual(other, readFileSync(copy, 'utf8'));
    writeFileSync(copy, other);
    // (through the wrapper when it can run this Node: its taking the snapshot shows in the removal)
    const after = process.execPath === '/usr/bin/node' ? wrapper({}) : fromSnapshot('--version');
    assert.equal(after.status, 0, after.stderr);
    assert.equal(after.stdout, plain('--version').stdout);
    assert.equal(existsSync(blob), false, 'the stale snapshot is removed');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a plain start by root with no snapshot builds one in the background, once', async () => {
  if (process.getuid?.() !== 0) return;
  const tmp = mkdtempSync(join(tmpdir(), 'ki-snapshot-bg-'));
  const dir = join(tmp, 'cache');
  const env = { ...process.env, KINDLING_INIT_CODE_CACHE: dir, KINDLING_INIT_SNAPSHOT: '1' };
  try {
    const r = spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8', env, cwd: tmpdir() });
    assert.equal(r.status, 0, r.stderr);
    const blob = join(dir, 'snapshot.blob');
    for (let i = 0; i < 100 && !existsSync(blob); i++) await new Promise((res) => setTimeout(res, 100));
    assert.ok(existsSync(blob), 'snapshot built');
    for (let i = 0; i < 50 && existsSync(join(dir, 'snapshot.lock')); i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(statSync(blob).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('code-')), ['snapshot.blob']);
    // a valid snapshot is left alone by the next plain start
    const ino = statSync(blob).ino;
    spawnSync(process.execPath, [bundle, '--version'], { encoding: 'utf8', env, cwd: tmpdir() });
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(statSync(blob).ino, ino);
    assert.equal(existsSync(join(dir, 'snapshot.lock')), false);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
