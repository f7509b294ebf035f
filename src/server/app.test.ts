// The app without sockets: hand-built requests, platform facts (the peer) passed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEED, testApp } from './app.fixture.js';

const setup = (now?: number) => testApp(now === undefined ? {} : { now });

test('the seed over every API the real cloud-init reads', async () => {
  const { registry, ask } = await setup();
  await registry.create(SEED);
  const root = await ask('/');
  assert.equal(root.text, '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest');
  assert.equal((await ask('/openstack')).text, '2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\n2020-10-14\n2025-04-04\nlatest');
  for (const p of ['/openstack/latest', '/openstack/latest/', '//openstack/./latest//']) {
    const r = await ask(p);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json');
    assert.equal(r.type, 'text/plain; charset=UTF-8');
  }
  const md = await ask('/openstack/latest/meta_data.json');
  assert.equal(md.type, 'application/json');
  const doc = JSON.parse(md.text);
  assert.equal(doc.uuid, SEED.uuid);
  assert.equal(doc.hostname, 'rhel.novalocal');
  assert.equal(doc.name, 'RHEL');
  assert.equal(doc.availability_zone, 'nova');
  assert.deepEqual(Object.keys(doc.public_keys), ['lab-keys']);
  assert.equal(Buffer.from(doc.random_seed, 'base64').length, 512);
  assert.equal(JSON.parse((await ask('/openstack/2012-08-10/meta_data.json')).text).random_seed, undefined);
  const ud = await ask('/openstack/latest/user_data');
  assert.equal(ud.text, SEED.user_data);
  assert.equal(ud.type, 'text/plain; charset=UTF-8');
  const nd = await ask('/openstack/2018-08-27/network_data.json');
  assert.equal(nd.type, 'text/plain; charset=UTF-8');
  assert.deepEqual(JSON.parse(nd.text).links[0].mtu, 8950);
  assert.equal((await ask('/openstack/2013-10-17/network_data.json')).status, 404);
  assert.equal((await ask('/openstack/latest/vendor_data.json')).text, '{}');
  assert.equal((await ask('/openstack/latest/vendor_data2.json')).type, 'application/json');
  assert.equal((await ask('/latest/meta-data/public-keys/')).text, '0=lab-keys');
  assert.equal((await ask('/2009-04-04/meta-data/local-hostname')).text, 'rhel.novalocal');
  assert.equal((await ask('/ec2/latest/meta-data/instance-id')).text, 'i-380cc09f25ce4a4ea');
  assert.equal((await ask('/latest')).text, 'dynamic/\nmeta-data/\nuser-data');
  assert.equal((await ask('/2008-09-01')).text, 'meta-data/\nuser-data');
  assert.equal((await ask('/latest/user-data')).text, SEED.user_data);
});

test('random_seed is fresh on every request; the rest is identical', async () => {
  const { registry, ask } = await setup();
  await registry.create(SEED);
  const a = JSON.parse((await ask('/openstack/latest/meta_data.json')).text);
  const b = JSON.parse((await ask('/openstack/latest/meta_data.json')).text);
  assert.notEqual(a.random_seed, b.random_seed);
  assert.deepEqual({ ...a, random_seed: 0 }, { ...b, random_seed: 0 });
});

test('unknown callers, versions and paths get 404 and learn nothing', async () => {
  const { registry, ask } = await setup();
  await registry.create(SEED);
  for (const p of ['/openstack', '/openstack/latest/meta_data.json', '/latest/meta-data/']) {
    const r = await ask(p, { peer: '10.9.9.9' });
    assert.equal(r.status, 404);
    assert.ok(!r.text.includes('rhel'));
  }
  assert.equal((await ask('/', { peer: '10.9.9.9' })).status, 200);
  for (const p of ['/openstack/2099-01-01/meta_data.json', '/9999-99-99', '/openstack/latest/nope', '/openstack/content', '/openstack/latest/meta_data.json/x', '/latest/meta-data/hostname/x', '/%zz']) {
    assert.equal((await ask(p)).status, 404, p);
  }
  // IPv4-mapped peers of a dual-stack socket are the same guest
  assert.equal((await ask('/openstack/latest', { peer: '::ffff:169.254.0.2' })).status, 200);
});

