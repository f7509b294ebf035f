// Images attached to a guest as block devices: a loop device on the host, its node in the guest's
// /dev under the kernel's name (so that blkid's scan of /proc/partitions finds it) and optionally an
// alias (vdb, sr0). The guest's mount(8) reaches the filesystem through the FUSE helpers planted with
// it (guest-layer.ts), since this kernel has no iso9660 or vfat driver.
import { copyFileSync, mkdirSync, statSync, constants } from 'node:fs';
import { basename, join } from 'node:path';
import { command } from './command.js';
import { track, untrack } from './reaper.js';

export interface BlockDevice {
  /** An ISO9660 or vfat image (any file a loop device can hold). The guest gets a private copy. */
  image: string;
  /** A second name for the device in the guest's /dev, e.g. 'vdb' or 'sr0'. */
  alias?: string;
  /** Attach read-write (default read-only, like Nova's config drive). */
  readWrite?: boolean;
}

export interface AttachedDevice {
  image: string;
  /** The host's loop device, e.g. /dev/loop3. */
  loop: string;
  major: number;
  minor: number;
  /** Names in the guest's /dev. */
  guestNames: string[];
  detach(): Promise<void>;
}

export async function attachBlockDevices(guestDir: string, devices: BlockDevice[]): Promise<AttachedDevice[]> {
  const dir = join(guestDir, 'disks');
  mkdirSync(dir, { recursive: true });
  const out: AttachedDevice[] = [];
  for (const [i, dev] of devices.entries()) {
    if (dev.alias && !/^[a-z][a-z0-9]*$/.test(dev.alias)) throw new Error(`block device alias must be a plain device name: ${dev.alias}`);
    // a private copy: the loop device never pins or changes the caller's file, and a leftover is ours to sweep
    const copy = join(dir, `${i}-${basename(dev.image)}`);
    copyFileSync(dev.image, copy, constants.COPYFILE_FICLONE);
    const r = await command(['losetup', '--find', '--show', ...(dev.readWrite ? [] : ['--read-only']), copy]);
    const loop = r.stdout.trim();
    track('loop', loop);
    const rdev = statSync(loop).rdev;
    const major = (rdev >> 8) & 0xfff;
    const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
    let detached = false;
    out.push({
      image: dev.image,
      loop,
      major,
      minor,
      guestNames: [basename(loop), ...(dev.alias ? [dev.alias] : [])],
      async detach() {
        if (detached) return;
        detached = true;
        await command(['losetup', '-d', loop], { allowFailure: true });
        untrack('loop', loop);
      },
    });
  }
  return out;
}
