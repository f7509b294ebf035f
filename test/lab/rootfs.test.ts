// Builds (first run on a machine, ~1 min) or finds the lab images, and checks what the other lab tests rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRootfs, recipeHash, rootfsPath } from './rootfs.js';

test('cloud-init rootfs: the real cloud-init 22.4.2 and the tools the lab uses', { timeout: 15 * 60_000 }, async () => {
  const info = await ensureRootfs('cloud-init');
  assert.match(info.cloudInitVersion, /^22\.4\.2/);
  assert.equal(info.path, rootfsPath('cloud-init'));
  for (const tool of ['usr/bin/cloud-init', 'usr/sbin/ifup', 'usr/sbin/dhclient', 'usr/bin/fuseiso', 'usr/bin/fusefat', 'usr/sbin/sshd', 'usr/bin/openssl']) {
    assert.ok(existsSync(join(info.path, tool)), tool);
  }
  assert.ok(statSync(join(info.path, 'usr/lib/locale/locale-archive')).size > 0, 'en_US.UTF-8 generated');
  assert.equal(readFileSync(join(info.path, 'etc/hostname'), 'utf8'), 'localhost\n');
  assert.ok(!existsSync(join(info.path, 'usr/bin/node')), 'the cloud-init variant has no node');
});

test('node rootfs: everything in the cloud-init one plus bookworm nodejs 18', { timeout: 15 * 60_000 }, async () => {
  const info = await ensureRootfs('node');
  assert.match(info.nodeVersion ?? '', /^v18\./);
  assert.match(info.cloudInitVersion, /^22\.4\.2/);
  assert.ok(existsSync(join(info.path, 'usr/bin/cloud-init')));
  assert.notEqual(recipeHash('node'), recipeHash('cloud-init'));
});
