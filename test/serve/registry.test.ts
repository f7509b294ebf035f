// The control API and the CLI against a real `kindling serve`: the seed as it is, bad input for
// every field (the registry unchanged afterwards), 409/404/413, user data and passwords.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { api, BIN, http, cleanup, loopbackSeed, SEED_FILE, seedJson, startService, type Service } from './harness.js';

/** A loopback port nothing listens on (bound, then closed). */
function freePort(): Promise<number> {
  return new Promise((res) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

describe('registry through the control API and the CLI', () => {
  let s: Service;
  before(async () => {
    s = await startService();
  });
  after(() => cleanup(s));

  const snapshot = async () => (await api(s, 'GET', '/v1/instances?limit=1000')).text;

  test('kindling instance create --file takes the seed as it is', () => {
    const r = s.cli(['instance', 'create', '--file', SEED_FILE]);
    assert.equal(r.status, 0, r.stderr);
    const created = JSON.parse(r.stdout);
    assert.equal(created.uuid, '380cc09f-25ce-4a4e-aa88-bba53234d92e');
    assert.equal(created.user_data, seedJson().user_data);
    assert.deepEqual(created.addresses, seedJson().addresses);
    const again = s.cli(['instance', 'create', '--file', SEED_FILE]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /409 conflict: instance 380cc09f-25ce-4a4e-aa88-bba53234d92e already exists/);
  });

  test('bad input for every field: the documented error, and the registry unchanged', async () => {
    const before = await snapshot();
    const base = { ...seedJson(), uuid: '11111111-2222-4333-8444-555555555555', addresses: [{ ip: '10.20.0.1' }] };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ uuid: 'x' }, 400, '/uuid'],
      [{ name: 7 }, 400, '/name'],
      [{ hostname: '-bad-' }, 400, '/hostname'],
      [{ project_id: 1 }, 400, '/project_id'],
      [{ availability_zone: 1 }, 400, '/availability_zone'],
      [{ launch_index: 'zero' }, 400, '/launch_index'],
      [{ image_id: [] }, 400, '/image_id'],
      [{ kernel_id: 5 }, 400, '/kernel_id'],
      [{ ramdisk_id: 5 }, 400, '/ramdisk_id'],
      [{ instance_type: {} }, 400, '/instance_type'],
      [{ reservation_id: 9 }, 400, '/reservation_id'],
      [{ security_groups: [1] }, 400, '/security_groups/0'],
      [{ block_device_mapping: { root: 1 } }, 400, '/block_device_mapping/root'],
      [{ public_ipv4: 'fe80::1' }, 400, '/public_ipv4'],
      [{ meta: { a: { b: 1 } } }, 400, '/meta/a'],
      [{ keys: [{ name: 'k', type: 'ssh', data: 'ssh-rsa AAAA' }] }, 400, '/keys/0/data'],
      [{ keys: 'ssh-rsa AAAA' }, 400, '/keys'],
      [{ user_data: ['x'] }, 400, '/user_data'],
      [{ user_data_base64: 'not base64!' }, 400, '/user_data_base64'],
      [{ vendor_data: [] }, 400, '/vendor_data'],
      [{ network: { links: [{ id: 'l', type: 'phy', ethernet_mac_address: 'fa:16:3e:00:00:zz' }], networks: [], services: [] } }, 400, '/network/links/0/ethernet_mac_address'],
      [{ network: { links: [], networks: [{ id: 'n', link: 'nowhere', type: 'ipv4_dhcp' }], services: [] } }, 400, '/network/networks/0/link'],
      [{ network: { links: [], networks: [], services: [{ type: 'dns', address: 'dns.example' }] } }, 400, '/network/services/0/address'],
      [{ devices: [{ type: 'nic', bus: 'pci', address: '0000:00:03.0', mac: 'xx' }] }, 400, '/devices/0/mac'],
      [{ dedicated_cpus: ['1'] }, 400, '/dedicated_cpus/0'],
      [{ files: [{ path: 'etc/motd', content: 'hi' }] }, 400, '/files/0/path'],
      [{ admin_pass: false }, 400, '/admin_pass'],
      [{ addresses: [{ ip: '999.1.1.1' }] }, 400, '/addresses/0/ip'],
      [{ addresses: [{ mac: 'fa:16:3e:d8:bb' }] }, 400, '/addresses/0/mac'],
      [{ addresses: [{ ip: '169.254.0.2' }] }, 409, ''],
      [{ addresses: [{ mac: 'FA:16:3E:D8:BB:81' }] }, 409, ''],
      [{ http_tokens: 'mandatory' }, 400, '/http_tokens'],
      [{ http_endpoint: 'off' }, 400, '/http_endpoint'],
      [{ unknown_field: 1 }, 400, '/unknown_field'],
      [{ user_data: 'x'.repeat(49150) }, 413, '/user_data'],
      [{ uuid: '380cc09f-25ce-4a4e-aa88-bba53234d92e' }, 409, ''],
    ];
    for (const [patch, status, path] of cases) {
      const r = await api(s, 'POST', '/v1/instances', { ...base, ...patch });
      assert.equal(r.status, status, `${JSON.stringify(patch).slice(0, 80)}: ${r.text}`);
      assert.equal(typeof r.json.error.code, 'string');
      assert.ok(r.json.error.message.length > 0);
      if (path) assert.ok(r.json.error.details.some((d: { path: string }) => d.path === path), `${path} in ${r.text}`);
    }
    // not JSON, not an object, wrong media type
    assert.equal((await api(s, 'POST', '/v1/instances', '{"name":')).status, 400);
    assert.equal((await api(s, 'POST', '/v1/instances', '[]')).status, 400);
    assert.equal((await api(s, 'POST', '/v1/instances', 'name=x', { 'Content-Type': 'application/x-www-form-urlencoded' })).status, 415);
    // the same bad fields as a PATCH of the existing instance
    const seedUuid = '380cc09f-25ce-4a4e-aa88-bba53234d92e';
    for (const [patch, status] of cases) {
      if ('uuid' in patch) continue;
      const expect = 'addresses' in patch && status === 409 ? 200 : status; // its own addresses are no clash
      if (expect === 200) continue;
      const r = await api(s, 'PATCH', `/v1/instances/${seedUuid}`, patch);
      assert.equal(r.status, expect, `PATCH ${JSON.stringify(patch).slice(0, 80)}: ${r.text}`);
    }
    assert.equal((await api(s, 'PATCH', `/v1/instances/${seedUuid}`, { uuid: base.uuid })).status, 400);
    assert.equal((await api(s, 'PATCH', `/v1/instances/${seedUuid}`, { revision: 999999 })).status, 409);
    assert.equal(await snapshot(), before, 'the registry changed');
  });

  test('CLI errors are clear and exit non-zero, with the bad field named', async () => {
    const bad = s.cli(['instance', 'create', '--file', '-'], JSON.stringify({ addresses: [{ ip: 'nope' }] }));
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /400 invalid_instance/);
    assert.match(bad.stderr, /\/addresses\/0\/ip: must be an IPv4 or IPv6 address/);
    const missing = s.cli(['instance', 'show', '00000000-0000-4000-8000-000000000000']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /404 not_found: instance 00000000-0000-4000-8000-000000000000 not found/);
    const usage = s.cli(['instance', 'frobnicate']);
    assert.equal(usage.status, 2);
    const notJson = s.cli(['instance', 'create', '--file', '-'], '{');
    assert.equal(notJson.status, 2);
    assert.match(notJson.stderr, /not valid JSON/);
    const closed = await freePort();
    const noServer = spawnSync(process.execPath, [BIN, 'instance', 'list'], { env: { ...s.env, KINDLING_URL: `http://127.0.0.1:${closed}` }, encoding: 'utf8' });
    assert.equal(noServer.status, 1);
    assert.match(noServer.stderr, new RegExp(`cannot reach the control API at http://127.0.0.1:${closed}: ECONNREFUSED`));
    const wrongToken = spawnSync(process.execPath, [BIN, 'instance', 'list'], { env: { ...s.env, KINDLING_TOKEN: 'wrong-token-wrong-token' }, encoding: 'utf8' });
    assert.equal(wrongToken.status, 1);
    assert.match(wrongToken.stderr, /401 unauthorized/);
  });

  test('show, list, update, user-data and password through the CLI', async () => {
    const created = JSON.parse(s.cli(['instance', 'create', '--file', '-'], JSON.stringify({ name: 'web-1', project_id: 'p2', addresses: [{ ip: '127.0.0.1' }] })).stdout);
    const id = created.uuid as string;
    assert.equal(created.hostname, 'web-1');
    const list = s.cli(['instance', 'list', '--project', 'p2']);
    assert.equal(list.status, 0);
    assert.match(list.stdout, /^UUID\s+NAME/);
    assert.ok(list.stdout.includes(id) && !list.stdout.includes('380cc09f'));
    const json = JSON.parse(s.cli(['instance', 'list', '--json']).stdout);
    assert.equal(json.length, 2);
    const upd = s.cli(['instance', 'update', id, '--set', 'meta={"role":"web"}', '--set', 'availability_zone=az2']);
    assert.equal(upd.status, 0, upd.stderr);
    assert.deepEqual(JSON.parse(upd.stdout).meta, { role: 'web' });
    // user-data: text then gzip bytes, visible to the guest on its next request
    const text = '#cloud-config\nruncmd: [echo hi]\n';
    assert.equal(s.cli(['instance', 'user-data', 'set', id, '--file', '-'], text).status, 0);
    assert.equal((await http(`${s.guest}/openstack/latest/user_data`)).text, text);
    const gz = gzipSync(Buffer.from(text));
    assert.equal(s.cli(['instance', 'user-data', 'set', id], gz).status, 0);
    assert.deepEqual((await http(`${s.guest}/openstack/latest/user_data`)).body, gz);
    assert.deepEqual(s.cli(['instance', 'user-data', 'get', id]).raw, gz);
    const shown = JSON.parse(s.cli(['instance', 'show', id]).stdout);
    assert.equal(shown.user_data_base64, gz.toString('base64'));
    assert.equal(s.cli(['instance', 'user-data', 'clear', id]).status, 0);
    assert.equal((await http(`${s.guest}/openstack/latest/user_data`)).status, 404);
    assert.equal(s.cli(['instance', 'user-data', 'get', id]).status, 1);
    // the guest posts a password; the operator reads and clears it
    assert.equal((await http(`${s.guest}/openstack/latest/password`, { method: 'POST', body: 'c2VjcmV0' })).status, 200);
    assert.equal(s.cli(['instance', 'password', 'get', id]).stdout, 'c2VjcmV0\n');
    assert.equal((await http(`${s.guest}/openstack/latest/password`, { method: 'POST', body: 'other' })).status, 409);
    assert.equal(s.cli(['instance', 'password', 'clear', id]).status, 0);
    assert.equal((await http(`${s.guest}/openstack/latest/password`)).text, '');
    assert.equal(s.cli(['instance', 'delete', id]).status, 0);
    assert.equal((await http(`${s.guest}/openstack/latest`)).status, 404);
    assert.equal(s.cli(['instance', 'delete', id]).status, 1);
  });

  test('user-data over the limit through the CLI and PUT: 413, nothing changed', async () => {
    const before = await api(s, 'GET', '/v1/instances/380cc09f-25ce-4a4e-aa88-bba53234d92e');
    const big = s.cli(['instance', 'user-data', 'set', '380cc09f-25ce-4a4e-aa88-bba53234d92e'], Buffer.alloc(49150, 120));
    assert.equal(big.status, 1);
    assert.match(big.stderr, /413 payload_too_large: user_data is 49150 bytes/);
    const put = await api(s, 'PUT', '/v1/instances/380cc09f-25ce-4a4e-aa88-bba53234d92e/user-data', 'x'.repeat(49150), { 'Content-Type': 'application/octet-stream' });
    assert.equal(put.status, 413);
    assert.equal((await api(s, 'GET', '/v1/instances/380cc09f-25ce-4a4e-aa88-bba53234d92e')).text, before.text);
    assert.equal((await api(s, 'PUT', '/v1/instances/00000000-0000-4000-8000-000000000000/user-data', 'x', { 'Content-Type': 'application/octet-stream' })).status, 404);
  });

  test('pagination and filters', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api(s, 'POST', '/v1/instances', { name: `p${i}`, project_id: 'pages', addresses: [{ ip: `10.30.0.${i + 1}` }] })).json.uuid);
    ids.sort();
    const p1 = await api(s, 'GET', '/v1/instances?project_id=pages&limit=2');
    assert.deepEqual(p1.json.instances.map((i: { uuid: string }) => i.uuid), ids.slice(0, 2));
    const p2 = await api(s, 'GET', `/v1/instances?project_id=pages&limit=2&marker=${p1.json.next_marker}`);
    assert.deepEqual(p2.json.instances.map((i: { uuid: string }) => i.uuid), ids.slice(2, 4));
    const byAddr = await api(s, 'GET', '/v1/instances?address=10.30.0.3');
    assert.equal(byAddr.json.instances.length, 1);
    assert.equal((await api(s, 'GET', '/v1/instances?limit=0')).status, 400);
    assert.equal((await api(s, 'GET', '/v1/instances?address=bogus')).status, 400);
    assert.equal((await api(s, 'PUT', `/v1/instances/${ids[0]}`, {})).status, 405);
    assert.equal((await api(s, 'GET', '/v1/nothing')).status, 404);
    for (const id of ids) assert.equal((await api(s, 'DELETE', `/v1/instances/${id}`)).status, 204);
  });

  test('the access log names who asked for what, and no secret', async () => {
    await api(s, 'PATCH', '/v1/instances/380cc09f-25ce-4a4e-aa88-bba53234d92e', { addresses: [...seedJson().addresses, { ip: '127.0.0.1' }] });
    await http(`${s.guest}/openstack/latest/user_data`);
    await http(`${s.guest}/openstack/latest/password`, { method: 'POST', body: 'topsecretpw' });
    await http(`${s.guest}/openstack/latest/meta_data.json?token=abc`);
    await new Promise((r) => setTimeout(r, 100));
    const log = s.stdout();
    assert.match(log, /guest listener=127\.0\.0\.1:\d+ peer=127\.0\.0\.1 instance=380cc09f-25ce-4a4e-aa88-bba53234d92e GET \/openstack\/latest\/user_data 200/);
    for (const secret of ['topsecretpw', 'cloud-password', s.token, 'token=abc', 'c2VjcmV0']) assert.ok(!log.includes(secret), secret);
    assert.ok(!s.stderr().includes('cloud-password'));
    void loopbackSeed;
  });
});
