// The lab itself: the real cloud-init boots against a static Nova-like tree, reboots, two guests stay
// apart, and nothing is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, lstatSync } from 'node:fs';
import { command } from './command.js';
import { Lab, withLab } from './lab.js';
import { serveStaticTree } from './static-metadata.js';
import { nginxReverseProxy } from './hypervisor.js';
import { formatTimes } from './guest-boot.js';

const UUID = '83679162-1378-4288-a2d4-70e13ec132aa';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGsb0BzS1cD9T7VwSPMLy0Sg2eE1g4PxRq3nKc8RJv6o lab@test';
const dhcpNetwork = (mac: string) => ({
  links: [{ id: 'tap0', type: 'ovs', ethernet_mac_address: mac, mtu: 1500 }],
  networks: [{ id: 'network0', link: 'tap0', type: 'ipv4_dhcp', network_id: 'n0' }],
  services: [],
});

test('the real cloud-init boots from a static tree, and a reboot keeps the instance', { timeout: 180_000 }, async () => {
  await withLab({ name: 'boot' }, async (lab) => {
    await serveStaticTree(lab.hv, {
      uuid: UUID,
      hostname: 'labhost',
      keys: [{ name: 'k', data: KEY }],
      userData: '#cloud-config\nruncmd:\n  - [ sh, -c, "echo ran > /root/ran; cat /proc/cmdline > /root/cmdline" ]\n',
      networkData: dhcpNetwork('fa:16:3e:d8:bb:81'),
    });
    const g = await lab.addGuest({ dmi: { product_uuid: UUID }, cmdline: 'root=/dev/vda1 ro lab.marker=1' });
    const first = await g.boot();
    process.stderr.write(`${formatTimes(first)}\n`);
    assert.ok(first.ok, readFileSync(first.log, 'utf8').slice(-3000));
    assert.deepEqual(first.stages.map((s) => s.name), ['local', 'networking', 'network', 'config', 'final']);
    for (const s of first.stages) assert.ok(s.wallSeconds > 0 && s.cpuSeconds >= 0, JSON.stringify(s));
    const result = JSON.parse(g.readFile('/run/cloud-init/result.json'));
    assert.match(result.v1.datasource, /^DataSourceOpenStackLocal/);
    assert.deepEqual(result.v1.errors, []);
    assert.equal(readFileSync(`${g.upperDir}/etc/hostname`, 'utf8'), 'labhost\n');
    assert.equal(readFileSync(`${g.upperDir}/root/ran`, 'utf8'), 'ran\n');
    assert.equal(readFileSync(`${g.upperDir}/root/cmdline`, 'utf8'), 'root=/dev/vda1 ro lab.marker=1\n');
    assert.match(readFileSync(`${g.upperDir}/root/.ssh/authorized_keys`, 'utf8'), /lab@test/);
    assert.equal(readFileSync(`${g.upperDir}/var/lib/cloud/data/instance-id`, 'utf8').trim(), UUID);
    // /run of the boot is kept, the console got the host keys, the stage output the final message
    assert.ok(lstatSync(`${first.dir}/run/cloud-init/status.json`).isSymbolicLink());
    assert.ok(lstatSync(`${first.dir}/run/cloud-init/instance-data.json`).isFile());
    assert.match(g.readFile('/run/cloud-init/status.json'), /"v1"/);
    assert.equal(g.readFile('/run/cloud-init/cloud-id').trim(), 'openstack');
    assert.match(readFileSync(g.consoleLog, 'utf8'), /BEGIN SSH HOST KEY KEYS/);
    assert.match(readFileSync(first.log, 'utf8'), /Cloud-init v\. 22\.4\.2 finished/);
    // the network stage's ifup got the lab's fixed lease
    assert.match((await g.exec(['ip', '-o', '-4', 'addr', 'show', 'eth0'])).stdout, /169\.254\.0\.2\/16/);

    const second = await g.boot();
    process.stderr.write(`${formatTimes(second)}\n`);
    assert.ok(second.ok, readFileSync(second.log, 'utf8').slice(-3000));
    assert.equal(second.boot, 2);
    assert.equal(readFileSync(`${g.upperDir}/var/lib/cloud/data/instance-id`, 'utf8').trim(), UUID);
    assert.equal(readFileSync(`${g.upperDir}/var/lib/cloud/data/previous-instance-id`, 'utf8').trim(), UUID);
    // per-instance work did not run again; the reboot cleared /run and restored the hostname from disk
    const log = readFileSync(`${g.upperDir}/var/log/cloud-init.log`, 'utf8');
    assert.equal(log.match(/Adding user debian/g)?.length ?? 0, 1);
    assert.equal((await g.exec(['hostname'])).stdout.trim(), 'labhost');
  });
});

