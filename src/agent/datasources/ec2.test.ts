import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStageTestHost, createTestHost, type TestHost } from '../host/test-host.js';
import { allowGuestTools, plantDebianGuest, read, w } from '../testing/guest-fixture.js';
import { runInit, runModules, type StageEnv } from '../stages.js';
import type { NetworkStepInput } from '../network-step.js';
import type { HttpRequest } from '../host/host.js';
import { Paths } from '../state/paths.js';
import { Dmi } from './dmi.js';
import { convertEc2NetworkConfig, ec2, identifyPlatform, parseStrictMode, platformData, showNonEc2Warning } from './ec2.js';
import type { DatasourceContext } from './types.js';

const MD = 'http://169.254.169.254';
const MAC = 'fa:16:3e:d8:bb:81';
const AWS_DMI = { product_uuid: 'EC2E1916-9099-7CAF-FD21-012345ABCDEF', product_serial: 'ec2e1916-9099-7caf-fd21-012345abcdef', sys_vendor: 'Amazon EC2' };

async function plantDmi(h: TestHost, fields: Record<string, string>): Promise<void> {
  for (const [k, v] of Object.entries(fields)) await h.fs.writeFile(`/sys/class/dmi/id/${k}`, `${v}\n`, { mkdirs: true });
}

async function plantNic(h: TestHost, name: string, mac: string): Promise<void> {
  const d = `/sys/class/net/${name}`;
  await h.fs.writeFile(`${d}/address`, `${mac}\n`, { mkdirs: true });
  await h.fs.writeFile(`${d}/type`, '1\n');
  await h.fs.writeFile(`${d}/addr_assign_type`, '0\n');
  await h.fs.writeFile(`${d}/carrier`, '1\n');
  await h.fs.writeFile(`${d}/uevent`, `INTERFACE=${name}\n`);
  await h.fs.mkdir(`${d}/device`);
}

function ctxFor(h: TestHost, opts: { stage?: 'local' | 'network'; dsCfg?: Record<string, unknown>; cfg?: Record<string, unknown> } = {}): DatasourceContext {
  const dsCfg = opts.dsCfg ?? { metadata_urls: [MD], max_wait: 10, timeout: 5 };
  return {
    host: h,
    cfg: opts.cfg ?? { datasource: { Ec2: dsCfg } },
    dsCfg,
    distro: { name: 'debian', family: 'debian' } as unknown as DatasourceContext['distro'],
    paths: new Paths(),
    dmi: new Dmi(h),
    cmdline: '',
    stage: opts.stage ?? 'network',
    withEphemeralNetwork: (fn) => fn(),
  };
}

