// Hostname and FQDN, as cloud-init derives and applies them: config `fqdn`/`hostname` first, then
// the metadata's local-hostname, then the running system's name (via /proc through the host's fs)
// and /etc/hosts. Applying writes the distro's persistent file (Debian's /etc/hostname keeps its
// comments) and sets the running name with `hostname` (or hostnamectl on systemd RHEL).
import type { Host } from '../host/host.js';
import type { DistroChoice } from '../distros/detect.js';

type Dict = Record<string, unknown>;

export interface HostnameFqdn {
  hostname: string | undefined;
  fqdn: string | undefined;
  isDefault: boolean;
}

export async function systemHostname(host: Host): Promise<string> {
  return ((await host.fs.readTextIfExists('/proc/sys/kernel/hostname').catch(() => undefined)) ?? 'localhost').trim() || 'localhost';
}

/** get_fqdn_from_hosts: the canonical name of the /etc/hosts line that lists `hostname`. */
export async function fqdnFromHosts(host: Host, hostname: string, file = '/etc/hosts'): Promise<string | undefined> {
  const t = await host.fs.readTextIfExists(file).catch(() => undefined);
  if (!t) return undefined;
  for (let line of t.split('\n')) {
    const h = line.indexOf('#');
    if (h >= 0) line = line.slice(0, h);
    const toks = line.trim().split(/\s+/);
    if (toks.length < 3) continue;
    if (toks.slice(1).includes(hostname)) return toks[1];
  }
  return undefined;
}

/** DataSource.get_hostname: the metadata's local-hostname, else the system's name. */
export async function dsHostname(host: Host, md: Dict | undefined, o: { fqdn?: boolean; metadataOnly?: boolean }): Promise<{ hostname: string | undefined; isDefault: boolean }> {
  const defdomain = 'localdomain';
  let domain = defdomain;
  let isDefault = false;
  let toks: string[];
  const lh = md?.['local-hostname'];
  if (!md || !lh) {
    if (o.metadataOnly) return { hostname: undefined, isDefault };
    const h = await systemHostname(host);
    if (h === 'localhost') isDefault = true;
    const fromHosts = await fqdnFromHosts(host, h);
    if (fromHosts && fromHosts.indexOf('.') > 0) toks = fromHosts.split('.');
    else if (h && h.indexOf('.') > 0) toks = h.split('.');
    else if (h) toks = [h, defdomain];
    else toks = ['localhost', defdomain];
  } else {
    const s = String(lh);
    toks = /^\d+\.\d+\.\d+\.\d+$/.test(s) ? [`ip-${s.replace(/\./g, '-')}`] : s.split('.');
  }
  let hostname = toks[0] as string;
  if (toks.length > 1) domain = toks.slice(1).join('.');
  if (o.fqdn && domain !== defdomain) hostname = `${hostname}.${domain}`;
  return { hostname, isDefault };
}

/** util.get_hostname_fqdn. */
export async function getHostnameFqdn(host: Host, cfg: Dict, md: Dict | undefined, metadataOnly = false): Promise<HostnameFqdn> {
  if (typeof cfg.fqdn === 'string' || (cfg.fqdn !== undefined && cfg.fqdn !== null)) {
    const fqdn = String(cfg.fqdn);
    const hostname = cfg.hostname !== undefined && cfg.hostname !== null ? String(cfg.hostname) : fqdn.split('.')[0];
    return { hostname, fqdn, isDefault: false };
  }
  if (typeof cfg.hostname === 'string' && cfg.hostname.indexOf('.') > 0) {
    return { hostname: cfg.hostname.slice(0, cfg.hostname.indexOf('.')), fqdn: cfg.hostname, isDefault: false };
  }
  const fq = await dsHostname(host, md, { fqdn: true, metadataOnly });
  if (cfg.hostname !== undefined && cfg.hostname !== null) return { hostname: String(cfg.hostname), fqdn: fq.hostname, isDefault: false };
  const h = await dsHostname(host, md, { metadataOnly });
  return { hostname: h.hostname, fqdn: fq.hostname, isDefault: h.isDefault };
}

/** The name to write: the FQDN where the distro or config prefers it. */
export function selectHostname(distro: DistroChoice, cfg: Dict, hostname: string | undefined, fqdn: string | undefined): string | undefined {
  const pref = cfg.prefer_fqdn_over_hostname;
  const preferFqdn = pref === undefined || pref === null ? distro.info.preferFqdn : pref === true || pref === 'true';
  if (preferFqdn && fqdn) return fqdn;
  return hostname || fqdn;
}

// ---- Debian's /etc/hostname (HostnameConf): comments and blank lines survive a rewrite ----

type HostnameLine = ['blank' | 'comment', string] | ['hostname', string, string];

export function parseHostnameConf(text: string): HostnameLine[] {
  const out: HostnameLine[] = [];
  const found = new Set<string>();
  for (const line of text.split('\n').filter((_, i, a) => !(i === a.length - 1 && a[i] === ''))) {
    if (!line.trim()) {
      out.push(['blank', line]);
      continue;
    }
    const t = line.trim();
    const h = t.indexOf('#');
    const head = h >= 0 ? t.slice(0, h) : t;
    const tail = h >= 0 ? t.slice(h) : '';
    if (!head) {
      out.push(['comment', line]);
      continue;
    }
    out.push(['hostname', head, tail]);
    found.add(head);
  }
  if (found.size > 1) throw new Error(`Multiple hostnames (${[...found].join(', ')}) found!`);
  return out;
}

