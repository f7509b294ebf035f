import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStageTestHost } from './host/test-host.js';
import { allowGuestTools, exists, mode, plantDebianGuest, read, seedInstanceRoutes } from './testing/guest-fixture.js';
import { runInit, runModules, type StageEnv } from './stages.js';
import type { NetworkStepInput } from './network-step.js';
import { statusDetails, statusExitCode } from './state/status-report.js';

const SEED_UD = '#cloud-config\nuser: cloud-user\npassword: cloud-password\nchpasswd: {expire: False}\nssh_pwauth: True\ndisable_root: 0\n';
const IID = '380cc09f-25ce-4a4e-aa88-bba53234d92e';

function env(h: ReturnType<typeof createStageTestHost>, calls: NetworkStepInput[] = []): StageEnv {
  return { host: h, files: [], force: false, network: async (i) => void calls.push(i) };
}

async function fourStages(h: ReturnType<typeof createStageTestHost>, calls: NetworkStepInput[] = []): Promise<number[]> {
  const e = env(h, calls);
  return [await runInit(e, true), await runInit(e, false), await runModules(e, 'config'), await runModules(e, 'final')];
}

/** The seed instance's first boot on a fresh scratch root, then a reboot's fresh /run. */
async function firstBootThenFreshRun(h: ReturnType<typeof createStageTestHost>): Promise<void> {
  plantDebianGuest(h, { uuid: IID });
  allowGuestTools(h);
  seedInstanceRoutes(h, SEED_UD, { bundle: true });
  await fourStages(h);
  const fs = await import('node:fs');
  fs.rmSync(`${h.rootDir}/run`, { recursive: true, force: true });
  fs.mkdirSync(`${h.rootDir}/run`);
}

