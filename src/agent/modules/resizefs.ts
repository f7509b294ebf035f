// resizefs: grows the root filesystem to fill its device at every boot (resize2fs, xfs_growfs,
// btrfs, growfs, zpool, hammer2), after growpart grew the partition. A root that is not a block
// device (an overlay, a container's) is reported and left alone. `resize_rootfs: noblock` resizes
// in the background.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';
import { translateBool } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { runChecked } from './run-checked.js';
import { getMountInfo } from './mount-info.js';
import { isContainer, rootdevFromCmdline } from './container.js';

const NOBLOCK = 'noblock';

type ResizeCmd = (mountPoint: string, dev: string) => string[];

async function resizeBtrfs(ctx: ModuleContext, mp: string): Promise<string[]> {
  // a read-only root with snapshots is grown through its writable .snapshots subvolume
  const mi = await getMountInfo(ctx.host, mp);
  const ro = !!mi && mi.options.split(',').includes('ro');
  if (ro && (await ctx.host.fs.stat(`${mp}/.snapshots`))?.kind === 'dir') return ['btrfs', 'filesystem', 'resize', 'max', `${mp}/.snapshots`];
  return ['btrfs', 'filesystem', 'resize', 'max', mp];
}

const RESIZERS: [string, ResizeCmd | 'btrfs'][] = [
  ['btrfs', 'btrfs'],
  ['ext', (_mp, dev) => ['resize2fs', dev]],
  ['xfs', (mp) => ['xfs_growfs', mp]],
  ['ufs', (mp) => ['growfs', '-y', mp]],
  ['zfs', (mp, dev) => ['zpool', 'online', '-e', mp, dev]],
  ['hammer2', (mp) => ['hammer2', 'growfs', mp]],
];

/** UFS only: `growfs -N` says when the filesystem already fills its device. */
async function canSkipResize(ctx: ModuleContext, fstype: string, dev: string): Promise<boolean> {
  if (!fstype.toLowerCase().startsWith('ufs')) return false;
  const r = await ctx.host.run(['growfs', '-N', dev]);
  if (r.code === 0) return false;
  if (r.stderr.startsWith('growfs: requested size') && r.stderr.includes('is not larger than the current filesystem size')) return true;
  await runChecked(ctx.host, ['growfs', '-N', dev]);
  return false;
}

/** maybe_get_writable_device_path: the block device to resize, or undefined (reason logged). */
async function writableDevice(ctx: ModuleContext, dev: string, info: string): Promise<string | undefined> {
  const container = await isContainer(ctx.host);
  let d = dev;
  if (d === '/dev/root' && !(await ctx.host.fs.exists(d)) && !container) {
    const fromCmdline = await rootdevFromCmdline(ctx.host);
    if (!fromCmdline) {
      ctx.log('WARNING', "Unable to find device '/dev/root'");
      return undefined;
    }
    ctx.log('DEBUG', `Converted /dev/root to '${fromCmdline}' per kernel cmdline`);
    d = fromCmdline;
  }
  if (d === 'overlayroot') {
    ctx.log('DEBUG', `Not attempting to resize devpath '${d}': ${info}`);
    return undefined;
  }
  if (d.startsWith('gpt/')) {
    ctx.log('DEBUG', 'We have a gpt label - just go ahead');
    return d;
  }
  if (!d.startsWith('/dev/') && !(await ctx.host.fs.exists(d.startsWith('/') ? d : `/${d}`))) {
    const full = `/dev/${d.replace(/^\/+/, '')}`;
    ctx.log('DEBUG', `'${d}' doesn't appear to be a valid device path. Trying '${full}'`);
    d = full;
  }
  const st = await ctx.host.fs.stat(d.startsWith('/') ? d : `/${d}`);
  if (!st) {
    if (container) ctx.log('DEBUG', `Device '${d}' did not exist in container. cannot resize: ${info}`);
    else ctx.log('WARNING', `Device '${d}' did not exist. cannot resize: ${info}`);
    return undefined;
  }
  if (st.kind !== 'other') {
    if (container) ctx.log('DEBUG', `device '${d}' not a block device in container. cannot resize: ${info}`);
    else ctx.log('WARNING', `device '${d}' not a block device. cannot resize: ${info}`);
    return undefined;
  }
  return d;
}

