// Instance record → config drive or NoCloud seed image. The file tree comes from src/wire (the same
// producer the HTTP API serves from); this module only chooses the medium: ISO 9660 (Nova's
// genisoimage image) or Nova's 64 MiB vfat, labelled config-2 or cidata.

import { configDriveTree } from '../../wire/config-drive-tree.js';
import type { Instance, JsonObject } from '../../wire/instance.js';
import { NOCLOUD_LABEL, nocloudSeed } from '../../wire/nocloud/seed.js';
import type { WireEntry } from '../../wire/openstack/tree.js';
import { buildFat } from './fat.js';
import type { Image } from './image.js';
import { treeFromPaths, type DirNode } from './image-tree.js';
import { buildIso } from './iso9660.js';

export const CONFIG_DRIVE_LABEL = 'config-2';

/** What the control API's ?format= names: a config drive as ISO or vfat, a NoCloud seed as either. */
export const DRIVE_FORMATS = ['iso', 'vfat', 'nocloud', 'nocloud-vfat'] as const;
export type DriveFormat = (typeof DRIVE_FORMATS)[number];

export function isDriveFormat(s: string): s is DriveFormat {
  return (DRIVE_FORMATS as readonly string[]).includes(s);
}

export interface DriveOptions {
  dhcpDomain: string;
  vendorData?: JsonObject;
  /** Every timestamp in the image. */
  clock: Date;
  /** The ISO publisher field (Nova writes "OpenStack Nova <version>"). */
  publisher: string;
  /** network_data.json → NoCloud network-config; see wire/nocloud/seed.ts. */
  nocloudNetworkConfig(networkDataJson: string): string;
  /** random_seed for meta_data.json; fresh per document when absent, as Nova. */
  randomSeed?: () => string;
}

export function driveEntries(instance: Instance, format: DriveFormat, opts: DriveOptions): WireEntry[] {
  const common = { dhcpDomain: opts.dhcpDomain, ...(opts.vendorData ? { vendorData: opts.vendorData } : {}) };
  if (format === 'nocloud' || format === 'nocloud-vfat') {
    return nocloudSeed(instance, { ...common, networkConfig: opts.nocloudNetworkConfig });
  }
  return configDriveTree(instance, { ...common, ...(opts.randomSeed ? { randomSeed: opts.randomSeed } : {}) });
}

export function driveTree(entries: readonly WireEntry[]): DirNode {
  return treeFromPaths(entries.map((e) => [e.path, e.body] as const));
}

export function driveImage(instance: Instance, format: DriveFormat, opts: DriveOptions): Image {
  const tree = driveTree(driveEntries(instance, format, opts));
  const label = format === 'nocloud' || format === 'nocloud-vfat' ? NOCLOUD_LABEL : CONFIG_DRIVE_LABEL;
  if (format === 'vfat' || format === 'nocloud-vfat') return buildFat(tree, { label, clock: opts.clock });
  return buildIso(tree, { label, clock: opts.clock, publisher: opts.publisher });
}

/** A file name for the image, for Content-Disposition and the CLI's messages. */
export function driveFileName(instance: Pick<Instance, 'uuid'>, format: DriveFormat): string {
  const ext = format === 'vfat' || format === 'nocloud-vfat' ? 'vfat' : 'iso';
  return `${format.startsWith('nocloud') ? 'nocloud' : 'config-drive'}-${instance.uuid}.${ext}`;
}
