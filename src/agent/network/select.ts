// Which renderer and which activator this machine can use: the first of the priority list whose
// tools and files exist in the root (as cloud-init's `available()` checks decide).
import type { Host } from '../host/host.js';
import type { RendererName } from './renderer.js';

export const DEFAULT_RENDERER_PRIORITY: RendererName[] = ['eni', 'sysconfig', 'netplan', 'network-manager', 'networkd'];
export const DEFAULT_ACTIVATOR_PRIORITY: RendererName[] = ['eni', 'netplan', 'network-manager', 'networkd'];

// distros whose images use /etc/sysconfig network scripts
const SYSCONFIG_DISTROS = ['almalinux', 'centos', 'cloudlinux', 'eurolinux', 'fedora', 'miraclelinux', 'openEuler', 'openmandriva',
  'rhel', 'rocky', 'suse', 'opensuse', 'sles', 'virtuozzo'];

/** An executable `name` in one of `dirs` inside the root. */
export async function which(host: Host, name: string, dirs: string[]): Promise<boolean> {
  for (const d of dirs) {
    const st = await host.fs.stat(`${d}/${name}`).catch(() => undefined);
    if (st && st.kind === 'file' && (st.mode & 0o111) !== 0) return true;
  }
  return false;
}

const PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

async function isFile(host: Host, p: string): Promise<boolean> {
  return (await host.fs.stat(p).catch(() => undefined))?.kind === 'file';
}

export async function rendererAvailable(host: Host, name: string, distro: string): Promise<boolean> {
  switch (name) {
    case 'eni':
      for (const tool of ['ifquery', 'ifup', 'ifdown']) if (!(await which(host, tool, ['/sbin', '/usr/sbin']))) return false;
      return isFile(host, '/etc/network/interfaces');
    case 'netplan':
      return which(host, 'netplan', ['/usr/sbin', '/sbin']);
    case 'sysconfig':
      if (!SYSCONFIG_DISTROS.includes(distro)) return false;
      for (const tool of ['ifup', 'ifdown']) if (!(await which(host, tool, ['/sbin', '/usr/sbin']))) return false;
      return (await isFile(host, '/etc/sysconfig/network-scripts/network-functions')) || isFile(host, '/etc/sysconfig/config');
    case 'network-manager': {
      if (!(await isFile(host, '/etc/NetworkManager/NetworkManager.conf')) || !(await which(host, 'nmcli', PATH))) return false;
      if (!(await host.fs.exists('/run/systemd/system'))) return true;
      const r = await host.run(['systemctl', 'is-enabled', 'NetworkManager.service']).catch(() => undefined);
      return r?.code === 0;
    }
    case 'networkd':
      return (await which(host, 'ip', ['/usr/sbin', '/bin'])) && which(host, 'systemctl', ['/usr/sbin', '/bin']);
    default:
      return false;
  }
}

/** The first available name of `priority`; undefined when none is. */
export async function selectAvailable(host: Host, priority: string[], distro: string): Promise<RendererName | undefined> {
  for (const name of priority) {
    if (await rendererAvailable(host, name, distro)) return name as RendererName;
  }
  return undefined;
}

/** Priority lists must only name known renderers (cloud-init refuses unknown ones too). */
export function checkPriority(priority: unknown, known: string[], what: string): string[] | undefined {
  if (priority === undefined || priority === null) return undefined;
  if (!Array.isArray(priority)) throw new Error(`${what} must be a list, got ${JSON.stringify(priority)}`);
  const unknown = priority.filter((p) => !known.includes(String(p)));
  if (unknown.length) throw new Error(`Unknown ${what} provided in priority list: ${unknown.map(String).join(', ')}`);
  return priority.map(String);
}
