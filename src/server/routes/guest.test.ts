// EC2 metadata options, IMDSv2, the identification modes and the rate limit, socketless.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SEED, testApp } from '../app.fixture.js';

const OTHER = {
  ...SEED,
  uuid: '6b1a9ce4-51a1-4e0b-9a43-0c5e5b7a3d11',
  name: 'other',
  hostname: 'other',
  project_id: 'tenant-b',
  user_data: '#cloud-config\n{}\n',
  addresses: [{ mac: 'fa:16:3e:00:00:0b', ip: '169.254.0.3' }],
  network: null,
};
const B = '169.254.0.3';
const sign = (secret: string, id: string) => createHmac('sha256', secret).update(id).digest('hex');
const put = (ttl?: string, extra: Record<string, string> = {}) => ({
  method: 'PUT', headers: { ...(ttl !== undefined ? { 'X-aws-ec2-metadata-token-ttl-seconds': ttl } : {}), ...extra },
});

test('IMDSv2: token PUT, TTL bounds, use, expiry, and binding to the instance', async () => {
  const { registry, ask, clock } = await testApp();
  await registry.create(SEED);
  await registry.create(OTHER);
  for (const bad of [undefined, '0', '21601', 'abc', '-5', '']) {
    assert.equal((await ask('/latest/api/token', put(bad))).status, 400, String(bad));
  }
  const r = await ask('/latest/api/token', put('60'));
  assert.equal(r.status, 200);
  assert.equal(r.header('x-aws-ec2-metadata-token-ttl-seconds'), '60');
  const token = r.text;
  const withToken = (t: string, peer?: string) => ({ headers: { 'X-aws-ec2-metadata-token': t }, ...(peer ? { peer } : {}) });
  assert.equal((await ask('/latest/meta-data/instance-id', withToken(token))).text, 'i-380cc09f25ce4a4ea');
  assert.equal((await ask('/latest/meta-data/instance-id', withToken(token, B))).status, 401, "A's token is worthless for B");
  assert.equal((await ask('/latest/meta-data/instance-id', withToken('x'.repeat(40)))).status, 401);
  assert.equal((await ask('/latest/meta-data/instance-id', withToken(`${token.slice(0, -2)}AA`))).status, 401);
  clock.now += 61_000;
  assert.equal((await ask('/latest/meta-data/instance-id', withToken(token))).status, 401, 'expired');
  assert.equal((await ask('/latest/api/token', put('21600'))).status, 200);
});

test('http_tokens=required: every v1 request 401; OpenStack paths are not EC2 and stay open', async () => {
  const { registry, ask } = await testApp();
  await registry.create({ ...SEED, http_tokens: 'required' });
  for (const p of ['/latest/meta-data/', '/latest/user-data', '/2009-04-04/meta-data/hostname', '/latest/dynamic/instance-identity/document']) {
    assert.equal((await ask(p)).status, 401, p);
  }
  assert.equal((await ask('/openstack/latest/meta_data.json')).status, 200);
  const token = (await ask('/latest/api/token', put('300'))).text;
  const ok = await ask('/latest/user-data', { headers: { 'X-aws-ec2-metadata-token': token } });
  assert.equal(ok.text, SEED.user_data);
});

test('a token PUT through a proxy (X-Forwarded-For) is 403; a disabled endpoint is 403', async () => {
  const { registry, ask } = await testApp();
  await registry.create(SEED);
  assert.equal((await ask('/latest/api/token', put('60', { 'X-Forwarded-For': '10.0.0.1' }))).status, 403);
  await registry.patch(SEED.uuid, { http_endpoint: 'disabled' });
  assert.equal((await ask('/latest/meta-data/')).status, 403);
  assert.equal((await ask('/latest/api/token', put('60'))).status, 403);
  assert.equal((await ask('/openstack/latest/meta_data.json')).status, 200);
});

