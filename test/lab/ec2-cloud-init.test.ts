// Issue 3's acceptance in the lab: the real cloud-init 22.4.2 with datasource_list [Ec2, None]
// against `kindling serve --listen 169.254.169.254:80` holding the seed: the same host name, user,
// keys and password as with the OpenStack datasource, and result.json naming DataSourceEc2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTimes } from './guest-boot.js';
import { startKindling } from './kindling-service.js';
import { withLab } from './lab.js';
import { repoRoot } from './paths.js';
import { assertSeedApplied, passwordlessSshdConfig, seed } from './seed-checks.js';

test('real cloud-init + Ec2 datasource against kindling serve, seed instance', { timeout: 300_000 }, async () => {
  await withLab({ name: 'ec2-ci' }, async (lab) => {
    const svc = await startKindling(lab.hv);
    await svc.cli(['instance', 'create', '--file', join(repoRoot, 'examples/seed-instance.json')]);
    const g = await lab.addGuest({ datasources: ['Ec2'], files: { '/etc/ssh/sshd_config': await passwordlessSshdConfig() } });
    const boot = await g.boot();
    process.stderr.write(`${formatTimes(boot)}\n`);
    assert.ok(boot.ok, readFileSync(boot.log, 'utf8').slice(-4000));
    const result = JSON.parse(g.readFile('/var/lib/cloud/data/result.json'));
    assert.match(result.v1.datasource, /^DataSourceEc2\b/);
    assert.deepEqual(result.v1.errors, []);
    assert.equal(g.readFile('/var/lib/cloud/data/instance-id').trim(), 'i-380cc09f25ce4a4ea');
    await assertSeedApplied(g);

    const log = g.readFile('/var/log/cloud-init.log');
    assert.match(log, /Read from http:\/\/169\.254\.169\.254\/2009-04-04\/meta-data\/instance-id \(200/);
    // the only 404s: cloud-init probing EC2 versions newer than Nova's (it then uses 2009-04-04)
    // (after the timestamp, whose milliseconds can be ",404")
    const notFound = log.split('\n').filter((l) => /\b404\b/.test(l.slice(l.indexOf(' - ') + 1)) && /url_helper/.test(l));
    for (const l of notFound) assert.match(l, /\/(2021-03-23|2018-09-24|2016-09-02)\/meta-data\/instance-id/, l);
    assert.doesNotMatch(log, /url_helper\.py\[DEBUG\]: \[[1-9]\d*\/\d+\] open/, 'no retries');
    // the crawl read the per-MAC tree cloud-init builds Ec2 network config from
    const access = readFileSync(svc.log, 'utf8');
    assert.match(access, /GET \/2009-04-04\/meta-data\/network\/interfaces\/macs\/fa:16:3e:d8:bb:81\/local-ipv4s 200/);
    assert.match(access, new RegExp(`instance=${seed.uuid} GET /2009-04-04/user-data 200`));
  });
});