/** A scripted EC2 service: 2009-04-04 only, a token endpoint by `tokens` policy. */
function serveEc2(h: Pick<TestHost, 'fakeHttp'>, tokens: 'optional' | 'required' | 'none' | 'disabled', opts: { userData?: string } = {}): { issued: string[] } {
  const issued: string[] = [];
  const tree: Record<string, string> = {
    'meta-data/': 'ami-id\ninstance-id\nlocal-hostname\nplacement/\npublic-keys/\nsecurity-groups\nnetwork/\nblock-device-mapping/',
    'meta-data/ami-id': 'ami-00000001',
    'meta-data/instance-id': 'i-0123456789',
    'meta-data/local-hostname': 'guest.example',
    'meta-data/placement/': 'availability-zone',
    'meta-data/placement/availability-zone': 'nova',
    'meta-data/public-keys/': '0=lab-keys',
    'meta-data/public-keys/0/': 'openssh-key',
    'meta-data/public-keys/0/openssh-key': 'ssh-rsa AAAA lab',
    'meta-data/security-groups': 'default\nweb',
    'meta-data/block-device-mapping/': 'ami\nroot',
    'meta-data/block-device-mapping/ami': 'vda',
    'meta-data/block-device-mapping/root': '/dev/vda',
    'meta-data/network/': 'interfaces/',
    'meta-data/network/interfaces/': 'macs/',
    'meta-data/network/interfaces/macs/': `${MAC}/`,
    [`meta-data/network/interfaces/macs/${MAC}/`]: 'device-number\nlocal-ipv4s\nmac',
    [`meta-data/network/interfaces/macs/${MAC}/device-number`]: '0',
    [`meta-data/network/interfaces/macs/${MAC}/local-ipv4s`]: '169.254.0.2',
    [`meta-data/network/interfaces/macs/${MAC}/mac`]: MAC,
    'dynamic/instance-identity': 'document',
    'dynamic/instance-identity/document': '{\n  "instanceId" : "i-0123456789",\n  "region" : "eu-west-1",\n  "availabilityZone" : "eu-west-1b"\n}',
  };
  if (opts.userData !== undefined) tree['user-data'] = opts.userData;
  h.fakeHttp.fallback = (req: HttpRequest) => {
    const u = new URL(req.url);
    if (u.pathname === '/latest/api/token') {
      if (tokens === 'disabled') return { status: 403 };
      if (tokens === 'none' || req.method !== 'PUT') return { status: 404 };
      const t = `tok${issued.length}`;
      issued.push(t);
      return { status: 200, body: t };
    }
    const tok = req.headers?.['x-aws-ec2-metadata-token'];
    if (tokens === 'disabled') return { status: 403 };
    if (tok !== undefined && !issued.slice(-1).includes(tok)) return { status: 401 };
    if (tok === undefined && tokens === 'required') return { status: 401 };
    const m = /^\/(2009-04-04|latest)\/(.*)$/.exec(u.pathname);
    const body = m ? tree[m[2] as string] : undefined;
    return body === undefined ? { status: 404, body: 'Not Found' } : { status: 200, body };
  };
  return { issued };
}

test('platform identification as cloud-init 22.4 (DMI, /sys/hypervisor)', async () => {
  const h = createTestHost();
  try {
    await plantDmi(h, AWS_DMI);
    assert.equal(identifyPlatform(await platformData(h, new Dmi(h))), 'aws');
    const base = { uuid: '', uuidSource: 'dmi' as const, serial: '', assetTag: '', vendor: '', productName: '' };
    assert.equal(identifyPlatform({ ...base, uuid: 'ec2abc', serial: 'other' }), 'unknown', 'uuid and serial must agree');
    assert.equal(identifyPlatform({ ...base, uuid: 'ec2abc', uuidSource: 'hypervisor' }), 'aws');
    assert.equal(identifyPlatform({ ...base, serial: 'x.brightbox.com' }), 'brightbox');
    assert.equal(identifyPlatform({ ...base, assetTag: 'abc.zstack.io' }), 'zstack');
    assert.equal(identifyPlatform({ ...base, vendor: 'e24cloud' }), 'e24cloud');
    assert.equal(identifyPlatform({ ...base, vendor: '3ds outscale', productName: '3ds outscale vm' }), 'outscale');
    assert.equal(identifyPlatform({ ...base, vendor: 'openstack foundation', productName: 'openstack nova' }), 'unknown');
  } finally {
    h.cleanup();
  }
});

test('strict_id parsing', () => {
  assert.deepEqual(parseStrictMode(true), { mode: 'true', sleep: undefined });
  assert.deepEqual(parseStrictMode(false), { mode: 'false', sleep: undefined });
  assert.deepEqual(parseStrictMode('warn'), { mode: 'warn', sleep: undefined });
  assert.deepEqual(parseStrictMode('warn,3'), { mode: 'warn', sleep: 3 });
  assert.deepEqual(parseStrictMode(''), { mode: 'warn', sleep: 0 });
  assert.throws(() => parseStrictMode('maybe'), /Invalid mode 'maybe'/);
  assert.throws(() => parseStrictMode('warn,x'), /Invalid sleep 'x'/);
});

