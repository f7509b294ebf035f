// Module behaviour on a scratch root with a recording runner: what each writes and runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { StageTestHost } from '../host/test-host.js';
import { plantDebianGuest, withDebianGuest } from '../testing/guest-fixture.js';
import type { ModuleContext, ModuleDef } from './types.js';
import { chooseDistro, parseOsRelease } from '../distros/detect.js';
import { Paths } from '../state/paths.js';
import { writeFilesModule } from './write-files.js';
import { writeFilesDeferred } from './write-files-deferred.js';
import { setPasswords } from './set-passwords.js';
import { runcmd } from './runcmd.js';
import { localeModule, updateLocaleFile } from './locale.js';
import { updateEtcHosts } from './update-etc-hosts.js';
import { usersGroups } from './users-groups.js';

const IID = 'iid-test-1';

function ctx(h: StageTestHost, cfg: Record<string, unknown>, name: string): ModuleContext {
  const os = parseOsRelease(fs.readFileSync(join(h.rootDir, 'etc/os-release'), 'utf8'));
  return {
    host: h,
    name,
    cfg: { system_info: { distro: 'debian', default_user: { name: 'debian', groups: ['sudo'], lock_passwd: true, shell: '/bin/bash', sudo: ['ALL=(ALL) NOPASSWD:ALL'] } }, ...cfg },
    ds: undefined,
    distro: chooseDistro('debian', os),
    paths: new Paths(),
    iid: IID,
    args: [],
    log: (level, message) => h.log.log(level, `cc_${name}`, message),
  };
}

const read = (h: StageTestHost, p: string) => fs.readFileSync(join(h.rootDir, p));
const mode = (h: StageTestHost, p: string) => fs.statSync(join(h.rootDir, p)).mode & 0o7777;

test('write_files: encodings, permissions as cloud-init reads them, append, defer', async () => {
  await withDebianGuest(async (h) => {
    const files = [
      { path: '/etc/plain', content: 'hello\n' },
      { path: '/etc/b64', content: Buffer.from('base64 text').toString('base64'), encoding: 'b64', permissions: '0600' },
      { path: '/usr/local/bin/gz', content: gzipSync(Buffer.from('#!/bin/sh\necho gz\n')), encoding: 'gzip', permissions: 0o755 },
      { path: '/opt/gzb64', content: gzipSync(Buffer.from('gz+b64')).toString('base64'), encoding: 'gz+b64', permissions: 0o640 },
      { path: '/etc/motd', content: 'one\n' },
      { path: '/etc/motd', content: 'two\n', append: true },
      { path: '/etc/decimal', content: 'x', permissions: 644 },
      { path: '/home/later', content: 'deferred', defer: true },
      { path: 'relative/path', content: 'r' },
    ];
    await writeFilesModule.run(ctx(h, { write_files: files }, 'write_files'));
    assert.equal(read(h, 'etc/plain').toString(), 'hello\n');
    assert.equal(mode(h, 'etc/plain'), 0o644);
    assert.equal(read(h, 'etc/b64').toString(), 'base64 text');
    assert.equal(mode(h, 'etc/b64'), 0o600);
    assert.equal(read(h, 'usr/local/bin/gz').toString(), '#!/bin/sh\necho gz\n');
    assert.equal(mode(h, 'usr/local/bin/gz'), 0o755);
    assert.equal(read(h, 'opt/gzb64').toString(), 'gz+b64');
    assert.equal(read(h, 'etc/motd').toString(), 'one\ntwo\n');
    assert.equal(mode(h, 'etc/decimal'), 644, 'an int is taken as given: 644 decimal');
    assert.equal(read(h, 'relative/path').toString(), 'r');
    assert.ok(!fs.existsSync(join(h.rootDir, 'home/later')));
    await writeFilesDeferred.run(ctx(h, { write_files: files }, 'write_files_deferred'));
    assert.equal(read(h, 'home/later').toString(), 'deferred');
  });
});

