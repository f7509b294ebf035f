// Name ↔ id lookups from the guest's /etc/passwd and /etc/group (through the host's fs, so they
// are the image's users, never the machine running a test).
import type { Host } from '../host/host.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export async function readPasswd(host: Host): Promise<PasswdEntry[]> {
  const t = (await host.fs.readTextIfExists('/etc/passwd')) ?? '';
  return t.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const f = l.split(':');
    return { name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]), gecos: f[4] ?? '', home: f[5] ?? '', shell: f[6] ?? '' };
  }).filter((e) => e.name && Number.isInteger(e.uid));
}

export async function readGroups(host: Host): Promise<GroupEntry[]> {
  const t = (await host.fs.readTextIfExists('/etc/group')) ?? '';
  return t.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const f = l.split(':');
    return { name: f[0] ?? '', gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) };
  }).filter((e) => e.name && Number.isInteger(e.gid));
}

export async function lookupUser(host: Host, name: string): Promise<PasswdEntry | undefined> {
  return (await readPasswd(host)).find((e) => e.name === name);
}

export async function lookupGroup(host: Host, name: string): Promise<GroupEntry | undefined> {
  return (await readGroups(host)).find((e) => e.name === name);
}

/** "user:group" or "user" → ids; a numeric part is taken as an id. undefined parts stay unchanged. */
export async function resolveOwner(host: Host, spec: string): Promise<{ uid?: number; gid?: number; error?: string }> {
  const [u, g] = spec.split(':', 2);
  const out: { uid?: number; gid?: number; error?: string } = {};
  if (u) {
    if (/^\d+$/.test(u)) out.uid = Number(u);
    else {
      const e = await lookupUser(host, u);
      if (!e) return { error: `Unknown user ${u}` };
      out.uid = e.uid;
    }
  }
  if (g) {
    if (/^\d+$/.test(g)) out.gid = Number(g);
    else {
      const e = await lookupGroup(host, g);
      if (!e) return { error: `Unknown group ${g}` };
      out.gid = e.gid;
    }
  }
  return out;
}
