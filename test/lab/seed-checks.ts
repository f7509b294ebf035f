// What the seed's instance must leave in a guest, whichever datasource cloud-init used: host name,
// cloud-user with its key, sudoers entry and password, root's key, sshd allowing passwords.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Guest } from './guest.js';
import { repoRoot } from './paths.js';
import { ensureRootfs } from './rootfs.js';

export const seed = JSON.parse(readFileSync(join(repoRoot, 'examples/seed-instance.json'), 'utf8'));
export const SEED_KEY: string = seed.keys[0].data;

/** An sshd_config that refuses passwords, as cloud images ship it until ssh_pwauth turns them on. */
export async function passwordlessSshdConfig(): Promise<string> {
  const rootfs = await ensureRootfs('cloud-init');
  return readFileSync(join(rootfs.path, 'etc/ssh/sshd_config'), 'utf8').replace(/^#?PasswordAuthentication .*$/m, 'PasswordAuthentication no');
}

/** Verifies a crypt(3) hash against a plaintext with the guest's own Python. */
export async function verifyHash(g: Guest, hash: string, plaintext: string): Promise<boolean> {
  const py = 'import crypt,json,sys,warnings\nwarnings.simplefilter("ignore")\nd=json.load(sys.stdin)\nprint(crypt.crypt(d["p"], d["h"]) == d["h"])';
  const r = await g.exec(['python3', '-c', py], { input: JSON.stringify({ h: hash, p: plaintext }) });
  return r.stdout.trim() === 'True';
}

export async function assertSeedApplied(g: Guest): Promise<void> {
  assert.equal(readFileSync(join(g.upperDir, 'etc/hostname'), 'utf8'), 'rhel\n');
  assert.match(g.readFile('/etc/passwd'), /^cloud-user:x:\d+:\d+:[^:]*:\/home\/cloud-user:\/bin\/bash$/m);
  assert.ok(g.readFile('/home/cloud-user/.ssh/authorized_keys').split('\n').includes(SEED_KEY));
  assert.match(g.readFile('/etc/sudoers.d/90-cloud-init-users'), /^cloud-user ALL=\(ALL\) NOPASSWD:ALL$/m);
  const hash = g.readFile('/etc/shadow').split('\n').find((l) => l.startsWith('cloud-user:'))!.split(':')[1]!;
  assert.ok(await verifyHash(g, hash, 'cloud-password'), 'the shadow hash verifies against cloud-password');
  assert.ok(g.readFile('/root/.ssh/authorized_keys').split('\n').includes(SEED_KEY));
  const sshdT = await g.exec(['sh', '-c', 'mkdir -p /run/sshd && /usr/sbin/sshd -T']);
  assert.match(sshdT.stdout, /^passwordauthentication yes$/m);
}
