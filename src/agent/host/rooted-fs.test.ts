import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { createTestHost } from './test-host.js';
import { RootedFs } from './rooted-fs.js';

test('absolute and relative symlinks resolve inside the root', async () => {
  const h = createTestHost();
  try {
    fs.mkdirSync(join(h.rootDir, 'etc'));
    fs.writeFileSync(join(h.rootDir, 'etc/hostname'), 'guest\n');
    fs.symlinkSync('/etc/hostname', join(h.rootDir, 'abs'));
    fs.symlinkSync('../../../../etc/hostname', join(h.rootDir, 'etc/rel'));
    assert.equal(await h.fs.readText('/abs'), 'guest\n');
    assert.equal(await h.fs.readText('/etc/rel'), 'guest\n');
    assert.equal(h.fs.resolve('/../../etc/hostname'), join(h.rootDir, 'etc/hostname'));
    // realpath answers in guest terms, missing components kept (os.path.realpath)
    assert.equal(h.fs.realpath('/etc/rel'), '/etc/hostname');
    assert.equal(h.fs.realpath('/abs/../missing/x'), '/etc/missing/x');
  } finally {
    h.cleanup();
  }
});

test('a symlink to the host\'s /etc/passwd reads the guest\'s file, never the host\'s', async () => {
  const h = createTestHost();
  try {
    fs.mkdirSync(join(h.rootDir, 'etc'));
    fs.writeFileSync(join(h.rootDir, 'etc/passwd'), 'guest-only\n');
    fs.mkdirSync(join(h.rootDir, 'home'));
    fs.symlinkSync('/etc/passwd', join(h.rootDir, 'home/evil'));
    fs.symlinkSync('../../../../../../../../etc/passwd', join(h.rootDir, 'home/evil2'));
    assert.equal(await h.fs.readText('/home/evil'), 'guest-only\n');
    assert.equal(await h.fs.readText('/home/evil2'), 'guest-only\n');
    // a write through a planted link lands inside the root too
    fs.symlinkSync('/tmp/outside-target', join(h.rootDir, 'home/w'));
    await h.fs.writeFile('/home/w', 'x');
    assert.ok(fs.existsSync(join(h.rootDir, 'tmp/outside-target')));
  } finally {
    h.cleanup();
  }
});

test('symlink loops fail with ELOOP', async () => {
  const h = createTestHost();
  try {
    fs.symlinkSync('/b', join(h.rootDir, 'a'));
    fs.symlinkSync('/a', join(h.rootDir, 'b'));
    await assert.rejects(h.fs.readText('/a'), /ELOOP/);
  } finally {
    h.cleanup();
  }
});

test('relative guest paths are refused', () => {
  const h = createTestHost();
  try {
    assert.throws(() => h.fs.resolve('etc/passwd'), /absolute/);
  } finally {
    h.cleanup();
  }
});

test('writeFile is atomic, sets exact modes regardless of umask, and keeps an existing owner and mode', async () => {
  const h = createTestHost();
  const old = process.umask(0o077);
  try {
    await h.fs.writeFile('/etc/ssh/sshd_config.d/50-cloud-init.conf', 'PasswordAuthentication yes\n', { mode: 0o644 });
    const st = await h.fs.stat('/etc/ssh/sshd_config.d/50-cloud-init.conf');
    assert.equal(st?.mode, 0o644);
    assert.equal((await h.fs.stat('/etc/ssh'))?.mode, 0o755);
    await h.fs.writeFile('/secret', 's', { mode: 0o600 });
    await h.fs.writeFile('/secret', 't');
    assert.equal((await h.fs.stat('/secret'))?.mode, 0o600);
    assert.deepEqual(fs.readdirSync(h.rootDir).filter((n) => n.endsWith('.tmp')), []);
  } finally {
    process.umask(old);
    h.cleanup();
  }
});

test('symlink replaces atomically and readlink/lstat do not follow', async () => {
  const h = createTestHost();
  try {
    await h.fs.mkdir('/var/lib/cloud/instances/a');
    await h.fs.mkdir('/var/lib/cloud/instances/b');
    await h.fs.symlink('/var/lib/cloud/instances/a', '/var/lib/cloud/instance');
    await h.fs.symlink('/var/lib/cloud/instances/b', '/var/lib/cloud/instance');
    assert.equal(await h.fs.readlink('/var/lib/cloud/instance'), '/var/lib/cloud/instances/b');
    assert.equal((await h.fs.lstat('/var/lib/cloud/instance'))?.kind, 'symlink');
    assert.equal((await h.fs.stat('/var/lib/cloud/instance'))?.kind, 'dir');
    await h.fs.remove('/var/lib/cloud/instance');
    assert.equal(await h.fs.exists('/var/lib/cloud/instances/b'), true);
    assert.equal(await h.fs.lstat('/var/lib/cloud/instance'), undefined);
  } finally {
    h.cleanup();
  }
});

test('at root `/` paths are used as they are', () => {
  const r = new RootedFs('/');
  assert.equal(r.resolve('/etc/../etc/hostname'), '/etc/hostname');
});

test('missing files: readTextIfExists, stat and readdir answer undefined or empty', async () => {
  const h = createTestHost();
  try {
    assert.equal(await h.fs.readTextIfExists('/nope'), undefined);
    assert.equal(await h.fs.stat('/nope/deeper'), undefined);
    assert.deepEqual(await h.fs.readdir('/nope'), []);
    await h.fs.remove('/nope');
  } finally {
    h.cleanup();
  }
});
