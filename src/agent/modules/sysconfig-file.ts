// RHEL-style /etc/sysconfig/* files (KEY=value lines sourced by shell scripts), updated as
// cloud-init's rhel_util.update_sysconfig_file does: existing lines kept, the given keys replaced
// or appended, values with whitespace quoted, and a "Created by cloud-init" header on a new file.
import type { Host } from '../host/host.js';
import { CLOUD_INIT_COMPAT_VERSION } from '../version.js';
import { rfc2822Now } from './time-format.js';

function quote(v: string): string {
  if (!v || !/[\t\r\n ]/.test(v) || (v.trim().startsWith('$(') && v.trim().endsWith(')'))) return v;
  if (/\$[A-Za-z_{0-9#?\-@*]/.test(v)) return /[\n"']/.test(v) ? `"""${v}"""` : `"${v}"`;
  return `'${v.replace(/'/g, `'"'"'`)}'`;
}

export function sysconfigSet(text: string | undefined, values: Record<string, string>): string {
  const lines = text === undefined ? [`# Created by cloud-init v. ${CLOUD_INIT_COMPAT_VERSION} on ${rfc2822Now()}`] : text.replace(/\n$/, '').split('\n');
  for (const [k, v] of Object.entries(values)) {
    const i = lines.findIndex((l) => new RegExp(`^\\s*${k}\\s*=`).test(l));
    const line = `${k}=${quote(v)}`;
    if (i >= 0) lines[i] = line;
    else lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

export async function updateSysconfig(host: Host, file: string, values: Record<string, string | undefined>): Promise<void> {
  const set = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  if (!Object.keys(set).length) return;
  const text = await host.fs.readTextIfExists(file);
  await host.fs.writeFile(file, sysconfigSet(text, set), { mode: 0o644 });
}
