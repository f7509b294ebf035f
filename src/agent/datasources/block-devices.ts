// Block devices found and read the way the config-drive and NoCloud datasources need them, without
// blkid and without mounting:
// - the devices blkid would scan: every name in /proc/partitions with a node in /dev (plus any
//   extra paths the caller names, e.g. the optical drives ConfigDrive probes), each probed for an
//   ISO 9660 or FAT filesystem (or an ext2/3/4 label) by reading a few sectors through the host;
// - a filesystem read in user space, read-only by construction (src/wire/disk-image), or, for a
//   filesystem those readers do not know, mounted read-only in a private temporary directory.
// Devices that cannot be opened (no medium, permission) are skipped: detection fails closed.
import type { Host } from '../host/host.js';
import { crypto } from '../host/lazy-builtins.js';
import { cachedReader, ImageFormatError, u16le, u32le, type ReadAt } from '../../wire/disk-image/read-at.js';
import { openImageFs, probeDevice } from '../../wire/disk-image/probe.js';
import type { ImageFs } from '../../wire/disk-image/image-fs.js';

export interface BlockDevice {
  device: string;
  /** blkid's TYPE, for the filesystems we recognise: iso9660, vfat, ext2/3/4. */
  type: string;
  label?: string;
  labelFatboot?: string;
}

/** Files seen through a seed directory, a filesystem read in user space, or a mount. */
export interface SeedReader {
  /** Where it comes from, for log lines. */
  readonly where: string;
  /** The bytes of a file (path relative to the top); undefined when missing or not a file. */
  read(rel: string): Promise<Uint8Array | undefined>;
  kind(rel: string): Promise<'file' | 'dir' | undefined>;
  /** Names in a directory, sorted; undefined when it is not a directory. */
  readdir(rel: string): Promise<string[] | undefined>;
}

export const MAX_SEED_FILE = 64 * 1024 * 1024;

/** ext2/3/4: magic 0xEF53 in the superblock at 1024, the label at +120 (16 bytes). */
async function probeExt(read: ReadAt): Promise<BlockDevice | undefined> {
  const sb = await read(1024, 1024);
  if (sb.byteLength < 1024 || u16le(sb, 56) !== 0xef53) return undefined;
  const compat = u32le(sb, 92), incompat = u32le(sb, 96);
  const type = incompat & ~0x0006 ? 'ext4' : compat & 0x4 ? 'ext3' : 'ext2';
  let label = '';
  for (let i = 120; i < 136 && sb[i] !== 0; i++) label += String.fromCharCode(sb[i] as number);
  return { device: '', type, ...(label ? { label } : {}) };
}

async function withReader<T>(host: Host, device: string, fn: (read: ReadAt) => Promise<T>): Promise<T> {
  const h = await host.fs.openRead(device);
  try {
    return await fn(cachedReader((o, l) => h.read(o, l), 64 * 1024, 64));
  } finally {
    await h.close();
  }
}

export async function probeBlockDevice(host: Host, device: string): Promise<BlockDevice | undefined> {
  try {
    return await withReader(host, device, async (read) => {
      const p = await probeDevice(read);
      if (p) return { device, ...p };
      const ext = await probeExt(read);
      return ext ? { ...ext, device } : undefined;
    });
  } catch (e) {
    host.log.log('DEBUG', 'util', `Skipping device ${device}: ${(e as Error).message}`);
    return undefined;
  }
}

/** The device paths blkid scans: /proc/partitions names that have a node in /dev, plus `extra`. */
export async function candidateDevices(host: Host, extra: readonly string[] = []): Promise<string[]> {
  const text = (await host.fs.readTextIfExists('/proc/partitions').catch(() => undefined)) ?? '';
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 4 || !/^\d+$/.test(f[0] as string) || !/^\d+$/.test(f[2] as string)) continue;
    const name = f[3] as string;
    if (!/^[A-Za-z0-9._!-]+$/.test(name)) continue;
    names.add(`/dev/${name.replace(/!/g, '/')}`);
  }
  for (const e of extra) names.add(e);
  const out: string[] = [];
  for (const d of names) {
    const st = await host.fs.stat(d).catch(() => undefined);
    if (st && (st.kind === 'other' || st.kind === 'file')) out.push(d);
  }
  return out;
}