test('write_files: an owner that does not exist fails the module (which is why defer exists)', async () => {
  await withDebianGuest(async (h) => {
    await assert.rejects(writeFilesModule.run(ctx(h, { write_files: [{ path: '/etc/x', content: 'x', owner: 'nobody-here:nobody-here' }] }, 'write_files')), /Unknown user nobody-here/);
  });
});

test('runcmd: a /bin/sh script, list entries quoted word by word', async () => {
  await withDebianGuest(async (h) => {
    await runcmd.run(ctx(h, { runcmd: ['echo $HOME', ['touch', "/tmp/it's here"], null] }, 'runcmd'));
    const p = `var/lib/cloud/instances/${IID}/scripts/runcmd`;
    assert.equal(read(h, p).toString(), "#!/bin/sh\necho $HOME\n'touch' '/tmp/it'\\''s here'\n");
    assert.equal(mode(h, p), 0o700);
  });
});

test('set_passwords: RANDOM passwords reach the console only; hashes go to chpasswd -e; expire', async () => {
  await withDebianGuest(async (h) => {
    h.runner.allow((a) => a[0] === 'chpasswd');
    h.runner.allow((a) => a[0] === 'passwd' && a[1] === '--expire');
    h.runner.allow(['service', 'ssh', 'status'], { code: 3 });
    const hash = '$6$rounds=4096$salt$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./abcdefghijklmnopqrstu';
    await setPasswords.run(ctx(h, { ssh_pwauth: false, chpasswd: { expire: true, users: [{ name: 'alice', password: 's3cret', type: 'text' }, { name: 'bob', password: hash }, { name: 'carol', type: 'RANDOM' }] } }, 'set_passwords'));
    const calls = h.runner.calls.filter((c) => c.argv[0] === 'chpasswd');
    assert.deepEqual(calls.map((c) => c.argv), [['chpasswd'], ['chpasswd', '-e']]);
    assert.match(String(calls[0]?.opts.input), /^alice:s3cret\ncarol:[A-Za-z0-9]{20}\n$/);
    assert.equal(calls[1]?.opts.input, `bob:${hash}\n`);
    const random = /carol:([A-Za-z0-9]{20})/.exec(String(calls[0]?.opts.input))?.[1] as string;
    assert.match(h.printed.console, new RegExp(`carol:${random}`));
    assert.ok(!h.printed.stdout.includes(random) && !h.printed.stderr.includes(random), 'random password printed outside the console');
    assert.ok(!h.logText().includes(random) && !h.logText().includes('s3cret') && !h.logText().includes(hash), 'secret in the log');
    assert.deepEqual(h.runner.calls.filter((c) => c.argv[1] === '--expire').map((c) => c.argv[2]), ['alice', 'carol', 'bob']);
    assert.equal(read(h, 'etc/ssh/sshd_config.d/50-cloud-init.conf').toString(), 'PasswordAuthentication no\n');
  });
});

test('set_passwords: the deprecated multiline list, R/RANDOM shorthands and hashes recognised', async () => {
  await withDebianGuest(async (h) => {
    h.runner.allow((a) => a[0] === 'chpasswd');
    h.runner.allow(['service', 'ssh', 'status'], { code: 3 });
    await setPasswords.run(ctx(h, { chpasswd: { expire: false, list: 'u1:pw1\nu2:R\nu3:$6$abc$defghijkl' } }, 'set_passwords'));
    const calls = h.runner.calls.filter((c) => c.argv[0] === 'chpasswd');
    assert.match(String(calls[0]?.opts.input), /^u1:pw1\nu2:[A-Za-z0-9]{20}\n$/);
    assert.equal(calls[1]?.opts.input, 'u3:$6$abc$defghijkl\n');
    assert.ok(h.logText().includes("DEPRECATION: key 'lists'"));
  });
});