test('detection is fail-closed: known platforms and the ec2 seed only', async () => {
  const h = createTestHost();
  try {
    await plantDmi(h, { sys_vendor: 'OpenStack Foundation', product_name: 'OpenStack Nova' });
    assert.equal(await ec2.detect(ctxFor(h)), false);
    await h.fs.writeFile('/var/lib/cloud/seed/ec2/meta-data', '', { mkdirs: true });
    assert.equal(await ec2.detect(ctxFor(h)), false, 'the seed needs both files');
    await h.fs.writeFile('/var/lib/cloud/seed/ec2/user-data', '');
    assert.equal(await ec2.detect(ctxFor(h)), true);
    const h2 = createTestHost();
    try {
      await plantDmi(h2, AWS_DMI);
      assert.equal(await ec2.detect(ctxFor(h2)), true);
      assert.equal(h2.fakeHttp.requests.length, 0, 'detection makes no request');
    } finally {
      h2.cleanup();
    }
  } finally {
    h.cleanup();
  }
});

test('network config v2 from the MAC tree, as convert_ec2_metadata_network_config', () => {
  const h = createTestHost();
  try {
    const one = convertEc2NetworkConfig(h, { interfaces: { macs: { [MAC]: { 'device-number': '0', 'local-ipv4s': '169.254.0.2' } } } }, new Map([[MAC, 'eth0'], ['52:54:00:00:00:09', 'eth9']]), undefined, true);
    assert.deepEqual(one, { version: 2, ethernets: { eth0: { dhcp4: true, dhcp6: false, match: { macaddress: MAC }, 'set-name': 'eth0' } } });
    const macs = {
      '0a:00:00:00:00:01': { 'device-number': '0', 'local-ipv4s': ['10.0.0.5', '10.0.0.6'], 'subnet-ipv4-cidr-block': '10.0.0.0/20', ipv6s: ['2600::1', '2600::2'], 'subnet-ipv6-cidr-block': '2600::/64' },
      '0a:00:00:00:00:02': { 'device-number': '1', 'local-ipv4s': '10.0.1.5' },
    };
    const two = convertEc2NetworkConfig(h, { interfaces: { macs } }, new Map([['0a:00:00:00:00:02', 'ens6'], ['0a:00:00:00:00:01', 'ens5']]), undefined, true);
    assert.deepEqual(two, {
      version: 2,
      ethernets: {
        ens5: { dhcp4: true, 'dhcp4-overrides': { 'route-metric': 100 }, dhcp6: true, 'dhcp6-overrides': { 'route-metric': 100 }, match: { macaddress: '0a:00:00:00:00:01' }, 'set-name': 'ens5', addresses: ['10.0.0.6/20', '2600::2/64'] },
        ens6: { dhcp4: true, 'dhcp4-overrides': { 'route-metric': 200 }, dhcp6: false, match: { macaddress: '0a:00:00:00:00:02' }, 'set-name': 'ens6' },
      },
    });
    const primary = convertEc2NetworkConfig(h, { interfaces: { macs } }, new Map([['0a:00:00:00:00:01', 'ens5'], ['0a:00:00:00:00:02', 'ens6']]), 'ens5', false);
    assert.deepEqual(primary, { version: 2, ethernets: { ens5: { dhcp4: true, dhcp6: true, match: { macaddress: '0a:00:00:00:00:01' }, 'set-name': 'ens5' } } });
    // a missing CIDR: the default prefix, with a warning
    convertEc2NetworkConfig(h, { interfaces: { macs: { [MAC]: { 'local-ipv4s': ['10.0.0.5', '10.0.0.7'] } } } }, new Map([[MAC, 'eth0']]), undefined, true);
    assert.match(h.logger.text(), /Could not parse subnet-ipv4-cidr-block None for mac fa:16:3e:d8:bb:81/);
  } finally {
    h.cleanup();
  }
});

