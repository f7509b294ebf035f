// Network configuration at a real (namespaced) boot, kindling-init beside the real cloud-init:
// - static network_data.json: eth0 ends up with the configured address, reaches the hypervisor-side
//   server over it, and the renderer's DNS settings hold the service's DNS address; the files match
//   what the real cloud-init writes for the same metadata;
// - ipv4_dhcp: eth0 gets its lease from the lab's DHCP server;
// - bad network_data.json: one clear ERROR line, and the guest still comes up by DHCP (where the
//   real cloud-init fails its local stage and leaves eth0 without an address).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { withLab } from '../lab/lab.js';
import { serveStaticTree } from '../lab/static-metadata.js';
import type { Guest } from '../lab/guest.js';
import { netConvert } from '../../src/agent/network/net-convert.js';

const MAC = 'fa:16:3e:d8:bb:81';
const STATIC_IP = '169.254.0.10';
const link = { id: 'tap7dbc4527-31', type: 'ovs', ethernet_mac_address: MAC, mtu: 1450, vif_id: '7dbc4527-319a-45c6-8a0e-a27f92d062d3' };
const STATIC = {
  links: [link],
  networks: [{ id: 'network0', link: link.id, type: 'ipv4', ip_address: STATIC_IP, netmask: '255.255.0.0', routes: [], network_id: 'n0' }],
  services: [{ type: 'dns', address: '169.254.169.254' }],
};
const DHCP = { links: [link], networks: [{ id: 'network0', link: link.id, type: 'ipv4_dhcp', network_id: 'n0' }], services: [] };
const BAD = { links: [link, { id: 'bond0', type: 'bond', bond_links: [link.id, 'tap-missing'], bond_mode: '802.3ad' }], networks: [{ id: 'network0', link: 'bond0', type: 'ipv4_dhcp', network_id: 'n0' }], services: [] };

const ENI = '/etc/network/interfaces.d/50-cloud-init';
const RULES = '/etc/udev/rules.d/70-persistent-net.rules';

async function eth0(g: Guest): Promise<string> {
  return (await g.exec(['ip', '-o', '-4', 'addr', 'show', 'eth0'])).stdout;
}

/** A TCP connection from inside the guest to the metadata server, over eth0. */
async function reachesServer(g: Guest): Promise<boolean> {
  const r = await g.exec(['python3', '-c', 'import socket; socket.create_connection(("169.254.169.254", 80), 3); print("ok")'], { allowFailure: true });
  return r.stdout.trim() === 'ok';
}

async function bootBoth(networkData: unknown, check: (g: Guest, agent: 'kindling' | 'cloud-init') => Promise<void>): Promise<Record<string, Guest>> {
  const guests: Record<string, Guest> = {};
  await withLab({ name: 'net' }, async (lab) => {
    await serveStaticTree(lab.hv, { uuid: '6f8b4f5e-9d7c-4f5a-8f51-2f0d3c1b7a10', hostname: 'nethost', networkData });
    for (const agent of ['kindling', 'cloud-init'] as const) {
      // one guest at a time on the segment: both use the same MAC (the one network_data.json names)
      const g = await lab.addGuest({ name: agent, rootfs: 'node', mac: MAC, dmi: { product_uuid: '6f8b4f5e-9d7c-4f5a-8f51-2f0d3c1b7a10' } });
      const boot = await g.boot({ agent });
      if (agent === 'kindling') assert.ok(boot.ok, readFileSync(boot.log, 'utf8').slice(-4000));
      await check(g, agent);
      guests[agent] = g;
      await g.close();
    }
  });
  return guests;
}

test('static network_data.json: the address, the route to the server and the DNS server, as the real cloud-init writes them', { timeout: 300_000 }, async () => {
  const files: Record<string, Record<string, string>> = {};
  await bootBoth(STATIC, async (g, agent) => {
    const addrs = await eth0(g);
    assert.match(addrs, new RegExp(`inet ${STATIC_IP.replace(/\./g, '\\.')}/16 `), `${agent}: eth0 has the configured address`);
    assert.equal(addrs.trim().split('\n').length, 1, `${agent}: and only that one (the ephemeral lease is gone): ${addrs}`);
    assert.ok(await reachesServer(g), `${agent}: the server is reachable over eth0`);
    assert.match(g.readFile(ENI), /iface lo inet loopback\n    dns-nameservers 169\.254\.169\.254\n/, `${agent}: the renderer's DNS settings`);
    files[agent] = { [ENI]: g.readFile(ENI), [RULES]: g.readFile(RULES) };
  });
  assert.deepEqual(files.kindling, files['cloud-init']);
});

test('ipv4_dhcp: eth0 gets its address from the lab DHCP server', { timeout: 300_000 }, async () => {
  const files: Record<string, string> = {};
  await bootBoth(DHCP, async (g, agent) => {
    assert.ok(g.ip);
    assert.match(await eth0(g), new RegExp(`inet ${g.ip.replace(/\./g, '\\.')}/16 .* dynamic eth0`), `${agent}: the lab's fixed lease`);
    assert.ok(await reachesServer(g), `${agent}: the server is reachable`);
    assert.match(g.readFile(ENI), /auto eth0\niface eth0 inet dhcp\n    mtu 1450\n$/);
    files[agent] = g.readFile(ENI);
  });
  assert.equal(files.kindling, files['cloud-init']);
});