export function renderHostnameConf(lines: HostnameLine[]): string {
  let s = lines.map((l) => (l[0] === 'hostname' ? `${l[1]}${l[2]}` : l[1])).join('\n');
  s += '\n';
  return s;
}

export function setHostnameInConf(text: string, name: string): string {
  const lines = parseHostnameConf(text);
  let replaced = false;
  for (const l of lines) {
    if (l[0] === 'hostname') {
      l[1] = name;
      replaced = true;
    }
  }
  if (!replaced) lines.push(['hostname', name, '']);
  return renderHostnameConf(lines);
}

function hostnameFromConf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const l = parseHostnameConf(text).find((x) => x[0] === 'hostname');
    return l ? (l[1] as string) : undefined;
  } catch {
    return undefined;
  }
}

async function usesSystemd(host: Host): Promise<boolean> {
  return (await host.fs.lstat('/run/systemd/system'))?.kind === 'dir';
}

/** Persists `name` where the distro keeps it (the file, or hostnamectl on systemd RHEL). */
export async function writeHostname(host: Host, distro: DistroChoice, name: string, file: string): Promise<void> {
  if (distro.info.hostname.method === 'hostnamectl' && (await usesSystemd(host)) && !file.endsWith('/previous-hostname')) {
    const r = await host.run(['hostnamectl', 'set-hostname', name]);
    if (r.code !== 0) throw new Error(`hostnamectl set-hostname failed: ${r.stderr.trim() || r.error || r.code}`);
    return;
  }
  if (file.endsWith('/previous-hostname') || distro.info.hostname.method !== 'sysconfig') {
    let prev: string | undefined;
    try {
      prev = await host.fs.readTextIfExists(file);
    } catch {
      prev = undefined;
    }
    let text: string;
    try {
      text = setHostnameInConf(prev ?? '', name);
    } catch {
      text = `${name}\n`;
    }
    await host.fs.writeFile(file, text, { mode: 0o644 });
    return;
  }
  // sysconfig style: HOSTNAME=... in /etc/sysconfig/network
  const prev = (await host.fs.readTextIfExists(file)) ?? '';
  const lines = prev.split('\n').filter((l, i, a) => !(i === a.length - 1 && l === ''));
  let done = false;
  const out = lines.map((l) => (/^\s*HOSTNAME=/.test(l) ? ((done = true), `HOSTNAME=${name}`) : l));
  if (!done) out.push(`HOSTNAME=${name}`);
  await host.fs.writeFile(file, `${out.join('\n')}\n`, { mode: 0o644 });
}

export async function readHostname(host: Host, distro: DistroChoice, file: string): Promise<string | undefined> {
  if (distro.info.hostname.method === 'hostnamectl' && (await usesSystemd(host)) && !file.endsWith('/previous-hostname')) {
    return systemHostname(host);
  }
  const t = await host.fs.readTextIfExists(file).catch(() => undefined);
  if (distro.info.hostname.method === 'sysconfig' && !file.endsWith('/previous-hostname')) {
    return t ? /^\s*HOSTNAME=(.*)$/m.exec(t)?.[1]?.trim() : undefined;
  }
  return hostnameFromConf(t);
}

/** The running (non-persistent) hostname. */
export async function applyHostname(host: Host, name: string): Promise<void> {
  host.log.log('DEBUG', 'distro', `Non-persistently setting the system hostname to ${name}`);
  const r = await host.run(['hostname', name]);
  if (r.code !== 0) host.log.log('WARNING', 'distro', `Failed to non-persistently adjust the system hostname to ${name}: ${r.stderr.trim() || r.error || r.code}`);
}

/** distro.set_hostname: persist, then apply. */
export async function setHostname(host: Host, distro: DistroChoice, cfg: Dict, hostname: string | undefined, fqdn: string | undefined): Promise<void> {
  const name = selectHostname(distro, cfg, hostname, fqdn);
  if (!name) return;
  await writeHostname(host, distro, name, distro.info.hostname.path);
  await applyHostname(host, name);
}

/** distro.update_hostname: respects a hostname the user changed since cloud-init set it. */
export async function updateHostname(host: Host, distro: DistroChoice, cfg: Dict, hostname: string | undefined, fqdn: string | undefined, prevFile: string): Promise<void> {
  const applying = hostname;
  const name = selectHostname(distro, cfg, hostname, fqdn);
  if (!name) return;
  const prev = (await host.fs.exists(prevFile)) ? await readHostname(host, distro, prevFile) : undefined;
  const sysFile = distro.info.hostname.path;
  const sys = await readHostname(host, distro, sysFile);
  const files = new Set<string>();
  if (!prev || prev !== name) files.add(prevFile);
  if (!sys || (sys === prev && sys !== name)) files.add(sysFile);
  if (sys && prev && sys !== prev) {
    host.log.log('INFO', 'distro', `${prevFile} differs from ${sysFile}, assuming user maintained hostname.`);
    return;
  }
  host.log.log('DEBUG', 'distro', `Attempting to update hostname to ${name} in ${files.size} files`);
  for (const f of files) {
    try {
      await writeHostname(host, distro, name, f);
    } catch (e) {
      host.log.log('WARNING', 'distro', `Failed to write hostname ${name} to ${f}: ${(e as Error).message}`);
    }
  }
  if (files.has(sysFile) && applying) await applyHostname(host, applying);
}
