// A tiny Nova-like metadata tree for the lab's own tests (the real service is src/server): files on
// disk under openstack/<version>/, served by static-metadata-server.ts with Nova-style listings.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_IP, type Hypervisor } from './hypervisor.js';
import type { SandboxProcess } from './sandbox.js';
import { repoRoot } from './paths.js';

export interface StaticInstance {
  uuid: string;
  hostname: string;
  name?: string;
  keys?: { name: string; data: string }[];
  userData?: string;
  networkData?: unknown;
  vendorData?: unknown;
}

const VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', 'latest'];

export function writeStaticTree(dir: string, inst: StaticInstance): void {
  for (const v of VERSIONS) {
    const d = join(dir, 'openstack', v);
    mkdirSync(d, { recursive: true });
    const keys = inst.keys ?? [];
    const meta = {
      uuid: inst.uuid,
      name: inst.name ?? inst.hostname,
      hostname: inst.hostname,
      availability_zone: 'nova',
      launch_index: 0,
      project_id: 'lab',
      public_keys: Object.fromEntries(keys.map((k) => [k.name, k.data])),
      keys: keys.map((k) => ({ name: k.name, type: 'ssh', data: k.data })),
      meta: {},
      devices: [],
      random_seed: Buffer.alloc(16, 7).toString('base64'),
    };
    writeFileSync(join(d, 'meta_data.json'), JSON.stringify(meta));
    if (inst.userData !== undefined) writeFileSync(join(d, 'user_data'), inst.userData);
    writeFileSync(join(d, 'vendor_data.json'), JSON.stringify(inst.vendorData ?? {}));
    if (v >= '2016-10-06') writeFileSync(join(d, 'vendor_data2.json'), '{}');
    if (v >= '2015-10-15') writeFileSync(join(d, 'network_data.json'), JSON.stringify(inst.networkData ?? { links: [], networks: [], services: [] }));
    if (v >= '2013-04-04') writeFileSync(join(d, 'password'), '');
  }
  // the EC2-style tree that the OpenStack datasource also crawls (latest/meta-data/)
  for (const v of ['2009-04-04', 'latest']) {
    const md = join(dir, v, 'meta-data');
    mkdirSync(join(md, 'placement'), { recursive: true });
    writeFileSync(join(md, 'instance-id'), `i-${inst.uuid.slice(0, 8)}`);
    writeFileSync(join(md, 'hostname'), inst.hostname);
    writeFileSync(join(md, 'local-hostname'), inst.hostname);
    writeFileSync(join(md, 'placement', 'availability-zone'), 'nova');
    if (inst.userData !== undefined) writeFileSync(join(dir, v, 'user-data'), inst.userData);
  }
}

/**
 * Writes the tree into the lab's run directory and serves it in the hypervisor, on 169.254.169.254:80
 * unless told otherwise. The log (<hv dir>/<name>.log) has a line per request: peer, method, path, status.
 */
export async function serveStaticTree(
  hv: Hypervisor,
  inst: StaticInstance,
  opts: { name?: string; host?: string; port?: number } = {},
): Promise<SandboxProcess> {
  const name = opts.name ?? 'static-metadata';
  const host = opts.host ?? METADATA_IP;
  const port = opts.port ?? 80;
  const tree = join(hv.dir, `${name}-tree`);
  writeStaticTree(tree, inst);
  const p = hv.spawn(name, [process.execPath, join(repoRoot, 'build/test/lab/static-metadata-server.js'), tree, host, String(port)]);
  await hv.waitForPort(host, port, { process: p });
  return p;
}
