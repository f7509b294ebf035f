// The side-by-side method on real data: the real cloud-init run twice on identical fresh overlays
// (two boots each) must come out equal after normalisation (host keys, logs, timestamps, random
// seeds, MIME boundaries, DHCP leases, password hashes verified), except for one file planted in the
// second run, which the diff must find.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareAgents, type Scenario } from './compare.js';
import { serveStaticTree } from './static-metadata.js';

const UUID = '5c1e0b36-5a43-4c29-9a39-0f1a4e4f3b1d';

const scenario = (extra: Partial<Scenario> = {}): Scenario => ({
  name: 'cmp',
  boots: 2,
  guest: { rootfs: 'node' },
  setup: async (lab) => {
    await serveStaticTree(lab.hv, {
      uuid: UUID,
      hostname: 'cmp',
      keys: [{ name: 'k', data: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGsb0BzS1cD9T7VwSPMLy0Sg2eE1g4PxRq3nKc8RJv6o k@lab' }],
      userData: '#cloud-config\nuser: cloud-user\npassword: cloud-password\nchpasswd: {expire: False}\nssh_pwauth: True\nruncmd: [ [ sh, -c, "date > /root/date" ] ]\n',
      networkData: {
        links: [{ id: 'l0', type: 'phy', ethernet_mac_address: 'fa:16:3e:d8:bb:81' }],
        networks: [{ id: 'n0', link: 'l0', type: 'ipv4_dhcp', network_id: 'x' }],
        services: [],
      },
      vendorData: { 'cloud-init': '#cloud-config\nbootcmd: [ [ sh, -c, "echo $INSTANCE_ID > /root/bootcmd" ] ]\n' },
    });
  },
  passwords: { 'cloud-user': 'cloud-password' },
  ...extra,
});

test('cloud-init vs cloud-init on identical overlays: nothing differs after normalisation but a planted file', { timeout: 300_000 }, async () => {
  let runs = 0;
  const c = await compareAgents(
    scenario({
      beforeBoot: async (_lab, guest, boot) => {
        if (boot === 1 && ++runs === 2) writeFileSync(join(guest.rootDir, 'etc/motd'), 'planted by the second run\n');
      },
    }),
    { a: 'cloud-init', b: 'cloud-init' },
  );
  for (const r of [c.a, c.b]) assert.ok(r.boots.length === 2 && r.boots.every((b) => b.ok), JSON.stringify(r.boots.map((b) => b.stages)));
  assert.deepEqual(c.diff.differences.map((d) => [d.path, d.change]), [['/etc/motd', 'only-b']], c.report);
  assert.ok(c.diff.same > 50, c.report);
});
