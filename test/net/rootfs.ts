// Where the reference cloud-init lives for the oracle test: the lab's cached cloud-init image
// (built on first use, shared machine-wide). It is only read: runOracle binds its work directory
// over the image's /tmp in a private mount namespace.
import { ensureRootfs } from '../lab/rootfs.js';

export async function oracleRootfs(): Promise<string> {
  return (await ensureRootfs('cloud-init')).path;
}
