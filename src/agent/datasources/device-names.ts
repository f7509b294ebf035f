// DataSource.device_name_to_device: the device behind a metadata name such as ephemeral0, swap or
// root, for the mounts module. Ec2 reads its block-device-mapping; OpenStack and ConfigDrive read
// the EC2-style mapping first, then look for a filesystem with that label (swap: of that type).
// Other datasources know no such names.
import type { Host } from '../host/host.js';
import type { DatasourceData } from './types.js';

type Dict = Record<string, unknown>;

function bdmLookup(bdm: unknown, name: string, euca = false): string | undefined {
  if (!bdm || typeof bdm !== 'object' || Array.isArray(bdm)) return undefined;
  let found: string | undefined;
  for (const [ent, dev] of Object.entries(bdm as Dict)) {
    if (ent === name) return String(dev);
    // Eucalyptus says "ephemeral" for ephemeral0
    if (euca && ent === 'ephemeral' && name === 'ephemeral0') found = String(dev);
  }
  return found;
}

/** _remap_device: metadata may say sdX where the kernel named it vdX, xvdX or vtbX. */
async function remapDevice(host: Host, short: string): Promise<string | undefined> {
  if (!short.startsWith('sd')) return undefined;
  for (const to of ['vd', 'xvd', 'vtb']) {
    const cand = `/dev/${to}${short.slice(2)}`;
    if (await host.fs.exists(cand)) return cand;
  }
  return undefined;
}

async function validate(host: Host, device: string | undefined): Promise<string | undefined> {
  if (!device) return undefined;
  const d = device.startsWith('/') ? device : `/dev/${device}`;
  if (await host.fs.exists(d)) return d;
  return remapDevice(host, d.split('/').pop() as string);
}

/** util.find_devs_with(LABEL=x or TYPE=swap): the first device blkid lists. */
async function findDevWith(host: Host, criteria: string): Promise<string | undefined> {
  const r = await host.run(['blkid', `-t${criteria}`, '-odevice']);
  if (r.error || (r.code !== 0 && r.code !== 2)) return undefined;
  return r.stdout.split('\n').map((l) => l.trim()).find(Boolean);
}

async function openstackDevice(host: Host, ds: DatasourceData, name: string, log: (m: string) => void): Promise<string | undefined> {
  const names = name === 'root' ? ['ami', name] : name === 'ami' ? [name, 'root'] : [name];
  const ec2 = ds.crawled.ec2_metadata as Dict | undefined;
  log(`Using ec2 style lookup to find device ${JSON.stringify(names)}`);
  for (const n of names) {
    const d = await validate(host, ec2 ? bdmLookup(ec2['block-device-mapping'] ?? {}, n) : undefined);
    if (d) return (log(`Mapped ${name} to device ${d}`), d);
  }
  log(`Using openstack style lookup to find device ${JSON.stringify(names)}`);
  for (const n of names) {
    const d = await validate(host, await findDevWith(host, n === 'swap' ? `TYPE=${n}` : `LABEL=${n}`));
    if (d) return (log(`Mapped ${name} to device ${d}`), d);
  }
  return undefined;
}

async function ec2Device(host: Host, ds: DatasourceData, name: string, log: (m: string) => void): Promise<string | undefined> {
  const bdm = ds.metadata['block-device-mapping'];
  if (bdm === undefined) return undefined;
  if (!bdm || typeof bdm !== 'object' || Array.isArray(bdm)) {
    log(`block-device-mapping not a dictionary: '${JSON.stringify(bdm)}'`);
    return undefined;
  }
  const found = bdmLookup(bdm, name, true);
  if (found === undefined) {
    log(`Unable to convert ${name} to a device`);
    return undefined;
  }
  const dev = found.startsWith('/') ? found : `/dev/${found}`;
  if (await host.fs.exists(dev)) return dev;
  const remapped = await remapDevice(host, dev.split('/').pop() as string);
  if (remapped) return remapped;
  // t1.micro lists an ephemeral0 that never exists: no bogus fstab entry for it (LP: #744019)
  if (name === 'ephemeral0') return undefined;
  return found;
}

export async function deviceNameToDevice(host: Host, ds: DatasourceData | undefined, name: string, log: (m: string) => void): Promise<string | undefined> {
  if (!ds || !name) return undefined;
  if (ds.dsname === 'OpenStack' || ds.dsname === 'ConfigDrive') return openstackDevice(host, ds, name, log);
  if (ds.dsname === 'Ec2') return ec2Device(host, ds, name, log);
  return undefined;
}