test('bad network_data.json: a clear ERROR line and DHCP instead, where 22.4 leaves the guest offline', { timeout: 300_000 }, async () => {
  await bootBoth(BAD, async (g, agent) => {
    const log = g.readFile('/var/log/cloud-init.log');
    if (agent === 'kindling') {
      assert.match(log, /\[ERROR\]: Network config from the datasource \(network_data\.json\) rejected: a link refers to unknown link id 'tap-missing'/);
      assert.match(g.readFile(ENI), /auto eth0\niface eth0 inet dhcp\n$/);
      assert.match(await eth0(g), new RegExp(`inet ${g.ip!.replace(/\./g, '\\.')}/16 .* dynamic eth0`));
      assert.ok(await reachesServer(g));
    } else {
      // the reference behaviour this test documents: the local stage fails, nothing is rendered
      assert.match(log, /failed stage init-local/);
      assert.ok(!existsSync(g.path(ENI)));
    }
  });
});

// This machine's kernel has no bonding, 8021q or dummy driver, so the bond and VLAN .netdev files are
// checked by the corpus only; a bridge (which it has) shows the .netdev path end to end.
test('systemd-networkd builds a bridge from our .netdev and .network files (22.4 writes no .netdev)', { timeout: 120_000 }, async () => {
  const v1 = {
    version: 1,
    config: [
      { type: 'physical', name: 'ens5', mac_address: 'fa:16:3e:00:aa:01' },
      { type: 'physical', name: 'ens6', mac_address: 'fa:16:3e:00:aa:02' },
      { type: 'bridge', name: 'br0', bridge_interfaces: ['ens5', 'ens6'], params: { bridge_stp: 'off', bridge_fd: 0, bridge_bridgeprio: 8192 },
        subnets: [{ type: 'static', address: '10.77.0.5/24', gateway: '10.77.0.1' }] },
    ],
  };
  const r = await netConvert({
    kind: 'yaml', text: JSON.stringify(v1), distro: 'debian', output: 'networkd', macs: [],
    sys: { fs: { readdir: async () => [], readTextIfExists: async () => undefined, exists: async () => false, readlink: async () => undefined } },
    existing: () => undefined, warn: () => {},
  });
  assert.ok(r.files.some((f) => f.path.endsWith('10-cloud-init-br0.netdev')));
  await withLab({ name: 'networkd' }, async (lab) => {
    // (a machine id, as a booted image has one: networkd's DHCPv6 client needs it for its DUID)
    const files = { ...Object.fromEntries(r.files.map((f) => [`/${f.path}`, f.content])), '/etc/machine-id': '5f0e7c1b2a9d4e8f9a6b3c2d1e0f4a5b\n' };
    const g = await lab.addGuest({ name: 'nd', datasources: null, files });
    for (const [name, mac] of [['ens5', 'fa:16:3e:00:aa:01'], ['ens6', 'fa:16:3e:00:aa:02']] as const) {
      // a veth per port, the far end up so that the bridge gets a carrier (and so its address)
      await g.exec(['ip', 'link', 'add', name, 'address', mac, 'type', 'veth', 'peer', 'name', `p${name}`]);
      await g.exec(['ip', 'link', 'set', `p${name}`, 'up']);
    }
    // networkd as its unit runs it, stopped once it has had time to configure everything; /sys made
    // read-only (as in a container) so that it does not wait for a udev that the lab does not run
    await g.exec(['sh', '-c', 'mount -o remount,ro /sys && mkdir -p /run/systemd/netif && timeout 6 /lib/systemd/systemd-networkd; true']);
    const br = (await g.exec(['ip', '-d', 'link', 'show', 'br0'])).stdout;
    assert.match(br, /bridge forward_delay 0 .*stp_state 0 .*priority 8192 /s);
    for (const port of ['ens5', 'ens6']) assert.match((await g.exec(['ip', '-o', 'link', 'show', port])).stdout, /master br0/);
    assert.match((await g.exec(['ip', '-o', '-4', 'addr', 'show', 'br0'])).stdout, /inet 10\.77\.0\.5\/24 /);
  });
});

test('user-data never changes the network config, not even on a later boot (22.4 lets it)', { timeout: 300_000 }, async () => {
  // user-data asking for re-rendering at every boot (allowed: it is how cloud-init documents
  // `updates`) and giving a network config of its own (never allowed)
  const userData = `#cloud-config\nupdates:\n  network:\n    when: [boot]\nnetwork:\n  version: 1\n  config:\n  - type: physical\n    name: eth0\n    mac_address: "${MAC}"\n    subnets: [{type: static, address: 169.254.0.99/16}]\n`;
  const uuid = '6f8b4f5e-9d7c-4f5a-8f51-2f0d3c1b7a11';
  const second: Record<string, string> = {};
  await withLab({ name: 'net-ud' }, async (lab) => {
    await serveStaticTree(lab.hv, { uuid, hostname: 'nethost', networkData: STATIC, userData });
    for (const agent of ['kindling', 'cloud-init'] as const) {
      const g = await lab.addGuest({ name: agent, rootfs: 'node', mac: MAC, dmi: { product_uuid: uuid } });
      for (const n of [1, 2]) {
        const boot = await g.boot({ agent });
        if (agent === 'kindling') assert.ok(boot.ok, readFileSync(boot.log, 'utf8').slice(-4000));
        if (n === 1) assert.match(g.readFile(ENI), /address 169\.254\.0\.10\/16/, `${agent}: first boot from network_data.json`);
      }
      second[agent] = (await eth0(g)).trim();
      await g.close();
    }
  });
  assert.match(second.kindling!, /inet 169\.254\.0\.10\/16 /);
  // the reference: 22.4 merges the stored user-data into its config and renders its `network:`
  assert.match(second['cloud-init']!, /inet 169\.254\.0\.99\/16 /);
});
