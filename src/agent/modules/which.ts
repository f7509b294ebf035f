// subp.which: is a command on the PATH (or, given a path, that file) an executable file in the
// guest? Read through the host's fs, so no process is started to find out.
import type { Host } from '../host/host.js';

const GUEST_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The guest path of the executable, or undefined. */
export async function which(host: Host, cmd: string): Promise<string | undefined> {
  if (!cmd) return undefined;
  const candidates = cmd.includes('/') ? [cmd.startsWith('/') ? cmd : `/${cmd}`] : GUEST_PATH.map((d) => `${d}/${cmd}`);
  for (const c of candidates) {
    const st = await host.fs.stat(c).catch(() => undefined);
    if (st?.kind === 'file' && st.mode & 0o111) return c;
  }
  return undefined;
}