test('two guests on one segment: own namespaces, MACs, leases, roots; crafted requests from inside', { timeout: 120_000 }, async () => {
  const lab = await Lab.start({ name: 'two' });
  const names: string[] = [];
  try {
    const srv = await serveStaticTree(lab.hv, { uuid: UUID, hostname: 'x' });
    const a = await lab.addGuest({ name: 'a' });
    const b = await lab.addGuest({ name: 'b', mac: 'fa:16:3e:00:00:bb', ip: '169.254.0.77' });
    names.push(lab.hv.netns, a.netns, b.netns);
    const dhcp = ['dhclient', '-1', '-lf', '/run/dhclient.lease', '-pf', '/run/dhclient.pid', 'eth0'];
    const probe = { agent: { stages: [{ name: 'dhcp', argv: dhcp }] } };
    assert.ok((await a.boot(probe)).ok);
    assert.ok((await b.boot(probe)).ok);
    const addr = async (g: typeof a) => (await g.exec(['ip', '-o', '-4', 'addr', 'show', 'eth0'])).stdout;
    assert.match(await addr(a), /169\.254\.0\.2\//);
    assert.match(await addr(b), /169\.254\.0\.77\//);
    assert.equal(a.readFile('/sys/class/net/eth0/address').trim(), 'fa:16:3e:d8:bb:81');
    assert.equal(b.readFile('/sys/class/net/eth0/address').trim(), 'fa:16:3e:00:00:bb');
    // each sees only its own interfaces and processes, and writes only its own upper dir
    assert.deepEqual((await a.exec(['ls', '/sys/class/net'])).stdout.split(/\s+/).filter(Boolean).sort(), ['eth0', 'lo']);
    await a.exec(['sh', '-c', 'sleep 30 >/dev/null 2>&1 & echo only-a > /root/mark']);
    assert.doesNotMatch((await b.exec(['ps', 'ax'])).stdout, /sleep 30/);
    assert.ok(existsSync(`${a.upperDir}/root/mark`) && !existsSync(`${b.upperDir}/root/mark`));
    await a.exec(['hostname', 'only-a']);
    assert.notEqual((await b.exec(['hostname'])).stdout.trim(), 'only-a');
    // a crafted request from inside b (python3 in the guest, raw bytes): the server sees b's address
    const raw = 'GET /openstack/latest/meta_data.json HTTP/1.0\r\nX-Forwarded-For: 169.254.0.2\r\n\r\n';
    const py = 'import socket,sys\ns=socket.create_connection(("169.254.169.254",80))\ns.sendall(sys.stdin.buffer.read())\nsys.stdout.buffer.write(s.makefile("rb").read())';
    const resp = await b.exec(['python3', '-c', py], { input: raw });
    assert.match(resp.stdout, /^HTTP\/1\.1 200/);
    // and the host's node on b's network
    const viaHost = await b.exec([process.execPath, '-e', 'fetch("http://169.254.169.254/openstack").then(async r => console.log(r.status, await r.text()))'], { root: 'host' });
    assert.match(viaHost.stdout, /^200 2012-08-10/);
    const serverLog = readFileSync(srv.logFile, 'utf8');
    assert.match(serverLog, /169\.254\.0\.77 GET \/openstack\/latest\/meta_data\.json 200/);
    // guests reach each other over the bridge, like VMs on one network
    assert.equal((await a.exec(['python3', '-c', 'import socket; socket.create_connection(("169.254.0.77", 9), 2)'], { allowFailure: true })).stderr.includes('timed out'), false);
  } finally {
    await lab.close();
  }
  const left = (await command(['ip', 'netns', 'list'])).stdout;
  for (const n of names) assert.ok(!left.includes(n), `${n} left behind`);
  assert.ok(!existsSync(lab.dir), 'run directory removed');
});

test('a static network_data.json: eth0 gets the address and reaches the hypervisor side through it', { timeout: 120_000 }, async () => {
  // (a default route would need net-tools: cloud-init 22.4's eni renderer writes `post-up route add ...`,
  // and the image, like Debian's, has no `route`; so the static address is on the lab's segment)
  await withLab({ name: 'static' }, async (lab) => {
    const srv = await serveStaticTree(lab.hv, {
      uuid: UUID,
      hostname: 'static',
      networkData: {
        links: [{ id: 'l0', type: 'phy', ethernet_mac_address: 'fa:16:3e:d8:bb:81', mtu: 1400 }],
        networks: [{ id: 'n0', link: 'l0', type: 'ipv4', ip_address: '169.254.10.10', netmask: '255.255.0.0', network_id: 'x' }],
        services: [{ type: 'dns', address: '169.254.0.1' }],
      },
    });
    const g = await lab.addGuest();
    const b = await g.boot();
    assert.ok(b.ok, readFileSync(b.log, 'utf8').slice(-3000));
    const addr = (await g.exec(['ip', '-o', 'addr', 'show', 'eth0'])).stdout;
    assert.match(addr, /inet 169\.254\.10\.10\/16 /);
    assert.doesNotMatch(addr, /169\.254\.0\.2\//, 'the ephemeral DHCP lease of the local stage is gone');
    assert.match((await g.exec(['ip', 'link', 'show', 'eth0'])).stdout, /mtu 1400/);
    assert.match(readFileSync(`${g.upperDir}/etc/network/interfaces.d/50-cloud-init`, 'utf8'), /dns-nameservers 169\.254\.0\.1/);
    // the guest reaches the hypervisor side from its static address
    const py = 'import urllib.request; print(urllib.request.urlopen("http://169.254.169.254/openstack", timeout=5).status)';
    assert.equal((await g.exec(['python3', '-c', py])).stdout.trim(), '200');
    assert.match(readFileSync(srv.logFile, 'utf8'), /^169\.254\.10\.10 GET \/openstack 200$/m);
  });
});

test('the metadata service down: refused with no server, unreachable without the address', { timeout: 60_000 }, async () => {
  await withLab({ name: 'down' }, async (lab) => {
    const g = await lab.addGuest();
    assert.ok((await g.boot({ agent: { stages: [{ name: 'dhcp', argv: ['dhclient', '-1', '-pf', '/run/dhclient.pid', 'eth0'] }] } })).ok);
    const py = 'import socket,sys\ntry:\n socket.create_connection(("169.254.169.254",80),2); print("open")\nexcept Exception as e: print(type(e).__name__)';
    const probe = async () => (await g.exec(['python3', '-c', py])).stdout.trim();
    assert.equal(await probe(), 'ConnectionRefusedError'); // no server yet: refused at once
    await serveStaticTree(lab.hv, { uuid: UUID, hostname: 'x' });
    assert.equal(await probe(), 'open');
    await lab.hv.setMetadataReachable(false);
    assert.match(await probe(), /^(TimeoutError|OSError)$/); // nobody answers ARP for it
    await lab.hv.setMetadataReachable(true);
    assert.equal(await probe(), 'open');
  });
});

test('nginx in the hypervisor as a reverse proxy in front of a service, adding headers', { timeout: 60_000 }, async () => {
  await withLab({ name: 'proxy' }, async (lab) => {
    const upstream = await serveStaticTree(lab.hv, { uuid: UUID, hostname: 'proxied' }, { host: '127.0.0.1', port: 8775 });
    await lab.hv.startNginx(
      nginxReverseProxy({ listen: '169.254.169.254:80', upstream: '127.0.0.1:8775', setHeaders: { 'X-Forwarded-For': '$remote_addr' } }),
      { waitFor: { host: '169.254.169.254', port: 80 } },
    );
    const g = await lab.addGuest();
    assert.ok((await g.boot({ agent: { stages: [{ name: 'dhcp', argv: ['dhclient', '-1', '-pf', '/run/dhclient.pid', 'eth0'] }] } })).ok);
    const py = 'import json,urllib.request; print(json.load(urllib.request.urlopen("http://169.254.169.254/openstack/latest/meta_data.json", timeout=5))["hostname"])';
    assert.equal((await g.exec(['python3', '-c', py])).stdout.trim(), 'proxied');
    // the service only saw the proxy, which named the guest
    assert.match(readFileSync(upstream.logFile, 'utf8'), /^127\.0\.0\.1 GET \/openstack\/latest\/meta_data\.json 200 xff=169\.254\.0\.2$/m);
    assert.match(readFileSync(`${lab.hv.dir}/nginx/access.log`, 'utf8'), /^169\.254\.0\.2 .*"GET \/openstack\/latest\/meta_data\.json HTTP\/1\.1" 200/m);
  });
});
