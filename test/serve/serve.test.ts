// `kindling serve` as a process: configuration, token file, listeners, health, persistence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, BIN, cleanup, loopbackSeed, serveFails, startService } from './harness.js';

test('--help documents every option', () => {
  const r = spawnSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  for (const opt of ['--listen', '--control-listen', '--db', '--state-dir', '--control-token-file', '--dhcp-domain', '--vendor-data', '--access-log', '--pid-file', '--config', '--trusted-proxy', '--proxy-secret-file', '--rate-limit', '--rate-limit-burst', '--view-cache', '--region', '--imds-token-key-file']) {
    assert.ok(r.stdout.includes(opt), opt);
  }
  assert.match(r.stdout, /KINDLING_LISTEN/);
});

test('bad configuration: one clear line on stderr and exit code 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-cfg-'));
  const badYaml = join(dir, 'bad.yaml');
  writeFileSync(badYaml, 'listen: [127.0.0.1:0\n');
  const unknownKey = join(dir, 'unknown.yaml');
  writeFileSync(unknownKey, 'lisen: 127.0.0.1:0\n');
  const badVendor = join(dir, 'vendor.json');
  writeFileSync(badVendor, '[1,2]');
  const emptySecret = join(dir, 'empty-secret');
  writeFileSync(emptySecret, '\n', { mode: 0o600 });
  const openSecret = join(dir, 'open-secret');
  writeFileSync(openSecret, 'shared', { mode: 0o644 });
  chmodSync(openSecret, 0o644);
  const proxy = ['--listen', '127.0.0.1:0,identify=neutron-proxy'];
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--listen', 'nonsense'], {}, /--listen: "nonsense" is not ADDR:PORT/],
    [['--listen', '127.0.0.1:99999'], {}, /out of range/],
    [['--listen', 'fe80::1:80'], {}, /IPv6 as \[ADDR\]:PORT/],
    [['--listen', '127.0.0.1:0,identify=magic'], {}, /identify must be one of/],
    [['--bogus'], {}, /unknown option --bogus/],
    [['--dhcp-domain', 'bad domain'], {}, /not a domain name/],
    [['--config', badYaml], {}, /not valid YAML/],
    [['--config', unknownKey], {}, /unknown key "lisen"/],
    [['--config', join(dir, 'missing.yaml')], {}, /cannot read config file/],
    [['--vendor-data', badVendor], {}, /must hold a JSON object/],
    [[], { KINDLING_LISTEN: '1.2.3:80' }, /--listen/],
    [['--listen', '192.0.2.1:0'], {}, /cannot listen on 192.0.2.1:0/],
    [['--db', '/proc/kindling/x.db'], {}, /cannot open the database/],
    [[...proxy, '--trusted-proxy', '127.0.0.1'], {}, /needs --proxy-secret-file holding a non-empty shared secret/],
    [[...proxy, '--trusted-proxy', '127.0.0.1', '--proxy-secret-file', emptySecret], {}, /non-empty shared secret/],
    [[...proxy, '--trusted-proxy', '127.0.0.1', '--proxy-secret-file', openSecret], {}, /readable by everyone/],
    [[...proxy, '--proxy-secret-file', emptySecret], {}, /identify=neutron-proxy needs --trusted-proxy/],
    [['--listen', '127.0.0.1:0,identify=forwarded-for'], {}, /identify=forwarded-for needs --trusted-proxy/],
    [['--trusted-proxy', '10.0.0.0/33'], {}, /bad prefix length/],
    [['--trusted-proxy', 'proxy.example'], {}, /not an IP address or CIDR block/],
    [['--rate-limit', 'fast'], {}, /--rate-limit: "fast" is not a number/],
    [['--rate-limit-burst', '0'], {}, /--rate-limit-burst/],
    [['--view-cache', '0'], {}, /--view-cache: "0" is not a number from 1/],
    [[], { KINDLING_VIEW_CACHE: 'many' }, /--view-cache: "many"/],
    [['--region', 'us east'], {}, /not a region name/],
  ];
  for (const [args, env, want] of cases) {
    const r = serveFails(args, env);
    assert.equal(r.status, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, want);
  }
  rmSync(dir, { recursive: true, force: true });
});

test('the control token is generated once with mode 0600 and never logged; /healthz needs none', async () => {
  const s = await startService();
  try {
    const st = statSync(join(s.dir, 'control-token'));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(statSync(join(s.dir, 'kindling.db')).mode & 0o077, 0);
    assert.ok(!s.stderr().includes(s.token) && !s.stdout().includes(s.token));
    const h = await fetch(`${s.control}/healthz`);
    assert.equal(h.status, 200);
    assert.equal((await h.json() as { status: string }).status, 'ok');
    assert.equal((await fetch(`${s.control}/v1/instances`)).status, 401);
    assert.equal((await fetch(`${s.control}/v1/instances`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    const doc = await (await fetch(`${s.control}/v1/openapi.json`)).json() as { openapi: string; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/v1/instances']);
  } finally {
    await s.stop();
  }
  // a second start reuses the token
  const again = await startService([], { dir: s.dir });
  try {
    assert.equal(again.token, s.token);
    assert.ok(!again.stderr().includes('generated'));
  } finally {
    await cleanup(again);
  }
});

test('a token file readable by others is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-tok-'));
  const file = join(dir, 'token');
  writeFileSync(file, 'a'.repeat(40));
  chmodSync(file, 0o644);
  const r = serveFails(['--control-token-file', file]);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /readable by others/);
});

test('the registry survives a restart: a second boot gets the same instance', async () => {
  const s = await startService(['--access-log', 'off']);
  try {
    assert.equal((await api(s, 'POST', '/v1/instances', loopbackSeed())).status, 201);
    const first = JSON.parse(await (await fetch(`${s.guest}/openstack/latest/meta_data.json`)).text());
    await s.stop();
    const again = await startService(['--access-log', 'off'], { dir: s.dir });
    try {
      const second = JSON.parse(await (await fetch(`${again.guest}/openstack/latest/meta_data.json`)).text());
      assert.equal(second.uuid, first.uuid);
      assert.deepEqual({ ...second, random_seed: '' }, { ...first, random_seed: '' });
      const h = await (await fetch(`${again.control}/healthz`)).json() as { instances: number };
      assert.equal(h.instances, 1);
    } finally {
      await cleanup(again);
    }
  } finally {
    await s.stop();
  }
});

test('config file and environment, with flags winning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-conf-'));
  const conf = join(dir, 'kindling.yaml');
  writeFileSync(conf, 'dhcp-domain: example.org\naccess-log: "off"\n');
  const s = await startService(['--config', conf], { dir });
  try {
    await api(s, 'POST', '/v1/instances', loopbackSeed());
    const md = JSON.parse(await (await fetch(`${s.guest}/openstack/latest/meta_data.json`)).text());
    assert.equal(md.hostname, 'rhel.example.org');
    assert.equal(s.stdout(), '');
  } finally {
    await s.stop();
  }
  const t = await startService(['--config', conf, '--dhcp-domain', ''], { dir });
  try {
    const md = JSON.parse(await (await fetch(`${t.guest}/openstack/latest/meta_data.json`)).text());
    assert.equal(md.hostname, 'rhel');
  } finally {
    await cleanup(t);
  }
});
