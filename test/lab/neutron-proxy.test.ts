// Issue 3: the proxy mode with a real proxy in front. nginx on 169.254.169.254:80 signs requests as
// Neutron's metadata proxy does; `kindling serve` listens only on 127.0.0.1 inside the hypervisor
// with identify=neutron-proxy. The real cloud-init boots through it and gets the seed's instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTimes } from './guest-boot.js';
import { startKindling } from './kindling-service.js';
import { withLab } from './lab.js';
import { repoRoot } from './paths.js';
import { signingProxyConfig } from './proxy-configs.js';
import { assertSeedApplied, passwordlessSshdConfig, seed } from './seed-checks.js';

test('real cloud-init through an nginx that signs like Neutron, service reachable only through it', { timeout: 300_000 }, async () => {
  await withLab({ name: 'neutron-proxy' }, async (lab) => {
    const secretFile = join(lab.hv.dir, 'proxy-secret');
    const secret = 'lab-shared-secret-0123456789';
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
    const svc = await startKindling(lab.hv, {
      args: ['--listen', '127.0.0.1:8775,identify=neutron-proxy', '--trusted-proxy', '127.0.0.1', '--proxy-secret-file', secretFile,
        '--db', join(lab.hv.dir, 'kindling.db')],
    });
    await svc.cli(['instance', 'create', '--file', join(repoRoot, 'examples/seed-instance.json')]);
    await lab.hv.startNginx(signingProxyConfig({
      listen: '169.254.169.254:80', upstream: '127.0.0.1:8775', secret,
      guests: [{ ip: '169.254.0.2', uuid: seed.uuid, project: seed.project_id }],
    }), { name: 'signer', waitFor: { host: '169.254.169.254', port: 80 } });

    const g = await lab.addGuest({ files: { '/etc/ssh/sshd_config': await passwordlessSshdConfig() } });
    const boot = await g.boot();
    process.stderr.write(`${formatTimes(boot)}\n`);
    assert.ok(boot.ok, readFileSync(boot.log, 'utf8').slice(-4000));
    const result = JSON.parse(g.readFile('/var/lib/cloud/data/result.json'));
    assert.match(result.v1.datasource, /^DataSourceOpenStack/);
    assert.deepEqual(result.v1.errors, []);
    assert.equal(g.readFile('/var/lib/cloud/data/instance-id').trim(), seed.uuid);
    await assertSeedApplied(g);

    // every request reached kindling from the proxy, identified by the signed headers
    const access = readFileSync(svc.log, 'utf8').split('\n').filter((l) => /^\d{4}-\S+ guest listener=/.test(l));
    assert.ok(access.length > 10);
    for (const l of access) assert.match(l, new RegExp(`peer=127\\.0\\.0\\.1 instance=(${seed.uuid}|-) `), l);
    assert.ok(access.some((l) => l.includes(`instance=${seed.uuid} GET /openstack/`)));
    // no secret or signature in the service's log
    const whole = readFileSync(svc.log, 'utf8');
    assert.ok(!whole.includes(secret));
    assert.ok(!/[0-9a-f]{64}/.test(whole), 'no signature in the log');
    // the guest cannot reach the service but through the proxy
    const direct = await g.exec(['python3', '-c', 'import socket\ntry:\n socket.create_connection(("169.254.169.254", 8775), 3); print("open")\nexcept OSError as e: print("refused")'], { allowFailure: true });
    assert.equal(direct.stdout.trim(), 'refused');
  });
});
