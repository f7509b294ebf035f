// What blkid says about a device, for the two filesystems config drives and NoCloud seeds use:
// TYPE (iso9660 or vfat), LABEL and, for FAT, LABEL_FATBOOT. Cheap: a few sectors at most.
// And the filesystem itself, opened for reading in user space. Pure: bytes come from a ReadAt.

import type { ImageFs } from './image-fs.js';
import { openFat, probeFat } from './fat.js';
import { openIso9660, probeIso9660 } from './iso9660.js';
import type { ReadAt } from './read-at.js';

export interface DeviceProbe {
  type: 'iso9660' | 'vfat';
  label?: string;
  labelFatboot?: string;
}

export async function probeDevice(read: ReadAt): Promise<DeviceProbe | undefined> {
  const iso = await probeIso9660(read);
  if (iso) {
    // blkid prefers the Joliet identifier (it may hold what the primary one cannot)
    const label = iso.jolietLabel || iso.primaryLabel;
    return { type: 'iso9660', ...(label ? { label } : {}) };
  }
  const fat = await probeFat(read);
  if (fat) return { type: 'vfat', ...(fat.label !== undefined ? { label: fat.label } : {}), ...(fat.bootLabel !== undefined ? { labelFatboot: fat.bootLabel } : {}) };
  return undefined;
}

/** The filesystem on the device, or undefined when it is neither ISO 9660 nor FAT. */
export async function openImageFs(read: ReadAt): Promise<ImageFs | undefined> {
  return (await openIso9660(read)) ?? (await openFat(read));
}
