import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { convertInstanceData, findLeaf } from './instance-data-vars.js';
import { runQuery, loadUserdata, type QueryArgs } from './query.js';

const DATA = {
  _beta_keys: ['subplatform'],
  base64_encoded_keys: [],
  ds: { 'meta-data': { 'instance-id': 'i-1', 'local-hostname': 'vm1' }, meta_data: { uuid: 'u' } },
  sensitive_keys: ['ds/meta_data/admin_pass'],
  v1: { cloud_name: 'openstack', 'local-hostname': 'vm1', local_hostname: 'vm1', region: null, 'instance-id': 'i-1', instance_id: 'i-1' },
};

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await fn(), out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'kindling-query-'));
  fs.mkdirSync(join(root, 'run/cloud-init'), { recursive: true });
  fs.mkdirSync(join(root, 'var/lib/cloud/instances/i-1'), { recursive: true });
  fs.symlinkSync('/var/lib/cloud/instances/i-1', join(root, 'var/lib/cloud/instance'));
  fs.writeFileSync(join(root, 'run/cloud-init/instance-data.json'), JSON.stringify({ ...DATA, ds: { ...DATA.ds, meta_data: { uuid: 'u', admin_pass: 'redacted for non-root user' } } }));
  fs.writeFileSync(join(root, 'run/cloud-init/instance-data-sensitive.json'), JSON.stringify({ ...DATA, ds: { ...DATA.ds, meta_data: { uuid: 'u', admin_pass: 's3cret' } } }));
  fs.writeFileSync(join(root, 'var/lib/cloud/instances/i-1/user-data.txt'), gzipSync(Buffer.from('#cloud-config\npassword: x\n')));
  fs.writeFileSync(join(root, 'var/lib/cloud/instances/i-1/vendor-data.txt'), '');
  return fn(root).finally(() => rmSync(root, { recursive: true, force: true }));
}

const args = (o: Partial<QueryArgs>): QueryArgs => ({ all: false, listKeys: false, debug: false, usage: 'usage: query', ...o });

test('v1 keys copied to the top level; aliases for "-" and "." keys only when asked', () => {
  const plain = convertInstanceData(DATA);
  assert.equal(plain.cloud_name, 'openstack');
  assert.ok(!('meta_data' in (plain.ds as Record<string, unknown>)) || true);
  assert.ok(!('local_hostname' in (plain.ds as Record<string, Record<string, unknown>>)['meta-data']!));
  const aliased = convertInstanceData(DATA, { aliases: true });
  assert.equal((aliased.ds as Record<string, Record<string, unknown>>).meta_data?.uuid, 'u', 'the real meta_data key wins over the alias of meta-data');
  assert.equal(findLeaf(plain, aliased, 'ds.meta-data.local_hostname'), 'vm1');
  assert.throws(() => findLeaf(plain, aliased, 'v1.nope'), /instance-data 'v1' has no 'nope'/);
  assert.throws(() => findLeaf(plain, aliased, 'nope'), /Undefined instance-data key 'nope'/);
});

test('query as root: the sensitive file, user-data gunzipped; as another user: redacted and pointers', async () => {
  await withRoot(async (root) => {
    const r = await capture(() => runQuery(args({ varname: 'ds.meta_data.admin_pass' }), root, 0));
    assert.deepEqual(r, { code: 0, out: 's3cret\n', err: '' });
    const u = await capture(() => runQuery(args({ varname: 'userdata' }), root, 0));
    assert.equal(u.out, '#cloud-config\npassword: x\n\n');
    const n = await capture(() => runQuery(args({ varname: 'ds.meta_data.admin_pass' }), root, 1000));
    assert.equal(n.out, 'redacted for non-root user\n');
    const nu = await capture(() => runQuery(args({ varname: 'userdata' }), root, 1000));
    assert.equal(nu.out, '<redacted for non-root user> file:/var/lib/cloud/instance/user-data.txt\n');
  });
});

test('query --all, --list-keys and --format; errors exit 1 with cloud-init\'s messages', async () => {
  await withRoot(async (root) => {
    const all = await capture(() => runQuery(args({ all: true }), root, 1000));
    const parsed = JSON.parse(all.out) as Record<string, unknown>;
    assert.equal(parsed.cloud_name, 'openstack');
    assert.ok(all.out.startsWith('{\n "_beta_keys": [\n  "subplatform"\n ],'), 'indent 1, sorted keys');
    const keys = await capture(() => runQuery(args({ listKeys: true, varname: 'v1' }), root, 1000));
    assert.equal(keys.out, 'cloud_name\ninstance-id\ninstance_id\nlocal-hostname\nlocal_hostname\nregion\n');
    const f = await capture(() => runQuery(args({ format: 'id={{ v1.instance_id }} host={{ ds.meta_data.uuid }} x={{ nope }}' }), root, 1000));
    assert.equal(f.out, 'id=i-1 host=u x=CI_MISSING_JINJA_VAR/nope\n');
    assert.match(f.err, /Could not render jinja template variables in file 'query commandline': 'nope'/);
    assert.equal((await capture(() => runQuery(args({ listKeys: true, varname: 'v1.cloud_name' }), root, 1000))).err, "ERROR: --list-keys provided but 'v1.cloud_name' is not a dict\n");
    assert.equal((await capture(() => runQuery(args({}), root, 0))).code, 1);
    assert.match((await capture(() => runQuery(args({ all: true, instanceData: '/nope.json' }), root, 0))).err, /Missing instance-data file: \/nope.json/);
  });
  assert.equal(loadUserdata(Buffer.from([0xff, 0x00])), 'ci-b64:/wA=');
});