test('user_data: 404 and unlisted when absent; changes are visible on the next request', async () => {
  const { registry, ask } = await setup();
  await registry.create({ ...SEED, user_data: null });
  assert.equal((await ask('/openstack/latest/user_data')).status, 404);
  assert.ok(!(await ask('/openstack/latest')).text.includes('user_data'));
  assert.equal((await ask('/latest')).text, 'dynamic/\nmeta-data/');
  assert.equal((await ask('/latest/user-data')).status, 404);
  await registry.setUserData(SEED.uuid, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...(await ask('/openstack/latest/user_data')).body], [1, 2, 3]);
  await registry.patch(SEED.uuid, { hostname: 'web' });
  assert.equal(JSON.parse((await ask('/openstack/latest/meta_data.json')).text).hostname, 'web.novalocal');
  await registry.patch(SEED.uuid, { addresses: [{ ip: '10.0.0.7' }] });
  assert.equal((await ask('/openstack/latest')).status, 404);
  assert.equal((await ask('/openstack/latest', { peer: '10.0.0.7' })).status, 200);
  await registry.delete(SEED.uuid);
  assert.equal((await ask('/openstack/latest', { peer: '10.0.0.7' })).status, 404);
});

test('password: GET empty, POST once, 409 after, 400 when too large or another method', async () => {
  const { registry, ask } = await setup();
  await registry.create(SEED);
  const get = await ask('/openstack/latest/password');
  assert.deepEqual([get.status, get.text], [200, '']);
  assert.equal((await ask('/openstack/2012-08-10/password')).status, 404);
  assert.equal((await ask('/openstack/latest/password', { method: 'PUT', body: 'x' })).status, 400);
  assert.equal((await ask('/openstack/latest/password', { method: 'DELETE' })).status, 400);
  assert.equal((await ask('/openstack/latest/password', { method: 'POST', body: 'x'.repeat(1021) })).status, 400);
  assert.equal((await ask('/openstack/latest/password', { method: 'POST', body: 'x'.repeat(1020) })).status, 200);
  assert.equal((await ask('/openstack/2013-04-04/password')).text, 'x'.repeat(1020));
  assert.equal((await ask('/openstack/latest/password', { method: 'POST', body: 'again' })).status, 409);
  assert.equal((await ask('/openstack/latest/password', { method: 'POST', body: 'y'.repeat(5000) })).status, 409);
  await registry.clearPassword(SEED.uuid);
  assert.equal((await ask('/openstack/latest/password')).text, '');
  assert.equal((await ask('/openstack/latest/password', { method: 'POST', body: 'new' })).status, 200);
  assert.equal((await registry.get(SEED.uuid)).password, 'new');
});

test('the /openstack listing hides versions dated after today', async () => {
  const { registry, ask } = await setup(Date.parse('2019-06-01T00:00:00Z'));
  await registry.create(SEED);
  assert.ok((await ask('/openstack')).text.endsWith('2018-08-27\nlatest'));
  assert.equal((await ask('/openstack/2020-10-14/meta_data.json')).status, 200);
});

test('identification by EUI-64 link-local address (fe80::a9fe:a9fe listeners)', async () => {
  const { registry, ask } = await setup();
  await registry.create(SEED);
  assert.equal((await ask('/openstack/latest', { peer: 'fe80::f816:3eff:fed8:bb81%tap0' })).status, 200);
  assert.equal((await ask('/openstack/latest', { peer: 'fe80::1234' })).status, 404);
});

