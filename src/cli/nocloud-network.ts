// network_data.json → NoCloud network-config (v1 YAML), with the agent's implementation of
// cloud-init's convert_net_json so that a NoCloud guest gets the network a ConfigDrive guest
// would. The service may not import agent code, so this composition root hands it over.
//
// A seed is built before the guest exists, so NIC names cannot come from its sysfs: physical
// links are named eth0, eth1, ... in link order and matched by MAC, as other NoCloud seed
// builders do; cloud-init renames the NIC with that MAC to the name.
import { openstackToV1 } from '../agent/network/from-openstack.js';
import { pyyamlDump } from '../agent/network/pyyaml-dump.js';

export function nocloudNetworkConfig(networkDataJson: string): string {
  const doc = JSON.parse(networkDataJson) as { links?: Array<{ type?: string; ethernet_mac_address?: string }> };
  const knownMacs = new Map<string, string>();
  for (const link of doc.links ?? []) {
    const mac = link.ethernet_mac_address?.toLowerCase();
    if (mac && link.type !== 'bond' && link.type !== 'vlan' && !knownMacs.has(mac)) knownMacs.set(mac, `eth${knownMacs.size}`);
  }
  return pyyamlDump(openstackToV1(doc, { knownMacs }));
}