export const resizefs: ModuleDef = {
  name: 'resizefs',
  frequency: PER_ALWAYS,
  distros: 'all',
  async run(ctx) {
    const setting = ctx.args.length ? ctx.args[0] : 'resize_rootfs' in ctx.cfg ? pyStr(ctx.cfg.resize_rootfs) : true;
    if (!translateBool(setting, [NOBLOCK])) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, resizing disabled`);
      return;
    }
    let what = '/';
    const mi = await getMountInfo(ctx.host, what);
    if (!mi) {
      ctx.log('WARNING', `Could not determine filesystem type of ${what}`);
      return;
    }
    let dev: string | undefined = mi.dev;
    if (mi.fstype === 'zfs') {
      const zpool = dev.split('/')[0] as string;
      dev = await zpoolDevice(ctx, zpool);
      if (!dev) return;
      what = zpool;
    }
    const info = `dev=${dev} mnt_point=${mi.mountPoint} path=${what}`;
    ctx.log('DEBUG', `resize_info: ${info}`);
    dev = await writableDevice(ctx, dev, info);
    if (!dev) return;
    if (await canSkipResize(ctx, mi.fstype, dev)) {
      ctx.log('DEBUG', `Skip resize filesystem type ${mi.fstype} for ${what}`);
      return;
    }
    const entry = RESIZERS.find(([p]) => mi.fstype.toLowerCase().startsWith(p));
    if (!entry) {
      ctx.log('WARNING', `Not resizing unknown filesystem type ${mi.fstype} for ${what}`);
      return;
    }
    const cmd = entry[1] === 'btrfs' ? await resizeBtrfs(ctx, what) : entry[1](what, dev);
    ctx.log('DEBUG', `Resizing ${what} (${mi.fstype}) using ${cmd.join(' ')}`);
    if (setting === NOBLOCK) {
      if (!ctx.host.background) throw new Error('this host cannot resize in the background');
      await ctx.host.background(cmd, { output: '/dev/null' });
      ctx.log('DEBUG', `Resizing (via forking) root filesystem (type=${mi.fstype}, val=${pyStr(setting)})`);
      return;
    }
    const t0 = ctx.host.clock.now();
    try {
      await runChecked(ctx.host, cmd);
    } catch (e) {
      ctx.log('WARNING', `Failed to resize filesystem (cmd=${JSON.stringify(cmd)})`);
      throw e;
    } finally {
      ctx.log('DEBUG', `Resizing took ${(ctx.host.clock.now() - t0).toFixed(3)} seconds`);
    }
    ctx.log('DEBUG', `Resized root filesystem (type=${mi.fstype}, val=${pyStr(setting)})`);
  },
};

/** get_device_info_from_zpool: the disk under an ONLINE zpool. */
async function zpoolDevice(ctx: ModuleContext, zpool: string): Promise<string | undefined> {
  if (!(await ctx.host.fs.exists('/dev/zfs'))) {
    ctx.log('DEBUG', 'Cannot get zpool info, no /dev/zfs');
    return undefined;
  }
  const r = await ctx.host.run(['zpool', 'status', zpool]);
  if (r.code !== 0) {
    ctx.log('WARNING', `Unable to get zpool status of ${zpool}: exit ${r.code}`);
    return undefined;
  }
  if (r.stderr) return undefined;
  for (const line of r.stdout.split('\n')) {
    if (/ONLINE/.test(line) && !line.includes(zpool) && !line.includes('state')) {
      const disk = line.trim().split(/\s+/)[0] as string;
      ctx.log('DEBUG', `found zpool "${zpool}" on disk ${disk}`);
      return disk;
    }
  }
  return undefined;
}
