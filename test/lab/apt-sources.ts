// The Debian mirror comes from the host's own apt configuration at run time (deb822 .sources files or
// one-line sources.list), so that no mirror name is ever written into the project.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface AptSource {
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  signedBy?: string;
}

export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || !line.trim()) continue;
      if (/^\s/.test(line) && last) {
        fields.set(last, `${fields.get(last)} ${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (!m) continue;
      last = m[1]!.toLowerCase();
      fields.set(last, m[2]!.trim());
    }
    if (!fields.has('uris')) continue;
    if ((fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    const words = (k: string) => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
    const src: AptSource = { types: words('types'), uris: words('uris'), suites: words('suites'), components: words('components') };
    const signedBy = fields.get('signed-by');
    if (signedBy && !signedBy.includes('\n') && !signedBy.includes('BEGIN PGP')) src.signedBy = signedBy;
    out.push(src);
  }
  return out;
}

export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const src: AptSource = { types: [m[1]!], uris: [m[3]!], suites: [m[4]!], components: m[5]!.split(/\s+/).filter(Boolean) };
    const signed = /signed-by=(\S+)/.exec(m[2] ?? '');
    if (signed) src.signedBy = signed[1]!;
    out.push(src);
  }
  return out;
}

export function hostAptSources(etcApt = '/etc/apt'): AptSource[] {
  const out: AptSource[] = [];
  const list = join(etcApt, 'sources.list');
  if (existsSync(list)) out.push(...parseOneLineSources(readFileSync(list, 'utf8')));
  const dir = join(etcApt, 'sources.list.d');
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      const text = () => readFileSync(join(dir, name), 'utf8');
      if (name.endsWith('.sources')) out.push(...parseDeb822Sources(text()));
      else if (name.endsWith('.list')) out.push(...parseOneLineSources(text()));
    }
  }
  return out;
}

/** Debian archive entries for `suite` and its -updates/-security companions, as the host configures them. */
export function debianSourcesFor(suite: string, sources: AptSource[]): { mirror: string; entries: AptSource[] } {
  const binary = sources.filter((s) => s.types.includes('deb') && s.components.includes('main'));
  const entries = binary.filter((s) => s.suites.some((x) => x === suite || x.startsWith(`${suite}-`)));
  const main = entries.find((s) => s.suites.includes(suite));
  const mirror = main?.uris[0];
  if (!mirror) {
    throw new Error(
      `no Debian mirror for ${suite}: the host's apt configuration (/etc/apt/sources.list, /etc/apt/sources.list.d/*.sources) ` +
        `has no enabled "deb" entry for suite ${suite} with component main`,
    );
  }
  return { mirror, entries };
}

/** deb822 text for the guest image: the same entries, main component only. */
export function renderDeb822(entries: AptSource[]): string {
  return entries
    .map((s) =>
      [
        'Types: deb',
        `URIs: ${s.uris.join(' ')}`,
        `Suites: ${s.suites.join(' ')}`,
        'Components: main',
        `Signed-By: ${s.signedBy ?? '/usr/share/keyrings/debian-archive-keyring.gpg'}`,
      ].join('\n'),
    )
    .join('\n\n')
    .concat('\n');
}
