// kindling-init's Ec2 datasource against the real `kindling serve` on loopback: the same data with
// http_tokens optional and required (every request then carries the token, and none is refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestHost, type TestHost } from '../../src/agent/host/test-host.js';
import { nodeHttpClient } from '../../src/agent/host/node-http.js';
import type { HttpRequest } from '../../src/agent/host/host.js';
import { Paths } from '../../src/agent/state/paths.js';
import { Dmi } from '../../src/agent/datasources/dmi.js';
import { ec2 } from '../../src/agent/datasources/ec2.js';
import type { DatasourceContext, DatasourceData } from '../../src/agent/datasources/types.js';
import { api, cleanup, loopbackSeed, startService, type Service } from './harness.js';

function realHttpHost(): { h: TestHost; requests: HttpRequest[]; close(): void } {
  const h = createTestHost();
  const client = nodeHttpClient();
  const requests: HttpRequest[] = [];
  h.http = async (req) => {
    requests.push(req);
    return client.request(req);
  };
  // real time: the waits are bounded by the service answering, not by a fake clock
  h.clock.sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  return { h, requests, close: () => (client.close(), h.cleanup()) };
}

function ctxFor(h: TestHost, base: string): DatasourceContext {
  const dsCfg = { metadata_urls: [base], max_wait: 10, timeout: 5 };
  return {
    host: h,
    cfg: { datasource: { Ec2: dsCfg } },
    dsCfg,
    distro: {} as DatasourceContext['distro'],
    paths: new Paths(),
    dmi: new Dmi(h),
    cmdline: '',
    stage: 'network',
    withEphemeralNetwork: (fn) => fn(),
  };
}

async function waitServed(s: Service): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`${s.guest}/openstack/latest/meta_data.json`).catch(() => undefined);
    if (r?.status === 200) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('the instance is not served');
}

async function crawlWith(s: Service): Promise<{ d: DatasourceData; requests: HttpRequest[]; log: string }> {
  const { h, requests, close } = realHttpHost();
  try {
    const d = await ec2.fetch(ctxFor(h, s.guest));
    assert.ok(d, h.logger.text());
    return { d, requests, log: h.logger.text() };
  } finally {
    close();
  }
}

test('Ec2 datasource against kindling serve: http_tokens optional and required give the same data', { timeout: 120_000 }, async () => {
  const s = await startService(['--access-log', 'off']);
  try {
    const seed = loopbackSeed();
    assert.equal((await api(s, 'POST', '/v1/instances', seed)).status, 201);
    await waitServed(s);
    const opt = await crawlWith(s);
    assert.equal(opt.d.metadata['instance-id'], 'i-380cc09f25ce4a4ea');
    assert.equal(opt.d.crawled._metadata_api_version, '2009-04-04', 'Nova-compatible EC2 versions only');
    assert.deepEqual(opt.d.publicKeys, [seed.keys[0].data]);
    assert.equal(Buffer.from(opt.d.userdataRaw ?? '', 'base64').toString(), seed.user_data);
    assert.deepEqual(opt.d.metadata.placement, { 'availability-zone': 'nova' });
    assert.equal(opt.d.region, 'nov');
    assert.ok((opt.d.metadata.network as any).interfaces.macs['fa:16:3e:d8:bb:81'], 'the per-MAC tree');
    assert.equal(opt.requests[0]?.method, 'PUT', 'a token first');

    assert.equal((await api(s, 'PATCH', `/v1/instances/${seed.uuid}`, { http_tokens: 'required' })).status, 200);
    // the change reaches the guest side through the store's change feed
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${s.guest}/latest/meta-data/instance-id`);
      if (r.status === 401) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal((await fetch(`${s.guest}/latest/meta-data/instance-id`)).status, 401, 'v1 is refused now');
    const req = await crawlWith(s);
    assert.deepEqual(req.d.metadata, opt.d.metadata);
    assert.deepEqual(req.d.crawled, opt.d.crawled);
    assert.equal(req.d.userdataRaw, opt.d.userdataRaw);
    assert.deepEqual(req.d.networkConfig, opt.d.networkConfig);
    const gets = req.requests.filter((r) => r.method !== 'PUT');
    assert.ok(gets.length > 20, `${gets.length} GETs`);
    for (const r of gets) assert.ok(r.headers?.['x-aws-ec2-metadata-token'], `token on ${r.url}`);
    assert.doesNotMatch(req.log, /\b401\b/, 'no request was refused');
  } finally {
    await cleanup(s);
  }
});
