// The mounts as the guest sees them: util.get_mount_info (which mount holds a path, from
// /proc/self/mountinfo) and util.mounts (what is mounted where, from /proc/mounts).
import type { Host } from '../host/host.js';

export interface MountInfo {
  dev: string;
  fstype: string;
  mountPoint: string;
  options: string;
}

/** parse_mount_info: the deepest mount point above `path`; undefined on any malformed line. */
export function parseMountInfo(path: string, text: string): MountInfo | undefined {
  const pathEls = path.split('/').filter(Boolean);
  let found: MountInfo | undefined;
  let foundEls: string[] | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const parts = line.split(/\s+/).filter(Boolean);
    if (parts.length < 10) return undefined;
    const mp = parts[4] as string;
    const mpEls = mp.split('/').filter(Boolean);
    if (mpEls.length > pathEls.length) continue;
    const x = Math.min(mpEls.length, pathEls.length);
    if (mpEls.slice(0, x).join('/') !== pathEls.slice(0, x).join('/')) continue;
    if (foundEls && foundEls.length > mpEls.length) continue;
    const i = parts.indexOf('-');
    if (i < 0 || parts.length < i + 3) return undefined;
    found = { fstype: parts[i + 1] as string, dev: parts[i + 2] as string, mountPoint: mp, options: parts[5] as string };
    foundEls = mpEls;
  }
  return found;
}

export async function getMountInfo(host: Host, path: string): Promise<MountInfo | undefined> {
  const text = await host.fs.readTextIfExists('/proc/self/mountinfo').catch(() => undefined);
  return text === undefined ? undefined : parseMountInfo(path, text);
}

/**
 * util.mounts(): the mount point of each device in /proc/mounts ("\040" in names is a space).
 * Keyed by device as cloud-init's is, so a device mounted twice counts with its last mount only.
 */
export async function currentMountPoints(host: Host): Promise<string[]> {
  const text = (await host.fs.readTextIfExists('/proc/mounts').catch(() => undefined)) ?? '';
  const byDev = new Map<string, string>();
  for (const line of text.split('\n')) {
    const parts = line.split(/\s+/).filter(Boolean);
    if (parts.length !== 6) continue;
    byDev.set(parts[0] as string, (parts[1] as string).replace(/\\040/g, ' '));
  }
  return [...byDev.values()];
}