test('unknown platform: token first; the crawl, user-data, network config, str(ds)', async () => {
  const h = createTestHost();
  try {
    await plantDmi(h, { sys_vendor: 'OpenStack Foundation', product_name: 'OpenStack Nova' });
    await plantNic(h, 'eth0', MAC);
    const { issued } = serveEc2(h, 'optional', { userData: '#cloud-config\n{}\n' });
    const d = await ec2.fetch(ctxFor(h));
    assert.ok(d, h.logger.text());
    assert.equal(issued.length, 1);
    const after = h.fakeHttp.requests.filter((r) => !r.url.endsWith('/latest/api/token'));
    assert.ok(after.length > 10);
    for (const r of after) assert.equal(r.headers?.['x-aws-ec2-metadata-token'], 'tok0', `token on ${r.url}`);
    assert.equal(d.description, 'DataSourceEc2');
    assert.equal(d.className, 'DataSourceEc2');
    assert.equal(d.cloudName, 'unknown');
    assert.equal(d.platform, 'ec2');
    assert.equal(d.subplatform, `metadata (${MD})`);
    assert.equal(d.metadata['instance-id'], 'i-0123456789');
    assert.equal(d.availabilityZone, 'nova');
    assert.equal(d.region, 'nov', "cloud-init's az[:-1] off AWS");
    assert.deepEqual(d.publicKeys, ['ssh-rsa AAAA lab']);
    assert.deepEqual(d.metadata['security-groups'], ['default', 'web']);
    assert.deepEqual(d.metadata['public-keys'], { 'lab-keys': 'ssh-rsa AAAA lab' });
    assert.equal(Buffer.from(d.userdataRaw ?? '', 'base64').toString(), '#cloud-config\n{}\n');
    assert.equal(d.crawled._metadata_api_version, '2009-04-04');
    assert.equal(d.crawled.dynamic, undefined, 'the identity document is read on AWS only');
    assert.deepEqual(d.networkConfig, { format: 'v2', config: { version: 2, ethernets: { eth0: { dhcp4: true, dhcp6: false, match: { macaddress: MAC }, 'set-name': 'eth0' } } } });
    assert.doesNotMatch(h.logger.text(), /tok0/, 'the token is never logged');
    // version probing: the three extended versions, then 2009-04-04
    for (const v of ['2021-03-23', '2018-09-24', '2016-09-02']) assert.ok(h.fakeHttp.urls().includes(`${MD}/${v}/meta-data/instance-id`), v);
  } finally {
    h.cleanup();
  }
});

test('http_tokens=required: every request carries the token, and all data arrives', async () => {
  const h = createTestHost();
  try {
    await plantDmi(h, { product_name: 'OpenStack Nova' });
    serveEc2(h, 'required', { userData: 'hello' });
    const d = await ec2.fetch(ctxFor(h));
    assert.ok(d, h.logger.text());
    assert.equal(Buffer.from(d.userdataRaw ?? '', 'base64').toString(), 'hello');
    assert.equal(d.metadata['local-hostname'], 'guest.example');
    assert.ok(!h.fakeHttp.requests.some((r) => r.method !== 'PUT' && r.headers?.['x-aws-ec2-metadata-token'] === undefined), 'no v1 request');
  } finally {
    h.cleanup();
  }
});

test('a service without tokens (PUT 404) is read with v1 off AWS; user-data 404 = none', async () => {
  const h = createTestHost();
  try {
    await plantDmi(h, { product_name: 'OpenStack Nova' });
    serveEc2(h, 'none');
    const d = await ec2.fetch(ctxFor(h));
    assert.ok(d, h.logger.text());
    assert.equal(d.userdataRaw, '');
    assert.ok(h.fakeHttp.urls().includes(`${MD}/2009-04-04/meta-data/instance-id`));
    assert.equal(h.fakeHttp.urls().filter((u) => u.endsWith('/user-data')).length, 1, 'a 404 user-data is not retried');
  } finally {
    h.cleanup();
  }
});

