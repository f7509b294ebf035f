// resizefs: grows the root filesystem to its device. Finds the root mount in
// /proc/self/mountinfo; a root that is not a writable block device (an overlay, a container) is
// reported and left alone, as cloud-init does.
import type { ModuleDef } from './types.js';
import { PER_ALWAYS } from '../state/semaphores.js';

export function rootMount(mountinfo: string): { dev: string; fstype: string; mountPoint: string } | undefined {
  let found: { dev: string; fstype: string; mountPoint: string } | undefined;
  for (const line of mountinfo.split('\n')) {
    const parts = line.split(' - ');
    if (parts.length < 2) continue;
    const pre = (parts[0] as string).split(' ');
    const post = (parts[1] as string).split(' ');
    if (pre[4] !== '/') continue;
    found = { dev: post[1] as string, fstype: post[0] as string, mountPoint: '/' };
  }
  return found;
}

export const resizefs: ModuleDef = {
  name: 'resizefs',
  frequency: PER_ALWAYS,
  distros: 'all',
  async run(ctx) {
    const v = ctx.args.length ? ctx.args[0] : ctx.cfg.resize_rootfs ?? true;
    const on = v === true || (typeof v === 'string' && ['true', '1', 'on', 'yes', 'noblock'].includes(v.toLowerCase()));
    if (!on) {
      ctx.log('DEBUG', `Skipping module named ${ctx.name}, resizing disabled`);
      return;
    }
    const mi = await ctx.host.fs.readTextIfExists('/proc/self/mountinfo').catch(() => undefined);
    const root = mi ? rootMount(mi) : undefined;
    if (!root) {
      ctx.log('WARNING', 'Could not determine filesystem type of /');
      return;
    }
    const info = `dev=${root.dev} mnt_point=${root.mountPoint} path=/`;
    ctx.log('DEBUG', `resize_info: ${info}`);
    let dev = root.dev;
    if (dev === '/dev/root') {
      const cmd = ((await ctx.host.fs.readTextIfExists('/proc/cmdline')) ?? '').split(/\s+/).find((t) => t.startsWith('root='));
      dev = cmd ? cmd.slice(5) : dev;
    }
    if (!dev.startsWith('/dev/')) {
      ctx.log('DEBUG', `'${dev}' doesn't appear to be a valid device path. Trying '/dev/${dev}'`);
      dev = `/dev/${dev}`;
    }
    const st = await ctx.host.fs.stat(dev);
    if (!st) {
      ctx.log('WARNING', `Device '${dev}' did not exist. cannot resize: ${info}`);
      return;
    }
    if (st.kind !== 'other') {
      ctx.log('WARNING', `device '${dev}' not a block device. cannot resize: ${info}`);
      return;
    }
    throw new Error(`resizing the ${root.fstype} root filesystem on ${dev} is not implemented in kindling-init yet`);
  },
};
