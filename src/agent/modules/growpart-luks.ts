// growpart on a LUKS volume: find the partition under the dm device, check it is LUKS, grow the
// volume with the key the image left in /cc_growpart_keydata (then kill that key slot and delete
// the file, as cloud-init does). The key goes to cryptsetup on stdin only.
import type { ModuleContext } from './types.js';
import { runChecked } from './run-checked.js';
import { which } from './which.js';

const KEYDATA_PATH = '/cc_growpart_keydata';

export async function underlyingPartition(ctx: ModuleContext, blockdev: string): Promise<string> {
  const r = await runChecked(ctx.host, ['dmsetup', 'deps', '--options=devname', blockdev]);
  const dep = r.stdout;
  if (!dep.startsWith('1 depend')) throw new Error(`Expecting '1 dependencies' from 'dmsetup'. Received: ${dep}`);
  const m = /: \(([^)]*)\)/.exec(dep);
  if (!m) throw new Error(`Ran \`dmsetup deps --options=devname ${blockdev}\`, but received unexpected stdout: \`${dep}\``);
  return `/dev/${m[1]}`;
}

export async function isEncrypted(ctx: ModuleContext, blockdev: string, partition: string): Promise<boolean> {
  if (!(await which(ctx.host, 'cryptsetup'))) {
    ctx.log('DEBUG', 'cryptsetup not found. Assuming no encrypted partitions');
    return false;
  }
  const st = await ctx.host.run(['cryptsetup', 'status', blockdev]);
  if (st.code !== 0) {
    if (st.code === 4) ctx.log('DEBUG', `Determined that ${blockdev} is not encrypted`);
    else ctx.log('WARNING', `Received unexpected exit code ${st.code} from cryptsetup status. Assuming no encrypted partitions.`);
    return false;
  }
  const luks = await ctx.host.run(['cryptsetup', 'isLuks', partition]);
  if (luks.code === 0) {
    ctx.log('DEBUG', `Determined that ${blockdev} is encrypted`);
    return true;
  }
  return false;
}

export async function resizeEncrypted(ctx: ModuleContext, blockdev: string, partition: string): Promise<['SKIPPED' | 'CHANGED', string]> {
  const text = await ctx.host.fs.readTextIfExists(KEYDATA_PATH);
  if (text === undefined) return ['SKIPPED', 'No encryption keyfile found'];
  let key: Buffer;
  let slot: string;
  try {
    const data = JSON.parse(text) as { key: string; slot: unknown };
    key = Buffer.from(data.key, 'base64');
    slot = String(data.slot);
    if (data.slot === undefined) throw new Error('no slot');
  } catch {
    throw new Error('Could not load encryption key. This is expected if the volume has been previously resized.');
  }
  try {
    await runChecked(ctx.host, ['cryptsetup', '--key-file', '-', 'resize', blockdev], { input: key, sensitive: true });
  } finally {
    const kill = await ctx.host.run(['cryptsetup', 'luksKillSlot', '--batch-mode', partition, slot]);
    if (kill.code !== 0) ctx.log('WARNING', `Failed to kill luks slot after resizing encrypted volume: exit ${kill.code}`);
    try {
      await ctx.host.fs.remove(KEYDATA_PATH);
    } catch (e) {
      ctx.log('WARNING', `Failed to remove keyfile after resizing encrypted volume: ${(e as Error).message}`);
    }
  }
  return ['CHANGED', `Successfully resized encrypted volume '${blockdev}'`];
}
