// The guest listener over real HTTP: Nova's bytes, content types and status codes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, cleanup, http, loopbackSeed, startService, type Service } from './harness.js';

describe('guest listener over HTTP', () => {
  let s: Service;
  before(async () => {
    s = await startService(['--access-log', 'off']);
    assert.equal((await api(s, 'POST', '/v1/instances', loopbackSeed())).status, 201);
  });
  after(() => cleanup(s));

  test('listings: newline-joined, no trailing newline, trailing slash irrelevant, no redirect', async () => {
    const want: Record<string, string> = {
      '/': '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest',
      '/openstack': '2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\n2020-10-14\n2025-04-04\nlatest',
      '/openstack/2012-08-10': 'meta_data.json\nuser_data',
      '/openstack/2013-04-04': 'meta_data.json\nuser_data\npassword',
      '/openstack/2015-10-15': 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json',
      '/openstack/latest': 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json',
      '/2009-04-04': 'dynamic/\nmeta-data/\nuser-data',
      '/2008-09-01': 'meta-data/\nuser-data',
      '/latest/meta-data/placement': 'availability-zone',
      '/latest/meta-data/public-keys': '0=lab-keys',
      '/latest/meta-data/public-keys/0': 'openssh-key',
    };
    for (const [path, body] of Object.entries(want)) {
      for (const p of path === '/' ? [path] : [path, `${path}/`]) {
        const r = await http(`${s.guest}${p}`);
        assert.equal(r.status, 200, p);
        assert.equal(r.text, body, p);
        assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8', p);
        assert.equal(r.headers['content-length'], String(r.body.length));
        assert.equal(r.headers.location, undefined);
      }
    }
  });

  test('documents with Nova content types', async () => {
    const types: Record<string, string> = {
      '/openstack/latest/meta_data.json': 'application/json',
      '/openstack/latest/vendor_data.json': 'application/json',
      '/openstack/latest/vendor_data2.json': 'application/json',
      '/openstack/latest/network_data.json': 'text/plain; charset=UTF-8',
      '/openstack/latest/user_data': 'text/plain; charset=UTF-8',
      '/latest/user-data': 'text/plain; charset=UTF-8',
      '/latest/meta-data/hostname': 'text/plain; charset=UTF-8',
      '/openstack/latest/password': 'text/html; charset=UTF-8',
    };
    for (const [p, t] of Object.entries(types)) {
      const r = await http(`${s.guest}${p}`);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers['content-type'], t, p);
    }
    const head = await http(`${s.guest}/openstack/latest/meta_data.json`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    // Nova answers any method on a read path
    assert.equal((await http(`${s.guest}/openstack/latest/meta_data.json`, { method: 'POST', body: 'ignored' })).status, 200);
  });

  test('404s: unknown version, path, and a caller that is no instance', async () => {
    for (const p of ['/openstack/2011-01-01', '/openstack/latest/secret', '/2010-01-01/meta-data', '/latest/meta-data/nothing']) {
      const r = await http(`${s.guest}${p}`);
      assert.equal(r.status, 404, p);
      assert.match(r.text, /404 Not Found/);
    }
    // the guest listener bound to 127.0.0.1 only sees 127.0.0.1 peers; an unknown peer is checked in app.test.ts
  });

  test('password over HTTP: Content-Length over 1020 is 400, then set once, then 409', async () => {
    const big = await http(`${s.guest}/openstack/2013-04-04/password`, { method: 'POST', body: 'p'.repeat(1021) });
    assert.deepEqual([big.status, /Request is too large/.test(big.text)], [400, true]);
    const bigger = await http(`${s.guest}/openstack/2013-04-04/password`, { method: 'POST', body: 'p'.repeat(100_000) });
    assert.equal(bigger.status, 400);
    assert.equal((await http(`${s.guest}/openstack/latest/password`, { method: 'PUT', body: 'x' })).status, 400);
    assert.equal((await http(`${s.guest}/openstack/latest/password`, { method: 'POST', body: 'first' })).status, 200);
    assert.equal((await http(`${s.guest}/openstack/latest/password`, { method: 'POST', body: 'second' })).status, 409);
    assert.equal((await http(`${s.guest}/openstack/latest/password`)).text, 'first');
    assert.equal((await api(s, 'GET', '/v1/instances/380cc09f-25ce-4a4e-aa88-bba53234d92e/password')).json.password, 'first');
  });
});
