// The image installation of kindling-init: the files and enabled units it lays down, and the
// systemd generator's decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('install-agent.sh installs the bundle, commands, units and generator into an image root', () => {
  const root = mkdtempSync(join(tmpdir(), 'ki-image-'));
  try {
    const r = spawnSync('bash', ['scripts/install-agent.sh', '--root', root], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const f of ['usr/lib/kindling-init/kindling-init.cjs', 'usr/bin/kindling-init', 'usr/bin/cloud-init', 'usr/bin/cloud-id', 'lib/systemd/system/cloud-final.service', 'lib/systemd/system-generators/cloud-init-generator']) {
      assert.ok(existsSync(join(root, f)), f);
    }
    assert.equal(statSync(join(root, 'usr/bin/cloud-init')).mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(root, 'etc/systemd/system/cloud-init.target.wants/cloud-init-local.service')), '/lib/systemd/system/cloud-init-local.service');
    assert.match(readFileSync(join(root, 'lib/systemd/system/cloud-init.service'), 'utf8'), /ConditionPathExists=!\/run\/cloud-init\/disabled/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

function generator(cmdline: string): { enabled: boolean; disabledMarker: boolean } {
  const d = mkdtempSync(join(tmpdir(), 'ki-gen-'));
  try {
    mkdirSync(join(d, 'early'));
    const r = spawnSync('sh', ['packaging/systemd/cloud-init-generator', join(d, 'normal'), join(d, 'early'), join(d, 'late')], {
      encoding: 'utf8',
      env: { ...process.env, KERNEL_CMDLINE: cmdline, KINDLING_GENERATOR_RUN_DIR: join(d, 'run') },
    });
    assert.equal(r.status, 0, r.stderr);
    const link = lstatSync(join(d, 'early/multi-user.target.wants/cloud-init.target'), { throwIfNoEntry: false });
    return { enabled: link !== undefined, disabledMarker: existsSync(join(d, 'run/disabled')) };
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

test('the generator enables cloud-init.target unless cloud-init=disabled', () => {
  assert.deepEqual(generator('root=/dev/vda1 ro'), { enabled: true, disabledMarker: false });
  assert.deepEqual(generator('root=/dev/vda1 cloud-init=disabled'), { enabled: false, disabledMarker: true });
});
