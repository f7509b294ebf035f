// growpart: grows partitions (default: the one holding /) to the end of their disk with
// cloud-guest-utils' growpart (or FreeBSD's gpart), at every boot; a partition with no room left
// is reported unchanged. A LUKS volume on the partition is grown too when the image left its key
// in /cc_growpart_keydata. /etc/growroot-disabled or `mode: off` turn it off.
import type { ModuleContext, ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';
import { cfgList, isDict, isFalse } from './cfg-values.js';
import { pyStr } from './shellify.js';
import { which } from './which.js';
import { ProcessError, runChecked } from './run-checked.js';
import { getMountInfo } from './mount-info.js';
import { isContainer, rootdevFromCmdline } from './container.js';
import { resizeEncrypted, underlyingPartition, isEncrypted } from './growpart-luks.js';

type Action = 'SKIPPED' | 'CHANGED' | 'NOCHANGE' | 'FAILED';

interface Resizer {
  name: string;
  available(ctx: ModuleContext): Promise<boolean>;
  resize(ctx: ModuleContext, disk: string, ptnum: string, part: string): Promise<[number, number]>;
}

class ResizeFailed extends Error {}

/** The size of a block device in bytes (what seeking to its end gives), from sysfs. */
async function blockSize(ctx: ModuleContext, dev: string): Promise<number> {
  const name = ctx.host.fs.resolve(dev).split('/').pop();
  const t = await ctx.host.fs.readTextIfExists(`/sys/class/block/${name}/size`);
  if (t === undefined) throw new Error(`cannot read the size of ${dev}`);
  return Number(t.trim()) * 512;
}

const growpartResizer: Resizer = {
  name: 'growpart',
  async available(ctx) {
    if (!(await which(ctx.host, 'growpart'))) return false;
    const r = await ctx.host.run(['growpart', '--help'], { env: { LANG: 'C' } });
    return r.code === 0 && /--update\s+/.test(r.stdout);
  },
  async resize(ctx, disk, ptnum, part) {
    const before = await blockSize(ctx, part);
    // growpart needs an executable TMPDIR; cloud-init keeps its ancestor (1777) for later runs
    const anc = '/var/tmp/cloud-init';
    if ((await ctx.host.fs.stat(anc))?.kind !== 'dir') await ctx.host.fs.mkdir(anc, { mode: 0o1777 });
    const tmp = `${anc}/tmp-growpart-${process.pid}`;
    await ctx.host.fs.mkdir(`${tmp}/growpart`, { mode: 0o700 });
    const env = { LANG: 'C', TMPDIR: `${tmp}/growpart` };
    try {
      const dry = await ctx.host.run(['growpart', '--dry-run', disk, ptnum], { env });
      if (dry.code !== 0 || dry.error) {
        if (dry.code !== 1 || dry.error) {
          ctx.log('WARNING', `Failed growpart --dry-run for (${disk}, ${ptnum})`);
          throw new ResizeFailed(new ProcessError(['growpart', '--dry-run', disk, ptnum], dry).message);
        }
        return [before, before];
      }
      try {
        await runChecked(ctx.host, ['growpart', disk, ptnum], { env });
      } catch (e) {
        ctx.log('WARNING', `Failed: growpart ${disk} ${ptnum}`);
        throw new ResizeFailed((e as Error).message);
      }
    } finally {
      await ctx.host.fs.remove(tmp, { recursive: true });
    }
    return [before, await blockSize(ctx, part)];
  },
};

const gpartResizer: Resizer = {
  name: 'gpart',
  async available(ctx) {
    if (!(await which(ctx.host, 'gpart'))) return false;
    const r = await ctx.host.run(['gpart', 'help'], { env: { LANG: 'C' } });
    return (r.code === 0 || r.code === 1) && /gpart recover /.test(r.stderr);
  },
  async resize(ctx, disk, ptnum, part) {
    const rec = await ctx.host.run(['gpart', 'recover', disk]);
    if (rec.code !== 0) throw new ResizeFailed(new ProcessError(['gpart', 'recover', disk], rec).message);
    const before = await blockSize(ctx, part);
    try {
      await runChecked(ctx.host, ['gpart', 'resize', '-i', ptnum, disk]);
    } catch (e) {
      throw new ResizeFailed((e as Error).message);
    }
    return [before, await blockSize(ctx, part)];
  },
};

const RESIZERS: Resizer[] = [growpartResizer, gpartResizer];

async function resizerFor(ctx: ModuleContext, mode: string): Promise<Resizer> {
  if (mode === 'auto') {
    for (const r of RESIZERS) if (await r.available(ctx)) return r;
    throw new Error('No resizers available');
  }
  const r = RESIZERS.find((x) => x.name === mode);
  if (!r) throw new TypeError(`unknown resize mode ${mode}`);
  if (!(await r.available(ctx))) throw new Error(`mode ${mode} not available`);
  return r;
}

/** device_part_info: the whole disk and the partition number of a partition device. */
async function devicePartInfo(ctx: ModuleContext, dev: string): Promise<[string, string]> {
  const name = ctx.host.fs.resolve(dev).split('/').pop() as string;
  const sys = `/sys/class/block/${name}`;
  if (!(await ctx.host.fs.exists(sys))) throw new Error(`${dev} had no syspath (${sys})`);
  const ptnum = await ctx.host.fs.readTextIfExists(`${sys}/partition`);
  if (ptnum === undefined) throw new TypeError(`${dev} not a partition`);
  const real = await realGuestPath(ctx, sys);
  const diskSys = real.slice(0, real.lastIndexOf('/'));
  const majmin = ((await ctx.host.fs.readTextIfExists(`${diskSys}/dev`)) ?? '').trim();
  return [await realGuestPath(ctx, `/dev/block/${majmin}`), ptnum.trimEnd()];
}

async function realGuestPath(ctx: ModuleContext, p: string): Promise<string> {
  const real = ctx.host.fs.resolve(p);
  const root = ctx.host.fs.root.replace(/\/$/, '');
  return root && real.startsWith(`${root}/`) ? real.slice(root.length) : real;
}

async function devent2dev(ctx: ModuleContext, devent: string): Promise<string> {
  if (devent.startsWith('/dev/')) return devent;
  const mi = await getMountInfo(ctx.host, devent);
  if (!mi) throw new Error("Could not determine device of '%s' % dev_ent");
  if (mi.dev === '/dev/root' && !(await isContainer(ctx.host))) {
    const d = await rootdevFromCmdline(ctx.host);
    if (!d) throw new Error("Unable to find device '/dev/root'");
    return d;
  }
  return mi.dev;
}

async function resizeDevices(ctx: ModuleContext, resizer: Resizer, devices: string[]): Promise<[string, Action, string][]> {
  const todo = [...devices];
  const info: [string, Action, string][] = [];
  while (todo.length) {
    const devent = todo.shift() as string;
    let blockdev: string;
    try {
      blockdev = await devent2dev(ctx, devent);
    } catch (e) {
      info.push([devent, 'SKIPPED', `unable to convert to device: ${(e as Error).message}`]);
      continue;
    }
    const st = await ctx.host.fs.stat(blockdev).catch(() => undefined);
    if (!st) {
      info.push([devent, 'SKIPPED', `stat of '${blockdev}' failed: [Errno 2] No such file or directory: '${blockdev}'`]);
      continue;
    }
    if (st.kind !== 'other') {
      info.push([devent, 'SKIPPED', `device '${blockdev}' not a block device`]);
      continue;
    }
    const real = await realGuestPath(ctx, blockdev);
    if (real.startsWith('/dev/dm-')) {
      ctx.log('DEBUG', `${blockdev} is a mapped device pointing to ${real}`);
      try {
        const partition = await underlyingPartition(ctx, blockdev);
        if (await isEncrypted(ctx, real, partition)) {
          if (!info.some((x) => x[0] === partition)) {
            todo.unshift(partition, devent);
            continue;
          }
          info.push([devent, ...(await resizeEncrypted(ctx, blockdev, partition))]);
        } else info.push([devent, 'SKIPPED', `Resizing mapped device (${blockdev}) skipped as it is not encrypted.`]);
      } catch (e) {
        info.push([devent, 'FAILED', `Resizing encrypted device (${blockdev}) failed: ${(e as Error).message}`]);
      }
      continue;
    }
    let disk: string;
    let ptnum: string;
    try {
      [disk, ptnum] = await devicePartInfo(ctx, blockdev);
    } catch (e) {
      info.push([devent, 'SKIPPED', `device_part_info(${blockdev}) failed: ${(e as Error).message}`]);
      continue;
    }
    try {
      const [before, after] = await resizer.resize(ctx, disk, ptnum, blockdev);
      info.push(before === after ? [devent, 'NOCHANGE', `no change necessary (${disk}, ${ptnum})`] : [devent, 'CHANGED', `changed (${disk}, ${ptnum}) from ${before} to ${after}`]);
    } catch (e) {
      if (!(e instanceof ResizeFailed)) throw e;
      info.push([devent, 'FAILED', `failed to resize: disk=${disk}, ptnum=${ptnum}: ${e.message}`]);
    }
  }
  return info;
}

export const growpart: ModuleDef = {
  name: 'growpart',
  frequency: PER_ALWAYS,
  distros: 'all',
  async run(ctx) {
    if (!('growpart' in ctx.cfg)) {
      ctx.log('DEBUG', "No 'growpart' entry in cfg.  Using default: {'mode': 'auto', 'devices': ['/'], 'ignore_growroot_disabled': False}");
      ctx.cfg.growpart = { mode: 'auto', devices: ['/'], ignore_growroot_disabled: false };
    }
    const my = ctx.cfg.growpart;
    if (!isDict(my)) {
      ctx.log('WARNING', "'growpart' in config was not a dict");
      return;
    }
    const mode = my.mode ?? 'auto';
    if (isFalse(mode)) {
      if (mode !== 'off') ctx.log('WARNING', `DEPRECATED: growpart mode '${pyStr(mode)}' is deprecated. Use 'off' instead.`);
      ctx.log('DEBUG', `growpart disabled: mode=${pyStr(mode)}`);
      return;
    }
    if (isFalse(my.ignore_growroot_disabled ?? false) && (await ctx.host.fs.stat('/etc/growroot-disabled'))?.kind === 'file') {
      ctx.log('DEBUG', 'growpart disabled: /etc/growroot-disabled exists');
      ctx.log('DEBUG', 'use ignore_growroot_disabled to ignore');
      return;
    }
    const devices = (cfgList(my, 'devices', ['/']) ?? []).map(pyStr);
    if (!devices.length) {
      ctx.log('DEBUG', 'growpart: empty device list');
      return;
    }
    let resizer: Resizer;
    try {
      resizer = await resizerFor(ctx, pyStr(mode));
    } catch (e) {
      ctx.log('DEBUG', `growpart unable to find resizer for '${pyStr(mode)}': ${(e as Error).message}`);
      if (mode !== 'auto') throw e;
      return;
    }
    const t0 = ctx.host.clock.now();
    const resized = await resizeDevices(ctx, resizer, devices);
    ctx.log('DEBUG', `resize_devices took ${(ctx.host.clock.now() - t0).toFixed(3)} seconds`);
    for (const [entry, action, msg] of resized) {
      if (action === 'CHANGED') ctx.log('INFO', `'${entry}' resized: ${msg}`);
      else ctx.log('DEBUG', `'${entry}' ${action}: ${msg}`);
    }
  },
};
