// The swap file of the mounts module (`swap: {filename, size, maxsize}`): sizes as "512M", "2G",
// a number of bytes or "auto" (cloud-init's suggestion from memory and free disk), created with
// fallocate (dd on btrfs and old-kernel xfs, or when fallocate fails), mode 0600, and mkswap.
import type { ModuleContext } from './types.js';
import { getMountInfo } from './mount-info.js';
import { runChecked } from './run-checked.js';
import { pyStr } from './shellify.js';
import { isDict } from './cfg-values.js';

const MB = 2 ** 20;
const GB = 2 ** 30;

/** util.human2bytes: "10M" → 10485760, ".5G" → 536870912. */
export function human2bytes(size: string): number {
  const s = size.endsWith('B') ? size.slice(0, -1) : size;
  const mult: Record<string, number> = { B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };
  let m = 1;
  let num = s;
  for (const [k, v] of Object.entries(mult)) {
    if (s.endsWith(k)) {
      m = v;
      num = s.slice(0, -k.length);
    }
  }
  // Python's float(): surrounding whitespace allowed, an empty string not
  const n = Number(num.trim());
  if (num.trim() === '' || !Number.isFinite(n) || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(num.trim())) throw new Error(`'${size}' is not valid input.`);
  if (n < 0) throw new Error(`'${size}': cannot be negative`);
  return Math.trunc(n * m);
}

/** suggested_swapsize. */
export function suggestedSwapsize(memsize: number, maxsize: number | undefined, avail: number | undefined): number {
  const suggMax = memsize * 2;
  let max = maxsize;
  if (avail === undefined) max ??= suggMax;
  else if (max === undefined) max = Math.min(Math.trunc(avail / 4), suggMax);
  else if (max > avail * 0.9) max = Math.trunc(avail * 0.9);
  const min = memsize < 4 * GB ? memsize : memsize < 16 * GB ? 4 * GB : Math.round(Math.sqrt(memsize / GB)) * GB;
  return Math.min(min, max);
}

async function memTotal(ctx: ModuleContext): Promise<number | undefined> {
  const t = await ctx.host.fs.readTextIfExists('/proc/meminfo').catch(() => undefined);
  const m = t ? /^MemTotal:\s+(\d+)\s*kB/m.exec(t) : null;
  return m ? Number(m[1]) * 1024 : undefined;
}

async function kernelBefore(ctx: ModuleContext, major: number, minor: number): Promise<boolean> {
  const rel = ((await ctx.host.fs.readTextIfExists('/proc/sys/kernel/osrelease').catch(() => undefined)) ?? '').trim();
  const [a = 0, b = 0] = rel.split('.').map((x) => parseInt(x, 10));
  return a < major || (a === major && b < minor);
}

async function createSwapfile(ctx: ModuleContext, fname: string, mib: string): Promise<void> {
  const dir = fname.slice(0, fname.lastIndexOf('/')) || '/';
  await ctx.host.fs.mkdir(dir);
  const fstype = (await getMountInfo(ctx.host, dir))?.fstype ?? '';
  const create = async (method: 'fallocate' | 'dd') => {
    ctx.log('DEBUG', `Creating swapfile in '${fname}' on fstype '${fstype}' using '${method}'`);
    const cmd = method === 'fallocate' ? ['fallocate', '-l', `${mib}M`, fname] : ['dd', 'if=/dev/zero', `of=${fname}`, 'bs=1M', `count=${mib}`];
    try {
      await runChecked(ctx.host, cmd);
    } catch (e) {
      ctx.log('INFO', `Failed to create swapfile '${fname}' of size ${mib}MB via ${method}: ${(e as Error).message}`);
      await ctx.host.fs.remove(fname);
      throw e;
    }
  };
  if ((fstype === 'xfs' && (await kernelBefore(ctx, 4, 18))) || fstype === 'btrfs') await create('dd');
  else {
    try {
      await create('fallocate');
    } catch {
      ctx.log('INFO', 'fallocate swap creation failed, will attempt with dd');
      await create('dd');
    }
  }
  if (await ctx.host.fs.exists(fname)) await ctx.host.fs.chmod(fname, 0o600);
  try {
    await runChecked(ctx.host, ['mkswap', fname]);
  } catch (e) {
    await ctx.host.fs.remove(fname);
    throw e;
  }
}

async function setupSwapfile(ctx: ModuleContext, fname: string, size: number | 'auto', maxsize: number | undefined): Promise<string | undefined> {
  const dir = fname.slice(0, fname.lastIndexOf('/')) || '/';
  let bytes: number;
  if (size === 'auto') {
    const mem = await memTotal(ctx);
    if (mem === undefined) {
      ctx.log('DEBUG', 'Not creating swap: failed to read meminfo');
      return undefined;
    }
    await ctx.host.fs.mkdir(dir);
    const st = ctx.host.fs.statfs ? await ctx.host.fs.statfs(dir) : undefined;
    bytes = suggestedSwapsize(mem, maxsize, st ? st.frsize * st.bfree : undefined);
  } else bytes = size;
  if (!bytes) {
    ctx.log('DEBUG', 'Not creating swap: suggested size was 0');
    return undefined;
  }
  const t0 = ctx.host.clock.now();
  try {
    await createSwapfile(ctx, fname, String(Math.trunc(bytes / MB)));
  } finally {
    ctx.log('DEBUG', `Setting up swap file took ${(ctx.host.clock.now() - t0).toFixed(3)} seconds`);
  }
  return fname;
}

/** handle_swapcfg: the swap file to list in fstab (made if needed), or undefined. */
export async function handleSwapCfg(ctx: ModuleContext, swapcfg: unknown): Promise<string | undefined> {
  if (!isDict(swapcfg)) {
    ctx.log('WARNING', 'input for swap config was not a dict.');
    return undefined;
  }
  const fname = swapcfg.filename === undefined ? '/swap.img' : pyStr(swapcfg.filename);
  const size = swapcfg.size ?? 0;
  const maxsize = swapcfg.maxsize ?? undefined;
  if (!size || !fname || swapcfg.filename === null) {
    ctx.log('DEBUG', 'no need to setup swap');
    return undefined;
  }
  if (await ctx.host.fs.exists(fname)) {
    const swaps = await ctx.host.fs.readTextIfExists('/proc/swaps').catch(() => null);
    if (swaps === undefined) {
      ctx.log('DEBUG', `swap file ${fname} exists, but no /proc/swaps exists, being safe`);
      return fname;
    }
    if (swaps === null) {
      ctx.log('WARNING', `swap file ${fname} exists. Error reading /proc/swaps`);
      return fname;
    }
    if (swaps.split('\n').some((l) => l.startsWith(`${fname} `))) {
      ctx.log('DEBUG', `swap file ${fname} already in use`);
      return fname;
    }
    ctx.log('DEBUG', `swap file ${fname} exists, but not in /proc/swaps`);
  }
  try {
    const s = typeof size === 'string' && size !== 'auto' ? human2bytes(size) : size === 'auto' ? 'auto' : Number(size);
    const m = typeof maxsize === 'string' ? human2bytes(maxsize) : typeof maxsize === 'number' ? maxsize : undefined;
    if (typeof s === 'number' && !Number.isFinite(s)) throw new Error(`'${pyStr(size)}' is not valid input.`);
    return await setupSwapfile(ctx, fname, s, m);
  } catch (e) {
    ctx.log('WARNING', `failed to setup swap: ${(e as Error).message}`);
    return undefined;
  }
}