test('/kindling/v1/bundle: the whole tree in one request, as the agent reads it', async () => {
  const { decodeBundle, bundleVersions } = await import('../wire/openstack/bundle.js');
  const { registry, ask } = await setup();
  await registry.create({ ...SEED, admin_pass: 'never-over-http', files: [{ path: '/etc/motd', content: 'hi' }] });
  const r = await ask('/kindling/v1/bundle');
  assert.equal(r.status, 200);
  assert.equal(r.type, 'application/json');
  const files = decodeBundle(r.body);
  assert.deepEqual(bundleVersions(files), ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', '2025-04-04', 'latest']);
  const md = JSON.parse(Buffer.from(files.get('openstack/2018-08-27/meta_data.json')!).toString());
  assert.equal(md.uuid, SEED.uuid);
  assert.equal(md.admin_pass, undefined);
  assert.equal(Buffer.from(files.get('openstack/latest/user_data')!).toString(), SEED.user_data);
  assert.equal(Buffer.from(files.get('openstack/content/0000')!).toString(), 'hi');
  assert.equal(JSON.parse(Buffer.from(files.get('ec2/latest/meta-data.json')!).toString())['instance-id'], 'i-380cc09f25ce4a4ea');
  assert.ok(!r.text.includes('never-over-http'));
  const again = decodeBundle((await ask('/kindling/v1/bundle')).body);
  assert.notEqual(JSON.parse(Buffer.from(again.get('openstack/latest/meta_data.json')!).toString()).random_seed, JSON.parse(Buffer.from(files.get('openstack/latest/meta_data.json')!).toString()).random_seed);
  assert.equal((await ask('/kindling/v1/bundle', { peer: '10.9.9.9' })).status, 404);
  assert.equal((await ask('/kindling/v1/other')).status, 404);
  const ec2Paths = async () => [...decodeBundle((await ask('/kindling/v1/bundle')).body).keys()].filter((p) => p.startsWith('ec2/'));
  // IMDSv2 required: the EC2 tree answers only token holders, so the tokenless bundle leaves it out
  await registry.patch(SEED.uuid, { http_tokens: 'required' });
  assert.equal((await ask('/latest/meta-data/instance-id')).status, 401);
  assert.deepEqual(await ec2Paths(), []);
  assert.equal(Buffer.from(decodeBundle((await ask('/kindling/v1/bundle')).body).get('openstack/latest/user_data')!).toString(), SEED.user_data);
  await registry.patch(SEED.uuid, { http_tokens: 'optional', http_endpoint: 'disabled' });
  assert.deepEqual(await ec2Paths(), []);
  await registry.patch(SEED.uuid, { http_endpoint: 'enabled' });
  assert.ok((await ec2Paths()).length > 0);
});

test('a view cache smaller than the fleet: evicted views are rebuilt, and each guest gets only its own data', async () => {
  const { registry, index, ask } = await testApp({ viewCache: 1 });
  const a = await registry.create({ ...SEED, uuid: undefined, name: 'A', hostname: 'a', addresses: [{ ip: '10.0.0.1' }], user_data: 'for a' });
  const b = await registry.create({ ...SEED, uuid: undefined, name: 'B', hostname: 'b', addresses: [{ ip: '10.0.0.2' }], user_data: 'for b' });
  const rendered0 = index.rendered;
  for (let round = 0; round < 3; round++) {
    for (const [peer, inst, name] of [['10.0.0.1', a, 'a'], ['10.0.0.2', b, 'b']] as const) {
      const md = JSON.parse((await ask('/openstack/latest/meta_data.json', { peer })).text);
      assert.equal(md.uuid, inst.uuid);
      assert.equal(md.hostname, `${name}.novalocal`);
      assert.equal((await ask('/openstack/latest/user_data', { peer })).text, `for ${name}`);
      assert.equal((await ask('/latest/meta-data/instance-id', { peer })).status, 200);
      assert.ok(index.cachedViews <= 1);
    }
  }
  // every switch of instance rendered the other's view again
  assert.equal(index.rendered - rendered0, 6);
  // a change reaches the guest although its view was not cached
  await registry.patch(a.uuid, { hostname: 'a2' });
  await ask('/openstack/latest/meta_data.json', { peer: '10.0.0.2' });
  assert.equal(JSON.parse((await ask('/openstack/latest/meta_data.json', { peer: '10.0.0.1' })).text).hostname, 'a2.novalocal');
  // the password a guest posts is its own
  assert.equal((await ask('/openstack/latest/password', { peer: '10.0.0.1', method: 'POST', body: 'pa' })).status, 200);
  assert.equal((await ask('/openstack/latest/password', { peer: '10.0.0.2' })).text, '');
  assert.equal((await ask('/openstack/latest/password', { peer: '10.0.0.1' })).text, 'pa');
});