test('locale: skips locale-gen when the archive already has every enabled locale; writes LANG as update-locale', async () => {
  await withDebianGuest(async (h) => {
    h.runner.expect(['localedef', '--list-archive'], { stdout: 'C.utf8\nen_US.utf8\n' }, { times: 'any' });
    await localeModule.run(ctx(h, {}, 'locale'));
    assert.equal(read(h, 'etc/default/locale').toString(), '#  File generated by update-locale\nLANG=en_US.UTF-8\n');
    assert.ok(!h.runner.calls.some((c) => c.argv[0] === 'locale-gen'));
  });
  await withDebianGuest(async (h) => {
    h.runner.expect(['localedef', '--list-archive'], { stdout: 'C.utf8\n' }, { times: 'any' });
    h.runner.expect(['locale-gen', 'de_DE.UTF-8'], {}, { effect: () => undefined });
    await assert.rejects(localeModule.run(ctx(h, { locale: 'de_DE.UTF-8' }, 'locale')), /invalid locale settings/);
  });
  assert.equal(updateLocaleFile('# c\nLANG=C\nLC_ALL=C\n', 'LANG', 'en_US.UTF-8'), '# c\nLANG=en_US.UTF-8\n#LC_ALL=C\nLC_ALL=C\n'.replace('#LC_ALL=C\nLC_ALL=C\n', 'LC_ALL=C\n'));
});

test('update_etc_hosts: localhost mode adds the Debian 127.0.1.1 entry once', async () => {
  await withDebianGuest(async (h) => {
    const c = ctx(h, { manage_etc_hosts: 'localhost', fqdn: 'web1.example.org' }, 'update_etc_hosts');
    await updateEtcHosts.run(c);
    await updateEtcHosts.run(c);
    assert.equal(read(h, 'etc/hosts').toString(), '127.0.0.1\tlocalhost\n127.0.1.1\tweb1.example.org\tweb1\n\n');
  });
});

test('users_groups: groups, users in cloud-init\'s order (the default user last), sudo rules; a failing useradd fails the module', async () => {
  await withDebianGuest(async (h) => {
    h.runner.expect(['groupadd', 'admins']);
    h.runner.expect((a) => a[0] === 'useradd' && a[1] === 'svc', {}, {
      effect: () => fs.appendFileSync(join(h.rootDir, 'etc/passwd'), 'svc:x:999:999::/home/svc:/bin/sh\n'),
    });
    h.runner.expect(['passwd', '-l', 'svc']);
    h.runner.expect((a) => a[0] === 'useradd' && a[1] === 'debian', {}, {
      effect: () => fs.appendFileSync(join(h.rootDir, 'etc/passwd'), 'debian:x:1000:1000::/home/debian:/bin/bash\n'),
    });
    h.runner.expect(['passwd', '-l', 'debian']);
    await usersGroups.run(ctx(h, { groups: ['admins'], users: ['default', { name: 'svc', system: true }] }, 'users_groups'));
    assert.deepEqual(h.runner.calls.filter((x) => x.argv[0] === 'useradd').map((x) => x.argv), [
      ['useradd', 'svc', '--system', '-M'],
      ['useradd', 'debian', '--groups', 'sudo', '--shell', '/bin/bash', '-m'],
    ]);
    assert.ok(h.runner.calls.filter((x) => x.argv[0] === 'useradd').every((x) => x.opts.sensitive === true));
    assert.match(read(h, 'etc/sudoers.d/90-cloud-init-users').toString(), /\n# User rules for debian\ndebian ALL=\(ALL\) NOPASSWD:ALL\n$/);
    assert.equal(mode(h, 'etc/sudoers.d'), 0o750);
  });
  await withDebianGuest(async (h) => {
    h.runner.expect((a) => a[0] === 'useradd' && a[1] === 'bad', { code: 9, stderr: 'useradd: invalid user name' });
    await assert.rejects(usersGroups.run(ctx(h, { users: [{ name: 'bad' }] }, 'users_groups')), /Failed to create user bad/);
  });
});

export type { ModuleDef };