test('off AWS, a PUT answered with an empty 200 or a redirect is no token either: v1; a 5xx is retried', async () => {
  for (const [status, body] of [[200, ''], [301, ''], [405, 'Method Not Allowed']] as const) {
    const h = createTestHost();
    try {
      await plantDmi(h, { product_name: 'OpenStack Nova' });
      serveEc2(h, 'none');
      h.fakeHttp.route(`${MD}/latest/api/token`, { status, body });
      const d = await ec2.fetch(ctxFor(h));
      assert.ok(d, `${status}: ${h.logger.text()}`);
      assert.equal(h.fakeHttp.requests.filter((r) => r.method === 'PUT').length, 1, `${status}: one PUT`);
      assert.ok(h.fakeHttp.requests.every((r) => r.headers?.['x-aws-ec2-metadata-token'] === undefined));
    } finally {
      h.cleanup();
    }
  }
  const h = createTestHost();
  try {
    await plantDmi(h, { product_name: 'OpenStack Nova' });
    const { issued } = serveEc2(h, 'required');
    const inner = h.fakeHttp.fallback as (r: HttpRequest) => any;
    let puts = 0;
    h.fakeHttp.fallback = (req) => (req.method === 'PUT' && ++puts === 1 ? { status: 503 } : inner(req));
    const d = await ec2.fetch(ctxFor(h));
    assert.ok(d, h.logger.text());
    assert.equal(issued.length, 1, 'the token of the second try');
  } finally {
    h.cleanup();
  }
});

test('Outscale: listed tags it does not serve are skipped, not fatal; elsewhere a listed leaf that is missing fails the crawl', async () => {
  for (const [dmi, ok] of [[{ sys_vendor: '3DS Outscale', product_name: '3DS Outscale VM' }, true], [{ product_name: 'OpenStack Nova' }, false]] as const) {
    const h = createTestHost();
    try {
      await plantDmi(h, dmi);
      serveEc2(h, 'none');
      const inner = h.fakeHttp.fallback as (r: HttpRequest) => any;
      h.fakeHttp.fallback = (req) => {
        const p = new URL(req.url).pathname;
        if (p === '/2009-04-04/meta-data/') return { status: 200, body: 'instance-id\ntags/' };
        if (p === '/2009-04-04/meta-data/tags/') return { status: 200, body: 'instance/' };
        if (p === '/2009-04-04/meta-data/tags/instance/') return { status: 200, body: 'Name' };
        return inner(req);
      };
      const d = await ec2.fetch(ctxFor(h));
      if (ok) {
        assert.ok(d, h.logger.text());
        assert.equal(d.cloudName, 'outscale');
        assert.deepEqual(d.metadata.tags, { instance: { Name: '(skipped)' } });
        assert.match(h.logger.text(), /Skipped retrieval of the content of http:\/\/169.254.169.254\/2009-04-04\/meta-data\/tags\/instance\/Name/);
      } else {
        assert.equal(d, undefined);
        assert.match(h.logger.text(), /Failed fetching meta-data\/ from url/);
      }
    } finally {
      h.cleanup();
    }
  }
});

