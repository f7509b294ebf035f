// The diff tool on synthetic upper dirs: every kind of difference is found, and every by-design
// difference is normalised away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { command } from './command.js';
import { diffUppers, formatDiff } from './upper-diff.js';
import { normaliseJson, maskTimestamps, maskTempNames, maskMimeBoundaries, guestPasswordVerifier } from './normalise.js';
import { ensureRootfs } from './rootfs.js';

function put(root: string, path: string, content: string, mode = 0o644, uid = 0): void {
  const p = join(root, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
  chownSync(p, uid, 0);
}

async function fixture() {
  const t = mkdtempSync(join(tmpdir(), 'kl-diff-'));
  const base = join(t, 'base');
  const a = join(t, 'a');
  const b = join(t, 'b');
  for (const d of [base, a, b]) mkdirSync(d);
  mkdirSync(join(base, 'root'), { mode: 0o755 });
  put(base, '/etc/motd', 'hello\n');
  put(base, '/etc/issue', 'Debian\n');
  put(base, '/etc/keep', 'same\n');
  // by design: host keys, logs, timestamps, random seeds, cache formats, semaphores
  put(a, '/etc/ssh/ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAAC3Nza-one root@h\n');
  put(b, '/etc/ssh/ssh_host_ed25519_key.pub', 'ssh-ed25519 AAAAC3Nza-two root@h\n');
  put(a, '/etc/ssh/ssh_host_ed25519_key', '-----BEGIN OPENSSH PRIVATE KEY-----\nAAA\n-----END OPENSSH PRIVATE KEY-----\n', 0o600);
  put(b, '/etc/ssh/ssh_host_ed25519_key', '-----BEGIN OPENSSH PRIVATE KEY-----\nBBB\n-----END OPENSSH PRIVATE KEY-----\n', 0o600);
  put(a, '/var/log/cloud-init.log', 'python things\n');
  put(b, '/var/log/cloud-init.log', 'node things\n');
  put(a, '/var/lib/cloud/data/status.json', '{"v1": {"init": {"start": 1763999999.5, "finished": 1764000000.1, "errors": []}}}');
  put(b, '/var/lib/cloud/data/status.json', '{\n  "v1": {"init": {"errors": [], "finished": 1764000100.7, "start": 1764000100.2}}\n}\n');
  put(a, '/run/cloud-init/instance-data.json', '{"ds": {"meta_data": {"random_seed": "AAAA", "uuid": "u"}}}');
  put(b, '/run/cloud-init/instance-data.json', '{"ds": {"meta_data": {"random_seed": "BBBB", "uuid": "u"}}}');
  put(a, '/var/lib/cloud/instances/u/obj.pkl', '\x80\x04pickle', 0o400);
  put(b, '/var/lib/cloud/instances/u/obj.json', '{"format":"kindling-datasource v1"}', 0o400);
  put(a, '/var/lib/cloud/instances/u/sem/config_ssh', '1234: 1764000000.123\n');
  put(b, '/var/lib/cloud/instances/u/sem/config_ssh', '99: 1764000321.9\n');
  put(a, '/var/lib/cloud/instances/u/boot-finished', '12.34 - Mon, 24 Nov 2025 10:00:00 +0000 - v. 22.4.2\n');
  put(b, '/var/lib/cloud/instances/u/boot-finished', '0.56 - Mon, 24 Nov 2025 10:05:00 +0000 - v. 22.4.2\n');
  // MIME boundaries are masked in binary content too (a part with NUL bytes); the rest of it is compared
  const mimeBin = (boundary: string, payload: string) => `Content-Type: multipart/mixed; boundary="${boundary}"\n\n--${boundary}\n\x1f\x00${payload}\n--${boundary}--\n`;
  put(a, '/var/lib/cloud/instances/u/user-data.txt.i', mimeBin('===111==', 'same'), 0o600);
  put(b, '/var/lib/cloud/instances/u/user-data.txt.i', mimeBin('===222==', 'same'), 0o600);
  put(a, '/var/lib/cloud/instances/u/vendor-data.txt.i', mimeBin('===111==', 'one'), 0o600);
  put(b, '/var/lib/cloud/instances/u/vendor-data.txt.i', mimeBin('===222==', 'two'), 0o600);
  // authorized_keys: the same keys in another order (cloud-init adds them in Python set order)
  put(a, '/home/v/.ssh/authorized_keys', 'ssh-rsa AAAA one\nssh-ed25519 AAAA two\n', 0o600);
  put(b, '/home/v/.ssh/authorized_keys', 'ssh-ed25519 AAAA two\nssh-rsa AAAA one\n', 0o600);
  // rewritten with the image's bytes by one run only: no difference
  put(a, '/etc/keep', 'same\n');
  // real differences
  put(a, '/etc/hostname', 'rhel\n');
  put(b, '/etc/hostname', 'rhel.novalocal\n');
  put(a, '/etc/sudoers.d/90-cloud-init-users', 'x ALL=(ALL) NOPASSWD:ALL\n', 0o440);
  put(b, '/etc/sudoers.d/90-cloud-init-users', 'x ALL=(ALL) NOPASSWD:ALL\n', 0o644);
  put(a, '/home/u/.ssh/authorized_keys', 'k\n', 0o600, 1000);
  put(b, '/home/u/.ssh/authorized_keys', 'k\n', 0o600, 0);
  put(a, '/etc/motd', 'changed by a\n');
  put(b, '/root/only-b', 'x\n');
  symlinkSync('/run/a', join(a, 'etc/link'));
  symlinkSync('/run/b', join(b, 'etc/link'));
  // a deletion (whiteout) in a only
  await command(['mknod', join(a, 'etc/issue'), 'c', '0', '0']);
  return { t, a: { upper: a, lowers: [base] }, b: { upper: b, lowers: [base] } };
}

test('diffUppers: by-design differences normalised, real ones reported with details', async () => {
  const f = await fixture();
  try {
    const d = await diffUppers(f.a, f.b);
    const byPath = new Map(d.differences.map((x) => [x.path, x]));
    assert.deepEqual([...byPath.keys()].sort(), [
      '/etc/hostname', '/etc/issue', '/etc/link', '/etc/motd',
      '/etc/sudoers.d/90-cloud-init-users', '/home/u/.ssh/authorized_keys', '/root/only-b',
      '/var/lib/cloud/instances/u/vendor-data.txt.i',
    ], formatDiff(d));
    assert.match(byPath.get('/var/lib/cloud/instances/u/vendor-data.txt.i')!.details.join('\n'), /^content sha256:\w+ \(\d+ bytes, after mime-boundaries\) vs sha256:\w+ /);
    assert.equal(byPath.get('/etc/hostname')!.change, 'changed');
    assert.deepEqual(byPath.get('/etc/hostname')!.details, ['content differs (2 vs 2 lines)', '  - rhel', '  + rhel.novalocal']);
    assert.deepEqual(byPath.get('/etc/sudoers.d/90-cloud-init-users')!.details, ['mode 0440 vs 0644']);
    assert.deepEqual(byPath.get('/home/u/.ssh/authorized_keys')!.details, ['owner 1000:0 vs 0:0']);
    assert.equal(byPath.get('/etc/motd')!.change, 'only-a');
    assert.equal(byPath.get('/etc/issue')!.change, 'only-a');
    assert.deepEqual(byPath.get('/etc/issue')!.details, ['absent in a']);
    assert.equal(byPath.get('/root/only-b')!.change, 'only-b');
    assert.deepEqual(byPath.get('/etc/link')!.details, ['symlink /run/a vs /run/b']);
    // a directory attribute difference shows too
    chmodSync(join(f.b.upper, 'root'), 0o755);
    mkdirSync(join(f.a.upper, 'root'), { mode: 0o700 });
    chmodSync(join(f.a.upper, 'root'), 0o700);
    const d2 = await diffUppers(f.a, f.b);
    assert.deepEqual(d2.differences.find((x) => x.path === '/root')?.details, ['mode 0700 vs 0755']);
    assert.match(formatDiff(d2, { a: 'cloud-init', b: 'kindling' }), /^\/etc\/motd: changed by cloud-init only$/m);
  } finally {
    rmSync(f.t, { recursive: true, force: true });
  }
});

test('password hashes are verified against the plaintext with the image python, not compared', { timeout: 600_000 }, async () => {
  const rootfs = (await ensureRootfs('cloud-init')).path;
  const verify = guestPasswordVerifier(rootfs);
  const hash = async (salt: string) => (await command(['openssl', 'passwd', '-6', '-salt', salt, 'cloud-password'])).stdout.trim();
  const [h1, h2] = [await hash('saltone1'), await hash('salttwo2')];
  assert.notEqual(h1, h2);
  assert.ok(await verify(h1, 'cloud-password'));
  assert.ok(!(await verify(h1, 'other')));
  const t = mkdtempSync(join(tmpdir(), 'kl-diff-'));
  try {
    const base = join(t, 'base');
    mkdirSync(base);
    const shadow = (h: string, day: number) => `root:*:19000:0:99999:7:::\ncloud-user:${h}:${day}:0:99999:7:::\n`;
    put(join(t, 'a'), '/etc/shadow', shadow(h1, 20400), 0o640);
    put(join(t, 'b'), '/etc/shadow', shadow(h2, 20401), 0o640);
    const sides = { a: { upper: join(t, 'a'), lowers: [base] }, b: { upper: join(t, 'b'), lowers: [base] } };
    const ok = await diffUppers(sides.a, sides.b, { passwords: { 'cloud-user': 'cloud-password' }, verifyPassword: verify });
    assert.deepEqual(ok.differences, []);
    put(join(t, 'b'), '/etc/shadow', shadow(await hash('x'.repeat(8)).then(() => '$6$zz$notmatching'), 20401), 0o640);
    const bad = await diffUppers(sides.a, sides.b, { passwords: { 'cloud-user': 'cloud-password' }, verifyPassword: verify });
    assert.deepEqual(bad.differences[0]?.details.slice(1), ['  - cloud-user:<hash verifying "cloud-password">:<lastchg>:0:99999:7:::', '  + cloud-user:<$6$ hash not verified>:<lastchg>:0:99999:7:::']);
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});

test('normalisers', () => {
  assert.equal(maskTimestamps('at 2025-11-24 10:00:00,123 and Mon, 24 Nov 2025 10:00:00 +0000 and 1764000000.25'), 'at <time> and <time> and <time>');
  assert.equal(maskTimestamps('Tue Nov 24 17:20:50 UTC 2026 / Tue Nov  4 07:20:50 2026 / 2026/11/24 17:40:53'), '<time> / <time> / <time>');
  assert.equal(normaliseJson('{"b":1,"a":{"random_seed":"x","start":5}}'), normaliseJson('{"a": {"start": 7, "random_seed": "y"}, "b": 1}'));
  assert.notEqual(normaliseJson('{"a":1}'), normaliseJson('{"a":2}'));
  assert.equal(maskTempNames("['/bin/sh', '/run/cloud-init/tmp/tmpevoi_i6x.sh'] /tmp/tmp1234abcd"), "['/bin/sh', '/run/cloud-init/tmp/<tmp>.sh'] /tmp/<tmp>");
  assert.equal(maskMimeBoundaries('Content-Type: multipart/mixed; boundary="===1=="\n--===1==\nx\n--===1==--'), 'Content-Type: multipart/mixed; boundary="<boundary>"\n--<boundary>\nx\n--<boundary>--');
});
