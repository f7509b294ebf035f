// /etc/hosts as cloud-init's HostsConf edits it for manage_etc_hosts: localhost: lines are kept
// verbatim (comments and blanks too), entries for one address are replaced as a group, and
// rewritten entries are tab-separated.
type Line = { kind: 'blank' | 'comment'; text: string } | { kind: 'option'; pieces: string[]; tail: string };

export class HostsConf {
  private lines: Line[];

  constructor(text: string) {
    this.lines = [];
    for (const line of text.split('\n').filter((_, i, a) => !(i === a.length - 1 && a[i] === ''))) {
      if (!line.trim()) {
        this.lines.push({ kind: 'blank', text: line });
        continue;
      }
      const t = line.trim();
      const h = t.indexOf('#');
      const head = h >= 0 ? t.slice(0, h) : t;
      const tail = h >= 0 ? t.slice(h) : '';
      if (!head) this.lines.push({ kind: 'comment', text: line });
      else this.lines.push({ kind: 'option', pieces: head.split(/\s+/).filter(Boolean), tail });
    }
  }

  getEntry(ip: string): string[][] {
    return this.lines.filter((l): l is Extract<Line, { kind: 'option' }> => l.kind === 'option' && l.pieces[0] === ip).map((l) => l.pieces.slice(1));
  }

  delEntries(ip: string): void {
    this.lines = this.lines.filter((l) => l.kind !== 'option' || (l.pieces.length > 0 && l.pieces[0] !== ip));
  }

  addEntry(ip: string, canonical: string, ...aliases: string[]): void {
    this.lines.push({ kind: 'option', pieces: [ip, canonical, ...aliases], tail: '' });
  }

  toString(): string {
    return this.lines.map((l) => (l.kind === 'option' ? `${l.pieces.join('\t')}${l.tail}` : l.text)).map((s) => `${s}\n`).join('');
  }
}
