// util.is_container: whether the agent runs in a container (systemd-detect-virt where present, then
// the markers old LXC, libvirt-lxc, OpenVZ and VServer leave), for modules that then skip quietly.
import type { Host } from '../host/host.js';
import { which } from './which.js';

export async function isContainer(host: Host): Promise<boolean> {
  if (await which(host, 'systemd-detect-virt')) {
    const r = await host.run(['systemd-detect-virt', '--quiet', '--container']);
    if (r.code === 0 && !r.error) return true;
  }
  if (await which(host, 'lxc-is-container')) {
    const r = await host.run(['lxc-is-container']);
    if (r.code === 0 && !r.error) return true;
  }
  const env = await host.fs.readFile('/proc/1/environ').catch(() => undefined);
  if (env) {
    const keys = env.toString('utf8').split('\0').map((kv) => kv.split('=')[0]);
    if (keys.includes('container') || keys.includes('LIBVIRT_LXC_UUID')) return true;
  }
  if ((await host.fs.stat('/proc/vz'))?.kind === 'dir' && (await host.fs.stat('/proc/bc'))?.kind !== 'dir') return true;
  const status = await host.fs.readTextIfExists('/proc/self/status').catch(() => undefined);
  const vx = status ? /^VxID:\s*(\S+)/m.exec(status) : null;
  return !!vx && vx[1] !== '0';
}

/** rootdev_from_cmdline: the root= device of the kernel command line as a path. */
export async function rootdevFromCmdline(host: Host): Promise<string | undefined> {
  const cmdline = (await host.fs.readTextIfExists('/proc/cmdline').catch(() => undefined)) ?? '';
  const tok = cmdline.split(/\s+/).find((t) => t.startsWith('root='));
  if (!tok) return undefined;
  const found = tok.slice(5);
  if (found.startsWith('/dev/')) return found;
  if (found.startsWith('LABEL=')) return `/dev/disk/by-label/${found.slice(6)}`;
  if (found.startsWith('UUID=')) return `/dev/disk/by-uuid/${found.slice(5).toLowerCase()}`;
  if (found.startsWith('PARTUUID=')) {
    const p = `/dev/disk/by-partuuid/${found.slice(9).toLowerCase()}`;
    if (await host.fs.exists(p)) return p;
    const r = await host.run(['blkid', `-t${found}`, '-odevice']);
    const dev = r.code === 0 ? r.stdout.split('\n').map((l) => l.trim()).find(Boolean) : undefined;
    return dev ?? p;
  }
  return `/dev/${found}`;
}