test('the seed instance boots through the four stages on a scratch root', async () => {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    allowGuestTools(h);
    seedInstanceRoutes(h, SEED_UD, { bundle: true });
    const calls: NetworkStepInput[] = [];
    const codes = await fourStages(h, calls);
    assert.deepEqual(codes, [0, 0, 0, 0], h.logText());
    h.runner.verify();
    // one request for the whole tree
    assert.deepEqual(h.fakeHttp.urls(), ['http://169.254.169.254/kindling/v1/bundle']);
    // state layout
    assert.equal(read(h, 'var/lib/cloud/data/instance-id'), `${IID}\n`);
    assert.equal(read(h, 'var/lib/cloud/data/previous-instance-id'), `${IID}\n`);
    assert.equal(read(h, `var/lib/cloud/instances/${IID}/datasource`), 'DataSourceOpenStackLocal: DataSourceOpenStackLocal [net,ver=2]\n');
    assert.equal(mode(h, `var/lib/cloud/instances/${IID}/user-data.txt`), 0o600);
    assert.equal(read(h, `var/lib/cloud/instances/${IID}/user-data.txt`), SEED_UD);
    assert.equal(mode(h, `var/lib/cloud/instances/${IID}/obj.json`), 0o400);
    assert.ok(exists(h, `var/lib/cloud/instances/${IID}/boot-finished`));
    assert.ok(exists(h, `var/lib/cloud/instances/${IID}/sem/config_users_groups`));
    assert.ok(exists(h, 'var/lib/cloud/sem/config_scripts_per_once.once'));
    assert.match(read(h, `var/lib/cloud/instances/${IID}/cloud-config.txt`), /^#cloud-config\n\n# from 1 files\n# part-001\n\n---\nchpasswd:\n    expire: false\n/);
    // instance data: world-readable copy redacted, sensitive copy 0600
    assert.equal(mode(h, 'run/cloud-init/instance-data.json'), 0o644);
    assert.equal(mode(h, 'run/cloud-init/instance-data-sensitive.json'), 0o600);
    assert.equal(JSON.parse(read(h, 'run/cloud-init/instance-data.json')).merged_cfg, 'redacted for non-root user');
    assert.equal(read(h, 'run/cloud-init/cloud-id-openstack'), 'openstack\n');
    // the modules' effects
    assert.equal(read(h, 'etc/hostname'), 'rhel\n');
    assert.match(read(h, 'etc/passwd'), /^cloud-user:x:1000:1000:Debian:\/home\/cloud-user:\/bin\/bash$/m);
    assert.match(read(h, 'etc/sudoers.d/90-cloud-init-users'), /\n# User rules for cloud-user\ncloud-user ALL=\(ALL\) NOPASSWD:ALL\n$/);
    assert.equal(mode(h, 'etc/sudoers.d/90-cloud-init-users'), 0o440);
    assert.equal(read(h, 'home/cloud-user/.ssh/authorized_keys'), 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDC lab@key\n');
    assert.equal(read(h, 'root/.ssh/authorized_keys'), 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDC lab@key\n');
    assert.equal(read(h, 'etc/ssh/sshd_config.d/50-cloud-init.conf'), 'PasswordAuthentication yes\n');
    assert.equal(mode(h, 'etc/ssh/sshd_config.d/50-cloud-init.conf'), 0o600);
    assert.match(read(h, 'etc/default/locale'), /^LANG=en_US.UTF-8$/m);
    // the password went to chpasswd's stdin, never into argv or a log
    const ch = h.runner.calls.find((c) => c.argv[0] === 'chpasswd');
    assert.equal(ch?.opts.input, 'cloud-user:cloud-password\n');
    assert.ok(!h.logText().includes('cloud-password'), 'password in the log');
    assert.ok(!read(h, 'var/log/cloud-init.log').includes('cloud-password'));
    assert.ok(!read(h, 'var/log/cloud-init-output.log').includes('cloud-password'));
    assert.equal(mode(h, 'var/log/cloud-init.log'), 0o640);
    // host keys: started in the background by the local stage (on an image's first boot RSA
    // before the datasource search, the rest once the instance is known), installed by the ssh
    // module with the comment fixed to the hostname set meanwhile, staging areas removed
    for (const t of ['rsa', 'dsa', 'ecdsa', 'ed25519']) {
      assert.ok(exists(h, `etc/ssh/ssh_host_${t}_key.pub`), t);
      assert.match(read(h, `etc/ssh/ssh_host_${t}_key.pub`), / root@localhost\n$/);
      assert.equal(mode(h, `etc/ssh/ssh_host_${t}_key`), 0o600);
    }
    assert.deepEqual(h.backgroundCalls.map((c) => c.slice(5)), [['rsa'], ['dsa', 'ecdsa', 'ed25519']]);
    assert.ok(h.backgroundCalls[0]![4]!.endsWith('/+first-boot'), 'the first boot\'s own staging directory');
    assert.ok(h.logText().indexOf('Generating host keys in the background: rsa') < h.logText().indexOf('Searching for local data source'), 'RSA before the search');
    assert.equal(h.runner.calls.filter((c) => c.argv[0] === 'ssh-keygen' && c.argv[1] === '-t').length, 4, 'each key generated once');
    assert.ok(!exists(h, `run/kindling-init/hostkeys/${IID}`));
    assert.ok(!exists(h, 'run/kindling-init/hostkeys/+first-boot'));
    // network seam: render in the local stage, bring up in the network stage
    assert.equal(calls.length, 2);
    assert.deepEqual([calls[0]?.stage, calls[0]?.bringUp, calls[0]?.render], ['local', false, true]);
    assert.deepEqual([calls[1]?.stage, calls[1]?.bringUp, calls[1]?.render], ['network', true, false]);
    assert.equal(calls[0]?.datasource?.format, 'openstack');
    // status and result
    const result = JSON.parse(read(h, 'var/lib/cloud/data/result.json'));
    assert.deepEqual(result, { v1: { datasource: 'DataSourceOpenStackLocal [net,ver=2]', errors: [] } });
    const st = await statusDetails(h);
    assert.equal(st.status, 'done');
    assert.equal(statusExitCode(st), 2, 'the deprecated `user` key is a recoverable error');
  } finally {
    h.cleanup();
  }
});

test('without the bundle endpoint the agent crawls the tree like cloud-init', async () => {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    allowGuestTools(h);
    seedInstanceRoutes(h, SEED_UD);
    const codes = await fourStages(h);
    assert.deepEqual(codes, [0, 0, 0, 0], h.logText());
    const urls = h.fakeHttp.urls();
    assert.equal(urls[0], 'http://169.254.169.254/kindling/v1/bundle');
    for (const p of ['openstack', 'openstack/2018-08-27/meta_data.json', 'openstack/2018-08-27/user_data', 'openstack/2018-08-27/network_data.json', 'latest/meta-data/']) {
      assert.ok(urls.includes(`http://169.254.169.254/${p}`), p);
    }
    const idata = JSON.parse(read(h, 'run/cloud-init/instance-data-sensitive.json'));
    assert.equal(idata.ds.ec2_metadata['instance-id'], 'i-00000001');
    assert.deepEqual(idata.base64_encoded_keys, ['ds/meta_data/random_seed']);
  } finally {
    h.cleanup();
  }
});

test('a second boot with the same instance reruns only per-boot work', async () => {
  const h = createStageTestHost();
  try {
    await firstBootThenFreshRun(h);
    const firstKeygens = h.runner.calls.filter((c) => c.argv[0] === 'ssh-keygen').length;
    const before = h.fakeHttp.requests.length;
    const codes = await fourStages(h);
    assert.deepEqual(codes, [0, 0, 0, 0], h.logText());
    // DMI system-uuid equals the instance id: the cache is trusted, no metadata request
    assert.equal(h.fakeHttp.requests.length, before);
    assert.equal(h.runner.calls.filter((c) => c.argv[0] === 'ssh-keygen').length, firstKeygens, 'host keys kept');
    assert.equal(h.backgroundCalls.length, 2, 'nothing started in the background at a reboot');
    assert.equal(h.runner.calls.filter((c) => c.argv[0] === 'useradd').length, 1);
    assert.match(h.logText(), /config-users-groups already ran/);
    assert.ok(exists(h, `var/lib/cloud/instances/${IID}/boot-finished`));
  } finally {
    h.cleanup();
  }
});

test('no OpenStack evidence in DMI: fail closed, nothing runs', async () => {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h, { product: 'Standard PC (Q35 + ICH9, 2009)' });
    // two candidates so that detection is not skipped for a single forced entry
    const fs = await import('node:fs');
    fs.writeFileSync(`${h.rootDir}/etc/cloud/cloud.cfg.d/90-lab.cfg`, 'datasource_list: [ OpenStack, NoCloud, None ]\n');
    const codes = await fourStages(h);
    assert.deepEqual(codes, [0, 0, 0, 0]);
    assert.equal(h.fakeHttp.requests.length, 0);
    assert.equal(h.runner.calls.length, 0);
    assert.ok(exists(h, 'run/cloud-init/disabled'));
    assert.equal((await statusDetails(h)).status, 'disabled');
  } finally {
    h.cleanup();
  }
});