test('AWS: no v1 fallback (403 aborts at once), identity document read, instance id and region from it', async () => {
  const h = createTestHost();
  try {
    await plantDmi(h, AWS_DMI);
    serveEc2(h, 'disabled');
    assert.equal(await ec2.fetch(ctxFor(h)), undefined);
    assert.deepEqual(h.fakeHttp.requests.map((r) => r.method), ['PUT'], 'one PUT, no v1 request');
    assert.match(h.logger.text(), /403 error. HTTP endpoint is disabled. Aborting/);

    const h2 = createTestHost();
    try {
      await plantDmi(h2, AWS_DMI);
      serveEc2(h2, 'none');
      assert.equal(await ec2.fetch(ctxFor(h2)), undefined, 'AWS without tokens: no datasource');
      assert.ok(!h2.fakeHttp.requests.some((r) => r.method !== 'PUT'));
    } finally {
      h2.cleanup();
    }

    const h3 = createTestHost();
    try {
      await plantDmi(h3, AWS_DMI);
      serveEc2(h3, 'required');
      const d = await ec2.fetch(ctxFor(h3));
      assert.ok(d, h3.logger.text());
      assert.equal(d.cloudName, 'aws');
      assert.equal(d.availabilityZone, 'eu-west-1b');
      assert.equal(d.region, 'eu-west-1');
      assert.deepEqual((d.crawled.dynamic as any)['instance-identity'].document.instanceId, 'i-0123456789');
    } finally {
      h3.cleanup();
    }
  } finally {
    h.cleanup();
  }
});

test('a 401 mid-crawl (expired token) fetches a new token; the crawl never drops to v1', async () => {
  const h = createTestHost();
  try {
    await plantDmi(h, { product_name: 'OpenStack Nova' });
    const { issued } = serveEc2(h, 'required');
    const inner = h.fakeHttp.fallback as (r: HttpRequest) => any;
    let expired = false;
    h.fakeHttp.fallback = (req) => {
      // the token expires once, when the crawl reaches the placement directory
      if (!expired && req.url.endsWith('/placement/')) {
        expired = true;
        issued.push('rotated');
      }
      return inner(req);
    };
    const d = await ec2.fetch(ctxFor(h));
    assert.ok(d, h.logger.text());
    assert.ok(issued.length >= 3, `a new token was fetched: ${issued.join(',')}`);
    assert.deepEqual(d.metadata.placement, { 'availability-zone': 'nova' });
    assert.match(h.logger.text(), /Clearing cached Ec2 API token due to expiry/);
  } finally {
    h.cleanup();
  }
});

test('bounded: a dead service gives up after max_wait; strict_id true and the local stage refuse unknown platforms', async () => {
  const h = createTestHost();
  try {
    await plantDmi(h, { product_name: 'OpenStack Nova' });
    h.fakeHttp.fallback = new Error('connect ECONNREFUSED');
    const start = h.clock.now();
    assert.equal(await ec2.fetch(ctxFor(h, { dsCfg: { metadata_urls: [MD], max_wait: 7, timeout: 2 } })), undefined);
    const took = h.clock.now() - start;
    assert.ok(took >= 7 && took < 9, `gave up after ${took}s`);
    assert.match(h.logger.text(), /Giving up on md from/);
    const n = h.fakeHttp.requests.length;
    assert.equal(await ec2.fetch(ctxFor(h, { dsCfg: { metadata_urls: [MD], max_wait: 0 } })), undefined);
    assert.equal(h.fakeHttp.requests.length, n, 'max_wait 0: no request');
    assert.equal(await ec2.fetch(ctxFor(h, { cfg: { datasource: { Ec2: { strict_id: true } } } })), undefined);
    assert.equal(await ec2.fetch(ctxFor(h, { stage: 'local' })), undefined);
    assert.equal(h.fakeHttp.requests.length, n, 'strict_id true / local stage: no request');
    assert.match(h.logger.text(), /Local Ec2 mode only supported on/);
  } finally {
    h.cleanup();
  }
});

