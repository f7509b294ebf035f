// `kindling-init devel net-convert` as a command: flags, files under -d with their modes, merging
// with an existing resolv.conf there, exit codes and messages for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';
import { loadCorpus } from './corpus.js';

const VERB = join(repoRoot, 'build/src/cli/init/devel-net-convert.js');

function netConvert(args: string[]) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `const m = await import(${JSON.stringify(VERB)}); process.exitCode = await m.default(process.argv.slice(1));`, '--', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'kindling-net-convert-'));
}

test('writes the renderer files under -d, NetworkManager keyfiles 0600', () => {
  const dir = scratch();
  try {
    const c = loadCorpus().find((x) => x.name === 'os-vlan-on-bond')!;
    writeFileSync(join(dir, 'nd.json'), c.input);
    const r = netConvert(['-p', join(dir, 'nd.json'), '-k', 'network_data.json', '-d', join(dir, 'out'), '-D', 'rhel', '-O', 'network-manager',
      ...c.macs.flatMap((m) => ['-m', m])]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `Read input format 'network_data.json' from '${join(dir, 'nd.json')}'.\nWrote output format 'network-manager' to '${join(dir, 'out')}/'\n\n`);
    const keyfile = join(dir, 'out/etc/NetworkManager/system-connections/cloud-init-bond0.nmconnection');
    assert.match(readFileSync(keyfile, 'utf8'), /\[bond\]\nmode=802\.3ad\nmiimon=100\nxmit_hash_policy=layer3\+4\n/);
    assert.equal(statSync(keyfile).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sysconfig merges DNS into the resolv.conf already in the output directory', () => {
  const dir = scratch();
  try {
    mkdirSync(join(dir, 'out/etc'), { recursive: true });
    writeFileSync(join(dir, 'out/etc/resolv.conf'), '# kept\nnameserver 192.0.2.53\noptions rotate\n');
    const c = loadCorpus().find((x) => x.name === 'os-static-ipv4')!;
    writeFileSync(join(dir, 'nd.json'), c.input);
    const r = netConvert(['-p', join(dir, 'nd.json'), '-k', 'network_data.json', '-d', join(dir, 'out'), '-D', 'centos', '-O', 'sysconfig', '-m', c.macs[0]!]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'out/etc/resolv.conf'), 'utf8'),
      '; Created by cloud-init on instance boot automatically, do not edit.\n;\n# kept\noptions rotate\nnameserver 192.0.2.53\nnameserver 10.0.0.2\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad input: a clear error and exit 1, nothing written', () => {
  const dir = scratch();
  try {
    const c = loadCorpus().find((x) => x.name === 'os-bad-unknown-bond-member')!;
    writeFileSync(join(dir, 'nd.json'), c.input);
    const r = netConvert(['-p', join(dir, 'nd.json'), '-k', 'network_data.json', '-d', join(dir, 'out'), '-D', 'debian', '-O', 'eni', '-m', c.macs[0]!]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "net-convert: error: a link refers to unknown link id 'nope'\n");
    assert.throws(() => statSync(join(dir, 'out/etc')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2, as argparse does', () => {
  const r = netConvert(['-k', 'yaml', '-d', '/tmp/x', '-D', 'debian', '-O', 'eni']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^usage: kindling-init devel net-convert .*\nnet-convert: error: the following arguments are required: -p\/--network-data\n$/);
  assert.equal(netConvert(['-p', 'x', '-k', 'yaml', '-d', '/tmp/x', '-D', 'plan9', '-O', 'eni']).code, 2);
  assert.equal(netConvert(['-p', 'x', '-k', 'xml', '-d', '/tmp/x', '-D', 'debian', '-O', 'eni']).code, 2);
});