test('metadata service timing out: each stage gives up within max_wait, the bundle request included', async () => {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    allowGuestTools(h);
    // every request waits for its whole timeout, then fails (an address that does not answer)
    // (the test host's clock is a fixed one: sleeping advances it)
    h.fakeHttp.fallback = async (req) => {
      await h.clock.sleep(req.timeoutMs ?? 0);
      throw new Error('timed out');
    };
    const t0 = h.clock.now();
    const codes = await fourStages(h);
    assert.deepEqual(codes, [0, 0, 0, 0], h.logText());
    assert.equal(read(h, 'var/lib/cloud/data/instance-id'), 'iid-datasource-none\n');
    // 90-lab.cfg: max_wait 10, timeout 5; the local and network stages each search once
    const spent = h.clock.now() - t0;
    assert.ok(spent <= 2 * 10 + 1, `the searches took ${spent} s of the clock, more than max_wait twice`);
  } finally {
    h.cleanup();
  }
});

test('metadata service down: falls back to DataSourceNone within the bound, status says so', async () => {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    allowGuestTools(h);
    h.fakeHttp.fallback = new Error('connect ECONNREFUSED 169.254.169.254:80');
    const codes = await fourStages(h);
    assert.deepEqual(codes, [0, 0, 0, 0], h.logText());
    assert.equal(read(h, 'var/lib/cloud/data/instance-id'), 'iid-datasource-none\n');
    // the RSA key the first boot started before the (failed) search serves the instance the
    // network stage settled on: no key is generated twice, nothing is left staged
    assert.equal(h.runner.calls.filter((c) => c.argv[0] === 'ssh-keygen' && c.argv[1] === '-t').length, 4, 'each key generated once');
    assert.ok(exists(h, 'etc/ssh/ssh_host_rsa_key'));
    assert.ok(!exists(h, 'run/kindling-init/hostkeys/+first-boot'));
    assert.ok(!exists(h, 'run/kindling-init/hostkeys/iid-datasource-none'));
    const st = await statusDetails(h);
    assert.equal(st.datasource, 'none');
    assert.ok(h.clock.now() - 1_700_000_000 < 30, 'bounded wait');
    assert.match(JSON.stringify(st.recoverableErrors), /No active metadata service found|Used fallback datasource/);
  } finally {
    h.cleanup();
  }
});