test('activate: the non-EC2 warning file on unknown platforms, silenced by strict_id false or warnings off', async () => {
  const h = createTestHost();
  try {
    const paths = new Paths();
    await h.fs.mkdir('/var/lib/cloud/instances/i-1');
    await h.fs.symlink('/var/lib/cloud/instances/i-1', '/var/lib/cloud/instance');
    await showNonEc2Warning(h, paths, {});
    const text = await h.fs.readText('/var/lib/cloud/instances/i-1/warnings/non_ec2_md');
    const lines = text.split('\n');
    assert.equal(lines[0], '*'.repeat(74));
    assert.ok(lines.slice(1, -2).every((l) => l.length === 74 && l.startsWith('# ') && l.endsWith(' #')));
    assert.match(text, /strict_id: false/);
    await h.fs.remove('/var/lib/cloud/instances/i-1/warnings/non_ec2_md');
    await showNonEc2Warning(h, paths, { datasource: { Ec2: { strict_id: false } } });
    await showNonEc2Warning(h, paths, { warnings: { non_ec2_md: 'off' } });
    assert.equal(await h.fs.exists('/var/lib/cloud/instances/i-1/warnings/non_ec2_md'), false);
    const t0 = h.clock.now();
    await showNonEc2Warning(h, paths, { datasource: { Ec2: { strict_id: 'warn,3' } } });
    assert.equal(h.clock.now() - t0, 3, 'warn,3 sleeps 3 s');
    assert.match(h.logger.text(), /\[sleeping for 3 seconds\]/);
  } finally {
    h.cleanup();
  }
});

test('four stages, two boots on an unknown platform: Ec2 re-crawled at every boot, its network config rendered at every boot (EC2 Classic), the warning once', async () => {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    w(h.rootDir, 'etc/cloud/cloud.cfg.d/90-lab.cfg', "datasource_list: [ Ec2, None ]\ndatasource:\n  Ec2:\n    metadata_urls: [ 'http://169.254.169.254' ]\n    max_wait: 10\n    timeout: 5\n");
    allowGuestTools(h);
    serveEc2(h, 'required', { userData: '#cloud-config\nhostname: ec2host\n' });
    const calls: NetworkStepInput[] = [];
    const e: StageEnv = { host: h, files: [], force: false, network: async (i) => void calls.push(i) };
    const boot = async () => [await runInit(e, true), await runInit(e, false), await runModules(e, 'config'), await runModules(e, 'final')];
    assert.deepEqual(await boot(), [0, 0, 0, 0], h.logText());
    assert.equal(read(h, 'var/lib/cloud/data/instance-id'), 'i-0123456789\n');
    assert.equal(read(h, 'var/lib/cloud/instances/i-0123456789/datasource'), 'DataSourceEc2: DataSourceEc2\n');
    assert.match(read(h, 'var/lib/cloud/instances/i-0123456789/warnings/non_ec2_md'), /strict_id: false/);
    assert.deepEqual(JSON.parse(read(h, 'run/cloud-init/instance-data.json')).v1.region, 'nov');
    // local: no datasource (Ec2Local is AWS/Outscale only), fallback rendered; network: Ec2's own config rendered
    assert.deepEqual(calls.map((c) => [c.stage, c.render, c.datasource?.format ?? null]), [['local', true, null], ['network', true, 'v2']]);
    const fs = await import('node:fs');
    fs.rmSync(`${h.rootDir}/run`, { recursive: true, force: true });
    fs.mkdirSync(`${h.rootDir}/run`);
    fs.rmSync(`${h.rootDir}/var/lib/cloud/instances/i-0123456789/warnings`, { recursive: true });
    const before = h.fakeHttp.requests.length;
    calls.length = 0;
    assert.deepEqual(await boot(), [0, 0, 0, 0], h.logText());
    assert.ok(h.fakeHttp.requests.length > before, 'no check_instance_id: the service is crawled again');
    assert.deepEqual(calls.map((c) => [c.stage, c.render, c.datasource?.format ?? null]), [['local', true, null], ['network', true, 'v2']], 'boot-legacy: rendered again');
    assert.equal(fs.existsSync(`${h.rootDir}/var/lib/cloud/instances/i-0123456789/warnings/non_ec2_md`), false, 'the warning is for a new instance only');
  } finally {
    h.cleanup();
  }
});
