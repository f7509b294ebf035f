// `node build/test/lab/cli.js rootfs [cloud-init|node]`: builds (or finds) the cached lab images.
import { ensureRootfs, type RootfsVariant } from './rootfs.js';

const [verb, ...args] = process.argv.slice(2);
if (verb === 'rootfs') {
  const variants = (args.length ? args : ['cloud-init', 'node']) as RootfsVariant[];
  for (const v of variants) {
    if (v !== 'cloud-init' && v !== 'node') throw new Error(`unknown rootfs variant ${v}`);
    console.log(JSON.stringify(await ensureRootfs(v)));
  }
} else {
  console.error('usage: node build/test/lab/cli.js rootfs [cloud-init|node]...');
  process.exitCode = 2;
}