test("an image's first boot whose user-data asks for other key types: the early RSA key is dropped, not installed", async () => {
  const h = createStageTestHost();
  try {
    plantDebianGuest(h);
    allowGuestTools(h);
    seedInstanceRoutes(h, `${SEED_UD}ssh_genkeytypes: [ed25519]\n`, { bundle: true });
    const codes = await fourStages(h);
    assert.deepEqual(codes, [0, 0, 0, 0], h.logText());
    assert.deepEqual(h.backgroundCalls.map((c) => c.slice(5)), [['rsa'], ['dsa', 'ecdsa', 'ed25519']]);
    assert.ok(exists(h, 'etc/ssh/ssh_host_ed25519_key'));
    for (const t of ['rsa', 'dsa', 'ecdsa']) assert.ok(!exists(h, `etc/ssh/ssh_host_${t}_key`), t);
    assert.ok(!exists(h, 'run/kindling-init/hostkeys/+first-boot'));
    assert.ok(!exists(h, `run/kindling-init/hostkeys/${IID}`));
  } finally {
    h.cleanup();
  }
});

test('a boot with no instance link but the same instance as before: what the first boot started is dropped', async () => {
  const h = createStageTestHost();
  try {
    await firstBootThenFreshRun(h);
    (await import('node:fs')).rmSync(`${h.rootDir}/var/lib/cloud/instance`);
    const keygens = h.runner.calls.filter((c) => c.argv[0] === 'ssh-keygen' && c.argv[1] === '-t').length;
    const codes = await fourStages(h);
    assert.deepEqual(codes, [0, 0, 0, 0], h.logText());
    // started (the link was gone), then dropped once the instance proved not new; keys kept
    assert.deepEqual(h.backgroundCalls.slice(2).map((c) => c.slice(5)), [['rsa']]);
    assert.ok(!exists(h, 'run/kindling-init/hostkeys/+first-boot'));
    assert.equal(h.runner.calls.filter((c) => c.argv[0] === 'ssh-keygen' && c.argv[1] === '-t').length, keygens + 1, 'only the dropped one');
    assert.match(h.logText(), /config-ssh already ran|config-ssh previously ran/);
  } finally {
    h.cleanup();
  }
});