/** Every candidate device with a filesystem we recognise (one scan per host and list of extras). */
const scans = new WeakMap<Host, Map<string, Promise<BlockDevice[]>>>();
export function scanBlockDevices(host: Host, extra: readonly string[] = []): Promise<BlockDevice[]> {
  let byExtra = scans.get(host);
  if (!byExtra) scans.set(host, (byExtra = new Map()));
  const key = extra.join('\0');
  let p = byExtra.get(key);
  if (!p) {
    p = (async () => {
      const out: BlockDevice[] = [];
      for (const d of await candidateDevices(host, extra)) {
        const b = await probeBlockDevice(host, d);
        if (b) out.push(b);
      }
      return out;
    })();
    byExtra.set(key, p);
  }
  return p;
}

/** Forget earlier scans (a device may have been attached since). */
export function forgetScans(host: Host): void {
  scans.delete(host);
}

/** util.is_partition: /sys/class/block/<name>/partition exists. */
export async function isPartition(host: Host, device: string): Promise<boolean> {
  const name = device.split('/').pop() as string;
  return host.fs.exists(`/sys/class/block/${name}/partition`);
}

export function dirReader(host: Host, dir: string): SeedReader {
  const abs = (rel: string) => `${dir.replace(/\/+$/, '')}/${rel.replace(/^\/+/, '')}`;
  return {
    where: dir,
    async read(rel) {
      const p = abs(rel);
      const st = await host.fs.stat(p).catch(() => undefined);
      if (!st || st.kind !== 'file') return undefined;
      if (st.size > MAX_SEED_FILE) throw new ImageFormatError(`${p}: ${st.size} bytes, more than the ${MAX_SEED_FILE} allowed`);
      return host.fs.readFile(p);
    },
    async kind(rel) {
      const st = await host.fs.stat(abs(rel)).catch(() => undefined);
      return st?.kind === 'dir' ? 'dir' : st?.kind === 'file' ? 'file' : undefined;
    },
    async readdir(rel) {
      const p = abs(rel);
      if ((await host.fs.stat(p).catch(() => undefined))?.kind !== 'dir') return undefined;
      return host.fs.readdir(p);
    },
  };
}

function imageReader(fs: ImageFs, device: string): SeedReader {
  return {
    where: device,
    read: (rel) => fs.readFile(rel, MAX_SEED_FILE),
    kind: (rel) => fs.kind(rel),
    readdir: (rel) => fs.readdir(rel),
  };
}

export class MountFailedError extends Error {}

/**
 * util.mount_cb without the mount where it can: runs fn over the device's files. ISO 9660 and FAT
 * are read in user space; another filesystem is mounted read-only (mount -o ro) in a private
 * directory under /run/cloud-init/tmp and unmounted afterwards.
 */
export async function withDeviceFiles<T>(host: Host, device: string, fn: (r: SeedReader) => Promise<T>): Promise<T> {
  const h = await host.fs.openRead(device).catch((e: Error) => {
    throw new MountFailedError(`cannot open ${device}: ${e.message}`);
  });
  let fs: ImageFs | undefined;
  try {
    fs = await openImageFs(cachedReader((o, l) => h.read(o, l), 64 * 1024, 256));
    if (fs) return await fn(imageReader(fs, device));
  } finally {
    await h.close();
  }
  return withMount(host, device, fn);
}

async function withMount<T>(host: Host, device: string, fn: (r: SeedReader) => Promise<T>): Promise<T> {
  const base = '/run/cloud-init/tmp';
  await host.fs.mkdir(base, { mode: 0o700 });
  const dir = `${base}/kindling-mnt-${crypto().randomBytes(6).toString('hex')}`;
  await host.fs.mkdir(dir, { mode: 0o700 });
  const m = await host.run(['mount', '-o', 'ro', device, dir], { timeoutMs: 60_000 });
  if (m.error || m.code !== 0) {
    await host.fs.remove(dir).catch(() => undefined);
    throw new MountFailedError(`Failed mounting ${device} at ${dir}: ${(m.error ?? m.stderr).trim()}`);
  }
  try {
    return await fn(dirReader(host, dir));
  } finally {
    const u = await host.run(['umount', dir], { timeoutMs: 60_000 });
    // only an empty directory is ever removed: never anything still mounted
    if (!u.error && u.code === 0) await host.fs.remove(dir).catch(() => undefined);
    else host.log.log('WARNING', 'util', `Failed unmounting ${dir}: ${(u.error ?? u.stderr).trim()}`);
  }
}
