// Issue 3: no instance reads another's data, whatever it forges. Two guests in two network
// namespaces on one bridge ask every identification mode (source IP over IPv4, source IP over IPv6
// link-local, X-Forwarded-For through a trusted nginx, Neutron-style signed headers through a
// signing nginx) with every spoofing trick in isolation-probe.ts. Each gets only its own data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attempt, ProbeConfig } from './isolation-probe.js';
import { startKindling } from './kindling-service.js';
import { withLab } from './lab.js';
import { repoRoot } from './paths.js';
import { forwardingProxyConfig, neutronSignature, signingProxyConfig } from './proxy-configs.js';

const SECRET = 'isolation-shared-secret-42';

function instance(name: string, uuid: string, mac: string, ip: string, project: string) {
  return {
    uuid, name, hostname: `${name}-host`, project_id: project,
    user_data: `#cloud-config\n# marker-${name}-user-data\n`,
    meta: { owner: `marker-${name}-meta` },
    addresses: [{ mac, ip }],
    http_tokens: 'optional',
  };
}

const A = instance('alpha', '0a1e8c3b-4d7f-4e5a-9b21-6c0d2f3a4b5c', 'fa:16:3e:d8:bb:81', '169.254.0.2', 'tenant-alpha');
const B = instance('bravo', '1b2f9d4c-5e8a-4f6b-8c32-7d1e3a4b5c6d', 'fa:16:3e:00:00:11', '169.254.0.3', 'tenant-bravo');

function markers(i: typeof A): string[] {
  return [i.uuid, `i-${i.uuid.replace(/-/g, '').slice(0, 17)}`, i.hostname, `marker-${i.name}-user-data`, `marker-${i.name}-meta`];
}

test('two guests, every identification mode, every spoofing trick: each gets only its own data', { timeout: 300_000 }, async () => {
  await withLab({ name: 'isolation' }, async (lab) => {
    const secretFile = join(lab.hv.dir, 'proxy-secret');
    writeFileSync(secretFile, SECRET, { mode: 0o600 });
    const svc = await startKindling(lab.hv, {
      args: [
        '--listen', '169.254.169.254:80',
        '--listen', '[fe80::a9fe:a9fe%br0]:80',
        '--listen', '127.0.0.1:8781,identify=forwarded-for',
        '--listen', '127.0.0.1:8782,identify=neutron-proxy',
        '--trusted-proxy', '127.0.0.1', '--proxy-secret-file', secretFile,
        '--db', join(lab.hv.dir, 'kindling.db'),
      ],
    });
    for (const i of [A, B]) await svc.cli(['instance', 'create', '--file', '-'], { input: JSON.stringify(i) });
    await lab.hv.startNginx(forwardingProxyConfig({ listen: '169.254.169.254:81', upstream: '127.0.0.1:8781' }), { name: 'forwarder', waitFor: { host: '169.254.169.254', port: 81 } });
    await lab.hv.startNginx(signingProxyConfig({
      listen: '169.254.169.254:82', upstream: '127.0.0.1:8782', secret: SECRET,
      guests: [A, B].map((i) => ({ ip: i.addresses[0]!.ip, uuid: i.uuid, project: i.project_id })),
    }), { name: 'signer', waitFor: { host: '169.254.169.254', port: 82 } });

    const guests = [];
    for (const i of [A, B]) guests.push(await lab.addGuest({ mac: i.addresses[0]!.mac, ip: i.addresses[0]!.ip, staticAddresses: [`${i.addresses[0]!.ip}/16`] }));
    // wait for each guest's IPv6 link-local address (EUI-64 of its MAC) to leave DAD
    for (const g of guests) {
      for (let t = 0; t < 50; t++) {
        const r = await g.exec(['ip', '-6', 'addr', 'show', 'dev', 'eth0'], { root: 'host' });
        if (/inet6 fe80::f816:3eff:fe[0-9a-f]{2}:[0-9a-f]{1,4}\/64 scope link\s*$/m.test(r.stdout) && !/tentative/.test(r.stdout)) break;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    // each guest's own IMDSv2 token, to hand to the other as a stolen one
    const tokens: string[] = [];
    for (const g of guests) {
      const r = await g.exec(['curl', '-s', '-X', 'PUT', '-H', 'X-aws-ec2-metadata-token-ttl-seconds: 300', 'http://169.254.169.254/latest/api/token'], { root: 'host' });
      assert.match(r.stdout, /^[A-Za-z0-9_-]{20,}$/);
      tokens.push(r.stdout);
    }

    const probe = join(repoRoot, 'build/test/lab/isolation-probe.js');
    let total = 0;
    const byListener = new Map<string, number>();
    for (const [k, g] of guests.entries()) {
      const me = [A, B][k]!;
      const victim = [A, B][1 - k]!;
      const config: ProbeConfig = {
        me: { ip: me.addresses[0]!.ip, uuid: me.uuid },
        victim: { ip: victim.addresses[0]!.ip, uuid: victim.uuid, project: victim.project_id, token: tokens[1 - k]!, signature: neutronSignature(SECRET, victim.uuid) },
        direct: '169.254.169.254:80',
        linkLocal: '[fe80::a9fe:a9fe%eth0]:80',
        forwarding: '169.254.169.254:81',
        signing: '169.254.169.254:82',
        internal: ['169.254.169.254:8781', '169.254.169.254:8782', '127.0.0.1:8781', '127.0.0.1:8782', '127.0.0.1:8776'],
      };
      const r = await g.exec([process.execPath, probe, JSON.stringify(config)], { root: 'host', timeoutMs: 120_000 });
      const attempts = JSON.parse(r.stdout) as Attempt[];
      for (const a of attempts) {
        const label = `${me.name}: ${a.name} → ${a.status}`;
        for (const m of markers(victim)) assert.ok(!a.body.includes(m), `${label} leaked ${m}: ${a.body.slice(0, 300)}`);
        if (a.expect === 'own') {
          assert.equal(a.status, 200, `${label}: ${a.body.slice(0, 200)}`);
          assert.ok(markers(me).some((m) => a.body.includes(m)), `${label} is not its own data: ${a.body.slice(0, 200)}`);
        } else if (a.expect === 'refused') {
          assert.notEqual(a.status, 200, `${label} was answered: ${a.body.slice(0, 200)}`);
        }
        const listener = a.name.split(':')[0]!;
        byListener.set(listener, (byListener.get(listener) ?? 0) + 1);
      }
      total += attempts.length;
    }
    // a password posted "as the victim" landed on the poster's own instance only
    for (const i of [A, B]) {
      const shown = (await svc.cli(['instance', 'password', 'get', i.uuid])).stdout.trim();
      assert.equal(shown, `pw-from-${i.addresses[0]!.ip}`);
    }
    const summary = [...byListener.entries()].map(([k, n]) => `${k} ${n}`).join(', ');
    process.stderr.write(`isolation: ${total} attempts by 2 guests (${summary}), 0 leaks\n`);
    // nothing secret in the service's log
    const log = readFileSync(svc.log, 'utf8');
    assert.ok(!log.includes(SECRET));
    for (const t of tokens) assert.ok(!log.includes(t));
    assert.ok(!/[0-9a-f]{64}/.test(log), 'no signature in the log');
  });
});
