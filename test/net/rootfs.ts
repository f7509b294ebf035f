// Where the reference cloud-init lives for the oracle test.
// TEMPORARY: the lab's cached builder (test/lab/rootfs.ts ensureRootfs) replaces this once it is on main.
import { existsSync } from 'node:fs';

export async function oracleRootfs(): Promise<string> {
  const p = process.env.KINDLING_NET_ORACLE_ROOTFS || '/var/cache/kindling-lab/ref-rootfs';
  if (!existsSync(`${p}/usr/bin/cloud-init`)) throw new Error(`no cloud-init rootfs at ${p}`);
  return p;
}
