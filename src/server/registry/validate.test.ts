import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { KindlingError } from '../errors.js';
import { patchedDocument, validateInstance } from './validate.js';
import { sshPublicKeyProblem } from './ssh-key.js';

const seed = () => JSON.parse(readFileSync('examples/seed-instance.json', 'utf8')) as Record<string, any>;

function problems(body: unknown): { status: number; paths: string[] } {
  try {
    validateInstance(body);
  } catch (e) {
    assert.ok(e instanceof KindlingError);
    return { status: e.status, paths: Array.isArray(e.details) ? e.details.map((d) => d.path) : [] };
  }
  return { status: 200, paths: [] };
}

test('the seed is accepted as it is', () => {
  const { data } = validateInstance(seed());
  assert.equal(data.uuid, '380cc09f-25ce-4a4e-aa88-bba53234d92e');
  assert.equal(Buffer.from(data.user_data!).toString(), seed().user_data);
  assert.deepEqual(data.addresses, [{ mac: 'fa:16:3e:d8:bb:81', ip: '169.254.0.2' }]);
  assert.equal(data.http_tokens, 'optional');
});

test('defaults: uuid, hostname from name, reservation id', () => {
  const { data } = validateInstance({ name: 'Web Server_1' });
  assert.match(data.uuid, /^[0-9a-f-]{36}$/);
  assert.equal(data.hostname, 'web-server-1');
  assert.match(data.reservation_id, /^r-[a-z0-9]{8}$/);
  assert.deepEqual(data.security_groups, ['default']);
  assert.equal(data.availability_zone, 'nova');
});

test('every bad field is named with its path', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ uuid: 'nope' }, '/uuid'],
    [{ uuid: 7 }, '/uuid'],
    [{ name: 5 }, '/name'],
    [{ name: 'a\nb' }, '/name'],
    [{ hostname: 'bad_host!' }, '/hostname'],
    [{ project_id: [] }, '/project_id'],
    [{ availability_zone: {} }, '/availability_zone'],
    [{ launch_index: -1 }, '/launch_index'],
    [{ launch_index: 1.5 }, '/launch_index'],
    [{ image_id: 1 }, '/image_id'],
    [{ instance_type: false }, '/instance_type'],
    [{ reservation_id: null }, '/reservation_id'],
    [{ security_groups: 'default' }, '/security_groups'],
    [{ security_groups: ['a\nb'] }, '/security_groups/0'],
    [{ block_device_mapping: { floppy: 'fd0' } }, '/block_device_mapping/floppy'],
    [{ public_ipv4: '300.1.1.1' }, '/public_ipv4'],
    [{ meta: { k: 1 } }, '/meta/k'],
    [{ meta: [] }, '/meta'],
    [{ keys: [{ name: 'k', data: 'ssh-rsa notbase64!' }] }, '/keys/0/data'],
    [{ keys: [{ name: 'k', data: 'hello world' }] }, '/keys/0/data'],
    [{ keys: [{ name: 'k', type: 'pgp', data: 'x' }] }, '/keys/0/type'],
    [{ keys: [{ data: 'x' }] }, '/keys/0/name'],
    [{ keys: [{ name: 'k', type: 'x509', data: 'not a cert' }] }, '/keys/0/data'],
    [{ user_data: 5 }, '/user_data'],
    [{ user_data_base64: '***' }, '/user_data_base64'],
    [{ user_data: 'a', user_data_base64: 'YQ==' }, '/user_data_base64'],
    [{ vendor_data: 'x' }, '/vendor_data'],
    [{ network: [] }, '/network'],
    [{ network: { links: [{ id: 'a', type: 'phy', ethernet_mac_address: 'zz' }], networks: [], services: [] } }, '/network/links/0/ethernet_mac_address'],
    [{ network: { links: [], networks: [{ id: 'n', link: 'missing', type: 'ipv4_dhcp' }], services: [] } }, '/network/networks/0/link'],
    [{ network: { links: [], networks: [], services: [], extra: 1 } }, '/network/extra'],
    [{ devices: [{ type: 'nic', bus: 'pci', address: 'x', mac: 'nope' }] }, '/devices/0/mac'],
    [{ devices: [{ type: 'gpu', bus: 'pci', address: 'x' }] }, '/devices/0/type'],
    [{ dedicated_cpus: [-1] }, '/dedicated_cpus/0'],
    [{ files: [{ path: 'relative', content: 'x' }] }, '/files/0/path'],
    [{ files: [{ path: '/a' }] }, '/files/0'],
    [{ admin_pass: 3 }, '/admin_pass'],
    [{ addresses: [{ ip: '10.0.0.300' }] }, '/addresses/0/ip'],
    [{ addresses: [{ mac: 'fa:16:3e' }] }, '/addresses/0/mac'],
    [{ addresses: [{}] }, '/addresses/0'],
    [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.1' }] }, '/addresses/1/ip'],
    [{ addresses: [{ ip: '10.0.0.1', port: 80 }] }, '/addresses/0/port'],
    [{ http_tokens: 'sometimes' }, '/http_tokens'],
    [{ http_endpoint: true }, '/http_endpoint'],
    [{ password: 'x' }, '/password'],
    [{ adresses: [] }, '/adresses'],
  ];
  for (const [body, path] of cases) {
    const r = problems({ ...seed(), ...body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(r.paths.includes(path), `${JSON.stringify(body)} → ${JSON.stringify(r.paths)} lacks ${path}`);
  }
  assert.deepEqual(problems([]).paths, ['']);
});

test('413 boundary: 49149 bytes fit, 49152 do not', () => {
  assert.equal(problems({ user_data: 'x'.repeat(49149) }).status, 200); // 65532 base64 characters
  assert.equal(problems({ user_data: 'x'.repeat(49150) }).status, 413); // 65536
});

test('merge patch: null resets, user_data spellings replace each other', () => {
  const { data } = validateInstance(seed());
  const current = { ...data, created_at: 'c', updated_at: 'u', revision: 3 };
  const doc = patchedDocument(current, { user_data_base64: 'H4sIAAAAAAAAA0vLz+cCAJ+0IAAJAAAA', meta: { a: 'b' } });
  const v = validateInstance(doc, current, {});
  assert.equal(v.data.user_data![0], 0x1f);
  assert.deepEqual(v.data.meta, { a: 'b' });
  const cleared = validateInstance(patchedDocument(current, { user_data: null, network: null }), current, {});
  assert.equal(cleared.data.user_data, null);
  assert.equal(cleared.data.network, null);
  assert.equal(cleared.data.reservation_id, current.reservation_id);
});

test('ssh keys', () => {
  assert.equal(sshPublicKeyProblem(seed().keys[0].data), undefined);
  assert.match(sshPublicKeyProblem('ssh-ed25519 AAAAC3NzaC1yc2EAAAADAQAB')!, /not ssh-ed25519|truncated/);
  assert.match(sshPublicKeyProblem(`${seed().keys[0].data}\nssh-rsa AAAA`)!, /single line/);
  assert.match(sshPublicKeyProblem('command="x" ssh-rsa AAAA')!, /unknown SSH key type/);
});