test('neutron-proxy: trusted peers only, Nova status codes, constant answers for forgeries', async () => {
  const secret = 's3cret-shared';
  const { registry, ask } = await testApp({ mode: 'neutron-proxy', proxySecret: secret, trustedProxies: ['10.9.0.0/24'] });
  await registry.create(SEED);
  await registry.create(OTHER);
  const proxy = '10.9.0.5';
  const hdr = (id: string, tenant: string, sig = sign(secret, id)) => ({ peer: proxy, headers: { 'X-Instance-ID': id, 'X-Tenant-ID': tenant, 'X-Instance-ID-Signature': sig } });
  const good = await ask('/openstack/latest/meta_data.json', hdr(SEED.uuid, SEED.project_id));
  assert.equal(JSON.parse(good.text).uuid, SEED.uuid);
  assert.equal(JSON.parse((await ask('/openstack/latest/meta_data.json', hdr(OTHER.uuid, 'tenant-b'))).text).uuid, OTHER.uuid);
  assert.equal((await ask('/openstack/latest/meta_data.json', { ...hdr(SEED.uuid, SEED.project_id), peer: GUESTLIKE })).status, 403, 'untrusted peer');
  assert.equal((await ask('/openstack/latest/meta_data.json', { peer: proxy, headers: { 'X-Tenant-ID': 'x', 'X-Instance-ID-Signature': 'y' } })).status, 400);
  assert.equal((await ask('/openstack/latest/meta_data.json', { peer: proxy, headers: { 'X-Instance-ID': SEED.uuid, 'X-Tenant-ID': 'x' } })).status, 400);
  assert.equal((await ask('/openstack/latest/meta_data.json', { peer: proxy, headers: { 'X-Instance-ID': SEED.uuid, 'X-Instance-ID-Signature': 'y' } })).status, 400);
  assert.equal((await ask('/openstack/latest/meta_data.json', hdr(SEED.uuid, SEED.project_id, sign('wrong', SEED.uuid)))).status, 403);
  assert.equal((await ask('/openstack/latest/meta_data.json', hdr(SEED.uuid, SEED.project_id, sign(secret, OTHER.uuid)))).status, 403, "B's signature for A");
  assert.equal((await ask('/openstack/latest/meta_data.json', hdr(SEED.uuid, SEED.project_id, ''))).status, 403);
  assert.equal((await ask('/openstack/latest/meta_data.json', hdr(SEED.uuid, 'tenant-b'))).status, 404, 'tenant mismatch');
  assert.equal((await ask('/openstack/latest/meta_data.json', hdr('00000000-0000-4000-8000-000000000000', 'x'))).status, 404);
  assert.equal((await ask('/openstack/latest/meta_data.json', hdr(`${SEED.uuid}, ${OTHER.uuid}`, SEED.project_id))).status, 400);
  // the peer's own address is no identity on this listener
  assert.equal((await ask('/openstack/latest/meta_data.json', { peer: GUESTLIKE })).status, 403);
  // IMDSv2 through the proxy: its own X-Forwarded-For is fine, a second hop is not
  const t = await ask('/latest/api/token', { ...hdr(SEED.uuid, SEED.project_id), method: 'PUT', headers: { ...hdr(SEED.uuid, SEED.project_id).headers, 'X-Forwarded-For': GUESTLIKE, 'X-aws-ec2-metadata-token-ttl-seconds': '60' } });
  assert.equal(t.status, 200);
  const t2 = await ask('/latest/api/token', { ...hdr(SEED.uuid, SEED.project_id), method: 'PUT', headers: { ...hdr(SEED.uuid, SEED.project_id).headers, 'X-Forwarded-For': `10.1.1.1, ${GUESTLIKE}`, 'X-aws-ec2-metadata-token-ttl-seconds': '60' } });
  assert.equal(t2.status, 403);
});
const GUESTLIKE = '169.254.0.2';

test('neutron-proxy refuses to exist without a secret', async () => {
  await assert.rejects(testApp({ mode: 'neutron-proxy', trustedProxies: ['10.0.0.1'] }), /non-empty proxy secret/);
});

test('forwarded-for: believed from trusted proxies only', async () => {
  const { registry, ask } = await testApp({ mode: 'forwarded-for', trustedProxies: ['10.9.0.5', '10.9.1.0/24'] });
  await registry.create(SEED);
  await registry.create(OTHER);
  const md = async (peer: string, xff?: string) => {
    const r = await ask('/openstack/latest/meta_data.json', { peer, ...(xff ? { headers: { 'X-Forwarded-For': xff } } : {}) });
    return r.status === 200 ? JSON.parse(r.text).uuid : r.status;
  };
  assert.equal(await md('10.9.0.5', GUESTLIKE), SEED.uuid);
  assert.equal(await md('10.9.0.5', B), OTHER.uuid);
  assert.equal(await md('10.9.0.5', `${B}, ${GUESTLIKE}`), SEED.uuid, 'the rightmost untrusted address is the client');
  assert.equal(await md('10.9.0.5', `${GUESTLIKE}, 10.9.1.7`), SEED.uuid, 'trusted hops are skipped');
  assert.equal(await md('10.9.0.5'), 400);
  // a guest that is no proxy is itself, whatever it claims
  assert.equal(await md(B, GUESTLIKE), OTHER.uuid);
  assert.equal(await md('10.7.7.7', GUESTLIKE), 404);
});

test('rate limit: the burst, then 429 with Retry-After, then the rate', async () => {
  const { registry, ask, clock } = await testApp({ rateLimit: { rate: 2, burst: 5 } });
  await registry.create(SEED);
  await registry.create(OTHER);
  for (let i = 0; i < 5; i++) assert.equal((await ask('/openstack/latest/vendor_data.json')).status, 200);
  const limited = await ask('/openstack/latest/vendor_data.json');
  assert.equal(limited.status, 429);
  assert.equal(limited.header('retry-after'), '1');
  assert.equal((await ask('/openstack/latest/vendor_data.json', { peer: B })).status, 200, 'others are not starved');
  await registry.patch(SEED.uuid, { name: 'renamed' });
  assert.equal((await ask('/openstack/latest/vendor_data.json')).status, 429, 'a change does not refill the bucket');
  clock.now += 1000;
  assert.equal((await ask('/openstack/latest/vendor_data.json')).status, 200);
  assert.equal((await ask('/openstack/latest/vendor_data.json')).status, 200);
  assert.equal((await ask('/openstack/latest/vendor_data.json')).status, 429);
});
