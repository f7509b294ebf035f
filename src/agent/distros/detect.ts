// Which distro this is: system_info.distro when a config file names it, else /etc/os-release
// (ID, then ID_LIKE), else cloud-init's own default ('ubuntu').
import type { Host } from '../host/host.js';
import { DISTROS, distroByName, type DistroInfo } from './table.js';

export interface OsRelease {
  [key: string]: string;
}

/** Parses os-release's KEY=value lines (values optionally quoted). */
export function parseOsRelease(text: string): OsRelease {
  const out: OsRelease = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = (m[2] ?? '').trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    out[m[1] as string] = v;
  }
  return out;
}

export async function readOsRelease(host: Host): Promise<OsRelease> {
  const t = (await host.fs.readTextIfExists('/etc/os-release')) ?? (await host.fs.readTextIfExists('/usr/lib/os-release'));
  return t ? parseOsRelease(t) : {};
}

export function distroFromOsRelease(os: OsRelease): DistroInfo | undefined {
  const ids = [os.ID ?? '', ...(os.ID_LIKE ?? '').split(/\s+/)].filter(Boolean).map((s) => s.toLowerCase());
  for (const id of ids) {
    const d = DISTROS.find((x) => x.osReleaseIds.includes(id));
    if (d) return d;
  }
  return undefined;
}

export interface DistroChoice {
  info: DistroInfo;
  /** The name as configured or detected (may be a name we map onto a family entry). */
  name: string;
  osRelease: OsRelease;
}

export function chooseDistro(configured: unknown, os: OsRelease): DistroChoice {
  if (typeof configured === 'string' && configured) {
    const byName = distroByName(configured);
    if (byName) return { info: byName, name: configured, osRelease: os };
  }
  const detected = distroFromOsRelease(os);
  if (detected) return { info: detected, name: detected.name, osRelease: os };
  return { info: distroByName('ubuntu') as DistroInfo, name: 'ubuntu', osRelease: os };
}
