// The seed's instance (examples/seed-instance.json) as a registry record, for unit tests.
import type { Instance } from './instance.js';

export const SEED_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDC/aZPawAn3K6K2OMzsENlcluwztaKYFeT3uASXGKlXeGBniZeidns3DnU4pCb4t+1weq5d+B4Tgyt18IDVWUJ5Ehd1xNdAP4Q6nB26WfVMH7PuHgzRLnMZiwhZz4BoxVAtTPfRv/FQGv7f+AQcpblZLz4LefBdrnYnc90ObDPQFfQNMttrars9CfW/RXanYvnUm+VQwzqftqoD3pI5tGaXjEQxrN1+LCteLHB5rABbVDMczilNz+Bg3KlX/pmUhqtrQvXMVHXBs2WuxklL9ibBGzQGTs9nyHNDI/wNs16cSz/QD2KUnEZajzDRChM+Riu6okeJA0JcyRI1Dae2FUf Generated-by-Nova';

export function seedInstance(over: Partial<Instance> = {}): Instance {
  return {
    uuid: '380cc09f-25ce-4a4e-aa88-bba53234d92e',
    name: 'RHEL',
    hostname: 'rhel',
    project_id: '678e269fc36d498586223d3d72fe694a',
    availability_zone: 'nova',
    launch_index: 0,
    image_id: '',
    kernel_id: null,
    ramdisk_id: null,
    instance_type: '',
    reservation_id: 'r-3l2f8xq1',
    security_groups: ['default'],
    block_device_mapping: null,
    public_ipv4: null,
    meta: {},
    keys: [{ name: 'lab-keys', type: 'ssh', data: SEED_KEY }],
    user_data: new TextEncoder().encode(
      '#cloud-config\nuser: cloud-user\npassword: cloud-password\nchpasswd: {expire: False}\nssh_pwauth: True\ndisable_root: 0\n',
    ),
    vendor_data: null,
    network: {
      links: [{ ethernet_mac_address: 'fa:16:3e:d8:bb:81', mtu: 8950, type: 'vhostuser', id: 'tap7dbc4527-31', vif_id: '7dbc4527-319a-45c6-8a0e-a27f92d062d3' }],
      networks: [{ network_id: 'a2332620-8027-4591-a0a6-dae312bc0944', link: 'tap7dbc4527-31', type: 'ipv4_dhcp', id: 'network0' }],
      services: [],
    },
    devices: [],
    dedicated_cpus: [],
    files: [],
    admin_pass: null,
    addresses: [{ mac: 'fa:16:3e:d8:bb:81', ip: '169.254.0.2' }],
    http_tokens: 'optional',
    http_endpoint: 'enabled',
    password: null,
    created_at: '2025-01-01T00:00:00.000Z',
    updated_at: '2025-01-01T00:00:00.000Z',
    revision: 1,
    ...over,
  };
}
