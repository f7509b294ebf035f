// The guest's "image customisation" layer: files planted before boot (cloud.cfg.d snippets, the
// kindling-init bundle, mount helpers) go into an extra overlay lower dir, so that they are part of the
// image the guest boots, and the upper dir still holds only what the boot itself changed.
import { mkdirSync, writeFileSync, symlinkSync, chmodSync, chownSync, lstatSync, existsSync, copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type PlantedFile =
  | string
  | Uint8Array
  | { content: string | Uint8Array; mode?: number; uid?: number; gid?: number }
  | { symlink: string }
  | { copyFrom: string; mode?: number; uid?: number; gid?: number };

function safeJoin(root: string, guestPath: string): string {
  if (!guestPath.startsWith('/') || guestPath.split('/').includes('..')) {
    throw new Error(`planted file path must be absolute with no "..": ${guestPath}`);
  }
  return join(root, guestPath);
}

/** Creates the parents of guestPath in layer, each with the mode and owner the base image gives it. */
function mkParents(layer: string, base: string, guestPath: string): void {
  const parts = dirname(guestPath).split('/').filter(Boolean);
  let rel = '';
  for (const part of parts) {
    rel += `/${part}`;
    const target = join(layer, rel);
    if (existsSync(target)) continue;
    const inBase = lstatIfExists(join(base, rel));
    if (inBase?.isSymbolicLink()) {
      throw new Error(`cannot plant ${guestPath}: ${rel} is a symlink in the image; plant at the resolved path`);
    }
    mkdirSync(target);
    chmodSync(target, inBase ? inBase.mode & 0o7777 : 0o755);
    if (inBase) chownSync(target, inBase.uid, inBase.gid);
  }
}

function lstatIfExists(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

export function plantFiles(layer: string, base: string, files: Record<string, PlantedFile>): void {
  mkdirSync(layer, { recursive: true });
  for (const [guestPath, spec] of Object.entries(files)) {
    const target = safeJoin(layer, guestPath);
    mkParents(layer, base, guestPath);
    if (typeof spec === 'object' && 'symlink' in spec) {
      symlinkSync(spec.symlink, target);
      continue;
    }
    const full = typeof spec === 'string' || spec instanceof Uint8Array ? { content: spec } : spec;
    if ('copyFrom' in full) copyFileSync(full.copyFrom, target);
    else writeFileSync(target, full.content);
    chmodSync(target, full.mode ?? 0o644);
    chownSync(target, full.uid ?? 0, full.gid ?? 0);
  }
}

/** The lab's datasource settings, as boot-cloud-init.sh-style labs plant them: short waits, the lab's address. */
export function labCloudCfg(datasources: string[]): string {
  const list = datasources.includes('None') ? datasources : [...datasources, 'None'];
  return [
    `datasource_list: [ ${list.join(', ')} ]`,
    'datasource:',
    '  OpenStack:',
    "    metadata_urls: [ 'http://169.254.169.254' ]",
    '    max_wait: 10',
    '    timeout: 5',
    '  Ec2:',
    "    metadata_urls: [ 'http://169.254.169.254' ]",
    '    max_wait: 10',
    '    timeout: 5',
    '',
  ].join('\n');
}

// mount(8) hands `mount -t iso9660|vfat DEV DIR` (and -t auto, once blkid named the type) to
// /sbin/mount.<type>; this kernel has no driver for either, so the helper serves the image through FUSE.
const fuseHelper = (tool: string, note: string) => `#!/bin/sh
# kindling lab: ${note}
# Called by mount(8) as: mount.TYPE DEVICE DIR [-sfnv] [-o OPTIONS]. Always read-only.
dev=$1 dir=$2
[ -n "$dev" ] && [ -n "$dir" ] || { echo "usage: $0 DEVICE DIR [-o OPTIONS]" >&2; exit 1; }
${tool}
`;

export const MOUNT_HELPERS: Record<string, PlantedFile> = {
  '/usr/sbin/mount.iso9660': {
    // -n: no $HOME/.mtab.fuseiso, which would show up in upper/ as a change the boot did not make
    content: fuseHelper('exec fuseiso -n "$dev" "$dir" -o ro', 'iso9660 through fuseiso (no kernel iso9660 driver here)'),
    mode: 0o755,
  },
  '/usr/sbin/mount.vfat': {
    content: fuseHelper('exec fusefat -o ro "$dev" "$dir" >/dev/null', 'vfat through fusefat (no kernel vfat driver here)'),
    mode: 0o755,
  },
  '/usr/sbin/mount.msdos': { symlink: 'mount.vfat' },
};
