// sshd_config reading and updating as cloud-init's ssh_util: options are matched case-insensitively,
// an existing option's value is replaced in place, a missing one appended. When sshd_config
// includes sshd_config.d/*.conf (Debian 12, Ubuntu 22.04+), the change goes to the drop-in
// sshd_config.d/50-cloud-init.conf (0600) instead, leaving the distro's file untouched.
import type { Host } from '../host/host.js';

export const DEF_SSHD_CFG = '/etc/ssh/sshd_config';

interface Line {
  line: string;
  key?: string;
  value?: string;
}

export function parseSshdConfigLines(text: string, log?: (m: string) => void): Line[] {
  const out: Line[] = [];
  for (let line of text.split('\n').filter((_, i, a) => !(i === a.length - 1 && a[i] === ''))) {
    line = line.trim();
    if (!line || line.startsWith('#')) {
      out.push({ line });
      continue;
    }
    let m = /^(\S+)\s+([\s\S]*)$/.exec(line);
    if (!m) m = /^([^=]+)=([\s\S]*)$/.exec(line);
    if (!m) {
      log?.(`sshd_config: option "${line}" has no key/value pair, skipping it`);
      continue;
    }
    out.push({ line, key: m[1] as string, value: m[2] as string });
  }
  return out;
}

export async function parseSshdConfigMap(host: Host, file = DEF_SSHD_CFG): Promise<Record<string, string>> {
  const t = await host.fs.readTextIfExists(file).catch(() => undefined);
  if (!t) return {};
  const out: Record<string, string> = {};
  for (const l of parseSshdConfigLines(t)) if (l.key) out[l.key.toLowerCase()] = l.value ?? '';
  return out;
}

function lineToString(l: Line): string {
  if (l.key === undefined) return l.line;
  return l.value ? `${l.key} ${l.value}` : l.key;
}

/** Applies {Option: value}; returns whether the file changed. */
export async function updateSshdConfig(host: Host, updates: Record<string, string>, file = DEF_SSHD_CFG): Promise<boolean> {
  let target = file;
  const main = await host.fs.readTextIfExists(file).catch(() => undefined);
  if (main && main.split('\n').some((l) => l.startsWith(`Include ${file}.d/*.conf`))) {
    if (!(await host.fs.exists(`${file}.d`))) await host.fs.mkdir(`${file}.d`, { mode: 0o755 });
    target = `${file}.d/50-cloud-init.conf`;
    if (!(await host.fs.exists(target))) await host.fs.writeFile(target, '', { mode: 0o600 });
  }
  const text = (await host.fs.readTextIfExists(target)) ?? '';
  const lines = parseSshdConfigLines(text);
  const casemap = new Map(Object.keys(updates).map((k) => [k.toLowerCase(), k]));
  const found = new Set<string>();
  const changed: string[] = [];
  lines.forEach((l, i) => {
    if (!l.key) return;
    const key = casemap.get(l.key.toLowerCase());
    if (!key) return;
    const value = updates[key] as string;
    found.add(key);
    if (l.value === value) host.log.log('DEBUG', 'ssh_util', `line ${i + 1}: option ${key} already set to ${value}`);
    else {
      changed.push(key);
      host.log.log('DEBUG', 'ssh_util', `line ${i + 1}: option ${key} updated ${l.value} -> ${value}`);
      l.value = value;
    }
  });
  for (const [key, value] of Object.entries(updates)) {
    if (found.has(key)) continue;
    changed.push(key);
    lines.push({ line: '', key, value });
    host.log.log('DEBUG', 'ssh_util', `line ${lines.length}: option ${key} added with ${value}`);
  }
  if (changed.length) {
    const st = await host.fs.stat(target);
    await host.fs.writeFile(target, `${lines.map(lineToString).join('\n')}\n`, { mode: st ? st.mode : 0o644 });
  }
  return changed.length > 0;
}
